# Both services on Cloud Run. Network ingress is "internal and Cloud Load Balancing": the internet reaches
# them only through the load balancer (storefront.tf), whose URL map routes /products*, /orders* and
# /customers/* and nothing else, so /stock* is unreachable from outside. The orders service sends all its
# egress into the VPC, which is what makes its calls to products "internal".
#
# IAM: the load balancer cannot present Google credentials, and the orders service authenticates to
# products with its own service token (Authorization header), so both services admit unauthenticated
# invocations at the IAM layer; the ingress setting is the lock, the service token the key.

resource "google_cloud_run_v2_service" "products" {
  name                = "${local.name}-products"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
  deletion_protection = false

  template {
    service_account                  = google_service_account.products.email
    max_instance_request_concurrency = var.concurrency
    timeout                          = "30s"

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    vpc_access {
      egress = "PRIVATE_RANGES_ONLY" # Cloud SQL's private IP; JWKS and Google APIs the usual way
      network_interfaces {
        network    = google_compute_network.main.id
        subnetwork = google_compute_subnetwork.services.id
      }
    }

    containers {
      image = "${local.registry}/products:${var.image_tag}"

      ports {
        container_port = 8080
      }

      resources {
        limits            = { cpu = var.cpu, memory = var.memory }
        cpu_idle          = true
        startup_cpu_boost = var.startup_cpu_boost
      }

      dynamic "env" {
        for_each = local.products_env
        content {
          name  = env.key
          value = env.value
        }
      }

      env {
        name = "DATABASE_URL"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.products_database_url.secret_id
            version = "latest"
          }
        }
      }

      env {
        name = "SERVICE_TOKEN_SECRET"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.service_token.secret_id
            version = "latest"
          }
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        failure_threshold = 15
      }
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.products_database_url,
    google_secret_manager_secret_iam_member.products_service_token,
    google_secret_manager_secret_version.products_database_url,
    google_secret_manager_secret_version.service_token,
  ]
}

resource "google_cloud_run_v2_service" "orders" {
  name                = "${local.name}-orders"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
  deletion_protection = false

  template {
    service_account                  = google_service_account.orders.email
    max_instance_request_concurrency = var.concurrency
    timeout                          = "30s"

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    vpc_access {
      # All traffic through the VPC: products sees it as internal. The subnet's Private Google Access
      # carries run.app and googleapis.com (JWKS); the orders service calls nothing else outside.
      egress = "ALL_TRAFFIC"
      network_interfaces {
        network    = google_compute_network.main.id
        subnetwork = google_compute_subnetwork.services.id
      }
    }

    containers {
      image = "${local.registry}/orders:${var.image_tag}"

      ports {
        container_port = 8080
      }

      resources {
        limits            = { cpu = var.cpu, memory = var.memory }
        cpu_idle          = true
        startup_cpu_boost = var.startup_cpu_boost
      }

      dynamic "env" {
        for_each = local.orders_env
        content {
          name  = env.key
          value = env.value
        }
      }

      env {
        name = "DATABASE_URL"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.orders_database_url.secret_id
            version = "latest"
          }
        }
      }

      env {
        name = "SERVICE_TOKEN_SECRET"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.service_token.secret_id
            version = "latest"
          }
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        failure_threshold = 15
      }
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.orders_database_url,
    google_secret_manager_secret_iam_member.orders_service_token,
    google_secret_manager_secret_version.orders_database_url,
    google_secret_manager_secret_version.service_token,
  ]
}

resource "google_cloud_run_v2_service_iam_member" "products_public" {
  name     = google_cloud_run_v2_service.products.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "orders_public" {
  name     = google_cloud_run_v2_service.orders.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

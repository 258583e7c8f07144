# Migrations run from the service images as Cloud Run jobs on the same network and service accounts.
# `make deploy-gcp` executes them (gcloud run jobs execute --wait) after each apply.

resource "google_cloud_run_v2_job" "products_migrate" {
  name                = "${local.name}-products-migrate"
  location            = var.region
  deletion_protection = false

  template {
    task_count = 1

    template {
      service_account = google_service_account.products.email
      max_retries     = 0
      timeout         = "600s"

      vpc_access {
        egress = "PRIVATE_RANGES_ONLY"
        network_interfaces {
          network    = google_compute_network.main.id
          subnetwork = google_compute_subnetwork.services.id
        }
      }

      containers {
        image   = "${local.registry}/products:${var.image_tag}"
        command = ["node"]
        args    = var.seed_demo_catalog ? ["dist/migrate.mjs", "--seed", "--tenant", local.default_tenant] : ["dist/migrate.mjs"]

        env {
          name  = "NODE_ENV"
          value = "production"
        }

        env {
          name  = "LOG_LEVEL"
          value = var.log_level
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
      }
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.products_database_url,
    google_secret_manager_secret_version.products_database_url,
  ]
}

resource "google_cloud_run_v2_job" "orders_migrate" {
  name                = "${local.name}-orders-migrate"
  location            = var.region
  deletion_protection = false

  template {
    task_count = 1

    template {
      service_account = google_service_account.orders.email
      max_retries     = 0
      timeout         = "600s"

      vpc_access {
        egress = "PRIVATE_RANGES_ONLY"
        network_interfaces {
          network    = google_compute_network.main.id
          subnetwork = google_compute_subnetwork.services.id
        }
      }

      containers {
        image   = "${local.registry}/orders:${var.image_tag}"
        command = ["node"]
        args    = ["dist/migrate.mjs"]

        env {
          name  = "NODE_ENV"
          value = "production"
        }

        env {
          name  = "LOG_LEVEL"
          value = var.log_level
        }

        env {
          name  = "ORDERS_STORE"
          value = "sql"
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

        # Not used by the migration, but the orders configuration requires it.
        env {
          name = "SERVICE_TOKEN_SECRET"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.service_token.secret_id
              version = "latest"
            }
          }
        }
      }
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.orders_database_url,
    google_secret_manager_secret_iam_member.orders_service_token,
    google_secret_manager_secret_version.orders_database_url,
  ]
}

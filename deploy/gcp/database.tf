# Cloud SQL on private IPs only: MySQL for products, PostgreSQL for orders (ORDERS_STORE=sql).
# The services' DATABASE_URL carries no TLS options yet, so unencrypted connections are allowed; they
# never leave the VPC and Google's network.

resource "random_password" "products_db" {
  length  = 40
  special = false # it sits inside DATABASE_URL
}

resource "random_password" "orders_db" {
  length  = 40
  special = false
}

resource "google_sql_database_instance" "products" {
  name                = "${local.name}-products"
  database_version    = var.mysql_version
  region              = var.region
  deletion_protection = var.db_deletion_protection

  settings {
    tier              = var.db_tier
    edition           = "ENTERPRISE"
    availability_type = "ZONAL"
    disk_type         = "PD_SSD"
    disk_size         = 10
    disk_autoresize   = true

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
      ssl_mode        = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
    }

    backup_configuration {
      enabled            = true
      binary_log_enabled = true
      start_time         = "03:00"
    }

    database_flags {
      name  = "character_set_server"
      value = "utf8mb4"
    }
  }

  depends_on = [google_service_networking_connection.private_services]
}

resource "google_sql_database" "products" {
  name     = "shop"
  instance = google_sql_database_instance.products.name
  charset  = "utf8mb4"
}

resource "google_sql_user" "products" {
  name     = "shop"
  instance = google_sql_database_instance.products.name
  host     = "%"
  password = random_password.products_db.result
}

resource "google_sql_database_instance" "orders" {
  name                = "${local.name}-orders"
  database_version    = var.postgres_version
  region              = var.region
  deletion_protection = var.db_deletion_protection

  settings {
    tier              = var.db_tier
    edition           = "ENTERPRISE"
    availability_type = "ZONAL"
    disk_type         = "PD_SSD"
    disk_size         = 10
    disk_autoresize   = true

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
      ssl_mode        = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
      start_time                     = "03:00"
    }
  }

  depends_on = [google_service_networking_connection.private_services]
}

resource "google_sql_database" "orders" {
  name     = "orders"
  instance = google_sql_database_instance.orders.name
}

resource "google_sql_user" "orders" {
  name     = "orders"
  instance = google_sql_database_instance.orders.name
  password = random_password.orders_db.result
}

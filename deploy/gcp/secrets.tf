# Secret Manager holds every secret the services read; Cloud Run injects them as environment variables.
# Terraform generates them, so they are in the Terraform state too: keep it in a private bucket.

resource "random_password" "service_token" {
  length  = 64
  special = false
}

resource "google_secret_manager_secret" "products_database_url" {
  secret_id = "${local.name}-products-database-url"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "products_database_url" {
  secret      = google_secret_manager_secret.products_database_url.id
  secret_data = "mysql://${google_sql_user.products.name}:${random_password.products_db.result}@${google_sql_database_instance.products.private_ip_address}:3306/${google_sql_database.products.name}"
}

resource "google_secret_manager_secret" "orders_database_url" {
  secret_id = "${local.name}-orders-database-url"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "orders_database_url" {
  secret      = google_secret_manager_secret.orders_database_url.id
  secret_data = "postgresql://${google_sql_user.orders.name}:${random_password.orders_db.result}@${google_sql_database_instance.orders.private_ip_address}:5432/${google_sql_database.orders.name}"
}

resource "google_secret_manager_secret" "service_token" {
  secret_id = "${local.name}-service-token-secret"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "service_token" {
  secret      = google_secret_manager_secret.service_token.id
  secret_data = random_password.service_token.result
}

# Each service account reads only the secrets its service uses.
resource "google_secret_manager_secret_iam_member" "products_database_url" {
  secret_id = google_secret_manager_secret.products_database_url.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.products.member
}

resource "google_secret_manager_secret_iam_member" "products_service_token" {
  secret_id = google_secret_manager_secret.service_token.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.products.member
}

resource "google_secret_manager_secret_iam_member" "orders_database_url" {
  secret_id = google_secret_manager_secret.orders_database_url.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.orders.member
}

resource "google_secret_manager_secret_iam_member" "orders_service_token" {
  secret_id = google_secret_manager_secret.service_token.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.orders.member
}

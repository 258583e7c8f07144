# One service account per service, with no project-wide roles: each is granted its own secrets
# (secrets.tf) and nothing else. Cloud Run writes their logs without any role.

resource "google_service_account" "products" {
  account_id   = "${local.name}-products"
  display_name = "products service"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "orders" {
  account_id   = "${local.name}-orders"
  display_name = "orders service"
  depends_on   = [google_project_service.apis]
}

locals {
  name = "${var.project}-${var.environment}"

  # One origin for the storefront and the API (the load balancer), so the browser needs no CORS.
  domain   = var.domain != "" ? var.domain : "${google_compute_global_address.lb.address}.nip.io"
  site_url = "https://${local.domain}"

  # The store anonymous visitors see: by default the Identity Platform tenant users sign in to, which is
  # what their tokens carry in firebase.tenant.
  default_tenant = var.default_tenant != "" ? var.default_tenant : google_identity_platform_tenant.shop.name

  registry = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"

  # Plain environment of both services; secrets (DATABASE_URL, SERVICE_TOKEN_SECRET) come from Secret
  # Manager as secret-backed variables (run.tf).
  common_env = {
    NODE_ENV             = "production"
    LOG_LEVEL            = var.log_level
    GOOGLE_CLOUD_PROJECT = var.project_id
    AUTH_PROVIDER        = "firebase"
    FIREBASE_PROJECT_ID  = var.project_id
    # Same origin: the load balancer serves the storefront and the API.
    CORS_ORIGINS = ""
    DB_POOL_MAX  = tostring(var.db_pool_max)
  }

  products_env = merge(local.common_env, {
    SERVICE_NAME   = "products"
    DEFAULT_TENANT = local.default_tenant
    # Cache-Control of anonymous catalog reads, which Cloud CDN honours (storefront.tf).
    CATALOG_CACHE_MAX_AGE_SECONDS = tostring(var.catalog_cache_max_age_seconds)
    CATALOG_CACHE_STALE_SECONDS   = tostring(var.catalog_cache_stale_seconds)
  })

  orders_env = merge(local.common_env, {
    SERVICE_NAME = "orders"
    ORDERS_STORE = "sql"
    # Reached through the VPC (ingress of products admits internal traffic and the load balancer only).
    PRODUCTS_URL = google_cloud_run_v2_service.products.uri
  })
}

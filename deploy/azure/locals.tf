resource "random_string" "suffix" {
  length  = 5
  special = false
  upper   = false
}

locals {
  name = "${var.project}-${var.environment}"
  # Registry, storage account and Key Vault names are global: alphanumerics and a random suffix.
  compact_name = "${var.project}${var.environment}${random_string.suffix.result}"
  tags = merge(var.tags, {
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
  })

  entra_tenant_id = var.entra_tenant_id != "" ? var.entra_tenant_id : data.azuread_client_config.current.tenant_id
  entra_client_id = var.create_entra_app ? one(azuread_application.shop[*].client_id) : var.entra_client_id
  # With the default tenant claim (tid), a signed-in user's store is their directory: anonymous visitors
  # see the same one.
  default_tenant = var.default_tenant != "" ? var.default_tenant : local.entra_tenant_id

  storefront_url = trimsuffix(azurerm_storage_account.storefront.primary_web_endpoint, "/")

  # Apps in the environment reach each other on the internal ingress by these names (plain HTTP inside the
  # environment, where mutual TLS between apps is on).
  products_internal_host = "${local.name}-products.internal.${azurerm_container_app_environment.main.default_domain}"
  orders_internal_host   = "${local.name}-orders.internal.${azurerm_container_app_environment.main.default_domain}"

  # Plain environment of both apps; DATABASE_URL and SERVICE_TOKEN_SECRET are Key Vault references (apps.tf).
  common_env = {
    NODE_ENV          = "production"
    LOG_LEVEL         = var.log_level
    AUTH_PROVIDER     = "entra"
    AUTH_ISSUER       = "https://login.microsoftonline.com/${local.entra_tenant_id}/v2.0"
    AUTH_AUDIENCE     = local.entra_client_id
    AUTH_TENANT_CLAIM = var.entra_tenant_claim
    CORS_ORIGINS      = local.storefront_url
    DB_POOL_MAX       = tostring(var.db_pool_max)
  }

  products_env = merge(local.common_env, {
    SERVICE_NAME   = "products"
    DEFAULT_TENANT = local.default_tenant
    # Cache-Control of anonymous catalog reads, which the gateway's nginx cache honours (gateway/).
    CATALOG_CACHE_MAX_AGE_SECONDS = tostring(var.catalog_cache_max_age_seconds)
    CATALOG_CACHE_STALE_SECONDS   = tostring(var.catalog_cache_stale_seconds)
  })

  orders_env = merge(local.common_env, {
    SERVICE_NAME = "orders"
    ORDERS_STORE = "sql"
    PRODUCTS_URL = "http://${local.products_internal_host}"
  })
}

# Nothing secret here: the Makefile and scripts/deploy read these, and `terraform output` prints them.

output "resource_group" {
  description = "Resource group of the stack."
  value       = azurerm_resource_group.main.name
}

output "acr_name" {
  description = "Container registry (az acr login --name)."
  value       = azurerm_container_registry.main.name
}

output "acr_login_server" {
  description = "Registry host the images are pushed to."
  value       = azurerm_container_registry.main.login_server
}

output "api_url" {
  description = "Base URL of the public API: the gateway app."
  value       = "https://${azurerm_container_app.gateway.ingress[0].fqdn}"
}

output "gateway_app" {
  description = "Container app of the public gateway (nginx; caches anonymous catalog reads)."
  value       = azurerm_container_app.gateway.name
}

output "storefront_url" {
  description = "The storefront (Storage static website)."
  value       = local.storefront_url
}

output "storage_account_name" {
  description = "Storage account the storefront is published to ($web)."
  value       = azurerm_storage_account.storefront.name
}

output "default_tenant" {
  description = "The store anonymous visitors see."
  value       = local.default_tenant
}

output "entra_tenant_id" {
  description = "Directory issuing the tokens."
  value       = local.entra_tenant_id
}

output "entra_client_id" {
  description = "Client id of the app registration (storefront client and API audience)."
  value       = local.entra_client_id
}

output "entra_authority" {
  description = "OIDC authority of the storefront."
  value       = "https://login.microsoftonline.com/${local.entra_tenant_id}/v2.0"
}

output "entra_api_scope" {
  description = "Scope the storefront requests for its API access token."
  value       = "api://${local.entra_client_id}/access_as_user"
}

output "products_migrate_job" {
  description = "Container Apps job of the products migration."
  value       = azurerm_container_app_job.products_migrate.name
}

output "orders_migrate_job" {
  description = "Container Apps job of the orders migration."
  value       = azurerm_container_app_job.orders_migrate.name
}

# Key Vault holds every secret the apps read; Container Apps resolves them with each app's managed
# identity and hands them over as environment variables. Terraform generates them, so they are in the
# Terraform state too: keep it in a private backend.

resource "random_password" "service_token" {
  length  = 64
  special = false
}

resource "azurerm_key_vault" "main" {
  name                       = "kv-${local.compact_name}"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = azurerm_resource_group.main.location
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  enable_rbac_authorization  = true
  soft_delete_retention_days = 7
  purge_protection_enabled   = false
  tags                       = local.tags
}

# Whoever runs Terraform writes the secrets.
resource "azurerm_role_assignment" "deployer_secrets" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

# Role assignments take a while to reach Key Vault's data plane.
resource "time_sleep" "deployer_secrets" {
  create_duration = "60s"
  depends_on      = [azurerm_role_assignment.deployer_secrets]
}

resource "azurerm_key_vault_secret" "products_database_url" {
  name         = "products-database-url"
  key_vault_id = azurerm_key_vault.main.id
  value        = "mysql://${azurerm_mysql_flexible_server.products.administrator_login}:${random_password.mysql.result}@${azurerm_mysql_flexible_server.products.fqdn}:3306/${azurerm_mysql_flexible_database.products.name}"
  content_type = "DATABASE_URL"
  depends_on   = [time_sleep.deployer_secrets]
}

resource "azurerm_key_vault_secret" "orders_database_url" {
  name         = "orders-database-url"
  key_vault_id = azurerm_key_vault.main.id
  value        = "postgresql://${azurerm_postgresql_flexible_server.orders.administrator_login}:${random_password.postgres.result}@${azurerm_postgresql_flexible_server.orders.fqdn}:5432/${azurerm_postgresql_flexible_server_database.orders.name}"
  content_type = "DATABASE_URL"
  depends_on   = [time_sleep.deployer_secrets]
}

resource "azurerm_key_vault_secret" "service_token" {
  name         = "service-token-secret"
  key_vault_id = azurerm_key_vault.main.id
  value        = random_password.service_token.result
  content_type = "SERVICE_TOKEN_SECRET"
  depends_on   = [time_sleep.deployer_secrets]
}

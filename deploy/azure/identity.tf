# One user-assigned identity per app (the gateway needs none beyond pulling its image). Each may pull
# images and read only its own secrets: the role assignments are scoped to single secrets.

resource "azurerm_user_assigned_identity" "products" {
  name                = "id-${local.name}-products"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tags                = local.tags
}

resource "azurerm_user_assigned_identity" "orders" {
  name                = "id-${local.name}-orders"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tags                = local.tags
}

resource "azurerm_user_assigned_identity" "gateway" {
  name                = "id-${local.name}-gateway"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tags                = local.tags
}

resource "azurerm_role_assignment" "acr_pull" {
  for_each = {
    products = azurerm_user_assigned_identity.products.principal_id
    orders   = azurerm_user_assigned_identity.orders.principal_id
    gateway  = azurerm_user_assigned_identity.gateway.principal_id
  }

  scope                = azurerm_container_registry.main.id
  role_definition_name = "AcrPull"
  principal_id         = each.value
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "secret_reader" {
  for_each = {
    products-database-url = [azurerm_key_vault_secret.products_database_url.resource_versionless_id, azurerm_user_assigned_identity.products.principal_id]
    products-service-tok  = [azurerm_key_vault_secret.service_token.resource_versionless_id, azurerm_user_assigned_identity.products.principal_id]
    orders-database-url   = [azurerm_key_vault_secret.orders_database_url.resource_versionless_id, azurerm_user_assigned_identity.orders.principal_id]
    orders-service-tok    = [azurerm_key_vault_secret.service_token.resource_versionless_id, azurerm_user_assigned_identity.orders.principal_id]
  }

  scope                = each.value[0]
  role_definition_name = "Key Vault Secrets User"
  principal_id         = each.value[1]
  principal_type       = "ServicePrincipal"
}

resource "time_sleep" "app_roles" {
  create_duration = "60s"
  depends_on      = [azurerm_role_assignment.acr_pull, azurerm_role_assignment.secret_reader]
}

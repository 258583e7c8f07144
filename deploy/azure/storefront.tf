# The storefront: a Storage account's static website ($web container). `make deploy-azure` uploads
# services/storefront/dist with this deployment's config.json.

resource "azurerm_storage_account" "storefront" {
  name                            = "st${local.compact_name}"
  resource_group_name             = azurerm_resource_group.main.name
  location                        = azurerm_resource_group.main.location
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  account_kind                    = "StorageV2"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  tags                            = local.tags
}

resource "azurerm_storage_account_static_website" "storefront" {
  storage_account_id = azurerm_storage_account.storefront.id
  index_document     = "index.html"
  error_404_document = "index.html" # a single-page app: unknown paths get index.html
}

# Whoever runs the deploy uploads the files (az storage blob upload-batch --auth-mode login).
resource "azurerm_role_assignment" "deployer_storefront" {
  scope                = azurerm_storage_account.storefront.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = data.azurerm_client_config.current.object_id
}

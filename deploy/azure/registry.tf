# The registry of the three images (products, orders, gateway). The Makefile creates it first
# (terraform apply -target), pushes the images, then applies the rest.
resource "azurerm_container_registry" "main" {
  name                = "acr${local.compact_name}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  sku                 = "Basic"
  admin_enabled       = false # apps pull with their managed identity
  tags                = local.tags
}

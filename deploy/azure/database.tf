# Azure Database flexible servers on delegated subnets: MySQL for products, PostgreSQL for orders.
# The services' DATABASE_URL carries no TLS options yet, so require_secure_transport is off; connections
# never leave the virtual network.

resource "random_password" "mysql" {
  length  = 40
  special = false # it sits inside DATABASE_URL
}

resource "random_password" "postgres" {
  length  = 40
  special = false
}

resource "azurerm_mysql_flexible_server" "products" {
  name                   = "mysql-${local.name}-${random_string.suffix.result}"
  resource_group_name    = azurerm_resource_group.main.name
  location               = azurerm_resource_group.main.location
  sku_name               = var.mysql_sku
  version                = var.mysql_version
  administrator_login    = "shopadmin"
  administrator_password = random_password.mysql.result
  backup_retention_days  = var.db_backup_retention_days
  delegated_subnet_id    = azurerm_subnet.mysql.id
  private_dns_zone_id    = azurerm_private_dns_zone.mysql.id
  tags                   = local.tags

  storage {
    size_gb           = 20
    auto_grow_enabled = true
  }

  lifecycle {
    ignore_changes = [zone]
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.mysql]
}

resource "azurerm_mysql_flexible_server_configuration" "products_plain_transport" {
  name                = "require_secure_transport"
  resource_group_name = azurerm_resource_group.main.name
  server_name         = azurerm_mysql_flexible_server.products.name
  value               = "OFF"
}

resource "azurerm_mysql_flexible_database" "products" {
  name                = "shop"
  resource_group_name = azurerm_resource_group.main.name
  server_name         = azurerm_mysql_flexible_server.products.name
  charset             = "utf8mb4"
  collation           = "utf8mb4_unicode_ci"
}

resource "azurerm_postgresql_flexible_server" "orders" {
  name                          = "psql-${local.name}-${random_string.suffix.result}"
  resource_group_name           = azurerm_resource_group.main.name
  location                      = azurerm_resource_group.main.location
  sku_name                      = var.postgres_sku
  version                       = var.postgres_version
  administrator_login           = "shopadmin"
  administrator_password        = random_password.postgres.result
  backup_retention_days         = var.db_backup_retention_days
  delegated_subnet_id           = azurerm_subnet.postgres.id
  private_dns_zone_id           = azurerm_private_dns_zone.postgres.id
  public_network_access_enabled = false
  storage_mb                    = 32768
  tags                          = local.tags

  authentication {
    password_auth_enabled = true
  }

  lifecycle {
    ignore_changes = [zone]
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.postgres]
}

resource "azurerm_postgresql_flexible_server_configuration" "orders_plain_transport" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.orders.id
  value     = "off"
}

resource "azurerm_postgresql_flexible_server_database" "orders" {
  name      = "orders"
  server_id = azurerm_postgresql_flexible_server.orders.id
  charset   = "UTF8"
  collation = "en_US.utf8"
}

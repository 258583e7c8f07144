# Migrations run from the service images as manually triggered Container Apps jobs, with the apps'
# identities and secrets. `make deploy-azure` starts them (scripts/deploy/azure-migrate.sh) after each apply.

resource "azurerm_container_app_job" "products_migrate" {
  name                         = "${local.name}-products-migrate"
  location                     = azurerm_resource_group.main.location
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  workload_profile_name        = "Consumption"
  replica_timeout_in_seconds   = 600
  replica_retry_limit          = 0
  tags                         = local.tags

  manual_trigger_config {
    parallelism              = 1
    replica_completion_count = 1
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.products.id]
  }

  registry {
    server   = azurerm_container_registry.main.login_server
    identity = azurerm_user_assigned_identity.products.id
  }

  secret {
    name                = "database-url"
    key_vault_secret_id = azurerm_key_vault_secret.products_database_url.versionless_id
    identity            = azurerm_user_assigned_identity.products.id
  }

  template {
    container {
      name    = "migrate"
      image   = "${azurerm_container_registry.main.login_server}/products:${var.image_tag}"
      cpu     = 0.5
      memory  = "1Gi"
      command = ["node"]
      args    = var.seed_demo_catalog ? ["dist/migrate.mjs", "--seed", "--tenant", local.default_tenant] : ["dist/migrate.mjs"]

      env {
        name  = "NODE_ENV"
        value = "production"
      }

      env {
        name  = "LOG_LEVEL"
        value = var.log_level
      }

      env {
        name        = "DATABASE_URL"
        secret_name = "database-url"
      }
    }
  }

  depends_on = [time_sleep.app_roles]
}

resource "azurerm_container_app_job" "orders_migrate" {
  name                         = "${local.name}-orders-migrate"
  location                     = azurerm_resource_group.main.location
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  workload_profile_name        = "Consumption"
  replica_timeout_in_seconds   = 600
  replica_retry_limit          = 0
  tags                         = local.tags

  manual_trigger_config {
    parallelism              = 1
    replica_completion_count = 1
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.orders.id]
  }

  registry {
    server   = azurerm_container_registry.main.login_server
    identity = azurerm_user_assigned_identity.orders.id
  }

  secret {
    name                = "database-url"
    key_vault_secret_id = azurerm_key_vault_secret.orders_database_url.versionless_id
    identity            = azurerm_user_assigned_identity.orders.id
  }

  secret {
    name                = "service-token-secret"
    key_vault_secret_id = azurerm_key_vault_secret.service_token.versionless_id
    identity            = azurerm_user_assigned_identity.orders.id
  }

  template {
    container {
      name    = "migrate"
      image   = "${azurerm_container_registry.main.login_server}/orders:${var.image_tag}"
      cpu     = 0.5
      memory  = "1Gi"
      command = ["node"]
      args    = ["dist/migrate.mjs"]

      env {
        name  = "NODE_ENV"
        value = "production"
      }

      env {
        name  = "LOG_LEVEL"
        value = var.log_level
      }

      env {
        name  = "ORDERS_STORE"
        value = "sql"
      }

      env {
        name        = "DATABASE_URL"
        secret_name = "database-url"
      }

      # Not used by the migration, but the orders configuration requires it.
      env {
        name        = "SERVICE_TOKEN_SECRET"
        secret_name = "service-token-secret"
      }
    }
  }

  depends_on = [time_sleep.app_roles]
}

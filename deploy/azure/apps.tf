# The Container Apps environment (in the virtual network, logs to Log Analytics) and three apps:
#   gateway   external ingress: routes /products*, /orders*, /customers/* like the local gateway, and
#             answers 404 to /stock* (deploy/azure/gateway)
#   products  internal ingress only: the gateway and the orders app reach it, the internet cannot
#   orders    internal ingress only
# Secrets are Key Vault references resolved with each app's identity.

resource "azurerm_container_app_environment" "main" {
  name                       = "cae-${local.name}"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = azurerm_resource_group.main.location
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
  infrastructure_subnet_id   = azurerm_subnet.apps.id
  mutual_tls_enabled         = true # app-to-app traffic is encrypted inside the environment
  tags                       = local.tags

  workload_profile {
    name                  = "Consumption"
    workload_profile_type = "Consumption"
  }
}

resource "azurerm_container_app" "products" {
  name                         = "${local.name}-products"
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"
  tags                         = local.tags

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

  secret {
    name                = "service-token-secret"
    key_vault_secret_id = azurerm_key_vault_secret.service_token.versionless_id
    identity            = azurerm_user_assigned_identity.products.id
  }

  ingress {
    external_enabled           = false
    target_port                = 8080
    transport                  = "http"
    allow_insecure_connections = true # plain HTTP inside the environment only (mutual TLS between apps)

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas = var.min_replicas
    max_replicas = var.max_replicas

    container {
      name   = "products"
      image  = "${azurerm_container_registry.main.login_server}/products:${var.image_tag}"
      cpu    = 0.5
      memory = "1Gi"

      dynamic "env" {
        for_each = local.products_env
        content {
          name  = env.key
          value = env.value
        }
      }

      env {
        name        = "DATABASE_URL"
        secret_name = "database-url"
      }

      env {
        name        = "SERVICE_TOKEN_SECRET"
        secret_name = "service-token-secret"
      }

      liveness_probe {
        transport = "HTTP"
        port      = 8080
        path      = "/healthz"
      }

      readiness_probe {
        transport = "HTTP"
        port      = 8080
        path      = "/readyz"
      }
    }

    http_scale_rule {
      name                = "http"
      concurrent_requests = "50"
    }
  }

  depends_on = [time_sleep.app_roles]
}

resource "azurerm_container_app" "orders" {
  name                         = "${local.name}-orders"
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"
  tags                         = local.tags

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

  ingress {
    external_enabled           = false
    target_port                = 8080
    transport                  = "http"
    allow_insecure_connections = true

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas = var.min_replicas
    max_replicas = var.max_replicas

    container {
      name   = "orders"
      image  = "${azurerm_container_registry.main.login_server}/orders:${var.image_tag}"
      cpu    = 0.5
      memory = "1Gi"

      dynamic "env" {
        for_each = local.orders_env
        content {
          name  = env.key
          value = env.value
        }
      }

      env {
        name        = "DATABASE_URL"
        secret_name = "database-url"
      }

      env {
        name        = "SERVICE_TOKEN_SECRET"
        secret_name = "service-token-secret"
      }

      liveness_probe {
        transport = "HTTP"
        port      = 8080
        path      = "/healthz"
      }

      readiness_probe {
        transport = "HTTP"
        port      = 8080
        path      = "/readyz"
      }
    }

    http_scale_rule {
      name                = "http"
      concurrent_requests = "50"
    }
  }

  depends_on = [time_sleep.app_roles, azurerm_container_app.products]
}

resource "azurerm_container_app" "gateway" {
  name                         = "${local.name}-gateway"
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"
  tags                         = local.tags

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.gateway.id]
  }

  registry {
    server   = azurerm_container_registry.main.login_server
    identity = azurerm_user_assigned_identity.gateway.id
  }

  ingress {
    external_enabled = true
    target_port      = 8080
    transport        = "http"

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas = var.min_replicas
    max_replicas = var.max_replicas

    container {
      name   = "gateway"
      image  = "${azurerm_container_registry.main.login_server}/gateway:${var.image_tag}"
      cpu    = 0.25
      memory = "0.5Gi"

      env {
        name  = "PRODUCTS_HOST"
        value = local.products_internal_host
      }

      env {
        name  = "ORDERS_HOST"
        value = local.orders_internal_host
      }

      liveness_probe {
        transport = "HTTP"
        port      = 8080
        path      = "/gateway-health"
      }
    }

    http_scale_rule {
      name                = "http"
      concurrent_requests = "100"
    }
  }

  depends_on = [time_sleep.app_roles, azurerm_container_app.products, azurerm_container_app.orders]
}

# Entra ID: one app registration is both the API (tokens' audience, the `admin` app role) and the
# storefront's single-page-app client (authorization code flow with PKCE, no secret).
# AUTH_PROVIDER=entra; the tenant claim is `tid` by default (each directory is a store). Without the right
# to register applications, set create_entra_app = false and follow README.md to register it by hand.

resource "random_uuid" "scope_access_as_user" {}

resource "random_uuid" "role_admin" {}

resource "azuread_application" "shop" {
  count = var.create_entra_app ? 1 : 0

  display_name     = "${local.name} shop"
  sign_in_audience = "AzureADMyOrg"
  owners           = [data.azuread_client_config.current.object_id]

  api {
    requested_access_token_version = 2

    oauth2_permission_scope {
      id                         = random_uuid.scope_access_as_user.result
      value                      = "access_as_user"
      type                       = "User"
      enabled                    = true
      admin_consent_display_name = "Use the shop"
      admin_consent_description  = "Lets the storefront call the shop API as the signed-in user."
      user_consent_display_name  = "Use the shop"
      user_consent_description   = "Lets the storefront call the shop API as you."
    }
  }

  app_role {
    id                   = random_uuid.role_admin.result
    value                = "admin"
    display_name         = "Store admin"
    description          = "Manages the catalog and every order of the store."
    allowed_member_types = ["User"]
    enabled              = true
  }

  single_page_application {
    redirect_uris = concat(["${local.storefront_url}/"], var.extra_redirect_uris)
  }

  optional_claims {
    access_token {
      name = "email"
    }
  }

  lifecycle {
    ignore_changes = [identifier_uris] # managed by azuread_application_identifier_uri below
  }
}

resource "azuread_application_identifier_uri" "shop" {
  count = var.create_entra_app ? 1 : 0

  application_id = azuread_application.shop[0].id
  identifier_uri = "api://${azuread_application.shop[0].client_id}"
}

resource "azuread_service_principal" "shop" {
  count = var.create_entra_app ? 1 : 0

  client_id                    = azuread_application.shop[0].client_id
  app_role_assignment_required = false
  owners                       = [data.azuread_client_config.current.object_id]
}

resource "azuread_app_role_assignment" "admins" {
  for_each = var.create_entra_app ? toset(var.admin_object_ids) : toset([])

  app_role_id         = random_uuid.role_admin.result
  principal_object_id = each.value
  resource_object_id  = azuread_service_principal.shop[0].object_id
}

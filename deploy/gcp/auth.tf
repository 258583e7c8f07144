# Identity Platform (Firebase Authentication): AUTH_PROVIDER=firebase. Multi-tenancy is on and this
# deployment's store is one Identity Platform tenant; users signed in to it carry firebase.tenant, which
# the firebase preset reads as the tenant (after a custom tenant_id claim, if an admin set one).
# Admins: set the custom claim {"admin": true} (or "roles": ["admin"]) on a user; see README.md.

resource "google_identity_platform_config" "shop" {
  project                    = var.project_id
  autodelete_anonymous_users = true
  authorized_domains = concat(
    ["localhost", "${var.project_id}.firebaseapp.com", "${var.project_id}.web.app", local.domain],
    var.extra_authorized_domains,
  )

  sign_in {
    allow_duplicate_emails = false
    email {
      enabled           = true
      password_required = true
    }
  }

  multi_tenant {
    allow_tenants = true
  }

  depends_on = [google_project_service.apis]
}

resource "google_identity_platform_tenant" "shop" {
  display_name          = var.tenant_display_name
  allow_password_signup = true

  depends_on = [google_identity_platform_config.shop]
}

# The browser key of the storefront's Firebase SDK. Not a secret (every visitor's browser receives it):
# it only names the project, and is restricted to the auth APIs and this site.
resource "google_apikeys_key" "storefront" {
  name         = "${local.name}-storefront"
  display_name = "${local.name} storefront (Identity Platform)"

  restrictions {
    browser_key_restrictions {
      allowed_referrers = ["https://${local.domain}/*", "http://localhost:8080/*"]
    }
    api_targets {
      service = "identitytoolkit.googleapis.com"
    }
    api_targets {
      service = "securetoken.googleapis.com"
    }
  }

  depends_on = [google_project_service.apis]
}

variable "subscription_id" {
  description = "Azure subscription to deploy into; null uses ARM_SUBSCRIPTION_ID or the Azure CLI's current one."
  type        = string
  default     = null
}

variable "project" {
  description = "Prefix of every resource name."
  type        = string
  default     = "shop"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.project))
    error_message = "project: 2-10 lowercase letters or digits (it is part of storage and registry names)."
  }
}

variable "environment" {
  description = "Deployment name (prod, staging, …): part of every resource name."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.environment))
    error_message = "environment: 2-8 lowercase letters or digits, starting with a letter."
  }
}

variable "location" {
  description = "Azure region of every resource."
  type        = string
  default     = "westeurope"
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "image_tag" {
  description = "Tag of the images in the registry; the Makefile passes the git commit."
  type        = string
  default     = "latest"
}

variable "log_level" {
  description = "LOG_LEVEL of both services."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "Retention of the Log Analytics workspace."
  type        = number
  default     = 30
}

variable "min_replicas" {
  description = "Replicas kept running per app (0 = scale to zero: cheapest, cold starts)."
  type        = number
  default     = 0
}

variable "max_replicas" {
  description = "Upper bound of replicas per app."
  type        = number
  default     = 5
}

variable "db_pool_max" {
  description = "Connections per replica (DB_POOL_MAX)."
  type        = number
  default     = 5
}

variable "vnet_cidr" {
  description = "Address range of the virtual network (apps /23, MySQL /24, PostgreSQL /24)."
  type        = string
  default     = "10.50.0.0/16"
}

variable "mysql_sku" {
  description = "SKU of the MySQL flexible server (products)."
  type        = string
  default     = "B_Standard_B1ms"
}

variable "mysql_version" {
  description = "MySQL version."
  type        = string
  default     = "8.0.21"
}

variable "postgres_sku" {
  description = "SKU of the PostgreSQL flexible server (orders)."
  type        = string
  default     = "B_Standard_B1ms"
}

variable "postgres_version" {
  description = "PostgreSQL major version."
  type        = string
  default     = "16"
}

variable "db_backup_retention_days" {
  description = "Days of automated backups of both servers."
  type        = number
  default     = 7
}

variable "purge_key_vault_on_destroy" {
  description = "Purge the soft-deleted Key Vault on destroy, so the same names can be deployed again at once."
  type        = bool
  default     = true
}

variable "create_entra_app" {
  description = "Create the Entra ID app registration here (needs the right to register applications). Off: set entra_client_id and entra_tenant_id to an app you registered by hand (README.md)."
  type        = bool
  default     = true
}

variable "entra_client_id" {
  description = "Client id of an existing app registration (only when create_entra_app is false)."
  type        = string
  default     = ""
}

variable "entra_tenant_id" {
  description = "Directory (tenant) id issuing the tokens; empty: the directory Terraform signs in to."
  type        = string
  default     = ""
}

variable "entra_tenant_claim" {
  description = "Claim naming the shop tenant (AUTH_TENANT_CLAIM). tid: each Entra directory is one store. For several stores in one directory, a directory extension claim (README.md)."
  type        = string
  default     = "tid"
}

variable "default_tenant" {
  description = "The store anonymous visitors see. Empty: the Entra directory id, matching tid for signed-in users."
  type        = string
  default     = ""
}

variable "admin_object_ids" {
  description = "Object ids of Entra users to make store admins (assigned the app's admin role)."
  type        = list(string)
  default     = []
}

variable "seed_demo_catalog" {
  description = "Whether the products migration (run by every `make deploy-azure`) also loads the demo catalog into the default tenant; idempotent."
  type        = bool
  default     = true
}

variable "extra_redirect_uris" {
  description = "More sign-in redirect URIs of the storefront (e.g. http://localhost:8080/)."
  type        = list(string)
  default     = []
}

variable "catalog_cache_max_age_seconds" {
  description = "CATALOG_CACHE_MAX_AGE_SECONDS of the products service: how long a shared cache (here the gateway's nginx cache) may serve an anonymous catalog read without asking again; a product update is visible within it. 0 turns edge caching of the catalog off."
  type        = number
  default     = 30

  validation {
    condition     = var.catalog_cache_max_age_seconds >= 0 && var.catalog_cache_max_age_seconds <= 86400 && floor(var.catalog_cache_max_age_seconds) == var.catalog_cache_max_age_seconds
    error_message = "catalog_cache_max_age_seconds: a whole number of seconds, 0-86400, as the products service accepts (0 = no edge caching)."
  }
}

variable "catalog_cache_stale_seconds" {
  description = "CATALOG_CACHE_STALE_SECONDS of the products service (stale-while-revalidate): after max-age, the first request may still get the old answer while the cache refreshes, for at most this long."
  type        = number
  default     = 30

  validation {
    condition     = var.catalog_cache_stale_seconds >= 0 && var.catalog_cache_stale_seconds <= 86400 && floor(var.catalog_cache_stale_seconds) == var.catalog_cache_stale_seconds
    error_message = "catalog_cache_stale_seconds: a whole number of seconds, 0-86400, as the products service accepts."
  }
}

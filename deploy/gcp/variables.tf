variable "project_id" {
  description = "Google Cloud project to deploy into (billing enabled). Also the Firebase / Identity Platform project."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id: a Google Cloud project id (6-30 lowercase letters, digits, hyphens)."
  }
}

variable "project" {
  description = "Prefix of every resource name."
  type        = string
  default     = "shop"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.project))
    error_message = "project: 2-15 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Deployment name (prod, staging, …): part of every resource name."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment: 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "region" {
  description = "Region of Cloud Run, Cloud SQL, Artifact Registry and the storefront bucket."
  type        = string
  default     = "europe-west1"
}

variable "labels" {
  description = "Extra labels on every resource."
  type        = map(string)
  default     = {}
}

variable "image_tag" {
  description = "Tag of both service images in Artifact Registry; the Makefile passes the git commit."
  type        = string
  default     = "latest"
}

variable "log_level" {
  description = "LOG_LEVEL of both services."
  type        = string
  default     = "info"
}

variable "min_instances" {
  description = "Instances kept warm per service (0 = scale to zero: cheapest, cold starts)."
  type        = number
  default     = 0
}

variable "max_instances" {
  description = "Upper bound of instances per service (also bounds database connections)."
  type        = number
  default     = 10
}

variable "concurrency" {
  description = "Requests one instance serves at once."
  type        = number
  default     = 80
}

variable "startup_cpu_boost" {
  description = "Extra CPU while an instance starts (shorter cold starts)."
  type        = bool
  default     = true
}

variable "cpu" {
  description = "vCPUs per instance."
  type        = string
  default     = "1"
}

variable "memory" {
  description = "Memory per instance."
  type        = string
  default     = "512Mi"
}

variable "db_pool_max" {
  description = "Connections per instance (DB_POOL_MAX); max_instances x this must stay under the database's limit."
  type        = number
  default     = 5
}

variable "default_tenant" {
  description = "The store anonymous visitors see. Empty: the Identity Platform tenant created here, so signed-in users and visitors see the same store."
  type        = string
  default     = ""
}

variable "tenant_display_name" {
  description = "Display name of the Identity Platform tenant (4-20 letters, digits, hyphens, starting with a letter)."
  type        = string
  default     = "shop-demo"
}

variable "seed_demo_catalog" {
  description = "Whether `make deploy-gcp` loads the demo catalog into the default tenant after migrating."
  type        = bool
  default     = true
}

variable "domain" {
  description = "Domain of the storefront and API (an A record to the load balancer's address). Empty: <address>.nip.io, fine for a trial."
  type        = string
  default     = ""
}

variable "subnet_cidr" {
  description = "Subnet the services' Direct VPC egress uses."
  type        = string
  default     = "10.30.0.0/24"
}

variable "db_tier" {
  description = "Cloud SQL machine tier of both databases (db-f1-micro is shared-core: trials only)."
  type        = string
  default     = "db-f1-micro"
}

variable "mysql_version" {
  description = "Cloud SQL MySQL version of the products database."
  type        = string
  default     = "MYSQL_8_4"
}

variable "postgres_version" {
  description = "Cloud SQL PostgreSQL version of the orders database."
  type        = string
  default     = "POSTGRES_17"
}

variable "db_deletion_protection" {
  description = "Refuse to delete the databases (turn off before `make destroy-gcp`)."
  type        = bool
  default     = false
}

variable "extra_authorized_domains" {
  description = "More domains Identity Platform accepts sign-ins from (localhost is always there)."
  type        = list(string)
  default     = []
}

variable "catalog_cache_max_age_seconds" {
  description = "CATALOG_CACHE_MAX_AGE_SECONDS of the products service: how long a shared cache (here Cloud CDN) may serve an anonymous catalog read without asking again; a product update is visible within it. 0 turns edge caching of the catalog off."
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

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
  description = "AWS region of every resource (CloudFront is global)."
  type        = string
  default     = "eu-west-1"
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "image_tag" {
  description = "Tag of both service images in ECR; the Makefile passes the git commit."
  type        = string
  default     = "latest"
}

variable "lambda_architecture" {
  description = "Instruction set of both functions and the migration task; images are built for it (the Makefile's AWS_ARCH)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture: arm64 or x86_64."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each function; CPU grows with it (1769 MB = one full vCPU)."
  type        = number
  default     = 1024
}

variable "lambda_timeout_seconds" {
  description = "Function timeout. The HTTP API gives up after 30 s, so keep it at 29 or below."
  type        = number
  default     = 29

  validation {
    condition     = var.lambda_timeout_seconds >= 5 && var.lambda_timeout_seconds <= 29
    error_message = "lambda_timeout_seconds: 5-29 (API Gateway's integration timeout is 30 s)."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of both services."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group."
  type        = number
  default     = 30
}

variable "default_tenant" {
  description = "The store anonymous visitors see; the demo catalog is seeded into it and new sign-ups join it."
  type        = string
  default     = "demo"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", var.default_tenant))
    error_message = "default_tenant: letters, digits, '.', '_' or '-', at most 128."
  }
}

variable "seed_demo_catalog" {
  description = "Whether the products migration (run by every `make deploy-aws`) also loads the demo catalog into default_tenant; idempotent."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  description = "Address range of the VPC; split into two public and two private /20 subnets."
  type        = string
  default     = "10.40.0.0/16"
}

variable "db_instance_class" {
  description = "RDS instance class of the products database."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_engine_version" {
  description = "RDS MySQL engine version."
  type        = string
  default     = "8.4"
}

variable "db_allocated_storage_gb" {
  description = "Initial storage of the products database (gp3); grows automatically up to 5x."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "Standby in a second availability zone (doubles the database cost)."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time restore window) of the products database."
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (turn off before `make destroy-aws`)."
  type        = bool
  default     = false
}

variable "db_final_snapshot" {
  description = "Take a final snapshot when the database is destroyed (it outlives the stack and costs storage)."
  type        = bool
  default     = true
}

variable "enable_rds_proxy" {
  description = "Connect the products function through RDS Proxy (pooling across Lambda instances). Off: direct connections, a pool of one per instance, ~$22/month less."
  type        = bool
  default     = true
}

variable "orders_table_deletion_protection" {
  description = "Refuse to delete the DynamoDB orders table."
  type        = bool
  default     = false
}

variable "cognito_domain_prefix" {
  description = "Prefix of the Cognito hosted sign-in domain (globally unique); derived from the names when empty."
  type        = string
  default     = ""
}

variable "extra_callback_urls" {
  description = "More sign-in redirect URLs for the storefront app client, e.g. http://localhost:8080/ for a local storefront against this API."
  type        = list(string)
  default     = []
}

variable "cloudfront_price_class" {
  description = "CloudFront edge locations used for the storefront and the API (and its cached catalog reads)."
  type        = string
  default     = "PriceClass_100"
}

variable "catalog_cache_max_age_seconds" {
  description = "CATALOG_CACHE_MAX_AGE_SECONDS of the products service: how long a shared cache (here CloudFront) may serve an anonymous catalog read without asking again; a product update is visible within it. 0 turns edge caching of the catalog off."
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

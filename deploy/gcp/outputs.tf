# Nothing secret here (the browser API key is public by design, but the provider marks it sensitive).

output "project_id" {
  description = "Project of the stack."
  value       = var.project_id
}

output "region" {
  description = "Region of the services, jobs and registry."
  value       = var.region
}

output "registry" {
  description = "Artifact Registry path the images are pushed to (<registry>/products, <registry>/orders)."
  value       = local.registry
}

output "registry_host" {
  description = "Registry host for docker credentials."
  value       = "${var.region}-docker.pkg.dev"
}

output "lb_address" {
  description = "Address of the load balancer: point your domain's A record here."
  value       = google_compute_global_address.lb.address
}

output "api_url" {
  description = "Base URL of the public API (same origin as the storefront)."
  value       = local.site_url
}

output "storefront_url" {
  description = "The storefront."
  value       = local.site_url
}

output "url_map" {
  description = "URL map of the load balancer (Cloud CDN invalidations name it)."
  value       = google_compute_url_map.site.name
}

output "storefront_bucket" {
  description = "Cloud Storage bucket the storefront is published to."
  value       = google_storage_bucket.storefront.name
}

output "default_tenant" {
  description = "The store anonymous visitors see (the Identity Platform tenant unless overridden)."
  value       = local.default_tenant
}

output "identity_platform_tenant_id" {
  description = "Identity Platform tenant the storefront signs users in to."
  value       = google_identity_platform_tenant.shop.name
}

output "firebase_auth_domain" {
  description = "authDomain of the Firebase SDK."
  value       = "${var.project_id}.firebaseapp.com"
}

output "firebase_api_key" {
  description = "Browser API key of the Firebase SDK (public by design, restricted to this site and the auth APIs)."
  value       = google_apikeys_key.storefront.key_string
  sensitive   = true
}

output "products_migrate_job" {
  description = "Cloud Run job of the products migration."
  value       = google_cloud_run_v2_job.products_migrate.name
}

output "orders_migrate_job" {
  description = "Cloud Run job of the orders migration."
  value       = google_cloud_run_v2_job.orders_migrate.name
}

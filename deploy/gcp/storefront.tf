# One global external Application Load Balancer in front of everything, on one origin:
#   /products, /products/*                 -> products (serverless NEG)
#   /orders, /orders/*, /customers/*       -> orders (serverless NEG)
#   everything else                        -> the storefront bucket
# /stock* is not routed to products, so it is unreachable from outside (it falls through to the bucket).

resource "google_compute_global_address" "lb" {
  name       = "${local.name}-lb"
  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "storefront" {
  name                        = "${var.project_id}-${local.name}-storefront"
  location                    = var.region
  uniform_bucket_level_access = true
  force_destroy               = true # holds only build output, re-published by every deploy

  website {
    main_page_suffix = "index.html"
    not_found_page   = "index.html" # a single-page app: unknown paths get index.html
  }
}

# The storefront is public by nature: anyone may read its files.
resource "google_storage_bucket_iam_member" "storefront_public" {
  bucket = google_storage_bucket.storefront.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_compute_backend_bucket" "storefront" {
  name        = "${local.name}-storefront"
  bucket_name = google_storage_bucket.storefront.name
  enable_cdn  = false
}

resource "google_compute_region_network_endpoint_group" "products" {
  name                  = "${local.name}-products"
  region                = var.region
  network_endpoint_type = "SERVERLESS"
  cloud_run {
    service = google_cloud_run_v2_service.products.name
  }
}

resource "google_compute_region_network_endpoint_group" "orders" {
  name                  = "${local.name}-orders"
  region                = var.region
  network_endpoint_type = "SERVERLESS"
  cloud_run {
    service = google_cloud_run_v2_service.orders.name
  }
}

# Cloud CDN on the products backend caches anonymous catalog reads as the service's Cache-Control says
# (public, max-age=CATALOG_CACHE_MAX_AGE_SECONDS, stale-while-revalidate=CATALOG_CACHE_STALE_SECONDS):
#   - USE_ORIGIN_HEADERS: only responses the service marks public with a max-age are cached; the TTL fields
#     must be left out in this mode (the API refuses them), so the service's max-age is the edge's TTL;
#   - the key: protocol, host, path, the whole query string (page cursors, filters) and X-Tenant-Id (the
#     store an anonymous visitor browses);
#   - a request with Authorization bypasses the cache both ways (bypass_cache_on_request_headers: "The
#     cache is bypassed for all cdnPolicy.cacheMode settings"), so a signed-in read never gets an anonymous
#     answer and is never stored; the service also answers it private, no-store, which Cloud CDN never
#     caches ("It has a Cache-Control: no-store, no-cache, or private directive" blocks caching, Cloud CDN
#     caching overview, https://cloud.google.com/cdn/docs/caching);
#   - serve_while_stale bounds stale serving (the API's default is 86400 s, a day, also on origin errors)
#     to the configured stale window; negative caching is off, so a 404 is cached only if the service says so;
#   - catalog_cache_max_age_seconds = 0 turns Cloud CDN off on this backend.
# Caveat (deploy/README.md, "Catalog caching at the edge"): the same overview lists "It has a Vary header
# with a value other than Accept, Accept-Encoding, or Origin" among what blocks caching, and the service
# sends Vary: X-Tenant-Id, Authorization. The key and the bypass above already cover both headers, but
# until that is settled, check the X-Cache-Status header (below) or httpRequest.cacheHit in the load
# balancer's request logs after a deploy.
# Writes, /orders* and /customers/* are never cached: Cloud CDN caches GET only, and the orders backend has
# no CDN. Purge: make purge-catalog-gcp.
resource "google_compute_backend_service" "products" {
  name                  = "${local.name}-products"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  enable_cdn            = var.catalog_cache_max_age_seconds > 0
  # What the edge did with the request ({cdn_cache_status}, one of the load balancer's header variables).
  custom_response_headers = ["X-Cache-Status: {cdn_cache_status}"]

  cdn_policy {
    cache_mode         = "USE_ORIGIN_HEADERS"
    serve_while_stale  = var.catalog_cache_stale_seconds
    negative_caching   = false
    request_coalescing = true

    cache_key_policy {
      include_host         = true
      include_protocol     = true
      include_query_string = true
      include_http_headers = ["X-Tenant-Id"]
    }

    bypass_cache_on_request_headers {
      header_name = "Authorization"
    }
  }

  backend {
    group = google_compute_region_network_endpoint_group.products.id
  }
  log_config {
    enable      = true
    sample_rate = 1
  }
}

# Orders and customers are per-user: no CDN.
resource "google_compute_backend_service" "orders" {
  name                  = "${local.name}-orders"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  enable_cdn            = false
  backend {
    group = google_compute_region_network_endpoint_group.orders.id
  }
  log_config {
    enable      = true
    sample_rate = 1
  }
}

resource "google_compute_url_map" "site" {
  name            = "${local.name}-site"
  default_service = google_compute_backend_bucket.storefront.id

  host_rule {
    hosts        = ["*"]
    path_matcher = "site"
  }

  path_matcher {
    name            = "site"
    default_service = google_compute_backend_bucket.storefront.id

    path_rule {
      paths   = ["/products", "/products/*"]
      service = google_compute_backend_service.products.id
    }

    path_rule {
      paths   = ["/orders", "/orders/*", "/customers/*"]
      service = google_compute_backend_service.orders.id
    }
  }
}

# Google-managed certificate for the domain; provisioning starts once the domain resolves to the address
# and takes 15-60 minutes (the site answers with TLS errors until then).
resource "google_compute_managed_ssl_certificate" "site" {
  name = "${local.name}-site-${substr(sha1(local.domain), 0, 8)}"
  managed {
    domains = [local.domain]
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_target_https_proxy" "site" {
  name             = "${local.name}-site"
  url_map          = google_compute_url_map.site.id
  ssl_certificates = [google_compute_managed_ssl_certificate.site.id]
}

resource "google_compute_global_forwarding_rule" "https" {
  name                  = "${local.name}-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.lb.id
  port_range            = "443"
  target                = google_compute_target_https_proxy.site.id
}

# Plain HTTP answers with a redirect to HTTPS.
resource "google_compute_url_map" "redirect" {
  name = "${local.name}-redirect"
  default_url_redirect {
    https_redirect         = true
    strip_query            = false
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  name    = "${local.name}-redirect"
  url_map = google_compute_url_map.redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  name                  = "${local.name}-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.lb.id
  port_range            = "80"
  target                = google_compute_target_http_proxy.redirect.id
}

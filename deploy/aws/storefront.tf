# The storefront: static files in a private S3 bucket, served by CloudFront through origin access control.
# `make deploy-aws` uploads services/storefront/dist with this deployment's config.json.
#
# The same distribution is the browser's way to the API (one origin, as on GCP: no CORS, no preflights):
#   /config.json                    S3, never cached
#   /products*                      HTTP API; anonymous GET/HEAD cached as the products service's
#                                   Cache-Control says (catalog cache policy below)
#   /orders*, /customers/*          HTTP API, never cached
#   everything else                 S3 (the storefront; a path without a file extension gets index.html)
# /stock* has no behaviour to the API: it falls to the storefront (its page, like any unknown path).

resource "aws_s3_bucket" "storefront" {
  bucket_prefix = "${local.name}-storefront-"
  force_destroy = true # holds only build output, re-published by every deploy
}

resource "aws_s3_bucket_public_access_block" "storefront" {
  bucket                  = aws_s3_bucket.storefront.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "storefront" {
  bucket = aws_s3_bucket.storefront.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "storefront" {
  bucket = aws_s3_bucket.storefront.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_cloudfront_origin_access_control" "storefront" {
  name                              = "${local.name}-storefront"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

locals {
  # AWS managed CloudFront policies.
  cache_policy_caching_optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  cache_policy_caching_disabled  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  response_headers_security      = "67f7725c-6f97-4210-82d7-5512b31e9d03"
  # Managed-AllViewerExceptHostHeader: every viewer header, cookie and query string except Host (an
  # execute-api host name answers 403 to any other Host). With caching disabled it also carries
  # Authorization; where caching is on, Authorization goes through the cache key instead (an origin request
  # policy may not forward it: CloudFront refuses one that tries).
  origin_request_all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  api_methods                           = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
}

# Anonymous catalog reads, cached for as long as the products service's Cache-Control allows
# (public, max-age=CATALOG_CACHE_MAX_AGE_SECONDS, stale-while-revalidate=CATALOG_CACHE_STALE_SECONDS):
#   - min and default TTL 0: a response without Cache-Control, or with no-store/no-cache/private (every
#     authenticated read: private, no-store), is not cached; max TTL bounds the edge at the configured
#     max-age whatever the service sends;
#   - the key is the path, the whole query string (page cursors, filters), X-Tenant-Id (the store an
#     anonymous visitor browses), Authorization (a signed-in request never meets an anonymous answer, and
#     the header reaches the API: keyed headers are forwarded) and Origin (a cross-origin caller, such as a
#     local storefront, gets the CORS headers for its own origin);
#   - Accept-Encoding is normalised into the key, so a compressed answer from the origin is never served to a
#     client that cannot read it. CloudFront does not compress API answers itself (compress = false below):
#     it would turn the service's strong ETag into a weak one (CloudFront guide, "Serve compressed files",
#     ETag header conversion).
resource "aws_cloudfront_cache_policy" "catalog" {
  name        = "${local.name}-catalog"
  comment     = "anonymous catalog reads: origin Cache-Control, keyed on query, X-Tenant-Id, Authorization, Origin"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = var.catalog_cache_max_age_seconds > 0 ? var.catalog_cache_max_age_seconds : 1

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    cookies_config {
      cookie_behavior = "none"
    }

    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Authorization", "Origin", "X-Tenant-Id"]
      }
    }

    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

# The storefront is a single-page app with hash routes: a request for a path without a file extension is
# for its page. (Done here, on the storefront's behaviour only, rather than with custom error responses,
# which apply to every origin and would turn the API's 403 and 404 answers into index.html.)
resource "aws_cloudfront_function" "spa_index" {
  name    = "${local.name}-spa-index"
  runtime = "cloudfront-js-2.0"
  comment = "storefront: extension-less paths get /index.html"
  publish = true
  code    = <<-EOT
    function handler(event) {
      var request = event.request;
      if (!/\.[A-Za-z0-9]+$/.test(request.uri)) {
        request.uri = '/index.html';
      }
      return request;
    }
  EOT
}

resource "aws_cloudfront_distribution" "storefront" {
  enabled             = true
  comment             = "${local.name} storefront and API"
  default_root_object = "index.html"
  price_class         = var.cloudfront_price_class
  http_version        = "http2and3"

  origin {
    origin_id                = "storefront"
    domain_name              = aws_s3_bucket.storefront.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.storefront.id
  }

  origin {
    origin_id   = "api"
    domain_name = local.api_origin_domain

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
      origin_read_timeout    = 30 # the HTTP API's own integration timeout
    }
  }

  default_cache_behavior {
    target_origin_id           = "storefront"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cache_policy_caching_optimized
    response_headers_policy_id = local.response_headers_security

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_index.arn
    }
  }

  # A new deployment's config.json must be seen at once.
  ordered_cache_behavior {
    path_pattern               = "/config.json"
    target_origin_id           = "storefront"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cache_policy_caching_disabled
    response_headers_policy_id = local.response_headers_security
  }

  # The API. Catalog reads are cached as the catalog cache policy says; orders and customers never. Writes
  # go through (CloudFront caches GET and HEAD only); OPTIONS reaches the API for a cross-origin preflight.
  # compress = false: CloudFront would turn the service's strong ETag into a weak one when it compresses.
  ordered_cache_behavior {
    path_pattern             = "/products*"
    target_origin_id         = "api"
    viewer_protocol_policy   = "https-only"
    allowed_methods          = local.api_methods
    cached_methods           = ["GET", "HEAD"]
    compress                 = false
    cache_policy_id          = aws_cloudfront_cache_policy.catalog.id
    origin_request_policy_id = local.origin_request_all_viewer_except_host
  }

  ordered_cache_behavior {
    path_pattern             = "/orders*"
    target_origin_id         = "api"
    viewer_protocol_policy   = "https-only"
    allowed_methods          = local.api_methods
    cached_methods           = ["GET", "HEAD"]
    compress                 = false
    cache_policy_id          = local.cache_policy_caching_disabled
    origin_request_policy_id = local.origin_request_all_viewer_except_host
  }

  ordered_cache_behavior {
    path_pattern             = "/customers/*"
    target_origin_id         = "api"
    viewer_protocol_policy   = "https-only"
    allowed_methods          = local.api_methods
    cached_methods           = ["GET", "HEAD"]
    compress                 = false
    cache_policy_id          = local.cache_policy_caching_disabled
    origin_request_policy_id = local.origin_request_all_viewer_except_host
  }

  # No custom_error_response: it would apply to the API's answers too (see aws_cloudfront_function.spa_index).

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

data "aws_iam_policy_document" "storefront_bucket" {
  statement {
    sid       = "CloudFrontReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.storefront.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.storefront.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "storefront" {
  bucket     = aws_s3_bucket.storefront.id
  policy     = data.aws_iam_policy_document.storefront_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.storefront]
}

# The storefront: static files in a private S3 bucket, served by CloudFront through origin access control.
# `make deploy-aws` uploads services/storefront/dist with this deployment's config.json.

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
}

resource "aws_cloudfront_distribution" "storefront" {
  enabled             = true
  comment             = "${local.name} storefront"
  default_root_object = "index.html"
  price_class         = var.cloudfront_price_class
  http_version        = "http2and3"

  origin {
    origin_id                = "storefront"
    domain_name              = aws_s3_bucket.storefront.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.storefront.id
  }

  default_cache_behavior {
    target_origin_id           = "storefront"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cache_policy_caching_optimized
    response_headers_policy_id = local.response_headers_security
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

  # A single-page app: unknown paths get index.html (S3 answers 403 for a missing key without ListBucket).
  custom_error_response {
    error_code         = 403
    response_code      = 200
    response_page_path = "/index.html"
  }

  custom_error_response {
    error_code         = 404
    response_code      = 200
    response_page_path = "/index.html"
  }

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

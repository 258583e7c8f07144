locals {
  name       = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  azs        = slice(data.aws_availability_zones.available.names, 0, 2)

  # The storefront and the public API share one origin: CloudFront serves the site from S3 and forwards
  # /products*, /orders* and /customers/* to the HTTP API (storefront.tf), caching anonymous catalog reads.
  storefront_url = "https://${aws_cloudfront_distribution.storefront.domain_name}"
  # The HTTP API's own host name (its $default stage has no path): CloudFront's origin for the API.
  api_origin_domain = "${aws_apigatewayv2_api.http.id}.execute-api.${local.region}.amazonaws.com"

  # The orders function reaches the products function through the private REST API (internal.tf):
  # its hostname resolves to the execute-api VPC endpoint inside the VPC and to nothing useful outside.
  internal_products_url = "https://${aws_api_gateway_rest_api.internal.id}.execute-api.${local.region}.amazonaws.com/${aws_api_gateway_stage.internal.stage_name}"

  db_name     = "shop"
  db_username = "shop"
  db_host     = var.enable_rds_proxy ? one(aws_db_proxy.products[*].endpoint) : aws_db_instance.products.address
  # The services read one URL. Lambda cannot inject a secret into an environment variable, so the URL is
  # set from Terraform (encrypted at rest by Lambda's key); the same value is in Secrets Manager for the
  # migration task, which receives it as an ECS secret. See README.md, "Secrets".
  database_url = "mysql://${local.db_username}:${random_password.db.result}@${local.db_host}:3306/${local.db_name}"

  # The environment both functions share. AWS_REGION is set by Lambda itself.
  common_env = {
    NODE_ENV             = "production"
    LOG_LEVEL            = var.log_level
    REQUEST_TIMEOUT_MS   = tostring((var.lambda_timeout_seconds - 3) * 1000)
    AUTH_PROVIDER        = "cognito"
    COGNITO_USER_POOL_ID = aws_cognito_user_pool.shop.id
    AUTH_AUDIENCE        = aws_cognito_user_pool_client.storefront.id
    # custom:tenant_id is only in ID tokens: the storefront sends its ID token.
    COGNITO_TOKEN_USE = "id"
    # Protected routes arrive with claims the HTTP API's JWT authorizer verified; the functions can only be
    # invoked by API Gateway (functions.tf), so the Lambda Web Adapter's x-amzn-request-context is trusted.
    AUTH_GATEWAY_SOURCES = "apigateway"
    SERVICE_TOKEN_SECRET = random_password.service_token.result
    CORS_ORIGINS         = local.storefront_url
    # Lambda Web Adapter: the image sets the port and readiness path; nothing to add here.
  }

  products_env = merge(local.common_env, {
    SERVICE_NAME   = "products"
    DATABASE_URL   = local.database_url
    DB_POOL_MAX    = var.enable_rds_proxy ? "2" : "1"
    DEFAULT_TENANT = var.default_tenant
    # Cache-Control of anonymous catalog reads, which CloudFront honours (storefront.tf).
    CATALOG_CACHE_MAX_AGE_SECONDS = tostring(var.catalog_cache_max_age_seconds)
    CATALOG_CACHE_STALE_SECONDS   = tostring(var.catalog_cache_stale_seconds)
  })

  orders_env = merge(local.common_env, {
    SERVICE_NAME   = "orders"
    ORDERS_STORE   = "dynamodb"
    DYNAMODB_TABLE = aws_dynamodb_table.orders.name
    PRODUCTS_URL   = local.internal_products_url
  })
}

# The public HTTP API. Routes as the local gateway has them: /products*, /orders*, /customers/*; every
# route that changes something, and every orders route, needs a Cognito ID token checked by the JWT
# authorizer. Catalog reads stay anonymous (the products function verifies a token itself if one comes).
# /stock* has no route here: it lives on the private API in internal.tf. Browsers reach this API through
# CloudFront (storefront.tf), which caches anonymous catalog reads; its execute-api URL still answers,
# uncached (the api_origin_url output).

resource "aws_apigatewayv2_api" "http" {
  name          = "${local.name}-api"
  protocol_type = "HTTP"
  description   = "shop public API"

  # The storefront reaches the API through its own CloudFront origin (storefront.tf), so it needs no CORS;
  # other origins (a local storefront, extra_callback_urls) do. The storefront's origin is not listed: the
  # distribution's origin is this API, and listing the distribution here would make a dependency cycle.
  dynamic "cors_configuration" {
    for_each = length(local.api_cors_origins) > 0 ? [local.api_cors_origins] : []
    content {
      allow_origins  = cors_configuration.value
      allow_methods  = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
      allow_headers  = ["authorization", "content-type", "idempotency-key", "if-match", "if-none-match", "x-tenant-id", "x-request-id"]
      expose_headers = ["etag", "location", "retry-after", "x-request-id"]
      max_age        = 600
    }
  }
}

resource "aws_apigatewayv2_authorizer" "cognito" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "cognito"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = "https://${aws_cognito_user_pool.shop.endpoint}"
    audience = [aws_cognito_user_pool_client.storefront.id]
  }
}

resource "aws_apigatewayv2_integration" "products" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.products.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_integration" "orders" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.orders.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

locals {
  # route key => [service, needs a token]
  routes = {
    "GET /products"             = ["products", false]
    "GET /products/{proxy+}"    = ["products", false]
    "POST /products"            = ["products", true]
    "PUT /products/{proxy+}"    = ["products", true]
    "DELETE /products/{proxy+}" = ["products", true]
    "GET /orders"               = ["orders", true]
    "POST /orders"              = ["orders", true]
    "GET /orders/{proxy+}"      = ["orders", true]
    "PUT /orders/{proxy+}"      = ["orders", true]
    "GET /customers/{proxy+}"   = ["orders", true]
  }
  api_cors_origins = [for url in var.extra_callback_urls : trimsuffix(url, "/")]
  integrations = {
    products = aws_apigatewayv2_integration.products.id
    orders   = aws_apigatewayv2_integration.orders.id
  }
}

resource "aws_apigatewayv2_route" "api" {
  for_each = local.routes

  api_id             = aws_apigatewayv2_api.http.id
  route_key          = each.key
  target             = "integrations/${local.integrations[each.value[0]]}"
  authorization_type = each.value[1] ? "JWT" : "NONE"
  authorizer_id      = each.value[1] ? aws_apigatewayv2_authorizer.cognito.id : null
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name}-api"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = 200
    throttling_rate_limit  = 100
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      ip             = "$context.identity.sourceIp"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      latency        = "$context.responseLatency"
      integrationErr = "$context.integrationErrorMessage"
      authorizerErr  = "$context.authorizer.error"
    })
  }
}

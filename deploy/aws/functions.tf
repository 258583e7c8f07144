# Both services run from their images on Lambda; the Lambda Web Adapter inside each image turns
# invocations into HTTP requests to the server on port 8080 (the image's CMD), readiness on /healthz.

resource "aws_cloudwatch_log_group" "products" {
  name              = "/aws/lambda/${local.name}-products"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "orders" {
  name              = "/aws/lambda/${local.name}-orders"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "products" {
  function_name = "${local.name}-products"
  description   = "products service (catalog and stock reservations)"
  role          = aws_iam_role.products.arn
  package_type  = "Image"
  image_uri     = "${aws_ecr_repository.products.repository_url}:${var.image_tag}"
  architectures = [var.lambda_architecture]
  memory_size   = var.lambda_memory_mb
  timeout       = var.lambda_timeout_seconds

  vpc_config {
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.products.id]
  }

  environment {
    variables = local.products_env
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.products.name
  }

  depends_on = [aws_iam_role_policy.products, aws_ecr_repository_policy.lambda_pull]
}

resource "aws_lambda_function" "orders" {
  function_name = "${local.name}-orders"
  description   = "orders service"
  role          = aws_iam_role.orders.arn
  package_type  = "Image"
  image_uri     = "${aws_ecr_repository.orders.repository_url}:${var.image_tag}"
  architectures = [var.lambda_architecture]
  memory_size   = var.lambda_memory_mb
  timeout       = var.lambda_timeout_seconds

  # In the VPC to reach the private stock API through its endpoint; DynamoDB through the gateway endpoint.
  vpc_config {
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.orders.id]
  }

  environment {
    variables = local.orders_env
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.orders.name
  }

  depends_on = [aws_iam_role_policy.orders, aws_ecr_repository_policy.lambda_pull]
}

# Who may invoke the functions: API Gateway only, each from its own API. Nothing else can reach them, which
# is what makes the gateway's claims (AUTH_GATEWAY_SOURCES=apigateway) trustworthy.
resource "aws_lambda_permission" "products_from_http_api" {
  statement_id  = "http-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.products.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

resource "aws_lambda_permission" "products_from_internal_api" {
  statement_id  = "internal-rest-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.products.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.internal.execution_arn}/*/*"
}

resource "aws_lambda_permission" "orders_from_http_api" {
  statement_id  = "http-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.orders.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

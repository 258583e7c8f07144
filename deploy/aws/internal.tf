# Stock reservations: a private REST API that only the orders function can reach.
#
#   orders function (VPC) --HTTPS--> execute-api VPC endpoint --> private REST API /stock/* --> products function
#
# The API has no public endpoint, and its resource policy refuses any call that does not come through
# this VPC's endpoint, whose security group admits the orders function only. Products still checks the
# orders service's own token (SERVICE_TOKEN_SECRET, audience products, scope stock:reserve) on every call.

resource "aws_api_gateway_rest_api" "internal" {
  name        = "${local.name}-internal"
  description = "stock reservations, reachable from the orders function only"

  endpoint_configuration {
    types            = ["PRIVATE"]
    vpc_endpoint_ids = [aws_vpc_endpoint.execute_api.id]
  }
}

data "aws_iam_policy_document" "internal_api" {
  statement {
    sid       = "OnlyThroughOurEndpoint"
    effect    = "Deny"
    actions   = ["execute-api:Invoke"]
    resources = ["${aws_api_gateway_rest_api.internal.execution_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:SourceVpce"
      values   = [aws_vpc_endpoint.execute_api.id]
    }
  }

  statement {
    sid       = "Invoke"
    effect    = "Allow"
    actions   = ["execute-api:Invoke"]
    resources = ["${aws_api_gateway_rest_api.internal.execution_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_api_gateway_rest_api_policy" "internal" {
  rest_api_id = aws_api_gateway_rest_api.internal.id
  policy      = data.aws_iam_policy_document.internal_api.json
}

resource "aws_api_gateway_resource" "stock" {
  rest_api_id = aws_api_gateway_rest_api.internal.id
  parent_id   = aws_api_gateway_rest_api.internal.root_resource_id
  path_part   = "stock"
}

resource "aws_api_gateway_resource" "stock_proxy" {
  rest_api_id = aws_api_gateway_rest_api.internal.id
  parent_id   = aws_api_gateway_resource.stock.id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "stock_proxy" {
  rest_api_id   = aws_api_gateway_rest_api.internal.id
  resource_id   = aws_api_gateway_resource.stock_proxy.id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "stock_proxy" {
  rest_api_id             = aws_api_gateway_rest_api.internal.id
  resource_id             = aws_api_gateway_resource.stock_proxy.id
  http_method             = aws_api_gateway_method.stock_proxy.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.products.invoke_arn
}

resource "aws_api_gateway_deployment" "internal" {
  rest_api_id = aws_api_gateway_rest_api.internal.id

  triggers = {
    redeploy = sha1(jsonencode([
      aws_api_gateway_resource.stock_proxy.id,
      aws_api_gateway_method.stock_proxy.id,
      aws_api_gateway_integration.stock_proxy.id,
      aws_api_gateway_rest_api_policy.internal.policy,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.stock_proxy, aws_api_gateway_rest_api_policy.internal]
}

resource "aws_api_gateway_stage" "internal" {
  rest_api_id   = aws_api_gateway_rest_api.internal.id
  deployment_id = aws_api_gateway_deployment.internal.id
  stage_name    = "internal"
}

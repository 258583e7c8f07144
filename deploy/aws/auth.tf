# Cognito: the user pool the storefront signs in to (AUTH_PROVIDER=cognito). Each user carries the store
# they belong to in custom:tenant_id; the `admin` group makes a user an admin of that store.
# Self sign-up puts a new customer in default_tenant (the post-confirmation trigger below); users can
# read their tenant but not write it (the app client's write_attributes leave it out).

resource "aws_cognito_user_pool" "shop" {
  name                     = "${local.name}-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"
  deletion_protection      = "INACTIVE"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 7
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  schema {
    name                     = "tenant_id"
    attribute_data_type      = "String"
    mutable                  = true
    developer_only_attribute = false
    required                 = false

    string_attribute_constraints {
      min_length = 1
      max_length = 128
    }
  }

  lambda_config {
    post_confirmation = aws_lambda_function.cognito_tenant.arn
  }
}

resource "aws_cognito_user_group" "admin" {
  name         = "admin"
  user_pool_id = aws_cognito_user_pool.shop.id
  description  = "Store administrators (AUTH_ADMIN_ROLE)."
}

resource "random_id" "cognito_domain" {
  byte_length = 4
}

resource "aws_cognito_user_pool_domain" "shop" {
  domain       = var.cognito_domain_prefix != "" ? var.cognito_domain_prefix : "${local.name}-${random_id.cognito_domain.hex}"
  user_pool_id = aws_cognito_user_pool.shop.id
}

# The storefront: a public client (no secret) using the authorization code flow with PKCE.
resource "aws_cognito_user_pool_client" "storefront" {
  name         = "${local.name}-storefront"
  user_pool_id = aws_cognito_user_pool.shop.id

  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = concat(["${local.storefront_url}/"], var.extra_callback_urls)
  logout_urls                          = concat(["${local.storefront_url}/"], var.extra_callback_urls)
  explicit_auth_flows                  = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true

  read_attributes  = ["email", "email_verified", "name", "custom:tenant_id"]
  write_attributes = ["email", "name"]

  id_token_validity      = 60
  access_token_validity  = 60
  refresh_token_validity = 30
  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
}

# --- Post-confirmation trigger: a confirmed self sign-up without a tenant joins default_tenant.

data "archive_file" "cognito_tenant" {
  type        = "zip"
  source_file = "${path.module}/cognito-tenant-trigger/index.mjs"
  output_path = "${path.module}/.terraform/cognito-tenant-trigger.zip"
}

resource "aws_cloudwatch_log_group" "cognito_tenant" {
  name              = "/aws/lambda/${local.name}-cognito-tenant"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "cognito_tenant" {
  name               = "${local.name}-cognito-tenant"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "cognito_tenant_logs" {
  name = "logs"
  role = aws_iam_role.cognito_tenant.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.cognito_tenant.arn}:*"]
    }]
  })
}

# Attached after the pool exists (the pool names the function, so the function's policy cannot name the pool).
resource "aws_iam_role_policy" "cognito_tenant_pool" {
  name = "set-tenant"
  role = aws_iam_role.cognito_tenant.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["cognito-idp:AdminUpdateUserAttributes"]
      Resource = [aws_cognito_user_pool.shop.arn]
    }]
  })
}

resource "aws_lambda_function" "cognito_tenant" {
  function_name    = "${local.name}-cognito-tenant"
  description      = "Cognito post-confirmation: puts new users in the default tenant"
  role             = aws_iam_role.cognito_tenant.arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  filename         = data.archive_file.cognito_tenant.output_path
  source_code_hash = data.archive_file.cognito_tenant.output_base64sha256
  architectures    = [var.lambda_architecture]
  memory_size      = 256
  timeout          = 5

  environment {
    variables = {
      DEFAULT_TENANT = var.default_tenant
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.cognito_tenant.name
  }
}

resource "aws_lambda_permission" "cognito_tenant" {
  statement_id  = "cognito"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.cognito_tenant.function_name
  principal     = "cognito-idp.amazonaws.com"
  source_arn    = aws_cognito_user_pool.shop.arn
}

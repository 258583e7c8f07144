# One role per function and task, each allowed only what its code does.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# Network interfaces for functions in a VPC: EC2 takes no resource-level restriction on these actions.
data "aws_iam_policy_document" "vpc_access" {
  statement {
    sid = "VpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"]
  }
}

# --- products function: its log group and its network interfaces. The database password is in its
# environment (Lambda has no secret injection), so it needs no Secrets Manager access.

resource "aws_iam_role" "products" {
  name               = "${local.name}-products"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "products" {
  source_policy_documents = [data.aws_iam_policy_document.vpc_access.json]

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.products.arn}:*"]
  }
}

resource "aws_iam_role_policy" "products" {
  name   = "products"
  role   = aws_iam_role.products.id
  policy = data.aws_iam_policy_document.products.json
}

# --- orders function: its log group, its network interfaces, and the item operations its DynamoDB store
# uses on the orders table and its indexes. No table creation: Terraform owns the table.

resource "aws_iam_role" "orders" {
  name               = "${local.name}-orders"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "orders" {
  source_policy_documents = [data.aws_iam_policy_document.vpc_access.json]

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.orders.arn}:*"]
  }

  statement {
    sid = "OrdersTable"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    ]
    resources = [aws_dynamodb_table.orders.arn, "${aws_dynamodb_table.orders.arn}/index/*"]
  }
}

resource "aws_iam_role_policy" "orders" {
  name   = "orders"
  role   = aws_iam_role.orders.id
  policy = data.aws_iam_policy_document.orders.json
}

# --- RDS Proxy: reads the database credentials secret.

data "aws_iam_policy_document" "rds_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "db_proxy" {
  count = var.enable_rds_proxy ? 1 : 0

  name               = "${local.name}-db-proxy"
  assume_role_policy = data.aws_iam_policy_document.rds_assume.json
}

resource "aws_iam_role_policy" "db_proxy" {
  count = var.enable_rds_proxy ? 1 : 0

  name = "db-credentials"
  role = aws_iam_role.db_proxy[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadCredentials"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [aws_secretsmanager_secret.db_credentials.arn]
    }]
  })
}

# --- Migration tasks. The execution role (used by ECS to start the container) pulls the images, writes
# the log group and reads the two secrets injected into the containers.

resource "aws_iam_role" "migrate_execution" {
  name               = "${local.name}-migrate-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "migrate_execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullImages"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = [aws_ecr_repository.products.arn, aws_ecr_repository.orders.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.migrate.arn}:*"]
  }

  statement {
    sid     = "InjectedSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      aws_secretsmanager_secret.products_database_url.arn,
      aws_secretsmanager_secret.service_token.arn,
    ]
  }
}

resource "aws_iam_role_policy" "migrate_execution" {
  name   = "migrate-execution"
  role   = aws_iam_role.migrate_execution.id
  policy = data.aws_iam_policy_document.migrate_execution.json
}

# The orders migration task itself only checks the table (DescribeTable, DescribeTimeToLive).
resource "aws_iam_role" "orders_migrate" {
  name               = "${local.name}-orders-migrate"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "orders_migrate" {
  name = "describe-orders-table"
  role = aws_iam_role.orders_migrate.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "DescribeTable"
      Effect   = "Allow"
      Action   = ["dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive"]
      Resource = [aws_dynamodb_table.orders.arn]
    }]
  })
}

# Migrations run from the service images, as one-off ECS Fargate tasks in the private subnets (a Lambda
# cannot run a command that exits: the Lambda Web Adapter waits for a server). Nothing runs, and nothing
# is billed, between deployments. `make deploy-aws` starts them with scripts/deploy/aws-migrate.sh.

resource "aws_ecs_cluster" "migrate" {
  name = "${local.name}-migrate"
}

resource "aws_cloudwatch_log_group" "migrate" {
  name              = "/ecs/${local.name}-migrate"
  retention_in_days = var.log_retention_days
}

locals {
  ecs_cpu_architecture = var.lambda_architecture == "arm64" ? "ARM64" : "X86_64"
}

# products: applies pending migrations, then (seed_demo_catalog) loads the demo catalog into default_tenant;
# both are idempotent, so every deploy runs them.
resource "aws_ecs_task_definition" "products_migrate" {
  family                   = "${local.name}-products-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = aws_iam_role.migrate_execution.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.ecs_cpu_architecture
  }

  container_definitions = jsonencode([
    {
      name      = "migrate"
      image     = "${aws_ecr_repository.products.repository_url}:${var.image_tag}"
      essential = true
      command   = var.seed_demo_catalog ? ["node", "dist/migrate.mjs", "--seed", "--tenant", var.default_tenant] : ["node", "dist/migrate.mjs"]
      environment = [
        { name = "NODE_ENV", value = "production" },
        { name = "LOG_LEVEL", value = var.log_level },
      ]
      secrets = [
        { name = "DATABASE_URL", valueFrom = aws_secretsmanager_secret.products_database_url.arn },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.migrate.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "products"
        }
      }
    }
  ])
}

# orders: on DynamoDB the migration checks the table Terraform created (and its TTL).
resource "aws_ecs_task_definition" "orders_migrate" {
  family                   = "${local.name}-orders-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = aws_iam_role.migrate_execution.arn
  task_role_arn            = aws_iam_role.orders_migrate.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.ecs_cpu_architecture
  }

  container_definitions = jsonencode([
    {
      name      = "migrate"
      image     = "${aws_ecr_repository.orders.repository_url}:${var.image_tag}"
      essential = true
      command   = ["node", "dist/migrate.mjs"]
      environment = [
        { name = "NODE_ENV", value = "production" },
        { name = "LOG_LEVEL", value = var.log_level },
        { name = "ORDERS_STORE", value = "dynamodb" },
        { name = "DYNAMODB_TABLE", value = aws_dynamodb_table.orders.name },
        { name = "AWS_REGION", value = local.region },
      ]
      secrets = [
        { name = "SERVICE_TOKEN_SECRET", valueFrom = aws_secretsmanager_secret.service_token.arn },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.migrate.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "orders"
        }
      }
    }
  ])
}

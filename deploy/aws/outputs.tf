# Nothing secret here: the Makefile and scripts/deploy read these, and `terraform output` prints them.

output "region" {
  description = "Region of the stack."
  value       = local.region
}

output "ecr_registry" {
  description = "Registry host for docker login."
  value       = split("/", aws_ecr_repository.products.repository_url)[0]
}

output "products_repository_url" {
  description = "ECR repository of the products image."
  value       = aws_ecr_repository.products.repository_url
}

output "orders_repository_url" {
  description = "ECR repository of the orders image."
  value       = aws_ecr_repository.orders.repository_url
}

output "lambda_architecture" {
  description = "Architecture the images must be built for."
  value       = var.lambda_architecture
}

output "api_url" {
  description = "Base URL of the public API (/products, /orders, /customers): the storefront's own CloudFront origin, which caches anonymous catalog reads."
  value       = local.storefront_url
}

output "api_origin_url" {
  description = "The HTTP API itself, behind CloudFront: answers the same routes, never cached (for diagnosis)."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "storefront_url" {
  description = "The storefront."
  value       = local.storefront_url
}

output "storefront_bucket" {
  description = "S3 bucket the storefront is published to."
  value       = aws_s3_bucket.storefront.bucket
}

output "cloudfront_distribution_id" {
  description = "CloudFront distribution to invalidate after publishing (storefront) or to purge cached catalog reads."
  value       = aws_cloudfront_distribution.storefront.id
}

output "default_tenant" {
  description = "The store anonymous visitors see."
  value       = var.default_tenant
}

output "cognito_user_pool_id" {
  description = "Cognito user pool (create users and the first admin here)."
  value       = aws_cognito_user_pool.shop.id
}

output "cognito_client_id" {
  description = "Public app client id of the storefront."
  value       = aws_cognito_user_pool_client.storefront.id
}

output "cognito_issuer" {
  description = "OIDC issuer (authority) of the user pool."
  value       = "https://${aws_cognito_user_pool.shop.endpoint}"
}

output "cognito_domain_url" {
  description = "Hosted sign-in domain (authorize, token and logout endpoints)."
  value       = "https://${aws_cognito_user_pool_domain.shop.domain}.auth.${local.region}.amazoncognito.com"
}

output "migrate_cluster" {
  description = "ECS cluster the migration tasks run in."
  value       = aws_ecs_cluster.migrate.name
}

output "products_migrate_task_definition" {
  description = "Task definition of the products migration."
  value       = aws_ecs_task_definition.products_migrate.arn
}

output "orders_migrate_task_definition" {
  description = "Task definition of the orders migration."
  value       = aws_ecs_task_definition.orders_migrate.arn
}

output "migrate_subnet_ids" {
  description = "Private subnets of the migration tasks (comma-separated)."
  value       = join(",", aws_subnet.private[*].id)
}

output "migrate_security_group_id" {
  description = "Security group of the migration tasks."
  value       = aws_security_group.migrate.id
}

output "orders_table" {
  description = "DynamoDB table of orders."
  value       = aws_dynamodb_table.orders.name
}

output "internal_products_url" {
  description = "Private stock API the orders function calls (resolves only inside the VPC)."
  value       = local.internal_products_url
}

# Secrets Manager holds every generated secret. Terraform generates them (random_password), so they are
# also in the Terraform state: keep the state in an encrypted backend that few can read (README.md).

resource "random_password" "service_token" {
  length  = 64
  special = false
}

# The database credentials in the shape RDS Proxy reads.
resource "aws_secretsmanager_secret" "db_credentials" {
  name_prefix             = "${local.name}/products/db-credentials-"
  description             = "Products database user (read by RDS Proxy)."
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "db_credentials" {
  secret_id = aws_secretsmanager_secret.db_credentials.id
  secret_string = jsonencode({
    engine   = "mysql"
    username = local.db_username
    password = random_password.db.result
    host     = aws_db_instance.products.address
    port     = 3306
    dbname   = local.db_name
  })
}

# The whole DATABASE_URL, injected into the migration task as an ECS secret.
resource "aws_secretsmanager_secret" "products_database_url" {
  name_prefix             = "${local.name}/products/database-url-"
  description             = "DATABASE_URL of the products service."
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "products_database_url" {
  secret_id     = aws_secretsmanager_secret.products_database_url.id
  secret_string = local.database_url
}

# Signs the orders service's short-lived service tokens; products verifies them.
resource "aws_secretsmanager_secret" "service_token" {
  name_prefix             = "${local.name}/service-token-secret-"
  description             = "SERVICE_TOKEN_SECRET shared by orders (signs) and products (verifies)."
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "service_token" {
  secret_id     = aws_secretsmanager_secret.service_token.id
  secret_string = random_password.service_token.result
}

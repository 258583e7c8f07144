# Products catalog: RDS MySQL in the private subnets, reached through RDS Proxy (or directly, with a pool
# of one per function instance, when enable_rds_proxy is off).

resource "random_password" "db" {
  length = 40
  # Letters and digits only: the password sits inside DATABASE_URL.
  special = false
}

resource "random_id" "suffix" {
  byte_length = 3
}

resource "aws_db_subnet_group" "products" {
  name       = "${local.name}-products"
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "products" {
  name   = "${local.name}-products-mysql84"
  family = "mysql8.4"

  # The services' DATABASE_URL carries no TLS options yet (MikroORM reads only host, port, user, password
  # and database from it), so plaintext is allowed. Traffic never leaves the VPC's private subnets.
  parameter {
    name  = "require_secure_transport"
    value = "0"
  }

  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }
}

resource "aws_db_instance" "products" {
  identifier     = "${local.name}-products"
  engine         = "mysql"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  allocated_storage     = var.db_allocated_storage_gb
  max_allocated_storage = var.db_allocated_storage_gb * 5
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name  = local.db_name
  username = local.db_username
  password = random_password.db.result

  db_subnet_group_name   = aws_db_subnet_group.products.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.products.name
  publicly_accessible    = false
  multi_az               = var.db_multi_az

  backup_retention_period    = var.db_backup_retention_days
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = !var.db_final_snapshot
  final_snapshot_identifier  = "${local.name}-products-final-${random_id.suffix.hex}"
  auto_minor_version_upgrade = true
  apply_immediately          = true
  copy_tags_to_snapshot      = true
}

# RDS Proxy keeps a pool to the database shared by every function instance, so a burst of cold starts
# does not exhaust max_connections on a small instance.
resource "aws_db_proxy" "products" {
  count = var.enable_rds_proxy ? 1 : 0

  name                   = "${local.name}-products"
  engine_family          = "MYSQL"
  role_arn               = aws_iam_role.db_proxy[0].arn
  vpc_subnet_ids         = aws_subnet.private[*].id
  vpc_security_group_ids = [aws_security_group.db_proxy.id]
  require_tls            = false # see the parameter group above
  idle_client_timeout    = 900

  auth {
    auth_scheme               = "SECRETS"
    secret_arn                = aws_secretsmanager_secret.db_credentials.arn
    iam_auth                  = "DISABLED"
    client_password_auth_type = "MYSQL_NATIVE_PASSWORD"
  }
}

resource "aws_db_proxy_default_target_group" "products" {
  count = var.enable_rds_proxy ? 1 : 0

  db_proxy_name = aws_db_proxy.products[0].name

  connection_pool_config {
    max_connections_percent      = 90
    max_idle_connections_percent = 50
    connection_borrow_timeout    = 10
  }
}

resource "aws_db_proxy_target" "products" {
  count = var.enable_rds_proxy ? 1 : 0

  db_proxy_name          = aws_db_proxy.products[0].name
  target_group_name      = aws_db_proxy_default_target_group.products[0].name
  db_instance_identifier = aws_db_instance.products.identifier
}

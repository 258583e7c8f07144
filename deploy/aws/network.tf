# A VPC for the database and the functions that reach it: two private subnets (functions, RDS, RDS Proxy,
# the migration task, the execute-api endpoint) and two public ones holding a single NAT gateway, which
# the functions need to fetch Cognito's signing keys (JWKS) for bearer tokens on anonymous routes.

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = local.name }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = local.name }
}

resource "aws_subnet" "public" {
  count = length(local.azs)

  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)

  tags = { Name = "${local.name}-public-${local.azs[count.index]}" }
}

resource "aws_subnet" "private" {
  count = length(local.azs)

  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index + 8)

  tags = { Name = "${local.name}-private-${local.azs[count.index]}" }
}

resource "aws_eip" "nat" {
  domain = "vpc"
  tags   = { Name = "${local.name}-nat" }
}

# One NAT gateway (not one per zone): the smallest setup. A zone outage cuts egress, not the database.
resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public[0].id
  tags          = { Name = local.name }

  depends_on = [aws_internet_gateway.main]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = { Name = "${local.name}-public" }
}

resource "aws_route_table_association" "public" {
  count = length(aws_subnet.public)

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main.id
  }

  tags = { Name = "${local.name}-private" }
}

resource "aws_route_table_association" "private" {
  count = length(aws_subnet.private)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

# DynamoDB through a gateway endpoint: free, and order traffic does not pay NAT data charges.
resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${local.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  tags = { Name = "${local.name}-dynamodb" }
}

# The private REST API of stock reservations is reached only through this endpoint (internal.tf).
# With private DNS on, every *.execute-api hostname resolves to it inside this VPC: nothing in the VPC
# calls a public execute-api URL, so that is fine here.
resource "aws_vpc_endpoint" "execute_api" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${local.region}.execute-api"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.execute_api_endpoint.id]

  tags = { Name = "${local.name}-execute-api" }
}

# Security groups: each function, the proxy, the database and the migration task get their own, and
# each rule names its peer group rather than an address range.

resource "aws_security_group" "products" {
  name        = "${local.name}-products"
  description = "products function"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "orders" {
  name        = "${local.name}-orders"
  description = "orders function"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "migrate" {
  name        = "${local.name}-migrate"
  description = "one-off migration tasks"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "db_proxy" {
  name        = "${local.name}-db-proxy"
  description = "RDS Proxy of the products database"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "db" {
  name        = "${local.name}-db"
  description = "products database"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "execute_api_endpoint" {
  name        = "${local.name}-execute-api-endpoint"
  description = "execute-api VPC endpoint: the orders function only"
  vpc_id      = aws_vpc.main.id
}

# Functions and the migration task: out to anywhere (Cognito JWKS through NAT, DynamoDB, ECR, the proxy).
resource "aws_vpc_security_group_egress_rule" "products_all" {
  security_group_id = aws_security_group.products.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "orders_all" {
  security_group_id = aws_security_group.orders.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "migrate_all" {
  security_group_id = aws_security_group.migrate.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "execute_api_from_orders" {
  security_group_id            = aws_security_group.execute_api_endpoint.id
  referenced_security_group_id = aws_security_group.orders.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

# MySQL: the products function and the migration task reach the proxy (or the database without one);
# the proxy reaches the database.
resource "aws_vpc_security_group_ingress_rule" "db_proxy_from_products" {
  security_group_id            = aws_security_group.db_proxy.id
  referenced_security_group_id = aws_security_group.products.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_vpc_security_group_ingress_rule" "db_proxy_from_migrate" {
  security_group_id            = aws_security_group.db_proxy.id
  referenced_security_group_id = aws_security_group.migrate.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_vpc_security_group_egress_rule" "db_proxy_to_db" {
  security_group_id            = aws_security_group.db_proxy.id
  referenced_security_group_id = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_vpc_security_group_ingress_rule" "db_from_proxy" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.db_proxy.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_vpc_security_group_ingress_rule" "db_from_products" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.products.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_vpc_security_group_ingress_rule" "db_from_migrate" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.migrate.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

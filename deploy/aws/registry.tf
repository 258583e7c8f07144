# One repository per service. The Makefile creates these first (terraform apply -target), pushes the
# images, then applies the rest: a function cannot be created from an image that does not exist yet.

resource "aws_ecr_repository" "products" {
  name                 = "${local.name}/products"
  image_tag_mutability = "MUTABLE"
  force_delete         = true

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_repository" "orders" {
  name                 = "${local.name}/orders"
  image_tag_mutability = "MUTABLE"
  force_delete         = true

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "keep_recent" {
  for_each = {
    products = aws_ecr_repository.products.name
    orders   = aws_ecr_repository.orders.name
  }

  repository = each.value
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep the 20 most recent images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}

# Lambda pulls images with its own service principal: allow it for this stack's functions only.
resource "aws_ecr_repository_policy" "lambda_pull" {
  for_each = {
    products = aws_ecr_repository.products.name
    orders   = aws_ecr_repository.orders.name
  }

  repository = each.value
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaPull"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      Condition = {
        StringLike = { "aws:sourceArn" = "arn:aws:lambda:${local.region}:${local.account_id}:function:${local.name}-*" }
      }
    }]
  })
}

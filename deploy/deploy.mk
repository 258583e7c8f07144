# Cloud deployments: included from the root Makefile.  See deploy/README.md.
#
#   make deploy-aws | deploy-gcp | deploy-azure    build + push images, terraform apply, migrate, publish
#   make plan-aws   | plan-gcp   | plan-azure      terraform plan (nothing changes)
#   make destroy-aws | destroy-gcp | destroy-azure terraform destroy
#   make storefront-config PROVIDER=aws|gcp|azure  services/storefront/dist/config.json from terraform outputs
#   make purge-catalog-aws | purge-catalog-gcp | purge-catalog-azure   drop cached catalog reads at once
#
# `make -n deploy-aws` prints every step without running any. Variables:
#   IMAGE_TAG        image tag pushed and deployed (default: the current commit)
#   AWS_ARCH         arm64 | x86_64: the Lambda architecture, and the platform the AWS images are built for
#   TF_APPROVE       e.g. -auto-approve for unattended runs (default: terraform asks before changing anything)
#   TF_VARS_FILE     a tfvars file, relative to deploy/<provider>/ (default: terraform.tfvars when present)

IMAGE_TAG ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo latest)
AWS_ARCH ?= arm64
TF_APPROVE ?=
STOREFRONT_DIST ?= services/storefront/dist
DOCKER_BUILD ?= docker buildx build

# terraform for one provider: $(call tf,aws) init
tf = terraform -chdir=deploy/$(1)
# the -var-file argument, when deploy/<provider>/<file> exists
tf_vars_file = $(if $(TF_VARS_FILE),-var-file=$(TF_VARS_FILE),$(if $(wildcard deploy/$(1)/terraform.tfvars),-var-file=terraform.tfvars))
# the backend argument, when deploy/<provider>/backend.hcl exists (partial backend configuration)
tf_backend = $(if $(wildcard deploy/$(1)/backend.hcl),-backend-config=backend.hcl)
# one output of one provider's state, read when the recipe line runs (never while make parses)
tf_out = $$(terraform -chdir=deploy/$(1) output -raw $(2))

AWS_VARS = $(call tf_vars_file,aws) -var image_tag=$(IMAGE_TAG) -var lambda_architecture=$(AWS_ARCH)
GCP_VARS = $(call tf_vars_file,gcp) -var image_tag=$(IMAGE_TAG)
AZURE_VARS = $(call tf_vars_file,azure) -var image_tag=$(IMAGE_TAG)

AWS_PLATFORM = linux/$(if $(filter x86_64,$(AWS_ARCH)),amd64,arm64)

.PHONY: deploy-aws deploy-gcp deploy-azure plan-aws plan-gcp plan-azure destroy-aws destroy-gcp destroy-azure \
	tf-init-aws tf-init-gcp tf-init-azure storefront-build storefront-config \
	publish-storefront-aws publish-storefront-gcp publish-storefront-azure \
	purge-catalog-aws purge-catalog-gcp purge-catalog-azure

## --- AWS: ECR, Lambda (Web Adapter), HTTP API + Cognito, RDS MySQL, DynamoDB, S3 + CloudFront

tf-init-aws:
	$(call tf,aws) init -input=false $(call tf_backend,aws)

plan-aws: tf-init-aws ## terraform plan of the AWS deployment
	$(call tf,aws) plan -input=false $(AWS_VARS)

deploy-aws: tf-init-aws storefront-build ## build, push, apply, migrate and publish on AWS
	@echo "==> 1/6 registries"
	$(call tf,aws) apply $(TF_APPROVE) $(AWS_VARS) -target=aws_ecr_repository.products -target=aws_ecr_repository.orders
	@echo "==> 2/6 images ($(AWS_PLATFORM), tag $(IMAGE_TAG))"
	aws ecr get-login-password --region $(call tf_out,aws,region) | docker login --username AWS --password-stdin $(call tf_out,aws,ecr_registry)
	$(DOCKER_BUILD) --platform $(AWS_PLATFORM) --provenance=false -f services/products/Dockerfile -t $(call tf_out,aws,products_repository_url):$(IMAGE_TAG) --push .
	$(DOCKER_BUILD) --platform $(AWS_PLATFORM) --provenance=false -f services/orders/Dockerfile -t $(call tf_out,aws,orders_repository_url):$(IMAGE_TAG) --push .
	@echo "==> 3/6 infrastructure"
	$(call tf,aws) apply $(TF_APPROVE) $(AWS_VARS)
	@echo "==> 4/6 migrations"
	scripts/deploy/aws-migrate.sh products
	scripts/deploy/aws-migrate.sh orders
	@echo "==> 5/6 storefront config"
	$(call storefront_config,aws)
	@echo "==> 6/6 storefront"
	$(publish_storefront_aws)
	@echo "storefront: $(call tf_out,aws,storefront_url)"

define publish_storefront_aws
aws s3 sync $(STOREFRONT_DIST) s3://$(call tf_out,aws,storefront_bucket) --delete --exclude config.json
aws s3 cp $(STOREFRONT_DIST)/config.json s3://$(call tf_out,aws,storefront_bucket)/config.json --cache-control no-store --content-type application/json
aws cloudfront create-invalidation --distribution-id $(call tf_out,aws,cloudfront_distribution_id) --paths '/*'
endef

publish-storefront-aws: ## publish services/storefront/dist (with its config.json) to the AWS storefront
	$(publish_storefront_aws)

destroy-aws: tf-init-aws ## terraform destroy of the AWS deployment
	$(call tf,aws) destroy $(TF_APPROVE) $(AWS_VARS)

## --- GCP: Artifact Registry, Cloud Run, Cloud SQL, Secret Manager, Identity Platform, load balancer + bucket

tf-init-gcp:
	$(call tf,gcp) init -input=false $(call tf_backend,gcp)

plan-gcp: tf-init-gcp ## terraform plan of the GCP deployment
	$(call tf,gcp) plan -input=false $(GCP_VARS)

deploy-gcp: tf-init-gcp storefront-build ## build, push, apply, migrate and publish on GCP
	@echo "==> 1/6 registry"
	$(call tf,gcp) apply $(TF_APPROVE) $(GCP_VARS) -target=google_artifact_registry_repository.images
	@echo "==> 2/6 images (linux/amd64, tag $(IMAGE_TAG))"
	gcloud auth configure-docker $(call tf_out,gcp,registry_host) --quiet
	$(DOCKER_BUILD) --platform linux/amd64 -f services/products/Dockerfile -t $(call tf_out,gcp,registry)/products:$(IMAGE_TAG) --push .
	$(DOCKER_BUILD) --platform linux/amd64 -f services/orders/Dockerfile -t $(call tf_out,gcp,registry)/orders:$(IMAGE_TAG) --push .
	@echo "==> 3/6 infrastructure"
	$(call tf,gcp) apply $(TF_APPROVE) $(GCP_VARS)
	@echo "==> 4/6 migrations"
	gcloud run jobs execute $(call tf_out,gcp,products_migrate_job) --region $(call tf_out,gcp,region) --project $(call tf_out,gcp,project_id) --wait
	gcloud run jobs execute $(call tf_out,gcp,orders_migrate_job) --region $(call tf_out,gcp,region) --project $(call tf_out,gcp,project_id) --wait
	@echo "==> 5/6 storefront config"
	$(call storefront_config,gcp)
	@echo "==> 6/6 storefront"
	$(publish_storefront_gcp)
	@echo "storefront: $(call tf_out,gcp,storefront_url) (a new certificate takes 15-60 minutes)"

define publish_storefront_gcp
gcloud storage rsync $(STOREFRONT_DIST) gs://$(call tf_out,gcp,storefront_bucket) --recursive --delete-unmatched-destination-objects --project $(call tf_out,gcp,project_id)
gcloud storage objects update gs://$(call tf_out,gcp,storefront_bucket)/config.json --cache-control=no-store --project $(call tf_out,gcp,project_id)
endef

publish-storefront-gcp: ## publish services/storefront/dist (with its config.json) to the GCP storefront
	$(publish_storefront_gcp)

destroy-gcp: tf-init-gcp ## terraform destroy of the GCP deployment
	$(call tf,gcp) destroy $(TF_APPROVE) $(GCP_VARS)

## --- Azure: ACR, Container Apps (+ gateway), MySQL + PostgreSQL flexible servers, Key Vault, Entra ID, static website

tf-init-azure:
	$(call tf,azure) init -input=false $(call tf_backend,azure)

plan-azure: tf-init-azure ## terraform plan of the Azure deployment
	$(call tf,azure) plan -input=false $(AZURE_VARS)

deploy-azure: tf-init-azure storefront-build ## build, push, apply, migrate and publish on Azure
	@echo "==> 1/6 registry"
	$(call tf,azure) apply $(TF_APPROVE) $(AZURE_VARS) -target=azurerm_container_registry.main
	@echo "==> 2/6 images (linux/amd64, tag $(IMAGE_TAG))"
	az acr login --name $(call tf_out,azure,acr_name)
	$(DOCKER_BUILD) --platform linux/amd64 -f services/products/Dockerfile -t $(call tf_out,azure,acr_login_server)/products:$(IMAGE_TAG) --push .
	$(DOCKER_BUILD) --platform linux/amd64 -f services/orders/Dockerfile -t $(call tf_out,azure,acr_login_server)/orders:$(IMAGE_TAG) --push .
	$(DOCKER_BUILD) --platform linux/amd64 -t $(call tf_out,azure,acr_login_server)/gateway:$(IMAGE_TAG) --push deploy/azure/gateway
	@echo "==> 3/6 infrastructure"
	$(call tf,azure) apply $(TF_APPROVE) $(AZURE_VARS)
	@echo "==> 4/6 migrations"
	scripts/deploy/azure-migrate.sh products
	scripts/deploy/azure-migrate.sh orders
	@echo "==> 5/6 storefront config"
	$(call storefront_config,azure)
	@echo "==> 6/6 storefront"
	$(publish_storefront_azure)
	@echo "storefront: $(call tf_out,azure,storefront_url)"

define publish_storefront_azure
az storage blob upload-batch --account-name $(call tf_out,azure,storage_account_name) --auth-mode login --destination '$$web' --source $(STOREFRONT_DIST) --overwrite
az storage blob update --account-name $(call tf_out,azure,storage_account_name) --auth-mode login --container-name '$$web' --name config.json --content-cache-control no-store --content-type application/json
endef

publish-storefront-azure: ## publish services/storefront/dist (with its config.json) to the Azure storefront
	$(publish_storefront_azure)

destroy-azure: tf-init-azure ## terraform destroy of the Azure deployment
	$(call tf,azure) destroy $(TF_APPROVE) $(AZURE_VARS)

## --- catalog caches (deploy/README.md, "Catalog caching at the edge")
# Cached anonymous catalog reads expire within CATALOG_CACHE_MAX_AGE_SECONDS (plus the stale window) by
# themselves; these drop them at once, e.g. after a price correction that cannot wait.

purge-catalog-aws: ## drop CloudFront's cached catalog reads
	aws cloudfront create-invalidation --distribution-id $(call tf_out,aws,cloudfront_distribution_id) --paths '/products' '/products/*'

purge-catalog-gcp: ## drop Cloud CDN's cached catalog reads
	gcloud compute url-maps invalidate-cdn-cache $(call tf_out,gcp,url_map) --path '/products' --project $(call tf_out,gcp,project_id) --async
	gcloud compute url-maps invalidate-cdn-cache $(call tf_out,gcp,url_map) --path '/products/*' --project $(call tf_out,gcp,project_id) --async

# The gateway keeps its cache on each replica's own disk: restarting its revision empties it.
purge-catalog-azure: ## drop the Azure gateway's cached catalog reads (restarts the gateway)
	az containerapp revision restart --name $(call tf_out,azure,gateway_app) --resource-group $(call tf_out,azure,resource_group) --revision $$(az containerapp show --name $(call tf_out,azure,gateway_app) --resource-group $(call tf_out,azure,resource_group) --query properties.latestRevisionName -o tsv)

## --- storefront

# The storefront's own build when it has one; until then its static files as they are.
storefront-build:
	mkdir -p $(STOREFRONT_DIST)
	if [ -f services/storefront/package.json ]; then npm run build --workspace services/storefront --if-present; fi
	[ -f $(STOREFRONT_DIST)/index.html ] || cp -R services/storefront/public/. $(STOREFRONT_DIST)/

storefront_config = node scripts/deploy/storefront-config.ts $(1) --out $(STOREFRONT_DIST)/config.json

storefront-config: ## services/storefront/dist/config.json from PROVIDER's terraform outputs
	$(call storefront_config,$(PROVIDER))

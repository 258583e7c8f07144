# Thin wrappers over the npm scripts, so CI, developers and deploys run the same commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help

help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

install: ## install dependencies exactly as locked
	npm ci

check: ## typecheck, lint, test: what CI runs
	npm run check

typecheck: ## tsc --noEmit over every package
	npm run typecheck

lint: ## biome lint and format check
	npm run lint

format: ## apply formatting and safe lint fixes
	npm run format

test: ## the test suites (set TEST_* or run `bash .ci/run` for every engine)
	npm test

build: ## esbuild bundles per service entry point
	npm run build

start: ## the embedded stack on http://localhost:8080
	npm start

image-test: ## build both images (docker, else podman) and test them against real stores
	node scripts/image-test.ts

compose-test: ## docker compose up, driven end to end through the gateway (both orders stores), then down
	node scripts/compose-test.ts

ci: ## what CI runs, on this machine
	bash .ci/run

.PHONY: help install check typecheck lint format test build start image-test compose-test ci

# Cloud deploys: deploy-aws|gcp|azure, plan-*, destroy-*, storefront-config PROVIDER=…
include deploy/deploy.mk

terraform {
  required_version = ">= 1.10"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.20"
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
  }

  # Local state by default. State holds the generated database passwords and service secret: for anything
  # beyond a trial, copy backend.tf.example to backend.tf (a private storage account container).
}

provider "azurerm" {
  # null: taken from ARM_SUBSCRIPTION_ID, or from `az account show` when signed in with the Azure CLI.
  subscription_id = var.subscription_id

  features {
    key_vault {
      purge_soft_delete_on_destroy    = var.purge_key_vault_on_destroy
      recover_soft_deleted_key_vaults = true
    }
    resource_group {
      prevent_deletion_if_contains_resources = false
    }
  }
}

provider "azuread" {}

data "azurerm_client_config" "current" {}

data "azuread_client_config" "current" {}

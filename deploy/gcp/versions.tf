terraform {
  required_version = ">= 1.10"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.20, < 8.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Local state by default. State holds the generated database passwords and service secret: for anything
  # beyond a trial, copy backend.tf.example to backend.tf (a private, versioned GCS bucket).
}

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = merge(var.labels, {
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
  })
}

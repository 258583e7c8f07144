#!/usr/bin/env bash
# Starts one service's migration job (deploy/azure/migrations.tf) and waits for its execution:
#   scripts/deploy/azure-migrate.sh products|orders
# Exits non-zero when the execution fails or does not finish in time.
set -euo pipefail
service="${1:?usage: azure-migrate.sh products|orders}"
case "$service" in products | orders) ;; *) echo "unknown service: $service" >&2; exit 2 ;; esac

out() { terraform -chdir=deploy/azure output -raw "$1"; }
group="$(out resource_group)"
job="$(out "${service}_migrate_job")"

echo "migrating $service ($job)"
execution="$(az containerapp job start --name "$job" --resource-group "$group" --query name --output tsv)"

for _ in $(seq 1 120); do
  status="$(az containerapp job execution show --name "$job" --resource-group "$group" \
    --job-execution-name "$execution" --query properties.status --output tsv)"
  case "$status" in
    Succeeded) echo "$service migrated"; exit 0 ;;
    Failed | Stopped | Degraded)
      echo "the $service migration ended $status; see its logs:" >&2
      echo "  az containerapp job logs show --name $job --resource-group $group --execution $execution --container migrate" >&2
      exit 1 ;;
  esac
  sleep 5
done
echo "the $service migration did not finish within 10 minutes (execution $execution)" >&2
exit 1

#!/usr/bin/env bash
# Runs one service's migration task (deploy/aws/migrations.tf) on Fargate and waits for it:
#   scripts/deploy/aws-migrate.sh products|orders
# Exits non-zero, after printing the task's log, when the migration fails.
set -euo pipefail
service="${1:?usage: aws-migrate.sh products|orders}"
case "$service" in products | orders) ;; *) echo "unknown service: $service" >&2; exit 2 ;; esac

out() { terraform -chdir=deploy/aws output -raw "$1"; }
region="$(out region)"
cluster="$(out migrate_cluster)"
task_definition="$(out "${service}_migrate_task_definition")"
subnets="$(out migrate_subnet_ids)"
security_group="$(out migrate_security_group_id)"

echo "migrating $service ($task_definition)"
task_arn="$(aws ecs run-task --region "$region" --cluster "$cluster" --launch-type FARGATE \
  --task-definition "$task_definition" \
  --network-configuration "awsvpcConfiguration={subnets=[$subnets],securityGroups=[$security_group],assignPublicIp=DISABLED}" \
  --query 'tasks[0].taskArn' --output text)"
if [[ -z "$task_arn" || "$task_arn" == "None" ]]; then
  echo "the $service migration task did not start" >&2
  exit 1
fi

aws ecs wait tasks-stopped --region "$region" --cluster "$cluster" --tasks "$task_arn"
exit_code="$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task_arn" \
  --query 'tasks[0].containers[0].exitCode' --output text)"

if [[ "$exit_code" != "0" ]]; then
  reason="$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task_arn" \
    --query 'tasks[0].stoppedReason' --output text)"
  echo "the $service migration failed (exit $exit_code: $reason); its log:" >&2
  aws logs tail "/ecs/$(basename "$cluster")" --region "$region" --log-stream-name-prefix "$service/migrate/${task_arn##*/}" >&2 || true
  exit 1
fi
echo "$service migrated"

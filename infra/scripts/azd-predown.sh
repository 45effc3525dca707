#!/usr/bin/env bash
# azd predown hook: the Entra app registration is not in the resource group, so `azd down`
# would leave it behind. azd itself deletes the group and, with --purge, purges Key Vault and
# AI Services.
set -euo pipefail
name="grounded-chat-${AZURE_ENV_NAME:?AZURE_ENV_NAME is not set}"
app_id="$(az ad app list --display-name "$name" --query '[0].appId' -o tsv --only-show-errors)"
if [ -n "$app_id" ]; then
  echo "deleting the Entra app registration $name ($app_id)"
  az ad app delete --id "$app_id" --only-show-errors
fi

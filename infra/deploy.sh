#!/usr/bin/env bash
# grounded-chat on Azure with the Azure CLI alone (the same steps `azd up` runs through the hooks
# in azure.yaml). Walk-through, costs and teardown: docs/deploy.md.
#
#   infra/deploy.sh up          everything: app registration, provision, ingest, image, blue-green, web
#   infra/deploy.sh what-if     show what provisioning would change, change nothing
#   infra/deploy.sh provision   the Bicep only (keeps the live deployment and its traffic)
#   infra/deploy.sh ingest      fill the search index from docs/
#   infra/deploy.sh rollout     build the image in the registry, deploy it blue-green
#   infra/deploy.sh web         zip-deploy demo-site
#   infra/deploy.sh rotate-key  regenerate the endpoint key, store it in Key Vault, restart the web app
#   infra/deploy.sh down [--yes]  delete everything, purge the soft-deleted Key Vault and AI Services
#
# Settings (environment): AZURE_ENV_NAME (required, 2-10 characters), AZURE_LOCATION (default
# eastus2), AZURE_RESOURCE_GROUP (default rg-$AZURE_ENV_NAME), ENDPOINT_AUTH_MODE (key | aad_token).
# Extra Bicep parameters follow `--`: infra/deploy.sh up -- endpointInstanceCount=3 appServiceSku=P0v3
#
# Re-running any command updates in place. Secrets never pass through this script's arguments,
# output or files: the endpoint key goes from the endpoint to Key Vault inside ARM (listKeys), the
# telemetry hash key is generated inside ARM (newGuid) on the first run and kept on later ones,
# and the smoke test hands its credential to curl on standard input.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEPLOYMENT="grounded-chat"
IMAGE_REPO="grounded-chat-orchestrator"
TELEMETRY_KEY_SECRET="telemetry-user-hash-key"
SMOKE_QUESTION='{"question":"What is grounded-chat?","chat_history":[]}'

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }

# ---------- settings ----------

command="${1:-}"
[ -n "$command" ] || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
shift
EXTRA_PARAMS=()
ASSUME_YES=0
while [ $# -gt 0 ]; do
  case "$1" in
    --yes) ASSUME_YES=1 ;;
    --) shift; EXTRA_PARAMS=("$@"); break ;;
    *) die "unknown argument $1 (extra Bicep parameters go after --)" ;;
  esac
  shift
done

ENV_NAME="${AZURE_ENV_NAME:-}"
LOCATION="${AZURE_LOCATION:-eastus2}"
AUTH_MODE="${ENDPOINT_AUTH_MODE:-key}"

check_settings() {
  [[ "$ENV_NAME" =~ ^[a-z0-9][a-z0-9-]{1,9}$ ]] ||
    die "set AZURE_ENV_NAME to 2-10 lowercase letters, digits or dashes (it names every resource)"
  [[ "$AUTH_MODE" == key || "$AUTH_MODE" == aad_token ]] || die "ENDPOINT_AUTH_MODE must be key or aad_token"
  RG="${AZURE_RESOURCE_GROUP:-rg-$ENV_NAME}"
}

require_tools() {
  local tool
  for tool in az node npm curl zip; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required (see docs/deploy.md, Prerequisites)"
  done
  az account show --only-show-errors >/dev/null 2>&1 || die "sign in first: az login"
  # The ml extension runs the blue-green steps (get-credentials, traffic, delete).
  az extension show --name ml >/dev/null 2>&1 || az extension add --name ml --only-show-errors
}

# ---------- values from the last provisioning ----------

# Under azd, hooks see the outputs as environment variables; otherwise they come from the
# resource-group deployment this script makes.
output_of() {
  local name="$1"
  if [ -n "${!name:-}" ]; then
    printf '%s' "${!name}"
    return
  fi
  az deployment group show -g "$RG" -n "$DEPLOYMENT" --query "properties.outputs.$name.value" -o tsv 2>/dev/null
}

ml_args() { printf '%s\n' --resource-group "$RG" --workspace-name "$(output_of PROJECT_NAME)"; }

# The endpoint's traffic split, its live colour and that colour's image ("" before the first rollout).
read_live_state() {
  LIVE_TRAFFIC='' LIVE_COLOUR='' LIVE_IMAGE=''
  local endpoint project
  endpoint="$(output_of ENDPOINT_NAME || true)"
  project="$(output_of PROJECT_NAME || true)"
  [ -n "$endpoint" ] && [ -n "$project" ] || return 0
  LIVE_TRAFFIC="$(az ml online-endpoint show -n "$endpoint" -g "$RG" -w "$project" --query traffic -o json 2>/dev/null || true)"
  [ -n "$LIVE_TRAFFIC" ] || return 0
  LIVE_COLOUR="$(node -e 'const t=JSON.parse(process.argv[1]||"{}");const [n,v]=Object.entries(t).sort((a,b)=>b[1]-a[1])[0]??[];process.stdout.write(v>0?n:"")' "$LIVE_TRAFFIC")"
  LIVE_TRAFFIC="$(node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]||"{}")))' "$LIVE_TRAFFIC")"
  if [ -n "$LIVE_COLOUR" ]; then
    LIVE_IMAGE="$(az ml online-deployment show -n "$LIVE_COLOUR" -e "$endpoint" -g "$RG" -w "$project" \
      --query 'tags."grounded-chat-image"' -o tsv 2>/dev/null || true)"
  fi
}

# ---------- Entra app registration for Easy Auth (no portal step, no client secret) ----------

app_display_name() { printf 'grounded-chat-%s' "$ENV_NAME"; }

ensure_app_registration() {
  local name app_id
  name="$(app_display_name)"
  app_id="$(az ad app list --display-name "$name" --query '[0].appId' -o tsv --only-show-errors)"
  if [ -z "$app_id" ]; then
    say "creating the Entra app registration $name"
    app_id="$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg \
      --enable-id-token-issuance true --query appId -o tsv --only-show-errors)"
    az ad app update --id "$app_id" --identifier-uris "api://$app_id" --only-show-errors
    az ad sp create --id "$app_id" --only-show-errors >/dev/null
  fi
  AUTH_CLIENT_ID="$app_id"
}

# After provisioning: the sign-in callback of the site, and the federated credential that lets the
# web app's managed identity stand in for a client secret (OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID).
finish_app_registration() {
  local host principal tenant issuer current
  host="$(output_of SITE_HOST_NAME)"
  principal="$(output_of WEB_IDENTITY_PRINCIPAL_ID)"
  tenant="$(az account show --query tenantId -o tsv)"
  issuer="https://login.microsoftonline.com/$tenant/v2.0"
  az ad app update --id "$AUTH_CLIENT_ID" --web-redirect-uris "https://$host/.auth/login/aad/callback" --only-show-errors
  current="$(az ad app federated-credential list --id "$AUTH_CLIENT_ID" --query "[?name=='web-app-identity'].subject | [0]" -o tsv --only-show-errors)"
  if [ "$current" != "$principal" ]; then
    [ -z "$current" ] || az ad app federated-credential delete --id "$AUTH_CLIENT_ID" --federated-credential-id web-app-identity --only-show-errors
    az ad app federated-credential create --id "$AUTH_CLIENT_ID" --only-show-errors --parameters \
      "{\"name\":\"web-app-identity\",\"issuer\":\"$issuer\",\"subject\":\"$principal\",\"audiences\":[\"api://AzureADTokenExchange\"]}" >/dev/null
  fi
}

deployer_principal() {
  if [ "$(az account show --query user.type -o tsv)" = servicePrincipal ]; then
    PRINCIPAL_TYPE=ServicePrincipal
    PRINCIPAL_ID="$(az ad sp show --id "$(az account show --query user.name -o tsv)" --query id -o tsv)"
  else
    PRINCIPAL_TYPE=User
    PRINCIPAL_ID="$(az ad signed-in-user show --query id -o tsv)"
  fi
}

# ---------- provisioning ----------

# "true" once the telemetry hash key is in Key Vault, so a re-run keeps it (a new key would give
# every visitor a new hash). A control-plane read of the secret's metadata: no value is fetched
# and no Key Vault data role is needed. Pass `-- keepTelemetryUserHashKey=false` to replace it.
telemetry_key_kept() {
  local vault
  vault="$(output_of KEY_VAULT_NAME || true)"
  if [ -n "$vault" ] && az resource show -g "$RG" --namespace Microsoft.KeyVault --parent "vaults/$vault" \
    --resource-type secrets -n "$TELEMETRY_KEY_SECRET" --query id -o tsv --only-show-errors >/dev/null 2>&1; then
    printf true
  else
    printf false
  fi
}

# deploy_main create|what-if IMAGE COLOUR TRAFFIC_JSON
deploy_main() {
  local mode="$1" image="$2" colour="$3" traffic="$4"
  local -a output=()
  if [ "$mode" = what-if ]; then
    # What-if changes nothing, not even the resource group it would run in.
    if ! az group show -n "$RG" --only-show-errors >/dev/null 2>&1; then
      say "resource group $RG does not exist yet: provisioning would create it and everything in infra/main.bicep"
      return 0
    fi
  else
    output=(--output none)
    az group create -n "$RG" -l "$LOCATION" --tags "azd-env-name=$ENV_NAME" --only-show-errors >/dev/null
  fi
  az deployment group "$mode" -g "$RG" -n "$DEPLOYMENT" --only-show-errors \
    --template-file "$ROOT/infra/main.bicep" \
    --parameters environmentName="$ENV_NAME" location="$LOCATION" \
    principalId="$PRINCIPAL_ID" principalType="$PRINCIPAL_TYPE" authClientId="$AUTH_CLIENT_ID" \
    endpointAuthMode="$AUTH_MODE" orchestratorImage="$image" orchestratorDeploymentName="${colour:-blue}" \
    endpointTrafficJson="$traffic" keepTelemetryUserHashKey="$(telemetry_key_kept)" ${EXTRA_PARAMS[@]+"${EXTRA_PARAMS[@]}"} \
    ${output[@]+"${output[@]}"}
}

prepare() {
  check_settings
  require_tools
  deployer_principal
  ensure_app_registration
  read_live_state
}

cmd_provision() {
  say "provisioning $RG (live deployment: ${LIVE_COLOUR:-none})"
  deploy_main create "$LIVE_IMAGE" "$LIVE_COLOUR" "$LIVE_TRAFFIC"
  finish_app_registration
}

cmd_what_if() {
  say "what-if for $RG (nothing is changed)"
  deploy_main what-if "$LIVE_IMAGE" "$LIVE_COLOUR" "$LIVE_TRAFFIC"
}

# ---------- ingest ----------

cmd_ingest() {
  say "ingesting docs/ into $(output_of AZURE_SEARCH_INDEX)"
  (cd "$ROOT" && npm run build --silent)
  local attempt code
  for attempt in 1 2 3; do
    # Role assignments can take minutes to reach the data plane: retry before giving up.
    code=0
    AZURE_SEARCH_ENDPOINT="$(output_of AZURE_SEARCH_ENDPOINT)" \
      AZURE_SEARCH_INDEX="$(output_of AZURE_SEARCH_INDEX)" \
      AZURE_SEARCH_SEMANTIC_CONFIGURATION="$(output_of AZURE_SEARCH_SEMANTIC_CONFIGURATION)" \
      AZURE_OPENAI_ENDPOINT="$(output_of AZURE_OPENAI_ENDPOINT)" \
      AZURE_OPENAI_EMBEDDING_DEPLOYMENT="$(output_of AZURE_OPENAI_EMBEDDING_DEPLOYMENT)" \
      AZURE_OPENAI_API_VERSION="$(output_of AZURE_OPENAI_API_VERSION)" \
      node "$ROOT/orchestrator/bin/grounded-chat.mjs" ingest "$ROOT/docs" --target azure || code=$?
    case "$code" in
      0) return 0 ;;
      # Exit 2 is a usage or configuration error (docs/ingestion.md): retrying cannot help.
      2) die "ingest refused its configuration (the message above names the setting)" ;;
    esac
    [ "$attempt" = 3 ] || { say "ingest failed (attempt $attempt), retrying in 60 s"; sleep 60; }
  done
  die "ingest failed three times; see the messages above"
}

# ---------- image and blue-green rollout ----------

build_image() {
  local registry tag
  registry="$(output_of REGISTRY_NAME)"
  tag="$(date -u +%Y%m%d%H%M%S)-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo local)"
  say "building $IMAGE_REPO:$tag in $registry (az acr build, no local Docker)"
  az acr build -r "$registry" -t "$IMAGE_REPO:$tag" -f "$ROOT/infra/orchestrator.Dockerfile" "$ROOT" --only-show-errors >&2
  NEW_IMAGE="$(output_of REGISTRY_LOGIN_SERVER)/$IMAGE_REPO:$tag"
}

# The credential a client presents to the endpoint, on stdout (never echoed by the callers).
endpoint_credential() {
  local -a ml
  mapfile -t ml < <(ml_args)
  if [ "$AUTH_MODE" = key ]; then
    az ml online-endpoint get-credentials -n "$(output_of ENDPOINT_NAME)" "${ml[@]}" --query primaryKey -o tsv
  else
    az account get-access-token --resource https://ml.azure.com --query accessToken -o tsv
  fi
}

# smoke_test COLOUR: a real question through the scoring URL, pinned to COLOUR by the
# azureml-model-deployment header, so the live colour keeps all visitor traffic meanwhile.
smoke_test() {
  local colour="$1" body status
  body="$(mktemp)"
  status="$(printf 'header = "Authorization: Bearer %s"\n' "$(endpoint_credential)" |
    curl -sS --config - -o "$body" -w '%{http_code}' --max-time 180 \
      -H "azureml-model-deployment: $colour" -H 'content-type: application/json' \
      --data "$SMOKE_QUESTION" "$(output_of SCORING_URL)" || true)"
  if [ "$status" = 200 ] && node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));if(typeof r.answer!=="string"||!r.answer.trim()||!Array.isArray(r.citations))process.exit(1)' "$body"; then
    rm -f "$body"
    return 0
  fi
  printf 'deploy: smoke test of %s answered HTTP %s: ' "$colour" "${status:-none}" >&2
  head -c 300 "$body" >&2 || true
  printf '\n' >&2
  rm -f "$body"
  return 1
}

cmd_rollout() {
  local endpoint new old=""
  local -a ml
  endpoint="$(output_of ENDPOINT_NAME)"
  mapfile -t ml < <(ml_args)
  build_image
  if [ "$LIVE_COLOUR" = blue ]; then new=green; else new=blue; fi
  [ -z "$LIVE_COLOUR" ] || old="$LIVE_COLOUR"
  # A colour left over by an interrupted rollout carries no traffic: replace it. One that does
  # (a split set by hand) is refused rather than cut off.
  if node -e 'const t=JSON.parse(process.argv[1]||"{}");process.exit((t[process.argv[2]]??0)>0?0:1)' "$LIVE_TRAFFIC" "$new"; then
    die "both colours carry traffic ($LIVE_TRAFFIC): set one to 100 with az ml online-endpoint update --traffic, then re-run"
  fi
  az ml online-deployment delete -n "$new" -e "$endpoint" "${ml[@]}" --yes --only-show-errors >/dev/null 2>&1 || true
  say "deploying $new beside ${old:-nothing} (traffic unchanged: ${LIVE_TRAFFIC:-none})"
  deploy_main create "$NEW_IMAGE" "$new" "$LIVE_TRAFFIC"
  say "smoke-testing $new through the azureml-model-deployment header"
  if ! smoke_test "$new"; then
    say "$new failed its smoke test: removing it, ${old:-no deployment} stays live"
    az ml online-deployment delete -n "$new" -e "$endpoint" "${ml[@]}" --yes --only-show-errors >/dev/null || true
    die "rollout aborted; logs: az ml online-deployment get-logs -n $new -e $endpoint -g $RG -w $(output_of PROJECT_NAME)"
  fi
  say "shifting traffic to $new"
  if [ -n "$old" ]; then
    az ml online-endpoint update -n "$endpoint" "${ml[@]}" --traffic "$new=100 $old=0" --only-show-errors >/dev/null
    say "removing $old"
    az ml online-deployment delete -n "$old" -e "$endpoint" "${ml[@]}" --yes --only-show-errors >/dev/null
    az monitor autoscale delete -g "$RG" -n "autoscale-$endpoint-$old" --only-show-errors >/dev/null 2>&1 || true
  else
    az ml online-endpoint update -n "$endpoint" "${ml[@]}" --traffic "$new=100" --only-show-errors >/dev/null
  fi
  LIVE_COLOUR="$new" LIVE_IMAGE="$NEW_IMAGE" LIVE_TRAFFIC="{\"$new\":100}"
}

# ---------- web app ----------

cmd_web() {
  local zip site attempt
  local -a flags=(--no-build)
  zip="$(mktemp -d)/demo-site.zip"
  site="$(output_of WEB_APP_NAME)"
  [ "$AUTH_MODE" = key ] || flags+=(--with-identity)
  (cd "$ROOT" && npm run build --silent)
  "$ROOT/infra/scripts/package-demo-site.sh" "$zip" "${flags[@]}" >/dev/null
  say "zip-deploying demo-site to $site"
  for attempt in 1 2; do
    # The SCM front end sometimes answers GatewayTimeout on a first deploy; once more is enough.
    if az webapp deploy -g "$RG" -n "$site" --src-path "$zip" --type zip --only-show-errors >/dev/null; then
      rm -f "$zip"
      return 0
    fi
    [ "$attempt" = 2 ] || say "zip deploy failed, retrying"
  done
  die "zip deploy failed twice"
}

cmd_rotate_key() {
  [ "$AUTH_MODE" = key ] || die "the endpoint uses Entra tokens: there is no key to rotate"
  local -a ml
  mapfile -t ml < <(ml_args)
  say "regenerating the endpoint's primary key"
  az ml online-endpoint regenerate-keys -n "$(output_of ENDPOINT_NAME)" "${ml[@]}" --key-type primary --only-show-errors >/dev/null
  say "storing it in Key Vault (re-provisioning reads it with listKeys)"
  deploy_main create "$LIVE_IMAGE" "$LIVE_COLOUR" "$LIVE_TRAFFIC"
  az webapp restart -g "$RG" -n "$(output_of WEB_APP_NAME)" --only-show-errors
}

# ---------- teardown ----------

cmd_down() {
  check_settings
  az account show --only-show-errors >/dev/null 2>&1 || die "sign in first: az login"
  local vault ai location app_id
  vault="$(output_of KEY_VAULT_NAME || true)"
  ai="$(output_of AI_SERVICES_NAME || true)"
  location="$(az group show -n "$RG" --query location -o tsv 2>/dev/null || echo "$LOCATION")"
  if [ "$ASSUME_YES" != 1 ]; then
    read -r -p "Delete resource group $RG, its app registration, and purge $vault and $ai? [y/N] " answer
    [ "$answer" = y ] || [ "$answer" = Y ] || die "nothing deleted"
  fi
  app_id="$(az ad app list --display-name "$(app_display_name)" --query '[0].appId' -o tsv --only-show-errors)"
  [ -z "$app_id" ] || { say "deleting app registration $app_id"; az ad app delete --id "$app_id" --only-show-errors; }
  if az group show -n "$RG" >/dev/null 2>&1; then
    say "deleting $RG (about 10 minutes)"
    az group delete -n "$RG" --yes --only-show-errors
  fi
  # Both keep their names reserved for days after deletion unless purged.
  [ -z "$vault" ] || { say "purging Key Vault $vault"; az keyvault purge -n "$vault" -l "$location" --only-show-errors || true; }
  [ -z "$ai" ] || { say "purging AI Services $ai"; az cognitiveservices account purge -n "$ai" -g "$RG" -l "$location" --only-show-errors || true; }
}

# ---------- azd hooks (azure.yaml) ----------

azd_preprovision() {
  prepare
  azd env set AUTH_CLIENT_ID "$AUTH_CLIENT_ID"
  azd env set AZURE_PRINCIPAL_ID "$PRINCIPAL_ID"
  azd env set AZURE_PRINCIPAL_TYPE "$PRINCIPAL_TYPE"
  azd env set ORCHESTRATOR_IMAGE "$LIVE_IMAGE"
  azd env set ORCHESTRATOR_DEPLOYMENT_NAME "${LIVE_COLOUR:-blue}"
  azd env set ENDPOINT_TRAFFIC_JSON "$LIVE_TRAFFIC"
  azd env set KEEP_TELEMETRY_USER_HASH_KEY "$(telemetry_key_kept)"
}

azd_postprovision() {
  prepare
  finish_app_registration
  cmd_ingest
  cmd_rollout
  cmd_web
  say "done: $(output_of SITE_URL)"
}

case "$command" in
  up)
    prepare
    cmd_provision
    cmd_ingest
    cmd_rollout
    cmd_web
    say "done: $(output_of SITE_URL) (sign in with your Entra account)"
    ;;
  what-if) prepare; cmd_what_if ;;
  provision) prepare; cmd_provision ;;
  ingest) check_settings; require_tools; cmd_ingest ;;
  rollout) prepare; cmd_rollout ;;
  web) check_settings; require_tools; cmd_web ;;
  rotate-key) prepare; cmd_rotate_key ;;
  down) cmd_down ;;
  azd-preprovision) azd_preprovision ;;
  azd-postprovision) azd_postprovision ;;
  *) die "unknown command $command (up, what-if, provision, ingest, rollout, web, rotate-key, down)" ;;
esac

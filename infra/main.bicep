// grounded-chat on Azure: the whole "basic Azure OpenAI end-to-end chat" architecture, running
// this repository's code. Entry point of `azd up` (azure.yaml) and of infra/deploy.sh; walk-through,
// costs and the production changes in docs/deploy.md.
//
//   browser -> Web App (Easy Auth, demo-site + server kit) -> managed online endpoint (orchestrator
//   image from the registry) -> Azure AI Search + Azure OpenAI (AI Services), all logging into one
//   Log Analytics workspace, secrets in Key Vault, identities and least-privilege roles throughout.
//
// Outputs are names and URLs only, never a key (infra/test/arm.test.ts checks it).

targetScope = 'resourceGroup'

import { orchestratorEnvironment } from 'modules/orchestrator-settings.bicep'

// ---------- naming and placement ----------

@description('Short name of this environment, part of every resource name (azd: AZURE_ENV_NAME).')
@minLength(2)
@maxLength(10)
param environmentName string

@description('Azure region of every resource; it must offer the chosen models and VM sizes.')
param location string = resourceGroup().location

@description('Tags added to every resource.')
param tags object = {}

// ---------- who deploys, who signs in ----------

@description('Object id of the deploying user or service principal, granted what ingest needs; empty to grant nothing.')
param principalId string = ''

@description('Kind of principalId.')
@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('Client id of the Entra app registration Easy Auth signs visitors in with (infra/deploy.sh creates it).')
@minLength(36)
@maxLength(36)
param authClientId string

// ---------- models ----------

@description('Chat model.')
param chatModelName string = 'gpt-4o-mini'

@description('Chat model version.')
param chatModelVersion string = '2024-07-18'

@description('Chat deployment capacity, in thousands of tokens per minute.')
@minValue(1)
@maxValue(1000)
param chatCapacity int = 30

@description('Embeddings model.')
param embeddingModelName string = 'text-embedding-3-small'

@description('Embeddings model version.')
param embeddingModelVersion string = '1'

@description('Embeddings deployment capacity, in thousands of tokens per minute.')
@minValue(1)
@maxValue(1000)
param embeddingCapacity int = 30

@description('Pay-as-you-go deployment type of both models.')
@allowed(['Standard', 'GlobalStandard', 'DataZoneStandard'])
param modelDeploymentType string = 'GlobalStandard'

@description('Azure OpenAI data-plane API version the orchestrator uses.')
param openAiApiVersion string = '2024-10-21'

// ---------- search ----------

@description('Azure AI Search tier.')
@allowed(['basic', 'standard', 'standard2', 'standard3'])
param searchSku string = 'basic'

@description('Semantic ranker plan.')
@allowed(['disabled', 'free', 'standard'])
param semanticSearch string = 'free'

@description('Search replicas (2 for a read SLA).')
@minValue(1)
@maxValue(12)
param searchReplicaCount int = 1

@description('Name of the index that ingest fills and the orchestrator queries.')
param searchIndexName string = 'grounded-chat'

@description('Semantic configuration of the index that ingest creates (used when semanticSearch is not disabled).')
param semanticConfigurationName string = 'default'

// ---------- the orchestrator on the online endpoint ----------

@description('How clients authenticate to the endpoint: key (default), or aad_token (Entra; the architecture\'s production recommendation).')
@allowed(['key', 'aad_token'])
param endpointAuthMode string = 'key'

@description('Orchestrator image in the registry; empty (first provision, before `az acr build`) deploys the endpoint without a deployment.')
param orchestratorImage string = ''

@description('Which colour this run deploys the image as (blue-green; infra/deploy.sh alternates them).')
@allowed(['blue', 'green'])
param orchestratorDeploymentName string = 'blue'

@description('The endpoint\'s current traffic split as JSON, e.g. {"blue":100}; empty for none. infra/deploy.sh reads and passes the live split so that a re-run never drops traffic.')
param endpointTrafficJson string = ''

@description('VM size of the endpoint\'s instances.')
@allowed(['Standard_DS2_v2', 'Standard_DS3_v2', 'Standard_D2as_v4', 'Standard_D4as_v4', 'Standard_F2s_v2', 'Standard_F4s_v2'])
param endpointInstanceType string = 'Standard_D2as_v4'

@description('Instances of the deployment (3 for production).')
@minValue(1)
@maxValue(50)
param endpointInstanceCount int = 1

@description('Scoring request timeout, ms (platform maximum 180000). The web app waits as long.')
@minValue(1000)
@maxValue(180000)
param requestTimeoutMs int = 120000

@description('Concurrent requests per instance before the platform answers 429.')
@minValue(1)
@maxValue(1000)
param maxConcurrentRequestsPerInstance int = 20

// ---------- the web app ----------

@description('App Service plan tier (Basic is the architecture\'s; autoscale needs S1 or P*v3).')
@allowed(['B1', 'B2', 'B3', 'S1', 'P0v3', 'P1v3'])
param appServiceSku string = 'B1'

@description('App Service plan instances (the floor when autoscale is on).')
@minValue(1)
@maxValue(10)
param appServiceInstanceCount int = 1

// ---------- telemetry ----------

@description('Key of the keyed hash of visitor ids in telemetry (TELEMETRY_USER_HASH_KEY, docs/telemetry.md). Leave the default: a random value generated at deploy time, stored only in Key Vault.')
@secure()
param telemetryUserHashKey string = newGuid()

@description('Keep the hash key already in Key Vault instead of storing telemetryUserHashKey; infra/deploy.sh sets it once the secret exists, so a re-run keeps every visitor\'s hash.')
param keepTelemetryUserHashKey bool = false

// ---------- scale ----------

@description('Autoscale the endpoint deployment and (on S1/P*v3) the plan on CPU.')
param enableAutoscale bool = false

@description('Autoscale upper bound for the endpoint deployment.')
@minValue(1)
@maxValue(50)
param endpointMaxInstances int = 5

@description('Autoscale upper bound for the App Service plan.')
@minValue(1)
@maxValue(10)
param appServiceMaxInstances int = 3

// ---------- names ----------

var token = take(uniqueString(subscription().id, resourceGroup().id, environmentName), 8)
var env = toLower(environmentName)
var compact = replace(env, '-', '')
var names = {
  logAnalytics: 'log-${env}-${token}'
  appInsights: 'appi-${env}-${token}'
  keyVault: 'kv-${env}-${token}'
  storage: 'st${compact}${token}'
  registry: 'cr${compact}${token}'
  aiServices: 'ais-${env}-${token}'
  search: 'srch-${env}-${token}'
  hub: 'hub-${env}-${token}'
  project: 'proj-${env}-${token}'
  endpoint: 'ept-${env}-${token}'
  plan: 'plan-${env}-${token}'
  site: 'app-${env}-${token}'
  webIdentity: 'id-web-${env}-${token}'
}
var allTags = union(tags, { 'azd-env-name': environmentName, application: 'grounded-chat' })
var armAuthMode = endpointAuthMode == 'key' ? 'Key' : 'AADToken'
var endpointKeySecretName = 'orchestrator-endpoint-key'
var telemetryKeySecretName = 'telemetry-user-hash-key'
var chatDeploymentName = 'chat'
var embeddingDeploymentName = 'embeddings'

// ---------- resources ----------

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    tags: allTags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: { location: location, name: names.keyVault, logAnalyticsId: monitoring.outputs.logAnalyticsId, tags: allTags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { location: location, name: names.storage, logAnalyticsId: monitoring.outputs.logAnalyticsId, tags: allTags }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: { location: location, name: names.registry, logAnalyticsId: monitoring.outputs.logAnalyticsId, tags: allTags }
}

module aiServices 'modules/ai-services.bicep' = {
  name: 'ai-services'
  params: {
    location: location
    name: names.aiServices
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    chatModelName: chatModelName
    chatModelVersion: chatModelVersion
    chatDeploymentName: chatDeploymentName
    chatCapacity: chatCapacity
    embeddingModelName: embeddingModelName
    embeddingModelVersion: embeddingModelVersion
    embeddingDeploymentName: embeddingDeploymentName
    embeddingCapacity: embeddingCapacity
    deploymentSkuName: modelDeploymentType
    tags: allTags
  }
}

module search 'modules/search.bicep' = {
  name: 'search'
  params: {
    location: location
    name: names.search
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    skuName: searchSku
    semanticSearch: semanticSearch
    replicaCount: searchReplicaCount
    tags: allTags
  }
}

module foundry 'modules/foundry.bicep' = {
  name: 'foundry'
  params: {
    location: location
    hubName: names.hub
    projectName: names.project
    endpointName: names.endpoint
    storageId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    appInsightsId: monitoring.outputs.appInsightsId
    aiServicesId: aiServices.outputs.id
    aiServicesEndpoint: aiServices.outputs.endpoint
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    endpointAuthMode: armAuthMode
    endpointTraffic: empty(endpointTrafficJson) ? {} : json(endpointTrafficJson)
    tags: allTags
  }
}

module endpointKey 'modules/endpoint-key.bicep' = if (armAuthMode == 'Key') {
  name: 'endpoint-key'
  // Names are passed as known values (better what-if predictions), so the order is explicit.
  dependsOn: [keyVault, foundry]
  params: {
    keyVaultName: names.keyVault
    secretName: endpointKeySecretName
    projectName: names.project
    endpointName: names.endpoint
  }
}

module telemetryKey 'modules/telemetry-key.bicep' = {
  name: 'telemetry-key'
  dependsOn: [keyVault]
  params: {
    keyVaultName: names.keyVault
    secretName: telemetryKeySecretName
    value: telemetryUserHashKey
    keep: keepTelemetryUserHashKey
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: names.appInsights
  dependsOn: [monitoring]
}

module web 'modules/webapp.bicep' = {
  name: 'webapp'
  params: {
    location: location
    planName: names.plan
    siteName: names.site
    identityName: names.webIdentity
    skuName: appServiceSku
    instanceCount: appServiceInstanceCount
    enableAutoscale: enableAutoscale
    autoscaleMaxInstances: appServiceMaxInstances
    authClientId: authClientId
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    appSettings: union(
      {
        AUTH_MODE: 'easyauth'
        ORCHESTRATOR_URL: foundry.outputs.scoringUri
        ORCHESTRATOR_TIMEOUT_MS: string(requestTimeoutMs)
        // The zip carries docs/ beside dist/ (infra/scripts/package-demo-site.sh).
        DOCS_DIR: '/home/site/wwwroot/docs'
        APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
        // A Key Vault reference, resolved by App Service with the web app's identity.
        TELEMETRY_USER_HASH_KEY: '@Microsoft.KeyVault(SecretUri=${telemetryKey.outputs.secretUri})'
      },
      // A Key Vault reference: App Service resolves it with the web app's identity; the app
      // setting holds the reference, never the key.
      armAuthMode == 'Key' ? { ORCHESTRATOR_KEY: '@Microsoft.KeyVault(SecretUri=${endpointKey!.outputs.secretUri})' } : {}
    )
    tags: allTags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  dependsOn: [registry, search]
  params: {
    // Identities exist only at run time; what-if shows these assignments as "may change".
    #disable-next-line what-if-short-circuiting
    endpointPrincipalId: foundry.outputs.endpointPrincipalId
    #disable-next-line what-if-short-circuiting
    webPrincipalId: web.outputs.identityPrincipalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    registryName: names.registry
    searchName: names.search
    aiServicesName: names.aiServices
    keyVaultName: names.keyVault
    endpointKeySecretName: armAuthMode == 'Key' ? endpointKeySecretName : ''
    telemetryKeySecretName: telemetryKeySecretName
    projectName: names.project
    endpointName: names.endpoint
    endpointAuthMode: armAuthMode
  }
}

module orchestrator 'modules/orchestrator-deployment.bicep' = if (!empty(orchestratorImage)) {
  name: 'orchestrator-${orchestratorDeploymentName}'
  // The image pull and the first requests need the endpoint's roles in place.
  dependsOn: [roles, foundry]
  params: {
    location: location
    projectName: names.project
    endpointName: names.endpoint
    deploymentName: orchestratorDeploymentName
    image: orchestratorImage
    instanceType: endpointInstanceType
    instanceCount: endpointInstanceCount
    requestTimeoutMs: requestTimeoutMs
    maxConcurrentRequestsPerInstance: maxConcurrentRequestsPerInstance
    enableAutoscale: enableAutoscale
    autoscaleMaxInstances: endpointMaxInstances
    environmentVariables: orchestratorEnvironment(
      search.outputs.endpoint,
      searchIndexName,
      semanticSearch == 'disabled' ? '' : semanticConfigurationName,
      aiServices.outputs.openAiEndpoint,
      chatDeploymentName,
      embeddingDeploymentName,
      openAiApiVersion,
      appInsights.properties.ConnectionString,
      telemetryKey.outputs.secretVersionUri
    )
    tags: union(allTags, { 'grounded-chat-image': orchestratorImage })
  }
}

// ---------- outputs (azd turns them into environment values; infra/deploy.sh reads them) ----------

output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_LOCATION string = location
output SITE_URL string = web.outputs.siteUrl
output SITE_HOST_NAME string = web.outputs.hostName
output WEB_APP_NAME string = web.outputs.siteName
output WEB_IDENTITY_PRINCIPAL_ID string = web.outputs.identityPrincipalId
output SCORING_URL string = foundry.outputs.scoringUri
output ENDPOINT_NAME string = foundry.outputs.endpointName
output ENDPOINT_AUTH_MODE string = endpointAuthMode
output PROJECT_NAME string = foundry.outputs.projectName
output HUB_NAME string = foundry.outputs.hubName
output REGISTRY_NAME string = registry.outputs.name
output REGISTRY_LOGIN_SERVER string = registry.outputs.loginServer
output KEY_VAULT_NAME string = keyVault.outputs.name
output ENDPOINT_KEY_SECRET_NAME string = armAuthMode == 'Key' ? endpointKeySecretName : ''
output AI_SERVICES_NAME string = aiServices.outputs.name
output AZURE_OPENAI_ENDPOINT string = aiServices.outputs.openAiEndpoint
output AZURE_OPENAI_CHAT_DEPLOYMENT string = chatDeploymentName
output AZURE_OPENAI_EMBEDDING_DEPLOYMENT string = embeddingDeploymentName
output AZURE_OPENAI_API_VERSION string = openAiApiVersion
output AZURE_SEARCH_NAME string = search.outputs.name
output AZURE_SEARCH_ENDPOINT string = search.outputs.endpoint
output AZURE_SEARCH_INDEX string = searchIndexName
output AZURE_SEARCH_SEMANTIC_CONFIGURATION string = semanticSearch == 'disabled' ? '' : semanticConfigurationName
output ORCHESTRATOR_DEPLOYMENT_NAME string = empty(orchestratorImage) ? '' : orchestratorDeploymentName
output ORCHESTRATOR_IMAGE string = orchestratorImage

// Azure AI Services account (the OpenAI models live here) with a chat deployment, an embeddings
// deployment and a stringent content-filter policy applied to both. Local (key) auth is off:
// every caller uses Entra (the endpoint's identity, the deploying user for ingest).
//
// The filter blocks hate, sexual, self-harm and violence from the Low severity up, on prompts and
// completions, detects jailbreaks and indirect attacks (prompt shields) on prompts, and
// protected material (text and code) on completions. It is stricter than Microsoft.DefaultV2,
// which blocks from Medium. Tune it in one place: `contentFilters` below.

@description('Azure region for the resources (must offer the chosen models).')
param location string

@description('Name of the AI Services account; also its custom subdomain (globally unique).')
param name string

@description('Resource id of the Log Analytics workspace that receives the diagnostic logs.')
param logAnalyticsId string

@description('Chat model name, e.g. gpt-4o-mini.')
param chatModelName string

@description('Chat model version, e.g. 2024-07-18.')
param chatModelVersion string

@description('Chat deployment name, as the orchestrator calls it (AZURE_OPENAI_CHAT_DEPLOYMENT).')
param chatDeploymentName string

@description('Chat deployment capacity in thousands of tokens per minute.')
@minValue(1)
param chatCapacity int

@description('Embeddings model name, e.g. text-embedding-3-small.')
param embeddingModelName string

@description('Embeddings model version, e.g. 1.')
param embeddingModelVersion string

@description('Embeddings deployment name (AZURE_OPENAI_EMBEDDING_DEPLOYMENT).')
param embeddingDeploymentName string

@description('Embeddings deployment capacity in thousands of tokens per minute.')
@minValue(1)
param embeddingCapacity int

@description('Pay-as-you-go deployment type: Standard (in region) or GlobalStandard (routed worldwide, more quota).')
@allowed(['Standard', 'GlobalStandard', 'DataZoneStandard'])
param deploymentSkuName string

@description('Tags added to every resource.')
param tags object = {}

var contentFilters = [
  { name: 'Hate', source: 'Prompt', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Hate', source: 'Completion', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Sexual', source: 'Prompt', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Sexual', source: 'Completion', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Selfharm', source: 'Prompt', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Selfharm', source: 'Completion', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Violence', source: 'Prompt', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Violence', source: 'Completion', enabled: true, blocking: true, severityThreshold: 'Low' }
  { name: 'Jailbreak', source: 'Prompt', enabled: true, blocking: true }
  { name: 'Indirect Attack', source: 'Prompt', enabled: true, blocking: true }
  { name: 'Protected Material Text', source: 'Completion', enabled: true, blocking: true }
  { name: 'Protected Material Code', source: 'Completion', enabled: true, blocking: true }
]

resource account 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'AIServices'
  sku: { name: 'S0' }
  identity: { type: 'SystemAssigned' }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow' }
  }
}

resource contentFilter 'Microsoft.CognitiveServices/accounts/raiPolicies@2025-06-01' = {
  parent: account
  name: 'grounded-chat-stringent'
  properties: {
    basePolicyName: 'Microsoft.DefaultV2'
    mode: 'Blocking'
    contentFilters: contentFilters
  }
}

resource chat 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: chatDeploymentName
  sku: { name: deploymentSkuName, capacity: chatCapacity }
  properties: {
    model: { format: 'OpenAI', name: chatModelName, version: chatModelVersion }
    raiPolicyName: contentFilter.name
    versionUpgradeOption: 'NoAutoUpgrade'
  }
}

// One deployment at a time: the account refuses concurrent deployment writes.
resource embeddings 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: embeddingDeploymentName
  dependsOn: [chat]
  sku: { name: deploymentSkuName, capacity: embeddingCapacity }
  properties: {
    model: { format: 'OpenAI', name: embeddingModelName, version: embeddingModelVersion }
    raiPolicyName: contentFilter.name
    versionUpgradeOption: 'NoAutoUpgrade'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output id string = account.id
output name string = account.name
output endpoint string = account.properties.endpoint
output openAiEndpoint string = 'https://${name}.openai.azure.com/'
output contentFilterName string = contentFilter.name

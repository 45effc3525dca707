// AI Foundry hub and project (Microsoft.MachineLearningServices workspaces of kinds Hub and
// Project), the hub's connection to the AI Services account (Entra auth, no key), and the
// managed online endpoint the orchestrator runs behind.
//
// The endpoint's traffic split is a parameter because ARM PUTs the whole endpoint: a re-run
// that left it out would send every request nowhere. infra/deploy.sh reads the live split and
// passes it back; blue-green shifts happen between runs (see docs/deploy.md).

@description('Azure region for the resources.')
param location string

@description('Name of the AI Foundry hub workspace.')
param hubName string

@description('Name of the AI Foundry project workspace.')
param projectName string

@description('Name of the managed online endpoint (3-32 characters, unique in the region).')
@minLength(3)
@maxLength(32)
param endpointName string

@description('Resource id of the hub storage account.')
param storageId string

@description('Resource id of the Key Vault.')
param keyVaultId string

@description('Resource id of Application Insights.')
param appInsightsId string

@description('Resource id of the AI Services account to connect.')
param aiServicesId string

@description('Endpoint of the AI Services account.')
param aiServicesEndpoint string

@description('Resource id of the Log Analytics workspace that receives the diagnostic logs.')
param logAnalyticsId string

@description('How callers authenticate to the endpoint: a key, or an Entra token (AADToken, the production recommendation).')
@allowed(['Key', 'AADToken'])
param endpointAuthMode string

@description('Traffic split over the endpoint\'s deployments, e.g. {"blue": 100}; {} before the first deployment.')
param endpointTraffic object

@description('Tags added to every resource.')
param tags object = {}

resource hub 'Microsoft.MachineLearningServices/workspaces@2025-09-01' = {
  name: hubName
  location: location
  tags: tags
  kind: 'Hub'
  identity: { type: 'SystemAssigned' }
  sku: { name: 'Basic', tier: 'Basic' }
  properties: {
    friendlyName: hubName
    description: 'grounded-chat AI Foundry hub'
    storageAccount: storageId
    keyVault: keyVaultId
    applicationInsights: appInsightsId
    systemDatastoresAuthMode: 'identity'
    publicNetworkAccess: 'Enabled'
    managedNetwork: { isolationMode: 'Disabled' }
  }
}

resource aiServicesConnection 'Microsoft.MachineLearningServices/workspaces/connections@2025-09-01' = {
  parent: hub
  name: 'aiservices'
  properties: {
    category: 'AIServices'
    target: aiServicesEndpoint
    authType: 'AAD'
    isSharedToAll: true
    metadata: {
      ApiType: 'Azure'
      ResourceId: aiServicesId
    }
  }
}

resource project 'Microsoft.MachineLearningServices/workspaces@2025-09-01' = {
  name: projectName
  location: location
  tags: tags
  kind: 'Project'
  identity: { type: 'SystemAssigned' }
  sku: { name: 'Basic', tier: 'Basic' }
  properties: {
    friendlyName: projectName
    description: 'grounded-chat project: the orchestrator\'s online endpoint'
    hubResourceId: hub.id
    systemDatastoresAuthMode: 'identity'
    publicNetworkAccess: 'Enabled'
  }
  dependsOn: [aiServicesConnection]
}

resource endpoint 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-09-01' = {
  parent: project
  name: endpointName
  location: location
  tags: tags
  kind: 'Managed'
  identity: { type: 'SystemAssigned' }
  properties: {
    authMode: endpointAuthMode
    publicNetworkAccess: 'Enabled'
    description: 'grounded-chat orchestrator (scoring contract, docs/contracts.md)'
    traffic: endpointTraffic
  }
}

resource hubDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: hub
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource projectDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: project
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource endpointDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: endpoint
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      { category: 'AmlOnlineEndpointConsoleLog', enabled: true }
      { category: 'AmlOnlineEndpointTrafficLog', enabled: true }
      { category: 'AmlOnlineEndpointEventLog', enabled: true }
    ]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output hubName string = hub.name
output projectName string = project.name
output endpointName string = endpoint.name
output endpointId string = endpoint.id
output endpointPrincipalId string = endpoint.identity.principalId
output scoringUri string = endpoint.properties.scoringUri

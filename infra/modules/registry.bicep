// Container Registry for the orchestrator image, built in the registry by `az acr build` (no
// local Docker). Admin user off: the online endpoint pulls with its managed identity (AcrPull).
// Not attached to the AI Foundry hub on purpose: the platform grants an endpoint AcrPull on its
// hub's registry by itself, and an explicit grant of the same role would then collide
// (RoleAssignmentExists); an unattached registry keeps the one grant explicit and reviewable.

@description('Azure region for the resources.')
param location string

@description('Name of the registry (5-50 letters and digits, globally unique).')
@minLength(5)
@maxLength(50)
param name string

@description('Resource id of the Log Analytics workspace that receives the diagnostic logs.')
param logAnalyticsId string

@description('Registry tier. Basic is enough for one image; Premium adds private endpoints and geo-replication.')
@allowed(['Basic', 'Standard', 'Premium'])
param skuName string = 'Basic'

@description('Tags added to every resource.')
param tags object = {}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: registry
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer

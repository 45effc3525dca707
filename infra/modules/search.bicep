// Azure AI Search, Entra-only (API keys off), with the semantic ranker plan as a parameter.

@description('Azure region for the resources.')
param location string

@description('Name of the search service (2-60 lowercase letters, digits, dashes; globally unique).')
@minLength(2)
@maxLength(60)
param name string

@description('Resource id of the Log Analytics workspace that receives the diagnostic logs.')
param logAnalyticsId string

@description('Search tier. Basic is the smallest with semantic ranking and a 99.9% SLA from 2 replicas.')
@allowed(['basic', 'standard', 'standard2', 'standard3'])
param skuName string = 'basic'

@description('Semantic ranker plan: disabled, free (1,000 queries a month) or standard (billed per 1,000 queries).')
@allowed(['disabled', 'free', 'standard'])
param semanticSearch string = 'free'

@description('Replicas (2 for read availability, 3 for read/write availability).')
@minValue(1)
@maxValue(12)
param replicaCount int = 1

@description('Tags added to every resource.')
param tags object = {}

resource search 'Microsoft.Search/searchServices@2025-05-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName }
  identity: { type: 'SystemAssigned' }
  properties: {
    replicaCount: replicaCount
    partitionCount: 1
    hostingMode: 'Default'
    disableLocalAuth: true
    publicNetworkAccess: 'enabled'
    semanticSearch: semanticSearch
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: search
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output id string = search.id
output name string = search.name
output endpoint string = 'https://${name}.search.windows.net'

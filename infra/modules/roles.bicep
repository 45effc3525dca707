// Least-privilege role assignments, each at the narrowest scope that works, with built-in role
// ids (role-ids.bicep):
//   the endpoint's identity  pulls its image (AcrPull on the registry), reads the index (Search
//                            Index Data Reader), calls the models (Cognitive Services OpenAI User);
//   and reads the telemetry hash key (Key Vault Secrets User on that one secret, for secret
//                            injection);
//   the web app's identity   reads the endpoint key (Key Vault Secrets User on that secret) or, with
//                            AADToken, may score on this endpoint only (a custom role holding the
//                            single score action: the built-in alternative, AzureML Data
//                            Scientist, could also rewrite the deployment), and the telemetry
//                            hash key (Key Vault Secrets User on that secret);
//   the deploying user       may ingest: create the index (Search Service Contributor), fill it
//                            (Search Index Data Contributor) and embed (Cognitive Services OpenAI User).
// Not here: the endpoint's Storage Blob Data Reader on the hub storage, which the platform grants
// a system-assigned endpoint identity by itself (declaring it too would collide).

import { roleIds } from 'role-ids.bicep'

@description('Principal id of the online endpoint\'s system-assigned identity.')
param endpointPrincipalId string

@description('Principal id of the web app\'s user-assigned identity.')
param webPrincipalId string

@description('Object id of the deploying user or service principal; empty to skip their grants.')
param deployerPrincipalId string

@description('Kind of the deploying principal.')
@allowed(['User', 'ServicePrincipal'])
param deployerPrincipalType string

@description('Name of the container registry the endpoint pulls from.')
param registryName string

@description('Name of the Azure AI Search service.')
param searchName string

@description('Name of the Azure AI Services account holding the model deployments.')
param aiServicesName string

@description('Name of the Key Vault holding the secrets.')
param keyVaultName string

@description('Secret the web app reads; empty when the endpoint uses Entra tokens.')
param endpointKeySecretName string

@description('Secret both services read: the key of the telemetry visitor-id hash.')
param telemetryKeySecretName string

@description('Name of the AI Foundry project workspace holding the endpoint.')
param projectName string

@description('Name of the managed online endpoint.')
param endpointName string

@description('Key or AADToken: with AADToken the web app gets the scorer role instead of the secret.')
@allowed(['Key', 'AADToken'])
param endpointAuthMode string

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource search 'Microsoft.Search/searchServices@2025-05-01' existing = {
  name: searchName
}

resource aiServices 'Microsoft.CognitiveServices/accounts@2025-06-01' existing = {
  name: aiServicesName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource endpointKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' existing = if (endpointAuthMode == 'Key') {
  parent: vault
  name: endpointKeySecretName
}

resource telemetryKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' existing = {
  parent: vault
  name: telemetryKeySecretName
}

resource project 'Microsoft.MachineLearningServices/workspaces@2025-09-01' existing = {
  name: projectName
}

resource endpoint 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-09-01' existing = {
  parent: project
  name: endpointName
}

resource endpointAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, endpointPrincipalId, roleIds.acrPull)
  scope: registry
  properties: {
    principalId: endpointPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrPull)
    description: 'grounded-chat: the online endpoint pulls the orchestrator image'
  }
}

resource endpointSearchReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(search.id, endpointPrincipalId, roleIds.searchIndexDataReader)
  scope: search
  properties: {
    principalId: endpointPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.searchIndexDataReader)
    description: 'grounded-chat: the orchestrator queries the index'
  }
}

resource endpointOpenAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(aiServices.id, endpointPrincipalId, roleIds.cognitiveServicesOpenAIUser)
  scope: aiServices
  properties: {
    principalId: endpointPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.cognitiveServicesOpenAIUser)
    description: 'grounded-chat: the orchestrator calls the chat and embeddings deployments'
  }
}

resource webSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (endpointAuthMode == 'Key') {
  name: guid(vault.id, endpointKeySecretName, webPrincipalId, roleIds.keyVaultSecretsUser)
  scope: endpointKeySecret
  properties: {
    principalId: webPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    description: 'grounded-chat: the web app reads the endpoint key (Key Vault reference)'
  }
}

resource endpointTelemetryKeyReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, telemetryKeySecretName, endpointPrincipalId, roleIds.keyVaultSecretsUser)
  scope: telemetryKeySecret
  properties: {
    principalId: endpointPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    description: 'grounded-chat: the orchestrator reads the telemetry hash key (secret injection)'
  }
}

resource webTelemetryKeyReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, telemetryKeySecretName, webPrincipalId, roleIds.keyVaultSecretsUser)
  scope: telemetryKeySecret
  properties: {
    principalId: webPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    description: 'grounded-chat: the web app reads the telemetry hash key (Key Vault reference)'
  }
}

resource scorerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (endpointAuthMode == 'AADToken') {
  name: guid(resourceGroup().id, 'grounded-chat-online-endpoint-scorer')
  properties: {
    roleName: 'grounded-chat online endpoint scorer (${resourceGroup().name})'
    description: 'May send scoring requests to online endpoints, nothing else.'
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: []
        dataActions: ['Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action']
      }
    ]
  }
}

resource webScorer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (endpointAuthMode == 'AADToken') {
  name: guid(endpoint.id, webPrincipalId, 'grounded-chat-online-endpoint-scorer')
  scope: endpoint
  properties: {
    principalId: webPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: scorerRole.id
    description: 'grounded-chat: the web app calls the endpoint with an Entra token'
  }
}

resource deployerSearchContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(search.id, deployerPrincipalId, roleIds.searchServiceContributor)
  scope: search
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.searchServiceContributor)
    description: 'grounded-chat: the deploying user creates the index'
  }
}

resource deployerIndexContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(search.id, deployerPrincipalId, roleIds.searchIndexDataContributor)
  scope: search
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.searchIndexDataContributor)
    description: 'grounded-chat: the deploying user ingests docs/ into the index'
  }
}

resource deployerOpenAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(aiServices.id, deployerPrincipalId, roleIds.cognitiveServicesOpenAIUser)
  scope: aiServices
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.cognitiveServicesOpenAIUser)
    description: 'grounded-chat: the deploying user embeds the chunks during ingest'
  }
}

// The online endpoint's primary key into Key Vault, read with listKeys inside ARM: the key never
// passes through a shell, an output or a parameter. Only for authMode Key (an AADToken
// endpoint has no key). Re-running after `az ml online-endpoint regenerate-keys` rewrites it
// (infra/deploy.sh rotate-key).

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the secret holding the endpoint key.')
param secretName string

@description('Name of the AI Foundry project workspace.')
param projectName string

@description('Name of the managed online endpoint.')
param endpointName string

resource project 'Microsoft.MachineLearningServices/workspaces@2025-09-01' existing = {
  name: projectName
}

resource endpoint 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-09-01' existing = {
  parent: project
  name: endpointName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: secretName
  properties: {
    value: endpoint.listKeys().primaryKey
    contentType: 'Azure ML online endpoint key (${endpointName})'
  }
}

output secretName string = secret.name
output secretUri string = secret.properties.secretUri

// The key of the keyed hash that stands for a visitor id in telemetry (TELEMETRY_USER_HASH_KEY,
// docs/telemetry.md#privacy), kept in Key Vault. Both services read it from there (the web app
// through a Key Vault reference, the orchestrator through the online deployment's secret
// injection), so one visitor hashes alike in both and the key never sits in an app setting, an
// environment variable of a template, an output or a parameter file.
//
// The value is a @secure() parameter whose default main.bicep generates at deploy time
// (newGuid()). A re-run must not replace it, or every visitor would get a new hash on every
// deployment: infra/deploy.sh passes keep=true once the secret exists, and the module then only
// refers to the stored one.

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the secret holding the key.')
param secretName string

@description('The key to store when keep is false (never output).')
@secure()
param value string

@description('Keep the key already stored under secretName instead of writing value.')
param keep bool

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource created 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!keep) {
  parent: vault
  name: secretName
  properties: {
    value: value
    contentType: 'grounded-chat telemetry: key of the visitor-id hash (HMAC-SHA-256)'
  }
}

resource kept 'Microsoft.KeyVault/vaults/secrets@2024-11-01' existing = {
  parent: vault
  name: secretName
}

// URIs name the secret; they carry no part of its value.
output secretName string = secretName
@description('Versionless URI, for an App Service Key Vault reference (always the current version).')
output secretUri string = keep ? kept.properties.secretUri : created!.properties.secretUri
@description('URI with the version, which the online deployment\'s secret injection requires.')
output secretVersionUri string = keep ? kept.properties.secretUriWithVersion : created!.properties.secretUriWithVersion

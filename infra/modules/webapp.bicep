// App Service plan (Linux) and the Web App running demo-site on Node 22 LTS, behind Easy Auth
// (authsettingsV2, Microsoft Entra ID): visitors who are not signed in are redirected to the
// sign-in page, the token store is on, HTTPS only, TLS 1.2+, FTP and basic publishing
// credentials off (zip deploy authenticates with Entra), health check on /healthz.
//
// Easy Auth holds no client secret: the app registration trusts the web app's user-assigned
// identity through a federated credential (OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID, see
// docs/deploy.md), which infra/deploy.sh adds. Rejected: a client secret in Key Vault (it
// expires, someone has to rotate it).

import { cpuProfile } from 'autoscale.bicep'

@description('Azure region for the resources.')
param location string

@description('Name of the App Service plan.')
param planName string

@description('Name of the web app (its host name is <name>.azurewebsites.net; globally unique).')
param siteName string

@description('Name of the web app\'s user-assigned identity (Key Vault references, Entra to the endpoint, Easy Auth\'s federated credential).')
param identityName string

@description('Plan tier. Basic is the architecture\'s; autoscale needs Standard or Premium.')
@allowed(['B1', 'B2', 'B3', 'S1', 'P0v3', 'P1v3'])
param skuName string

@description('Instances of the plan (the floor when autoscale is on).')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

@description('Scale the plan out on CPU (ignored on Basic, which has no autoscale).')
param enableAutoscale bool = false

@description('Upper bound of the plan\'s autoscale rule.')
@minValue(1)
@maxValue(10)
param autoscaleMaxInstances int = 3

@description('Client id (application id) of the Entra app registration Easy Auth signs visitors in with.')
@minLength(36)
@maxLength(36)
param authClientId string

@description('App settings of the web app (the server kit\'s configuration: docs/configuration.md).')
param appSettings object

@description('Resource id of the Log Analytics workspace that receives the diagnostic logs.')
param logAnalyticsId string

@description('Tags added to every resource.')
param tags object = {}

var autoscaleAllowed = enableAutoscale && !startsWith(skuName, 'B')

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: identityName
  location: location
  tags: tags
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: { name: skuName, capacity: instanceCount }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: siteName
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      appCommandLine: 'node --import @grounded-chat/server-kit/telemetry/register dist/server.js'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/healthz'
    }
  }
}

// A config resource rather than siteConfig.appSettings: the values need the identity's client id,
// known only once it exists.
resource settings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, {
    // The zip carries its node_modules: no build on the server.
    SCM_DO_BUILD_DURING_DEPLOYMENT: 'false'
    AZURE_CLIENT_ID: identity.properties.clientId
    OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: identity.properties.clientId
    WEBSITE_AUTH_AAD_ALLOWED_TENANTS: tenant().tenantId
  })
}

resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

resource logsConfig 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'logs'
  properties: {
    applicationLogs: { fileSystem: { level: 'Information' } }
    httpLogs: { fileSystem: { enabled: true, retentionInDays: 3, retentionInMb: 35 } }
    detailedErrorMessages: { enabled: false }
    failedRequestsTracing: { enabled: false }
  }
}

resource auth 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'authsettingsV2'
  // Its client-secret setting names an app setting, which must exist first.
  dependsOn: [settings]
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      // The platform's health probe carries no sign-in; the route returns no data.
      excludedPaths: ['/healthz']
    }
    httpSettings: {
      requireHttps: true
      forwardProxy: { convention: 'NoProxy' }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${authClientId}', authClientId]
        }
      }
    }
    login: {
      tokenStore: { enabled: true }
      preserveUrlFragmentsForLogins: true
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      { category: 'AppServiceHTTPLogs', enabled: true }
      { category: 'AppServiceConsoleLogs', enabled: true }
      { category: 'AppServiceAppLogs', enabled: true }
      { category: 'AppServicePlatformLogs', enabled: true }
    ]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource planDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: plan
  properties: {
    workspaceId: logAnalyticsId
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource autoscale 'Microsoft.Insights/autoscalesettings@2022-10-01' = if (autoscaleAllowed) {
  name: 'autoscale-${planName}'
  location: location
  tags: tags
  properties: {
    enabled: true
    targetResourceUri: plan.id
    profiles: [cpuProfile('CpuPercentage', plan.id, instanceCount, autoscaleMaxInstances)]
  }
}

output siteName string = site.name
output siteUrl string = 'https://${site.properties.defaultHostName}'
output hostName string = site.properties.defaultHostName
output identityId string = identity.id
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId

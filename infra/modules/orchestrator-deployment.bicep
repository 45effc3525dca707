// One deployment of the orchestrator on the managed online endpoint: an environment version
// holding the image from the registry and its inference routes (they belong to the environment,
// not the deployment), the deployment itself (instance type and count, request timeout and
// concurrency, probes), and optional autoscale on CPU.
//
// Blue-green: infra/deploy.sh creates the new colour beside the live one with this module,
// smoke-tests it through the `azureml-model-deployment` header, shifts the traffic and removes
// the old colour. This module never touches the endpoint's traffic split.

import { orchestratorContainer } from 'orchestrator-contract.bicep'
import { cpuProfile } from 'autoscale.bicep'

@description('Azure region for the resources.')
param location string

@description('Name of the AI Foundry project workspace holding the endpoint.')
param projectName string

@description('Name of the managed online endpoint.')
param endpointName string

@description('Deployment name: blue or green (the two colours of a blue-green rollout).')
@allowed(['blue', 'green'])
param deploymentName string

@description('Full image reference in the registry, e.g. myacr.azurecr.io/grounded-chat-orchestrator:20261201-abc1234.')
param image string

@description('VM size of each instance (quota is per VM family: check it before deploying).')
@allowed(['Standard_DS2_v2', 'Standard_DS3_v2', 'Standard_D2as_v4', 'Standard_D4as_v4', 'Standard_F2s_v2', 'Standard_F4s_v2'])
param instanceType string

@description('Instances (3 or more for production; the platform reserves 20% extra quota for upgrades).')
@minValue(1)
@maxValue(50)
param instanceCount int

@description('Request timeout in milliseconds; 180000 is the platform maximum for custom containers.')
@minValue(1000)
@maxValue(180000)
param requestTimeoutMs int

@description('Requests one instance serves at once before the platform answers 429. The orchestrator is asynchronous, so more than the default 1.')
@minValue(1)
@maxValue(1000)
param maxConcurrentRequestsPerInstance int

@description('Environment variables of the container (DESIGN of the orchestrator: docs/configuration.md).')
param environmentVariables object

@description('Scale the deployment between instanceCount and autoscaleMaxInstances on CPU.')
param enableAutoscale bool = false

@description('Upper bound of the autoscale rule.')
@minValue(1)
@maxValue(50)
param autoscaleMaxInstances int = 5

@description('Tags added to every resource.')
param tags object = {}

// An environment version is immutable: one version per image tag.
var imageTag = last(split(image, ':'))

resource project 'Microsoft.MachineLearningServices/workspaces@2025-09-01' existing = {
  name: projectName
}

resource endpoint 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-09-01' existing = {
  parent: project
  name: endpointName
}

resource environment 'Microsoft.MachineLearningServices/workspaces/environments@2025-09-01' = {
  parent: project
  name: 'grounded-chat-orchestrator'
  properties: {
    description: 'The grounded-chat orchestrator container (infra/orchestrator.Dockerfile).'
  }
}

resource environmentVersion 'Microsoft.MachineLearningServices/workspaces/environments/versions@2025-09-01' = {
  parent: environment
  name: imageTag
  properties: {
    image: image
    osType: 'Linux'
    inferenceConfig: {
      livenessRoute: { port: orchestratorContainer.port, path: orchestratorContainer.livenessPath }
      readinessRoute: { port: orchestratorContainer.port, path: orchestratorContainer.readinessPath }
      scoringRoute: { port: orchestratorContainer.port, path: orchestratorContainer.scoringPath }
    }
  }
}

resource deployment 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@2025-09-01' = {
  parent: endpoint
  name: deploymentName
  location: location
  tags: tags
  kind: 'Managed'
  sku: { name: 'Default', capacity: instanceCount }
  properties: {
    endpointComputeType: 'Managed'
    description: 'grounded-chat orchestrator ${imageTag}'
    environmentId: environmentVersion.id
    // PORT follows the routes so the server listens where the platform probes.
    environmentVariables: union(environmentVariables, { PORT: string(orchestratorContainer.port) })
    instanceType: instanceType
    appInsightsEnabled: true
    egressPublicNetworkAccess: 'Enabled'
    scaleSettings: { scaleType: 'Default' }
    requestSettings: {
      requestTimeout: 'PT${requestTimeoutMs / 1000}S'
      maxConcurrentRequestsPerInstance: maxConcurrentRequestsPerInstance
    }
    // The index loads in seconds; 30 failures x 10 s leaves five minutes for a cold image pull.
    livenessProbe: { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', failureThreshold: 30, successThreshold: 1 }
    readinessProbe: { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', failureThreshold: 30, successThreshold: 1 }
  }
}

resource autoscale 'Microsoft.Insights/autoscalesettings@2022-10-01' = if (enableAutoscale) {
  name: 'autoscale-${endpointName}-${deploymentName}'
  location: location
  tags: tags
  properties: {
    enabled: true
    targetResourceUri: deployment.id
    profiles: [cpuProfile('CpuUtilizationPercentage', deployment.id, instanceCount, autoscaleMaxInstances)]
  }
}

output deploymentName string = deployment.name
output environmentVersionId string = environmentVersion.id

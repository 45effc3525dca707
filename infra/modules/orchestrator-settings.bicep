// The orchestrator's environment on the endpoint (variable names: docs/configuration.md). No
// secret value: Search and the models are reached with the endpoint's managed identity, so no
// *_API_KEY is set, and TELEMETRY_USER_HASH_KEY is a Key Vault reference that the platform
// resolves with the endpoint's identity when the container starts (secret injection: the
// ${{keyvault:<secret URI with version>}} pattern of Azure ML online deployments).

@export()
@description('Environment variables of the orchestrator container.')
func orchestratorEnvironment(searchEndpoint string, searchIndex string, semanticConfiguration string, openAiEndpoint string, chatDeployment string, embeddingDeployment string, openAiApiVersion string, appInsightsConnectionString string, telemetryKeySecretUriWithVersion string) object => union(
  {
    AZURE_SEARCH_ENDPOINT: searchEndpoint
    AZURE_SEARCH_INDEX: searchIndex
    AZURE_OPENAI_ENDPOINT: openAiEndpoint
    AZURE_OPENAI_CHAT_DEPLOYMENT: chatDeployment
    AZURE_OPENAI_EMBEDDING_DEPLOYMENT: embeddingDeployment
    AZURE_OPENAI_API_VERSION: openAiApiVersion
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    TELEMETRY_USER_HASH_KEY: '\${{keyvault:${telemetryKeySecretUriWithVersion}}}'
  },
  empty(semanticConfiguration) ? {} : { AZURE_SEARCH_SEMANTIC_CONFIGURATION: semanticConfiguration }
)

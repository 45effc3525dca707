// The orchestrator's environment on the endpoint, in one place for main.bicep and rollout.bicep
// (variable names: docs/configuration.md). No secret: Search and the models are reached with
// the endpoint's managed identity, so no *_API_KEY is set.

@export()
@description('Environment variables of the orchestrator container.')
func orchestratorEnvironment(searchEndpoint string, searchIndex string, semanticConfiguration string, openAiEndpoint string, chatDeployment string, embeddingDeployment string, openAiApiVersion string, appInsightsConnectionString string) object => union(
  {
    AZURE_SEARCH_ENDPOINT: searchEndpoint
    AZURE_SEARCH_INDEX: searchIndex
    AZURE_OPENAI_ENDPOINT: openAiEndpoint
    AZURE_OPENAI_CHAT_DEPLOYMENT: chatDeployment
    AZURE_OPENAI_EMBEDDING_DEPLOYMENT: embeddingDeployment
    AZURE_OPENAI_API_VERSION: openAiApiVersion
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  },
  empty(semanticConfiguration) ? {} : { AZURE_SEARCH_SEMANTIC_CONFIGURATION: semanticConfiguration }
)

// Built-in Azure role definition ids used by this deployment, in one place so a reviewer (and
// infra/test/arm.test.ts) can check each assignment against the role it is meant to grant.
// Source: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
// (also listed with the samples they come from in docs/deploy.md).

@export()
@description('Built-in role definition ids (GUIDs) granted by this deployment.')
var roleIds = {
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  cognitiveServicesOpenAIUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
  searchIndexDataReader: '1407120a-92aa-4202-b7e9-c0e197c71c8f'
  searchIndexDataContributor: '8ebe5a00-799e-43f5-93ac-243d3dce84a7'
  searchServiceContributor: '7ca78c08-252a-4471-8644-bb5ff32d4ba0'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

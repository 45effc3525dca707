/**
 * infra/: main.bicep compiled and linted for real (the Bicep CLI from NuGet), then the compiled
 * ARM JSON checked against the architecture (docs/deploy.md): every resource type, what each is
 * set to, diagnostic settings on each, the intended built-in role on each assignment, parameters
 * described and closed. Secrets, the workbook, Easy Auth and the container: arm-app.test.ts.
 *
 * Without a .NET SDK the compile is skipped with a note; under CI=true that is a failure.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe } from 'node:test';
import { join } from 'node:path';
import {
  deployed,
  INFRA_DIR,
  moduleTemplate,
  resourceIdExpression,
  resourcesOf,
  roleGuid,
  templates,
  type ArmResource,
} from './arm.ts';
import { compiledTemplate } from './compiled.ts';

const { t, arm, compiled } = compiledTemplate();

describe('compile and lint', () => {
  t('bicep build of main.bicep reports no warning or error', () => {
    assert.equal(compiled().buildDiagnostics, '', compiled().buildDiagnostics);
  });
  t('bicep lint passes every file under the rules of infra/bicepconfig.json', () => {
    assert.equal(compiled().lintExit, 0, compiled().lintDiagnostics);
    assert.equal(compiled().lintDiagnostics, '');
    const config = JSON.parse(readFileSync(join(INFRA_DIR, 'bicepconfig.json'), 'utf8'));
    const levels = Object.values(config.analyzers.core.rules as Record<string, { level: string }>).map((r) => r.level);
    assert.ok(levels.every((l) => l === 'error' || l === 'off'), 'every rule kept is an error');
    for (const rule of ['outputs-should-not-contain-secrets', 'secure-parameter-default', 'no-hardcoded-env-urls', 'what-if-short-circuiting']) {
      assert.equal(config.analyzers.core.rules[rule].level, 'error', rule);
    }
  });
});

describe('resources', () => {
  const architecture = [
    'Microsoft.OperationalInsights/workspaces',
    'Microsoft.Insights/components',
    'Microsoft.KeyVault/vaults',
    'Microsoft.KeyVault/vaults/secrets',
    'Microsoft.Storage/storageAccounts',
    'Microsoft.ContainerRegistry/registries',
    'Microsoft.CognitiveServices/accounts',
    'Microsoft.CognitiveServices/accounts/raiPolicies',
    'Microsoft.CognitiveServices/accounts/deployments',
    'Microsoft.Search/searchServices',
    'Microsoft.MachineLearningServices/workspaces',
    'Microsoft.MachineLearningServices/workspaces/connections',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
    'Microsoft.MachineLearningServices/workspaces/environments/versions',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
    'Microsoft.ManagedIdentity/userAssignedIdentities',
    'Microsoft.Web/serverfarms',
    'Microsoft.Web/sites',
    'Microsoft.Web/sites/config',
    'Microsoft.Authorization/roleAssignments',
    'Microsoft.Insights/diagnosticSettings',
    'Microsoft.Insights/autoscalesettings',
    'Microsoft.Insights/workbooks',
  ];

  t('every resource type of the architecture is deployed', () => {
    const types = new Set(deployed(arm()).map((r) => r.type));
    const missing = architecture.filter((type) => !types.has(type));
    assert.deepEqual(missing, []);
  });

  t('the hub and the project are workspaces of kinds Hub and Project, the project under the hub', () => {
    const ws = deployed(arm()).filter((r) => r.type === 'Microsoft.MachineLearningServices/workspaces');
    assert.deepEqual(ws.map((w) => w.kind).sort(), ['Hub', 'Project']);
    const project = ws.find((w) => w.kind === 'Project')!;
    assert.match(project.properties.hubResourceId, /resourceId\('Microsoft\.MachineLearningServices\/workspaces'/);
    const connection = deployed(arm()).find((r) => r.type === 'Microsoft.MachineLearningServices/workspaces/connections')!;
    assert.equal(connection.properties.category, 'AIServices');
    assert.equal(connection.properties.authType, 'AAD');
  });

  t('AI Services carries a chat and an embeddings deployment, both behind the stringent filter', () => {
    const ai = moduleTemplate(arm(), 'aiServices');
    const deployments = resourcesOf(ai).filter((r) => r.type === 'Microsoft.CognitiveServices/accounts/deployments');
    assert.equal(deployments.length, 2);
    const policy = resourcesOf(ai).find((r) => r.type === 'Microsoft.CognitiveServices/accounts/raiPolicies')!;
    const policyName = /'([^']+)'\)\]$/.exec(policy.name)![1];
    for (const d of deployments) {
      assert.match(String(d.properties.raiPolicyName), new RegExp(`${policyName}|raiPolicies`), `${d.name} uses the filter`);
      assert.match(String(d.sku.name), /^\[parameters\('deploymentSkuName'\)\]$/);
    }
    const filters = ai.variables!.contentFilters as Array<Record<string, unknown>>;
    for (const category of ['Hate', 'Sexual', 'Selfharm', 'Violence']) {
      for (const source of ['Prompt', 'Completion']) {
        const f = filters.find((x) => x.name === category && x.source === source);
        assert.deepEqual(f && [f.enabled, f.blocking, f.severityThreshold], [true, true, 'Low'], `${category} on ${source}`);
      }
    }
    for (const [name, source] of [['Jailbreak', 'Prompt'], ['Indirect Attack', 'Prompt'], ['Protected Material Text', 'Completion'], ['Protected Material Code', 'Completion']]) {
      const f = filters.find((x) => x.name === name && x.source === source);
      assert.deepEqual(f && [f.enabled, f.blocking], [true, true], `${name} on ${source}`);
    }
  });

  t('autoscale is optional, on CPU, for the endpoint deployment and for a plan tier that has it', () => {
    const autoscale = deployed(arm()).filter((r) => r.type === 'Microsoft.Insights/autoscalesettings');
    const target = (type: string) => autoscale.find((r) => r.properties.targetResourceUri.startsWith(`[resourceId('${type}'`))!;
    const endpoint = target('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments');
    const plan = target('Microsoft.Web/serverfarms');
    assert.equal(endpoint.condition, "[parameters('enableAutoscale')]");
    assert.match(JSON.stringify(endpoint.properties.profiles), /cpuProfile\('CpuUtilizationPercentage'/);
    assert.match(JSON.stringify(plan.properties.profiles), /cpuProfile\('CpuPercentage'/);
    // Basic plans have no autoscale: the plan's rule exists only on S1 and Premium v3.
    assert.equal(plan.condition, "[variables('autoscaleAllowed')]");
    assert.match(String(moduleTemplate(arm(), 'web').variables!.autoscaleAllowed), /not\(startsWith\(parameters\('skuName'\), 'B'\)\)/);
  });

  t('Application Insights is workspace-based, on the Log Analytics workspace', () => {
    const monitoring = moduleTemplate(arm(), 'monitoring');
    const component = resourcesOf(monitoring).find((r) => r.type === 'Microsoft.Insights/components')!;
    const workspace = resourcesOf(monitoring).find((r) => r.type === 'Microsoft.OperationalInsights/workspaces')!;
    assert.equal(component.properties.WorkspaceResourceId, resourceIdExpression(workspace));
    assert.equal(component.properties.IngestionMode, 'LogAnalytics');
  });

  t('the models, their versions and capacities, the search tier and the semantic plan are the parameters given', () => {
    const ai = moduleTemplate(arm(), 'aiServices');
    const deployments = resourcesOf(ai).filter((r) => r.type === 'Microsoft.CognitiveServices/accounts/deployments');
    const shape = deployments.map((d) => [d.properties.model.name, d.properties.model.version, d.sku.capacity]).sort();
    assert.deepEqual(shape, [
      ["[parameters('chatModelName')]", "[parameters('chatModelVersion')]", "[parameters('chatCapacity')]"],
      ["[parameters('embeddingModelName')]", "[parameters('embeddingModelVersion')]", "[parameters('embeddingCapacity')]"],
    ]);
    const given = (arm().resources as Record<string, ArmResource>).aiServices!.properties.parameters;
    for (const name of ['chatModelName', 'chatModelVersion', 'chatCapacity', 'embeddingModelName', 'embeddingModelVersion', 'embeddingCapacity']) {
      assert.deepEqual(given[name], { value: `[parameters('${name}')]` }, name);
    }
    const search = deployed(arm()).find((r) => r.type === 'Microsoft.Search/searchServices')!;
    assert.equal(search.sku.name, "[parameters('skuName')]");
    assert.equal(search.properties.semanticSearch, "[parameters('semanticSearch')]");
    const searchGiven = (arm().resources as Record<string, ArmResource>).search!.properties.parameters;
    assert.deepEqual([searchGiven.skuName, searchGiven.semanticSearch], [{ value: "[parameters('searchSku')]" }, { value: "[parameters('semanticSearch')]" }]);
  });

  t('the endpoint has a system-assigned identity and key auth unless aad_token is chosen; its deployment takes the instance, timeout and concurrency parameters', () => {
    const endpoint = deployed(arm()).find((r) => r.type === 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints')!;
    assert.equal(endpoint.identity.type, 'SystemAssigned');
    assert.equal(endpoint.properties.authMode, "[parameters('endpointAuthMode')]");
    assert.equal(String(arm().variables!.armAuthMode), "[if(equals(parameters('endpointAuthMode'), 'key'), 'Key', 'AADToken')]");
    const d = deployed(arm()).find((r) => r.type === 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments')!;
    assert.equal(d.properties.instanceType, "[parameters('instanceType')]");
    assert.equal(d.sku.capacity, "[parameters('instanceCount')]");
    assert.equal(d.properties.requestSettings.maxConcurrentRequestsPerInstance, "[parameters('maxConcurrentRequestsPerInstance')]");
    assert.match(d.properties.requestSettings.requestTimeout, /parameters\('requestTimeoutMs'\)/);
    const given = (arm().resources as Record<string, ArmResource>).orchestrator!.properties.parameters;
    assert.deepEqual(
      [given.instanceType, given.instanceCount, given.requestTimeoutMs, given.maxConcurrentRequestsPerInstance],
      ['endpointInstanceType', 'endpointInstanceCount', 'requestTimeoutMs', 'maxConcurrentRequestsPerInstance'].map((n) => ({ value: `[parameters('${n}')]` })),
    );
  });

  t('local credentials are off wherever Entra can replace them', () => {
    const byType = (type: string) => deployed(arm()).find((r) => r.type === type)!;
    assert.equal(byType('Microsoft.KeyVault/vaults').properties.enableRbacAuthorization, true);
    assert.equal(byType('Microsoft.Storage/storageAccounts').properties.allowSharedKeyAccess, false);
    assert.equal(byType('Microsoft.ContainerRegistry/registries').properties.adminUserEnabled, false);
    assert.equal(byType('Microsoft.CognitiveServices/accounts').properties.disableLocalAuth, true);
    assert.equal(byType('Microsoft.Search/searchServices').properties.disableLocalAuth, true);
  });
});

describe('diagnostic settings', () => {
  // Everything that emits logs or metrics; child resources that do not (deployments, configs,
  // secrets, role assignments) are covered by their parent's settings.
  const logged = new Set([
    'Microsoft.OperationalInsights/workspaces',
    'Microsoft.Insights/components',
    'Microsoft.KeyVault/vaults',
    'Microsoft.Storage/storageAccounts',
    'Microsoft.Storage/storageAccounts/blobServices',
    'Microsoft.Storage/storageAccounts/fileServices',
    'Microsoft.ContainerRegistry/registries',
    'Microsoft.CognitiveServices/accounts',
    'Microsoft.Search/searchServices',
    'Microsoft.MachineLearningServices/workspaces',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
    'Microsoft.Web/serverfarms',
    'Microsoft.Web/sites',
  ]);

  const settingsFor = (r: ArmResource & { template: any }) =>
    resourcesOf(r.template).filter((d) => d.type === 'Microsoft.Insights/diagnosticSettings' && d.scope === resourceIdExpression(r));

  t('every resource that emits telemetry sends it to the Log Analytics workspace', () => {
    const targets = deployed(arm()).filter((r) => logged.has(r.type));
    assert.ok(targets.length >= logged.size, 'each logged type is present');
    const without = targets.filter((r) => settingsFor(r).length !== 1).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(without, []);
    for (const r of targets) {
      const [d] = settingsFor(r);
      assert.ok(d!.properties.workspaceId, `${r.type} has a workspace destination`);
    }
  });

  t('logs are all logs: the category group, or on App Service and the endpoint the named categories', () => {
    const named: Record<string, string[]> = {
      'Microsoft.Web/sites': ['AppServiceHTTPLogs', 'AppServiceConsoleLogs', 'AppServiceAppLogs', 'AppServicePlatformLogs'],
      'Microsoft.MachineLearningServices/workspaces/onlineEndpoints': [
        'AmlOnlineEndpointConsoleLog',
        'AmlOnlineEndpointTrafficLog',
        'AmlOnlineEndpointEventLog',
      ],
    };
    // Storage accounts and App Service plans have metrics only at that level.
    const metricsOnly = new Set(['Microsoft.Storage/storageAccounts', 'Microsoft.Web/serverfarms']);
    for (const r of deployed(arm()).filter((x) => logged.has(x.type))) {
      const [d] = settingsFor(r);
      const logs = (d!.properties.logs ?? []) as Array<{ category?: string; categoryGroup?: string; enabled: boolean }>;
      assert.ok((d!.properties.metrics ?? []).length > 0, `${r.type} sends metrics`);
      if (metricsOnly.has(r.type)) continue;
      assert.ok(logs.every((l) => l.enabled), `${r.type}: every log enabled`);
      if (named[r.type]) assert.deepEqual(logs.map((l) => l.category).sort(), [...named[r.type]!].sort(), r.type);
      else assert.deepEqual(logs.map((l) => l.categoryGroup), ['allLogs'], r.type);
    }
  });
});

describe('role assignments', () => {
  // The intent, role by role: who gets what, where (docs/deploy.md, "Who may do what").
  const intended = [
    { principal: 'endpointPrincipalId', scope: 'Microsoft.ContainerRegistry/registries', role: '7f951dda-4ed3-4680-a7ca-43fe172d538d', why: 'AcrPull: pull the image' },
    { principal: 'endpointPrincipalId', scope: 'Microsoft.Search/searchServices', role: '1407120a-92aa-4202-b7e9-c0e197c71c8f', why: 'Search Index Data Reader' },
    { principal: 'endpointPrincipalId', scope: 'Microsoft.CognitiveServices/accounts', role: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd', why: 'Cognitive Services OpenAI User' },
    { principal: 'endpointPrincipalId', scope: 'Microsoft.KeyVault/vaults/secrets(telemetryKeySecretName)', role: '4633458b-17de-408a-b874-0445c86b69e6', why: 'Key Vault Secrets User on the telemetry hash key (secret injection)' },
    { principal: 'webPrincipalId', scope: 'Microsoft.KeyVault/vaults/secrets(endpointKeySecretName)', role: '4633458b-17de-408a-b874-0445c86b69e6', why: 'Key Vault Secrets User on the endpoint key' },
    { principal: 'webPrincipalId', scope: 'Microsoft.KeyVault/vaults/secrets(telemetryKeySecretName)', role: '4633458b-17de-408a-b874-0445c86b69e6', why: 'Key Vault Secrets User on the telemetry hash key' },
    { principal: 'webPrincipalId', scope: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints', role: 'custom:score', why: 'score on this endpoint (aad_token)' },
    { principal: 'deployerPrincipalId', scope: 'Microsoft.Search/searchServices', role: '7ca78c08-252a-4471-8644-bb5ff32d4ba0', why: 'Search Service Contributor: create the index' },
    { principal: 'deployerPrincipalId', scope: 'Microsoft.Search/searchServices', role: '8ebe5a00-799e-43f5-93ac-243d3dce84a7', why: 'Search Index Data Contributor: fill it' },
    { principal: 'deployerPrincipalId', scope: 'Microsoft.CognitiveServices/accounts', role: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd', why: 'Cognitive Services OpenAI User: embed' },
  ];

  const actual = () => {
    const roles = moduleTemplate(arm(), 'roles');
    const all = resourcesOf(roles);
    return all
      .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
      .map((r) => {
        const principal = /parameters\('(\w+)'\)/.exec(r.properties.principalId)![1]!;
        // A secret scope names which secret: a Key Vault role on the vault would open every secret.
        const secret = /parameters\('(\w+SecretName)'\)\)\]$/.exec(r.scope!)?.[1];
        const type = /resourceId\('([^']+)'/.exec(r.scope!)?.[1] ?? '';
        const scope = type === 'Microsoft.KeyVault/vaults/secrets' ? `${type}(${secret})` : type;
        let role = roleGuid(roles, r.properties.roleDefinitionId) ?? '';
        if (!role && /roleDefinitions/.test(r.properties.roleDefinitionId)) {
          const custom = all.find((d) => d.type === 'Microsoft.Authorization/roleDefinitions')!;
          const perms = custom.properties.permissions;
          assert.deepEqual(perms, [{ actions: [], dataActions: ['Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action'] }]);
          role = 'custom:score';
        }
        return { principal, scope, role };
      });
  };

  t('each assignment grants the intended built-in role to the intended principal at the intended scope, and nothing else', () => {
    const key = (a: { principal: string; scope: string; role: string }) => `${a.principal} @ ${a.scope} : ${a.role}`;
    assert.deepEqual(actual().map(key).sort(), intended.map(key).sort());
  });

  t('no assignment uses a broad role (Owner, Contributor, User Access Administrator)', () => {
    const broad = ['8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'b24988ac-6180-42a0-ab88-20f7382dd24c', '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9'];
    assert.deepEqual(actual().filter((a) => broad.includes(a.role)), []);
  });
});

describe('parameters', () => {
  t('every parameter of main.bicep and of every module says what it is for', () => {
    const undocumented = templates(arm()).flatMap(({ path, template }) =>
      Object.entries(template.parameters ?? {})
        .filter(([, p]) => !p.metadata?.description?.trim())
        .map(([n]) => `${path || 'main'} ${n}`),
    );
    assert.deepEqual(undocumented, []);
  });

  t('the choices are closed lists', () => {
    const allowed = (name: string) => arm().parameters![name]!.allowedValues;
    assert.deepEqual(allowed('endpointAuthMode'), ['key', 'aad_token']);
    assert.deepEqual(allowed('orchestratorDeploymentName'), ['blue', 'green']);
    assert.ok(allowed('searchSku')!.includes('basic'));
    assert.deepEqual(allowed('semanticSearch'), ['disabled', 'free', 'standard']);
    assert.ok(allowed('appServiceSku')!.includes('B1'));
    assert.ok(allowed('endpointInstanceType')!.length > 0);
    assert.equal(arm().parameters!.searchSku!.defaultValue, 'basic');
    assert.equal(arm().parameters!.endpointAuthMode!.defaultValue, 'key');
  });

  // The string parameters of main.bicep that are not a choice, each with why it stays open. A new
  // string parameter must either get @allowed or be added here with its reason.
  const openStrings: Record<string, string> = {
    environmentName: 'a name (2-10 characters, checked by @minLength/@maxLength and deploy.sh)',
    location: 'any region offering the models and VM sizes; ARM refuses others',
    principalId: 'an object id',
    authClientId: 'a client id (36 characters)',
    chatModelName: 'the model catalogue changes monthly; ARM refuses a model the region lacks',
    chatModelVersion: 'as above',
    embeddingModelName: 'as above',
    embeddingModelVersion: 'as above',
    openAiApiVersion: 'a dated API version the orchestrator passes through',
    searchIndexName: 'a name',
    semanticConfigurationName: 'a name',
    orchestratorImage: 'an image reference made by deploy.sh',
    endpointTrafficJson: 'the live split, read by deploy.sh',
    telemetryUserHashKey: 'a generated secret',
  };

  t('every other string parameter of main.bicep is a closed list', () => {
    const strings = Object.entries(arm().parameters!).filter(([, p]) => /string$/i.test(p.type));
    const open = strings.filter(([, p]) => !p.allowedValues).map(([n]) => n).sort();
    assert.deepEqual(open, Object.keys(openStrings).sort());
  });
});

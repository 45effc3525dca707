/**
 * infra/: main.bicep compiled and linted for real (the Bicep CLI from NuGet), then the compiled
 * ARM JSON checked against the architecture (docs/deploy.md): every resource type, diagnostic
 * settings on each, the intended built-in role on each assignment, no secret in an output or a
 * default, the container routes equal to the orchestrator's own, Easy Auth required.
 *
 * Without a .NET SDK the compile is skipped with a note; under CI=true that is a failure.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { join } from 'node:path';
import {
  compile,
  deployed,
  findBicep,
  IN_CI,
  INFRA_DIR,
  moduleTemplate,
  resourceIdExpression,
  resourcesOf,
  ROOT_DIR,
  roleGuid,
  templates,
  type ArmResource,
  type Compiled,
} from './arm.ts';
import { probeOrchestrator, type Probe } from './orchestrator-probe.ts';

let compiled: Compiled | undefined;
let skipReason: string | false = false;
let ciFailure: string | false = false;

before(async () => {
  const bicep = await findBicep();
  if (!bicep) {
    if (IN_CI) {
      ciFailure = 'CI=true but no .NET SDK: the Bicep CLI cannot be fetched, so infra/ is not compiled';
      return;
    }
    skipReason = 'no .NET SDK on this machine: Bicep compile skipped (it runs in CI)';
    console.log(`infra: ${skipReason}`);
    return;
  }
  compiled = await compile(bicep);
});

const arm = () => compiled!.template;
const t = (name: string, fn: () => unknown | Promise<unknown>) =>
  test(name, async (ctx) => {
    if (ciFailure) assert.fail(ciFailure);
    if (skipReason) return ctx.skip(skipReason);
    await fn();
  });

describe('compile and lint', () => {
  t('bicep build of main.bicep reports no warning or error', () => {
    assert.equal(compiled!.buildDiagnostics, '', compiled!.buildDiagnostics);
  });
  t('bicep lint passes every file under the rules of infra/bicepconfig.json', () => {
    assert.equal(compiled!.lintExit, 0, compiled!.lintDiagnostics);
    assert.equal(compiled!.lintDiagnostics, '');
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

describe('secrets', () => {
  const secretish = /key|secret|password|token|connection|credential/i;

  t('no output of any template carries a secret', () => {
    for (const { path, template } of templates(arm())) {
      for (const [name, output] of Object.entries(template.outputs ?? {})) {
        const value = JSON.stringify(output.value);
        assert.doesNotMatch(value, /\blist\w*\(/, `${path || 'main'} output ${name} calls a list* function`);
        assert.doesNotMatch(value, /ConnectionString|InstrumentationKey/i, `${path || 'main'} output ${name}`);
        if (secretish.test(name)) assert.match(name, /(_NAME|Name|Uri|Id)$/, `${path || 'main'} output ${name} is a name, not a value`);
      }
    }
  });

  t('no parameter default carries a secret: a secure parameter has none, or one generated at deploy time', () => {
    for (const { path, template } of templates(arm())) {
      for (const [name, p] of Object.entries(template.parameters ?? {})) {
        // newGuid() is evaluated by ARM during the deployment: the template holds no value.
        if (/^secure/i.test(p.type)) assert.ok(p.defaultValue === undefined || p.defaultValue === '[newGuid()]', `${path || 'main'} ${name}`);
        // A switch (bool) cannot carry a secret, whatever its name.
        else if (secretish.test(name) && !/Name$|Mode$/.test(name) && p.type !== 'bool') assert.equal(p.defaultValue, undefined, `${path || 'main'} ${name}`);
        if (typeof p.defaultValue === 'string') assert.doesNotMatch(p.defaultValue, /^[A-Za-z0-9+/=_-]{32,}$/, `${path || 'main'} ${name} looks like a key`);
      }
    }
  });

  t('the web app gets the endpoint key as a Key Vault reference, and the orchestrator no API key', () => {
    const settings = JSON.stringify(arm().resources && (arm().resources as any).web.properties.parameters.appSettings.value);
    assert.match(settings, /'ORCHESTRATOR_KEY', format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)', reference\('endpointKey'\)\.outputs\.secretUri\.value\)/);
    const secret = deployed(arm()).find((r) => r.type === 'Microsoft.KeyVault/vaults/secrets')!;
    assert.match(secret.properties.value, /^\[listKeys\(/, 'the key is read inside ARM');
    const env = JSON.stringify(arm().functions);
    assert.doesNotMatch(env, /API_KEY/);
  });
});

describe('telemetry hash key (TELEMETRY_USER_HASH_KEY)', () => {
  const main = () => arm().resources as Record<string, ArmResource>;
  const module = () => moduleTemplate(arm(), 'telemetryKey');

  t('it is generated at deploy time into a secure parameter that only the Key Vault secret reads', () => {
    const p = arm().parameters!.telemetryUserHashKey!;
    assert.equal(p.type, 'securestring');
    assert.equal(p.defaultValue, '[newGuid()]');
    const uses = JSON.stringify(arm()).match(/parameters\('telemetryUserHashKey'\)/g) ?? [];
    assert.equal(uses.length, 1, 'read in one place');
    assert.deepEqual(main().telemetryKey!.properties.parameters.value, { value: "[parameters('telemetryUserHashKey')]" });
    assert.equal(module().parameters!.value!.type, 'securestring', 'the module keeps it secure');
    const secret = resourcesOf(module()).find((r) => r.type === 'Microsoft.KeyVault/vaults/secrets')!;
    assert.equal(secret.properties.value, "[parameters('value')]");
    // A re-run keeps the stored key (infra/deploy.sh sets keep once it exists): no new hash per deployment.
    assert.equal(secret.condition, "[not(parameters('keep'))]");
    assert.deepEqual(main().telemetryKey!.properties.parameters.keep, { value: "[parameters('keepTelemetryUserHashKey')]" });
    assert.equal(arm().parameters!.keepTelemetryUserHashKey!.defaultValue, false);
  });

  t('the module outputs the secret\'s name and URIs only', () => {
    assert.deepEqual(Object.keys(module().outputs!).sort(), ['secretName', 'secretUri', 'secretVersionUri']);
    for (const [name, o] of Object.entries(module().outputs!)) {
      assert.doesNotMatch(JSON.stringify(o.value), /parameters\('value'\)|\.value\b|list\w*\(/, name);
    }
  });

  t('the web app reads it through a Key Vault reference', () => {
    const settings = JSON.stringify(main().web!.properties.parameters.appSettings.value);
    assert.match(settings, /'TELEMETRY_USER_HASH_KEY', format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)', reference\('telemetryKey'\)\.outputs\.secretUri\.value\)/);
  });

  t('the online deployment reads it through secret injection, ${{keyvault:<secret URI with version>}}', () => {
    // The environment function's format string, decoded as ARM's format() does.
    const fn = JSON.stringify(arm().functions);
    const m = /'TELEMETRY_USER_HASH_KEY', format\('((?:[^'\\]|\\.)*)', parameters\('(\w+)'\)\)/.exec(fn);
    assert.ok(m, 'the orchestrator environment sets TELEMETRY_USER_HASH_KEY from a parameter');
    const decoded = m[1]!.replace(/\{\{/g, '{').replace(/\}\}/g, '}').replace('{0}', 'URI');
    assert.equal(decoded, '${{keyvault:URI}}');
    // And the URI given is the secret's, with its version (the platform requires one).
    const env = main().orchestrator!.properties.parameters.environmentVariables.value as string;
    assert.match(env, /reference\('telemetryKey'\)\.outputs\.secretVersionUri\.value\)\]$/);
    const versionUri = JSON.stringify(module().outputs!.secretVersionUri!.value);
    assert.match(versionUri, /\.secretUriWithVersion/);
    assert.doesNotMatch(versionUri, /\.secretUri[^W]/);
  });
});

describe('workbook', () => {
  const monitoring = () => moduleTemplate(arm(), 'monitoring');
  const workbook = () => resourcesOf(monitoring()).find((r) => r.type === 'Microsoft.Insights/workbooks')!;
  const component = () => resourcesOf(monitoring()).find((r) => r.type === 'Microsoft.Insights/components')!;

  t('the workbook deployed is infra/monitoring/workbook.json, byte for byte', () => {
    const expr = /^\[variables\('([^']+)'\)\]$/.exec(workbook().properties.serializedData);
    const data = expr ? (monitoring().variables![expr[1]!] as string) : workbook().properties.serializedData;
    assert.equal(data, readFileSync(join(INFRA_DIR, 'monitoring/workbook.json'), 'utf8'));
    assert.equal(JSON.parse(data).version, 'Notebook/1.0');
  });

  t('it is a shared workbook on the Application Insights component, under a stable name', () => {
    const wb = workbook();
    assert.equal(wb.kind, 'shared');
    assert.equal(wb.properties.category, 'workbook');
    assert.equal(wb.properties.sourceId, resourceIdExpression(component()));
    // Derived from the component's id: the same on every run (a re-run updates, never duplicates).
    assert.equal(wb.name, `[guid(${resourceIdExpression(component()).slice(1, -1)}, 'grounded-chat-workbook')]`);
    assert.doesNotMatch(wb.name, /newGuid|utcNow/);
  });
});

describe('the orchestrator container', () => {
  let probe: Probe;
  const container = () => moduleTemplate(arm(), 'orchestrator').variables!.orchestratorContainer as Record<string, string | number>;

  before(async () => {
    if (skipReason || !compiled) return;
    probe = await probeOrchestrator(container());
  });

  t('the environment declares the liveness, readiness and scoring routes on one port', () => {
    const version = deployed(arm()).find((r) => r.type === 'Microsoft.MachineLearningServices/workspaces/environments/versions')!;
    const routes = version.properties.inferenceConfig;
    assert.deepEqual(Object.keys(routes).sort(), ['livenessRoute', 'readinessRoute', 'scoringRoute']);
    assert.equal(routes.livenessRoute.path, "[variables('orchestratorContainer').livenessPath]");
    assert.equal(routes.readinessRoute.path, "[variables('orchestratorContainer').readinessPath]");
    assert.equal(routes.scoringRoute.path, "[variables('orchestratorContainer').scoringPath]");
    for (const r of Object.values(routes) as Array<{ port: string }>) assert.equal(r.port, "[variables('orchestratorContainer').port]");
    const deployment = deployed(arm()).find((r) => r.type === 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments')!;
    assert.match(deployment.properties.environmentVariables, /'PORT', string\(variables\('orchestratorContainer'\)\.port\)/);
  });

  t('the port is the one the image and the server use', async () => {
    const dockerfile = readFileSync(join(INFRA_DIR, 'orchestrator.Dockerfile'), 'utf8');
    const envPort = /^ENV .*\bPORT=(\d+)/m.exec(dockerfile)?.[1];
    const expose = /^EXPOSE (\d+)/m.exec(dockerfile)?.[1];
    assert.equal(Number(envPort), container().port, 'ENV PORT of infra/orchestrator.Dockerfile');
    assert.equal(Number(expose), container().port, 'EXPOSE of infra/orchestrator.Dockerfile');
    const { loadConfig } = await import('../../orchestrator/src/config.ts');
    assert.equal(loadConfig({}).port, container().port, "the server's default PORT");
  });

  t('the running orchestrator answers on the declared routes', () => {
    assert.equal(probe.liveness.status, 200, `GET ${container().livenessPath}`);
    assert.equal(probe.readiness.status, 200, `GET ${container().readinessPath}`);
    assert.equal(probe.score.status, 200, `POST ${container().scoringPath}`);
    assert.equal(typeof (probe.score.body as { answer?: unknown }).answer, 'string');
    // The probe itself can tell a wrong route apart.
    assert.equal(probe.unknown.status, 404);
  });
});

describe('Easy Auth', () => {
  const web = () => moduleTemplate(arm(), 'web');
  const byName = (suffix: string) => resourcesOf(web()).find((r) => r.name.endsWith(`'${suffix}')]`))!;

  t('sign-in is required and unauthenticated visitors are redirected to Microsoft Entra ID', () => {
    const auth = byName('authsettingsV2').properties;
    assert.equal(auth.platform.enabled, true);
    assert.equal(auth.globalValidation.requireAuthentication, true);
    assert.equal(auth.globalValidation.unauthenticatedClientAction, 'RedirectToLoginPage');
    assert.equal(auth.globalValidation.redirectToProvider, 'azureactivedirectory');
    assert.deepEqual(auth.globalValidation.excludedPaths ?? [], [siteConfig().healthCheckPath], 'only the health probe is open');
    assert.equal(auth.identityProviders.azureActiveDirectory.enabled, true);
    assert.equal(auth.login.tokenStore.enabled, true);
    assert.equal(auth.httpSettings.requireHttps, true);
  });

  t('Easy Auth holds no client secret: the managed identity stands in through a federated credential', () => {
    const auth = byName('authsettingsV2').properties;
    const reg = auth.identityProviders.azureActiveDirectory.registration;
    assert.equal(reg.clientSecretSettingName, 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID');
    // The client id of the web app's user-assigned identity (by resource id, or by symbolic name).
    const m = /'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID', reference\((?:resourceId\('(Microsoft\.ManagedIdentity\/userAssignedIdentities)'|'(\w+)'\))/.exec(byName('appsettings').properties);
    assert.ok(m, 'the setting holds an identity client id');
    const type = m[1] ?? (web().resources as Record<string, ArmResource>)[m[2]!]!.type;
    assert.equal(type, 'Microsoft.ManagedIdentity/userAssignedIdentities');
    assert.match(reg.openIdIssuer, /environment\(\)\.authentication\.loginEndpoint/);
  });

  const siteConfig = () => resourcesOf(web()).find((r) => r.type === 'Microsoft.Web/sites')!.properties.siteConfig;

  t('HTTPS only, TLS 1.2, FTP and basic publishing off, Node 22 LTS, health check on the route demo-site serves', () => {
    const site = resourcesOf(web()).find((r) => r.type === 'Microsoft.Web/sites')!;
    assert.equal(site.properties.httpsOnly, true);
    assert.equal(siteConfig().minTlsVersion, '1.2');
    assert.equal(siteConfig().ftpsState, 'Disabled');
    assert.equal(siteConfig().linuxFxVersion, 'NODE|22-lts');
    const policies = resourcesOf(web()).filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    assert.deepEqual(policies.map((p) => p.properties.allow), [false, false]);
    const app = readFileSync(join(ROOT_DIR, 'demo-site/src/app.ts'), 'utf8');
    assert.ok(app.includes(`app.get('${siteConfig().healthCheckPath}'`), 'demo-site serves the health check path');
  });
});

describe('parameters', () => {
  t('every parameter of main.bicep says what it is for', () => {
    const undocumented = Object.entries(arm().parameters ?? {}).filter(([, p]) => !p.metadata?.description?.trim());
    assert.deepEqual(undocumented.map(([n]) => n), []);
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
});

/**
 * infra/ on the compiled ARM JSON, the parts that touch the running apps: no secret in an output
 * or a default, the keys reaching the services as Key Vault references only, the telemetry
 * workbook deployed as committed, the orchestrator container's routes equal to the server's
 * (checked by starting it), Easy Auth required. The template comes from the compile that
 * arm.test.ts shares (arm.ts, compileShared).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe } from 'node:test';
import { join } from 'node:path';
import {
  deployed,
  INFRA_DIR,
  moduleTemplate,
  resourceIdExpression,
  resourcesOf,
  ROOT_DIR,
  templates,
  type ArmResource,
} from './arm.ts';
import { compiledTemplate } from './compiled.ts';
import { probeOrchestrator, type Probe } from './orchestrator-probe.ts';

const { t, arm, missing } = compiledTemplate();

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
    if (missing()) return;
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


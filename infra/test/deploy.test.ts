/**
 * infra/deploy.sh's provisioning (with the Easy Auth app registration), what-if and teardown, run
 * for real against the stand-in Azure CLI (fixtures/az; standin.ts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, beforeEach, describe, test } from 'node:test';
import { standInAz } from './standin.ts';

const az = standInAz();
const { stateFile, setState, state, deploy } = az;
beforeEach(() => az.clearLog());
after(() => az.dispose());

describe('provisioning', () => {
  test('provision creates the Easy Auth app registration (no portal step), then points its callback at the site and trusts the web app\'s identity', async () => {
    setState({ apps: [] });
    const r = await deploy(['provision']);
    assert.equal(r.code, 0, r.stderr);
    const s = state();
    assert.deepEqual(s.unexpected, []);
    assert.equal(s.apps!.length, 1, 'one app registration');
    const app = s.apps![0]!;
    assert.deepEqual([app.displayName, app.audience, app.servicePrincipal], ['grounded-chat-test', 'AzureADMyOrg', true]);
    assert.ok(app.updates.some((u) => u.includes(`--identifier-uris api://${app.appId}`)), app.updates.join(' | '));
    assert.ok(app.updates.some((u) => u.includes('--web-redirect-uris https://app-test-abc.azurewebsites.net/.auth/login/aad/callback')));
    // No client secret: a federated credential for the web app's managed identity.
    assert.deepEqual(app.federated, [
      {
        name: 'web-app-identity',
        issuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0',
        subject: '44444444-4444-4444-4444-444444444444',
        audiences: ['api://AzureADTokenExchange'],
      },
    ]);
    assert.equal(s.provisions.length, 1);
    assert.equal(s.provisions[0]!.authClientId, app.appId, 'the template gets the new client id');
    // Created after the app exists, so the callback and credential follow the provisioning.
    const created = s.calls.findIndex((c) => c.startsWith('ad app create'));
    const provisioned = s.calls.findIndex((c) => c.startsWith('deployment group create'));
    const federated = s.calls.findIndex((c) => c.startsWith('ad app federated-credential create'));
    assert.ok(created < provisioned && provisioned < federated, s.calls.join(' | '));

    // Re-running updates in place: the same registration, no second credential.
    writeFileSync(stateFile, JSON.stringify({ ...s, calls: [] }));
    const again = await deploy(['provision']);
    assert.equal(again.code, 0, again.stderr);
    const s2 = state();
    assert.equal(s2.apps!.length, 1);
    assert.equal(s2.apps![0]!.federated.length, 1);
    assert.ok(!s2.calls.some((c) => c.startsWith('ad app create') || c.startsWith('ad app federated-credential create')));
  });

  test('what-if passes the same parameters as provisioning and changes nothing', async () => {
    setState({ group: { location: 'eastus2' }, traffic: { green: 100 }, deployments: { green: { image: 'crtest.azurecr.io/grounded-chat-orchestrator:1' } } });
    const r = await deploy(['what-if']);
    assert.equal(r.code, 0, r.stderr);
    const s = state();
    assert.deepEqual(s.unexpected, []);
    assert.equal(s.whatIfs!.length, 1);
    const w = s.whatIfs![0]!;
    assert.deepEqual(
      [w.orchestratorImage, w.orchestratorDeploymentName, w.endpointTrafficJson, w.environmentName],
      ['crtest.azurecr.io/grounded-chat-orchestrator:1', 'green', '{"green":100}', 'test'],
      'the live deployment is what it compares against',
    );
    assert.equal(s.provisions.length, 0);
    const changing = s.calls.filter((c) => /^(group create|deployment group create|ml online-(endpoint update|deployment delete)|acr build|ad app (create|update)|ad app federated-credential create)/.test(c));
    assert.deepEqual(changing, []);
  });

  test('what-if before the resource group exists says what would be created, and creates nothing', async () => {
    setState({ group: null });
    const r = await deploy(['what-if']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /resource group rg-test does not exist yet/);
    const s = state();
    assert.ok(!s.calls.some((c) => c.startsWith('group create') || c.startsWith('deployment group')), s.calls.join(' | '));
  });
});

describe('teardown', () => {
  test('down deletes the app registration and the group, then purges Key Vault and AI Services in the group\'s region', async () => {
    setState({ group: { location: 'swedencentral' } });
    const r = await deploy(['down', '--yes']);
    assert.equal(r.code, 0, r.stderr);
    const s = state();
    assert.deepEqual(s.unexpected, []);
    const order = ['ad app delete', 'group delete', 'keyvault purge', 'cognitiveservices account purge'].map((c) =>
      s.calls.findIndex((call) => call.startsWith(c)),
    );
    assert.ok(order.every((i) => i >= 0), `every step ran: ${s.calls.join(' | ')}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'in that order');
    assert.ok(s.calls.some((c) => c.startsWith('keyvault purge -n kv-test-abc -l swedencentral')));
    assert.ok(s.calls.some((c) => c.startsWith('cognitiveservices account purge -n ais-test-abc -g rg-test -l swedencentral')));
  });
});

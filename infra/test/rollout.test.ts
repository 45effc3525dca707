/**
 * infra/deploy.sh run for real (blue-green rollout, provisioning with the app registration,
 * what-if, teardown) against a stand-in Azure CLI
 * (fixtures/az, which keeps the endpoint's deployments and traffic) and a loopback scoring
 * server that plays the endpoint's data plane: which colour a request reached is the
 * `azureml-model-deployment` header it carried.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { INFRA_DIR } from './arm.ts';

type State = {
  group?: { location: string } | null;
  apps?: Array<{ appId: string; displayName: string; audience: string; updates: string[]; federated: Array<Record<string, unknown>>; servicePrincipal?: boolean }>;
  whatIfs?: Array<Record<string, string>>;
  traffic: Record<string, number>;
  deployments: Record<string, { image: string }>;
  provisions: Array<Record<string, unknown>>;
  images: string[];
  calls: string[];
  unexpected: string[];
};

const work = mkdtempSync(join(tmpdir(), 'gc-infra-rollout-'));
const stateFile = join(work, 'state.json');
let server: Server;
let scoringUrl = '';
let failing = new Set<string>();
let seen: Array<{ colour: string; auth: string }> = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const colour = String(req.headers['azureml-model-deployment'] ?? '');
      seen.push({ colour, auth: String(req.headers.authorization ?? '') });
      const ok = req.method === 'POST' && JSON.parse(body).question && !failing.has(colour);
      res.writeHead(ok ? 200 : 502, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { answer: 'grounded-chat is a kit [1]', citations: [{ id: '1', title: 'x', snippet: 'y' }] } : { error: { code: 'upstream_unavailable', message: 'down' } }));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  scoringUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
});

after(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

function setState(partial: Partial<State>) {
  const state: State = { traffic: {}, deployments: {}, provisions: [], images: [], calls: [], unexpected: [], ...partial };
  writeFileSync(stateFile, JSON.stringify(state));
}
const state = (): State => JSON.parse(readFileSync(stateFile, 'utf8'));

function rollout(): Promise<{ code: number; stderr: string }> {
  return deploy(['rollout']);
}

function deploy(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(INFRA_DIR, 'deploy.sh'),
      args,
      {
        env: {
          ...process.env,
          PATH: `${join(INFRA_DIR, 'test/fixtures')}:${process.env.PATH}`,
          FAKE_AZ_STATE: stateFile,
          AZURE_ENV_NAME: 'test',
          // Outputs of the last provisioning, as azd hands them to hooks.
          PROJECT_NAME: 'proj-test',
          ENDPOINT_NAME: 'ept-test',
          REGISTRY_NAME: 'crtest',
          REGISTRY_LOGIN_SERVER: 'crtest.azurecr.io',
          SCORING_URL: scoringUrl,
          KEY_VAULT_NAME: 'kv-test-abc',
          AI_SERVICES_NAME: 'ais-test-abc',
          SITE_HOST_NAME: 'app-test-abc.azurewebsites.net',
          WEB_IDENTITY_PRINCIPAL_ID: '44444444-4444-4444-4444-444444444444',
        },
      },
      (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

beforeEach(() => {
  failing = new Set();
  seen = [];
  // The endpoint carries over from one test to the next; its call log does not.
  try {
    writeFileSync(stateFile, JSON.stringify({ ...state(), calls: [], provisions: [], images: [] }));
  } catch {}
});

describe('blue-green rollout', () => {
  test('the first rollout deploys blue, smoke-tests it by header with the key, then gives it all traffic', async () => {
    setState({});
    const r = await rollout();
    assert.equal(r.code, 0, r.stderr);
    const s = state();
    assert.deepEqual(s.unexpected, []);
    assert.deepEqual(Object.keys(s.deployments), ['blue']);
    assert.deepEqual(s.traffic, { blue: 100 });
    assert.deepEqual(seen, [{ colour: 'blue', auth: 'Bearer fake-endpoint-key' }]);
    assert.equal(s.provisions.length, 1);
    assert.equal(s.provisions[0]!.endpointTrafficJson, '{}');
    assert.equal(s.provisions[0]!.orchestratorDeploymentName, 'blue');
    assert.match(String(s.provisions[0]!.orchestratorImage), /^crtest\.azurecr\.io\/grounded-chat-orchestrator:\d{14}-/);
    assert.equal(s.images.length, 1, 'one az acr build');
    assert.ok(!s.calls.some((c) => c.includes('fake-endpoint-key')), 'the key is never a command argument');
    // No hash key in Key Vault yet: ARM generates one (newGuid); the script never handles it.
    assert.equal(s.provisions[0]!.keepTelemetryUserHashKey, 'false');
    assert.ok(!s.calls.some((c) => /telemetryUserHashKey=/.test(c)), 'the hash key is never a command argument');
  });

  test('the next rollout deploys green beside blue without moving traffic, tests it, shifts, removes blue', async () => {
    const r = await rollout();
    assert.equal(r.code, 0, r.stderr);
    const s = state();
    assert.deepEqual(s.unexpected, []);
    const provision = s.provisions.at(-1)!;
    assert.equal(provision.orchestratorDeploymentName, 'green');
    assert.equal(provision.endpointTrafficJson, '{"blue":100}', 'the live split is passed back while green is created');
    assert.equal(provision.keepTelemetryUserHashKey, 'true', 'the stored hash key is kept: visitors keep their hash');
    assert.deepEqual(seen.map((x) => x.colour), ['green']);
    const update = s.calls.findIndex((c) => c.includes('online-endpoint update'));
    const removal = s.calls.findIndex((c) => c.startsWith('ml online-deployment delete -n blue'));
    assert.ok(update > 0 && removal > update, 'traffic moves before blue is removed');
    assert.deepEqual(Object.keys(s.deployments), ['green']);
    assert.deepEqual(s.traffic, { green: 100 });
  });

  test('a failed smoke test removes the new colour and leaves the live one with all traffic', async () => {
    failing = new Set(['blue']);
    const r = await rollout();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /smoke test of blue answered HTTP 502/);
    assert.match(r.stderr, /rollout aborted/);
    const s = state();
    assert.deepEqual(Object.keys(s.deployments), ['green']);
    assert.deepEqual(s.traffic, { green: 100 });
    assert.ok(!s.calls.some((c) => c.includes('online-endpoint update')), 'traffic never moved');
  });

  test('a split carried by both colours is refused before anything is built', async () => {
    setState({ traffic: { blue: 50, green: 50 }, deployments: { blue: { image: 'a:1' }, green: { image: 'a:2' } } });
    const r = await rollout();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /both colours carry traffic/);
    const s = state();
    assert.equal(s.provisions.length, 0);
    assert.deepEqual(s.traffic, { blue: 50, green: 50 });
  });
});

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

/**
 * infra/deploy.sh's blue-green rollout run for real against a stand-in Azure CLI (fixtures/az,
 * which keeps the endpoint's deployments and traffic; standin.ts) and a loopback scoring server
 * that plays the endpoint's data plane: which colour a request reached is the
 * `azureml-model-deployment` header it carried. Provisioning, what-if and teardown: deploy.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { standInAz } from './standin.ts';

let server: Server;
let scoringUrl = '';
let failing = new Set<string>();
let seen: Array<{ colour: string; auth: string }> = [];

const az = standInAz(() => scoringUrl);
const { setState, state, deploy } = az;
const rollout = () => deploy(['rollout']);

beforeEach(() => {
  failing = new Set();
  seen = [];
  // The endpoint carries over from one test to the next; its call log does not.
  az.clearLog();
});

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
  az.dispose();
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

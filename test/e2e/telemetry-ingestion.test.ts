/**
 * Application Insights end to end, for real: two child processes (an Express host with the kit's
 * register module and an undici Pool, a node:http "orchestrator" with the orchestrator's register
 * module) export through `applicationinsights` 3.x to an HTTPS loopback ingestion endpoint named
 * in the connection string, with offline storage and statsbeat off. The same pair without a
 * connection string must not load the SDK nor connect anywhere.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashUserId } from '../../server-kit/src/telemetry/privacy.js';
import { KIT_EVENT_FIELDS, KIT_EVENTS } from '../../server-kit/src/telemetry/names.js';
import { FLOW_STEPS, GEN_AI, ORCHESTRATOR_EVENT_FIELDS, ORCHESTRATOR_EVENTS, RETRIEVAL } from '../../orchestrator/src/telemetry/names.js';
import { startChild, type Child } from './telemetry/child.js';
import { startIngestion, type Envelope, type Ingestion } from './telemetry/ingestion.js';

// Each side's fixture imports only its own package's telemetry and starts with its own register module.
const root = join(import.meta.dirname, '..', '..');
const WEB_APP = join(root, 'server-kit', 'test', 'fixtures', 'telemetry', 'web-app.ts');
const ORCH_APP = join(root, 'orchestrator', 'test', 'fixtures', 'telemetry', 'orchestrator-app.ts');
const KIT_REGISTER = join(root, 'server-kit', 'src', 'telemetry', 'register.ts');
const ORCH_REGISTER = join(root, 'orchestrator', 'src', 'telemetry', 'register.ts');
const QUESTION = 'What does the secret-question-XYZ option do?';
const KEY = 'key-SECRET-0123456789';
const USER = 'user-raw-777@example.com';
const HASH_KEY = 'hash-key-for-tests-only';

function tmpOf(ingestion: Ingestion): string {
  const dir = join(ingestion.dir, 'tmp');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function startPair(ingestion: Ingestion, withTelemetry: boolean): Promise<{ web: Child; orch: Child }> {
  const common = {
    NODE_EXTRA_CA_CERTS: ingestion.caFile,
    TELEMETRY_USER_HASH_KEY: HASH_KEY,
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
    APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
    APPLICATIONINSIGHTS_CONFIGURATION_CONTENT: JSON.stringify({ azureMonitorExporterOptions: { disableOfflineStorage: true } }),
    // Offline storage would write under the temp dir: point it at one the test inspects.
    TMPDIR: tmpOf(ingestion),
    ...(withTelemetry
      ? { APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=4f6c0b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f;IngestionEndpoint=${ingestion.url}` }
      : {}),
  };
  const orch = await startChild(ORCH_APP, ORCH_REGISTER, { ...common, TEST_MODEL_URL: `${ingestion.url}model` });
  const web = await startChild(WEB_APP, KIT_REGISTER, { ...common, ORCHESTRATOR_URL: orch.url, ORCHESTRATOR_KEY: KEY });
  return { web, orch };
}

async function chat(web: Child, question = QUESTION): Promise<string> {
  const res = await fetch(`${web.url}/api/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-user': USER },
    body: JSON.stringify({ messages: [{ role: 'user', content: question }] }),
  });
  assert.equal(res.status, 200);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.delta?.content).map((l) => l.delta.content).join(''), 'Hello world');
  const traceId = lines.at(-1).delta.context.traceId;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  return traceId;
}

const loaded = async (child: Child) => ((await (await fetch(`${child.url}/__loaded`)).json()) as { applicationinsights: boolean }).applicationinsights;

/** Waits (flushing each time) until `ready` holds; the deadline only guards against a hang. */
async function until(web: Child, ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await fetch(`${web.url}/__flush`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const role = (e: Envelope) => e.tags?.['ai.cloud.role'];
const op = (e: Envelope) => e.tags?.['ai.operation.id'];
const of = (envelopes: Envelope[], baseType: string, cloudRole?: string) =>
  envelopes.filter((e) => e.data.baseType === baseType && (!cloudRole || role(e) === cloudRole));

describe('telemetry to Application Insights, connection string set', () => {
  let ingestion: Ingestion;
  let pair: { web: Child; orch: Child };
  let traceId: string;
  let filteredTraceId: string;

  before(async () => {
    ingestion = await startIngestion();
    ingestion.route('/model', () => ({ pieces: ['Hello', ' world'] }));
    pair = await startPair(ingestion, true);
    traceId = await chat(pair.web);
    const fb = await fetch(`${pair.web.url}/api/chat/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': USER },
      body: JSON.stringify({ rating: 'up', traceId, comment: 'great answer about secret-question-XYZ' }),
    });
    assert.equal(fb.status, 204);
    filteredTraceId = await chat(pair.web, 'a forbidden secret-question-XYZ');
    await until(
      pair.web,
      () => {
        const events = of(ingestion.envelopes, 'EventData').map((e) => e.data.baseData.name);
        return (
          of(ingestion.envelopes, 'RequestData', 'orchestrator').length >= 1 &&
          of(ingestion.envelopes, 'RequestData', 'web').length >= 2 &&
          of(ingestion.envelopes, 'RemoteDependencyData', 'orchestrator').length >= 5 &&
          events.includes(KIT_EVENTS.chat) &&
          events.includes(KIT_EVENTS.feedback) &&
          events.includes(ORCHESTRATOR_EVENTS.contentFiltered)
        );
      },
      'request, dependency and event envelopes from both processes',
    );
  });

  after(async () => {
    await Promise.all([pair?.web.stop(), pair?.orch.stop()]);
    await ingestion?.close();
  });

  it('loads the SDK in both processes', async () => {
    assert.equal(await loaded(pair.web), true);
    assert.equal(await loaded(pair.orch), true);
  });

  it('records one operation across both processes, with the kit-to-orchestrator hop as parent', () => {
    // Two chats ran: pick this one's envelopes by the trace id the visitor got as context.traceId.
    const inChat = (e: Envelope) => op(e) === traceId;
    const webRequest = of(ingestion.envelopes, 'RequestData', 'web').find((e) => inChat(e) && e.data.baseData.name === 'POST /api/chat/stream');
    const orchRequest = of(ingestion.envelopes, 'RequestData', 'orchestrator').find((e) => inChat(e) && e.data.baseData.name === 'POST /score');
    assert.ok(webRequest, "the kit's request, named after its route, in the visitor's operation");
    assert.ok(orchRequest, "the orchestrator's request, named after its route, in the same operation");
    const hop = of(ingestion.envelopes, 'RemoteDependencyData', 'web').find((e) => inChat(e) && e.data.baseData.name === 'POST /score');
    assert.ok(hop, "the kit's dependency call to the orchestrator");
    assert.equal(orchRequest.tags?.['ai.operation.parentId'], hop.data.baseData.id, 'traceparent crossed the hop');
  });

  it('has a child span per flow step and the model call as a dependency, all in the operation', () => {
    const deps = of(ingestion.envelopes, 'RemoteDependencyData', 'orchestrator').filter((e) => op(e) === traceId);
    const names = deps.map((e) => e.data.baseData.name);
    for (const step of Object.values(FLOW_STEPS)) assert.ok(names.includes(step), `${step} in ${names.join(', ')}`);
    const generate = deps.find((e) => e.data.baseData.name === FLOW_STEPS.generate)!;
    const model = deps.find((e) => e.data.baseData.name === 'POST /model')!;
    assert.ok(model, 'the fetch to the model, through the undici instrumentation');
    assert.equal(model.tags?.['ai.operation.parentId'], generate.data.baseData.id, 'the model call is the generate step’s child');
    const g = generate.data.baseData.properties;
    assert.equal(g[GEN_AI.system], 'azure.ai.openai');
    assert.equal(g[GEN_AI.requestModel], 'gpt-test');
    assert.equal(g[GEN_AI.inputTokens], '42');
    assert.equal(g[GEN_AI.outputTokens], '7');
    assert.match(g[GEN_AI.finishReasons], /stop/);
    const retrieve = deps.find((e) => e.data.baseData.name === FLOW_STEPS.retrieve)!.data.baseData.properties;
    assert.deepEqual(
      [retrieve[RETRIEVAL.store], retrieve[RETRIEVAL.top], retrieve[RETRIEVAL.hits], retrieve[RETRIEVAL.bestScore]],
      ['local', '5', '2', '3.5'],
    );
  });

  it('sends the chat event with its numbers and a hashed user, in the operation', () => {
    const event = of(ingestion.envelopes, 'EventData').find((e) => op(e) === traceId && e.data.baseData.name === KIT_EVENTS.chat)!;
    assert.ok(event, "the chat event, in the chat's operation");
    const c = KIT_EVENT_FIELDS.chat;
    const { properties, measurements } = event.data.baseData;
    assert.equal(measurements[c.measurements.inputTokens], 42);
    assert.equal(measurements[c.measurements.outputTokens], 7);
    assert.equal(measurements[c.measurements.citations], 2);
    assert.ok(measurements[c.measurements.timeToFirstTokenMs] > 0);
    assert.ok(measurements[c.measurements.durationMs] >= measurements[c.measurements.timeToFirstTokenMs]);
    assert.equal(properties[c.properties.outcome], 'ok');
    assert.equal(properties[c.properties.model], 'gpt-test');
    assert.equal(properties[c.properties.user], hashUserId(USER, HASH_KEY));
    assert.equal(properties[c.properties.question], undefined);
  });

  it('links the feedback event to the answer it rates', () => {
    const event = of(ingestion.envelopes, 'EventData').find((e) => e.data.baseData.name === KIT_EVENTS.feedback)!;
    assert.equal(op(event), traceId, 'feedback lands in the answer’s operation');
    assert.equal(event.data.baseData.properties[KIT_EVENT_FIELDS.feedback.properties.answerTraceId], traceId);
    assert.equal(event.data.baseData.measurements[KIT_EVENT_FIELDS.feedback.measurements.positive], 1);
    assert.equal(event.data.baseData.properties[KIT_EVENT_FIELDS.feedback.properties.comment], undefined);
  });

  it('sends the orchestrator’s content-filter event in its chat’s operation, user hashed', () => {
    const event = of(ingestion.envelopes, 'EventData', 'orchestrator').find((e) => e.data.baseData.name === ORCHESTRATOR_EVENTS.contentFiltered)!;
    assert.equal(op(event), filteredTraceId);
    assert.notEqual(filteredTraceId, traceId);
    const p = event.data.baseData.properties;
    assert.equal(p[ORCHESTRATOR_EVENT_FIELDS.properties.stage], 'prompt');
    assert.equal(p[ORCHESTRATOR_EVENT_FIELDS.properties.user], hashUserId(USER, HASH_KEY));
  });

  it('sends no question text, no key and no raw user id', () => {
    const all = ingestion.bodies.join('\n');
    assert.ok(all.length > 0);
    for (const secret of ['secret-question-XYZ', KEY, USER, HASH_KEY]) assert.equal(all.includes(secret), false, secret);
  });

  it('writes JSON logs with the trace id on every line and the question redacted', () => {
    for (const child of [pair.web, pair.orch]) {
      const lines = child.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      assert.ok(lines.length >= 1);
      for (const line of lines) assert.ok([traceId, filteredTraceId].includes(line.trace_id), JSON.stringify(line));
      assert.ok(lines.some((l) => l.trace_id === traceId));
      assert.equal(child.stdout().includes('secret-question-XYZ'), false);
    }
  });

});

describe('telemetry to Application Insights, ingestion failing', () => {
  let ingestion: Ingestion;
  let pair: { web: Child; orch: Child };

  before(async () => {
    ingestion = await startIngestion();
    ingestion.route('/model', () => ({ pieces: ['Hello', ' world'] }));
    ingestion.failTrack = true;
    pair = await startPair(ingestion, true);
  });

  after(async () => {
    await Promise.all([pair?.web.stop(), pair?.orch.stop()]);
    await ingestion?.close();
  });

  it('keeps no offline copy of what it could not send', async () => {
    await chat(pair.web);
    await until(pair.web, () => ingestion.bodies.some((b) => b.includes('RequestData')), 'a refused batch');
    await fetch(`${pair.web.url}/__flush`); // the refused batch's export has settled
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? [d.name, ...walk(join(dir, d.name))] : [d.name]));
    const written = walk(tmpOf(ingestion));
    assert.deepEqual(written.filter((name) => /microsoft|azuremonitor|applicationinsights/i.test(name)), [], written.join(', '));
  });
});

describe('telemetry to Application Insights, connection string unset', () => {
  let ingestion: Ingestion;
  let pair: { web: Child; orch: Child };

  before(async () => {
    ingestion = await startIngestion();
    ingestion.route('/model', () => ({ pieces: ['Hello', ' world'] }));
    pair = await startPair(ingestion, false);
  });

  after(async () => {
    await Promise.all([pair?.web.stop(), pair?.orch.stop()]);
    await ingestion?.close();
  });

  it('answers with a trace id, loads no SDK and connects nowhere', async () => {
    const traceId = await chat(pair.web);
    assert.match(traceId, /^[0-9a-f]{32}$/);
    await fetch(`${pair.web.url}/__flush`);
    assert.equal(await loaded(pair.web), false);
    assert.equal(await loaded(pair.orch), false);
    // Only the fixture's own model call reached the loopback server; the SDK (not loaded) sent nothing.
    assert.equal(ingestion.envelopes.length, 0);
    assert.equal(ingestion.bodies.length, 0);
  });
});

/**
 * Application Insights on the REAL chain: `scripts/start.mjs` (what `npm start` runs) starts the
 * orchestrator server and the demo site, each with its `--import` telemetry register module, the
 * connection string naming the HTTPS loopback ingestion server. One visitor question, then the
 * chain is stopped (SIGTERM: each server flushes its telemetry before it exits) and the envelopes
 * both processes sent are checked. The fixture-based twin of this test (telemetry-ingestion)
 * covers what the real chain cannot produce offline (a model's token counts, a content filter).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KIT_EVENT_FIELDS, KIT_EVENTS } from '../../server-kit/src/telemetry/names.js';
import { FLOW_STEPS, GEN_AI, RETRIEVAL } from '../../orchestrator/src/telemetry/names.js';
import { startChain, streamChat } from './helpers.js';
import { startIngestion, type Envelope, type Ingestion } from './telemetry/ingestion.js';

const NONCE = 'zqx-nonce-4471';
const QUESTION = `How do I install the server kit? ${NONCE}`;

const role = (e: Envelope) => e.tags?.['ai.cloud.role'];
const op = (e: Envelope) => e.tags?.['ai.operation.id'];
const of = (envelopes: Envelope[], baseType: string, cloudRole?: string) =>
  envelopes.filter((e) => e.data.baseType === baseType && (!cloudRole || role(e) === cloudRole));

function envOf(ingestion: Ingestion, withTelemetry: boolean): Record<string, string> {
  const tmp = join(ingestion.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const env: Record<string, string> = {
    NODE_EXTRA_CA_CERTS: ingestion.caFile,
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
    APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
    APPLICATIONINSIGHTS_CONFIGURATION_CONTENT: JSON.stringify({ azureMonitorExporterOptions: { disableOfflineStorage: true } }),
    TMPDIR: tmp,
  };
  if (withTelemetry) env.APPLICATIONINSIGHTS_CONNECTION_STRING = `InstrumentationKey=4f6c0b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f;IngestionEndpoint=${ingestion.url}`;
  return env;
}

/** Waits until `ready` holds; the deadline only guards against a hang. */
async function until(ready: () => boolean, what: string, envelopes: () => Envelope[]): Promise<void> {
  const deadline = Date.now() + 45_000;
  while (!ready()) {
    if (Date.now() > deadline) {
      const seen = envelopes().map((e) => `${role(e)}:${e.data.baseType}:${e.data.baseData?.name}`);
      throw new Error(`timed out waiting for ${what}; got ${seen.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('telemetry on the npm start chain, connection string set', () => {
  let ingestion: Ingestion;
  let traceId: string;
  let logs = '';

  before(async () => {
    ingestion = await startIngestion();
    const chain = await startChain(envOf(ingestion, true));
    const answer = await streamChat(chain.url, [{ role: 'user', content: QUESTION }]);
    assert.equal(answer.status, 200);
    assert.ok(answer.content.length > 0);
    traceId = answer.context.traceId;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    // SIGTERM: each server drains, then flushes its telemetry, then exits.
    await chain.stop();
    logs = chain.output();
    await until(
      () =>
        of(ingestion.envelopes, 'RequestData', 'web').some((e) => op(e) === traceId) &&
        of(ingestion.envelopes, 'RequestData', 'orchestrator').some((e) => op(e) === traceId) &&
        of(ingestion.envelopes, 'RemoteDependencyData', 'orchestrator').filter((e) => op(e) === traceId).length >= 4 &&
        of(ingestion.envelopes, 'EventData', 'web').some((e) => e.data.baseData.name === KIT_EVENTS.chat),
      'request, dependency and event envelopes from both processes',
      () => ingestion.envelopes,
    );
  });

  after(async () => {
    await ingestion?.close();
  });

  it('records one operation across the demo site and the orchestrator, the hop as parent', () => {
    const inChat = (e: Envelope) => op(e) === traceId;
    const webRequest = of(ingestion.envelopes, 'RequestData', 'web').find((e) => inChat(e) && e.data.baseData.name === 'POST /api/chat/stream');
    const orchRequest = of(ingestion.envelopes, 'RequestData', 'orchestrator').find((e) => inChat(e) && e.data.baseData.name === 'POST /score');
    assert.ok(webRequest, "the kit's request, named after its route, in the visitor's operation");
    assert.ok(orchRequest, "the orchestrator's request, named after its route, in the same operation");
    const hop = of(ingestion.envelopes, 'RemoteDependencyData', 'web').find((e) => inChat(e) && orchRequest.tags?.['ai.operation.parentId'] === e.data.baseData.id);
    assert.ok(hop, "the orchestrator's request is the child of the kit's dependency call (traceparent crossed the hop)");
  });

  it('has a child span per flow step, with the retrieval and GenAI attributes of the real providers', () => {
    const deps = of(ingestion.envelopes, 'RemoteDependencyData', 'orchestrator').filter((e) => op(e) === traceId);
    const names = deps.map((e) => e.data.baseData.name);
    for (const step of Object.values(FLOW_STEPS)) assert.ok(names.includes(step), `${step} in ${names.join(', ')}`);
    const retrieve = deps.find((e) => e.data.baseData.name === FLOW_STEPS.retrieve)!.data.baseData.properties;
    assert.equal(retrieve[RETRIEVAL.store], 'local');
    assert.equal(retrieve[RETRIEVAL.top], '5');
    assert.ok(Number(retrieve[RETRIEVAL.hits]) >= 1, 'the local index found the install page');
    assert.ok(Number(retrieve[RETRIEVAL.bestScore]) > 0);
    // No model is configured for `npm start`: the offline extractive answerer, zero tokens.
    const generate = deps.find((e) => e.data.baseData.name === FLOW_STEPS.generate)!.data.baseData.properties;
    assert.equal(generate[GEN_AI.system], 'grounded_chat.extractive');
    assert.equal(generate[GEN_AI.requestModel], 'extractive');
    assert.equal(generate[GEN_AI.inputTokens], '0');
    assert.equal(generate[GEN_AI.outputTokens], '0');
    assert.match(generate[GEN_AI.finishReasons], /stop/);
  });

  it("sends the kit's chat event in the operation, with the orchestrator's reported usage", () => {
    const event = of(ingestion.envelopes, 'EventData', 'web').find((e) => op(e) === traceId && e.data.baseData.name === KIT_EVENTS.chat)!;
    assert.ok(event, "the chat event, in the chat's operation");
    const c = KIT_EVENT_FIELDS.chat;
    const { properties, measurements } = event.data.baseData;
    assert.equal(properties[c.properties.outcome], 'ok');
    assert.equal(properties[c.properties.route], 'stream');
    assert.equal(properties[c.properties.mode], 'extractive');
    assert.equal(properties[c.properties.model], 'extractive');
    assert.equal(measurements[c.measurements.inputTokens], 0);
    assert.equal(measurements[c.measurements.outputTokens], 0);
    assert.ok(measurements[c.measurements.citations] >= 1);
    assert.ok(measurements[c.measurements.timeToFirstTokenMs] > 0);
    assert.ok(measurements[c.measurements.durationMs] >= measurements[c.measurements.timeToFirstTokenMs]);
    assert.equal(properties[c.properties.user], undefined, 'anonymous visitor: no user at all');
    assert.equal(properties[c.properties.question], undefined);
  });

  it('sends no question text and no key', () => {
    const all = ingestion.bodies.join('\n');
    assert.ok(all.length > 0);
    assert.equal(all.includes(NONCE), false, 'question text');
    assert.equal(all.includes('install the server kit'), false, 'question text');
    // start.mjs makes the orchestrator key per run and keeps it to itself: no bearer value, no header.
    assert.equal(/bearer/i.test(all), false, 'no bearer credential recorded');
    assert.equal(/authorization/i.test(all), false, 'no authorization header recorded');
  });

  it('writes JSON log lines in both processes', () => {
    const json = logs.split('\n').map((l) => /^\[(orchestrator|demo-site)\] (\{.*\})$/.exec(l)).filter((m) => m !== null);
    assert.ok(json.some((m) => m![1] === 'orchestrator'), logs);
    for (const m of json) assert.ok(JSON.parse(m![2]!).service, m![2]);
    assert.equal(logs.includes(NONCE), false);
  });
});

describe('telemetry on the npm start chain, connection string unset', () => {
  let ingestion: Ingestion;

  before(async () => {
    ingestion = await startIngestion();
  });

  after(async () => {
    await ingestion?.close();
  });

  it('answers with a trace id and sends nothing', async () => {
    const chain = await startChain(envOf(ingestion, false));
    try {
      const answer = await streamChat(chain.url, [{ role: 'user', content: QUESTION }]);
      assert.equal(answer.status, 200);
      assert.match(answer.context.traceId, /^[0-9a-f]{32}$/);
    } finally {
      await chain.stop();
    }
    await new Promise((r) => setTimeout(r, 500)); // a flush on exit would have sent by now
    assert.equal(ingestion.bodies.length, 0);
    assert.equal(ingestion.envelopes.length, 0);
  });
});

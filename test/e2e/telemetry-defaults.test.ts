/**
 * The SDK options this project changes to keep telemetry's cost per chat down (docs/telemetry.md#cost),
 * checked on the wire: two real processes (an Express host with the kit's register module, a
 * node:http "orchestrator" with the orchestrator's) export to an HTTPS loopback ingestion endpoint
 * that is also named as the Live Metrics endpoint.
 * - By default: no Live Metrics ping, no standard metrics, no performance counters, no
 *   instrumentation duration histograms; the chat event still goes out with its numbers, and the
 *   kit's own metrics still go out.
 * - APPLICATIONINSIGHTS_CONFIGURATION_CONTENT turns Live Metrics back on.
 * "No ping" is only meaningful once a ping would have happened: the check waits for the process
 * started with Live Metrics on (after the default pair) to ping twice, then looks for the default
 * pair's key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KIT_EVENT_FIELDS, KIT_EVENTS, KIT_METRICS } from '../../server-kit/src/telemetry/names.js';
import { startChild, type Child } from './telemetry/child.js';
import { startIngestion, type Envelope, type Ingestion } from './telemetry/ingestion.js';
import { childEnv, KIT_REGISTER, ORCH_APP, ORCH_REGISTER, WEB_APP } from './telemetry/pair.js';

const DEFAULT_KEY = '4f6c0b9e-1d2a-4c3b-9e8f-0a1b2c3d4e01';
const LIVE_KEY = '4f6c0b9e-1d2a-4c3b-9e8f-0a1b2c3d4e02';

const env = (ingestion: Ingestion, iKey: string, configuration: Record<string, unknown> = {}) =>
  childEnv(ingestion, iKey, configuration, `IngestionEndpoint=${ingestion.url};LiveEndpoint=${ingestion.url}`);

/** Waits (flushing each time) until `ready` holds; the deadline only guards against a hang. */
async function until(flush: () => Promise<unknown>, ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await flush();
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pingsOf = (ingestion: Ingestion, iKey: string) => ingestion.requests.filter((r) => /quickpulse/i.test(r) && r.toLowerCase().includes(iKey));
const metricNames = (envelopes: Envelope[]) => new Set(envelopes.filter((e) => e.data.baseType === 'MetricData').flatMap((e) => e.data.baseData.metrics.map((m: { name: string }) => m.name)));

describe('telemetry defaults that keep its cost down, and turning one back on', () => {
  let ingestion: Ingestion;
  let web: Child;
  let orch: Child;
  let live: Child;

  before(async () => {
    ingestion = await startIngestion();
    ingestion.route('/model', () => ({ pieces: ['Hello', ' world'] }));
    orch = await startChild(ORCH_APP, ORCH_REGISTER, { ...env(ingestion, DEFAULT_KEY), TEST_MODEL_URL: `${ingestion.url}model` });
    web = await startChild(WEB_APP, KIT_REGISTER, { ...env(ingestion, DEFAULT_KEY), ORCHESTRATOR_URL: orch.url, ORCHESTRATOR_KEY: 'k' });
    // Started last: once it has pinged, the default pair has had at least as long to ping.
    live = await startChild(WEB_APP, KIT_REGISTER, { ...env(ingestion, LIVE_KEY, { enableLiveMetrics: true }), ORCHESTRATOR_URL: orch.url, ORCHESTRATOR_KEY: 'k' });
    const res = await fetch(`${web.url}/api/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-user': 'someone' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'What does the kit do?' }] }),
    });
    assert.equal(res.status, 200);
    await res.text();
    const flush = () => fetch(`${web.url}/__flush`);
    await until(flush, () => ingestion.envelopes.some((e) => e.iKey === DEFAULT_KEY && e.data.baseType === 'EventData' && e.data.baseData.name === KIT_EVENTS.chat) && metricNames(ingestion.envelopes).has(KIT_METRICS.tokens), 'the chat event and the kit metrics');
    // Two pings (5 s apart): the default pair, started earlier, has had a full ping interval more.
    await until(flush, () => pingsOf(ingestion, LIVE_KEY).length >= 2, 'two Live Metrics pings from the process that turned it on');
  });

  after(async () => {
    await Promise.all([web?.stop(), orch?.stop(), live?.stop()]);
    await ingestion?.close();
  });

  it('sends no Live Metrics ping unless APPLICATIONINSIGHTS_CONFIGURATION_CONTENT turns it on', () => {
    assert.ok(pingsOf(ingestion, LIVE_KEY).length > 0);
    assert.deepEqual(pingsOf(ingestion, DEFAULT_KEY), []);
  });

  it('still sends the chat event with its numbers', () => {
    const c = KIT_EVENT_FIELDS.chat;
    const chat = ingestion.envelopes.find((e) => e.iKey === DEFAULT_KEY && e.data.baseType === 'EventData' && e.data.baseData.name === KIT_EVENTS.chat)!;
    const m = chat.data.baseData.measurements as Record<string, number>;
    assert.equal(chat.data.baseData.properties[c.properties.outcome], 'ok');
    for (const key of [c.measurements.durationMs, c.measurements.timeToFirstTokenMs, c.measurements.inputTokens, c.measurements.outputTokens]) {
      assert.equal(typeof m[key], 'number', key);
    }
  });

  it('exports the kit metrics, and neither standard metrics, performance counters nor the instrumentations’ duration histograms', async () => {
    // Flushed once more: every metric recorded so far has been exported.
    await fetch(`${web.url}/__flush`);
    const names = [...metricNames(ingestion.envelopes.filter((e) => e.iKey === DEFAULT_KEY))];
    assert.ok(names.includes(KIT_METRICS.timeToFirstToken) && names.includes(KIT_METRICS.tokens), names.join(', '));
    const unexpected = names.filter((n) => /^azureMonitor\.|^\\\\|Processor|Memory|Exception|http\.(server|client)\.(request\.)?duration/i.test(n));
    assert.deepEqual(unexpected, [], names.join(', '));
  });
});

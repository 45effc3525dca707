/**
 * Complete traces under sampling, as docs/telemetry.md advises: both processes given the same
 * fixed-percentage sampler (`tracesPerSecond: 0` and one `samplingRatio`, through
 * APPLICATIONINSIGHTS_CONFIGURATION_CONTENT) decide by the trace id alone, so a chat is kept in both
 * or dropped in both. Checked on the wire: two real processes (an Express host with the kit's
 * register module, a node:http "orchestrator" with the orchestrator's) export to an HTTPS loopback
 * ingestion endpoint; 24 chats at a ratio of one half.
 * (The SDK's default rate sampler decides per process from its own span rate, so it gives no such
 * guarantee; the docs say so.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KIT_EVENTS } from '../../server-kit/src/telemetry/names.js';
import { startChild, type Child } from './telemetry/child.js';
import { startIngestion, type Envelope, type Ingestion } from './telemetry/ingestion.js';
import { childEnv, KIT_REGISTER, ORCH_APP, ORCH_REGISTER, WEB_APP } from './telemetry/pair.js';

const KEY = '4f6c0b9e-1d2a-4c3b-9e8f-0a1b2c3d4e31';
const CHATS = 24;

const env = (ingestion: Ingestion) => childEnv(ingestion, KEY, { tracesPerSecond: 0, samplingRatio: 0.5 });

const role = (e: Envelope) => e.tags?.['ai.cloud.role'];
const op = (e: Envelope) => e.tags?.['ai.operation.id'];

describe('telemetry: one fixed-percentage sampler in both processes keeps whole traces', () => {
  let ingestion: Ingestion;
  let web: Child;
  let orch: Child;
  let requests: Envelope[] = [];

  before(async () => {
    ingestion = await startIngestion();
    ingestion.route('/model', () => ({ pieces: ['Hello', ' world'] }));
    orch = await startChild(ORCH_APP, ORCH_REGISTER, { ...env(ingestion), TEST_MODEL_URL: `${ingestion.url}model` });
    web = await startChild(WEB_APP, KIT_REGISTER, { ...env(ingestion), ORCHESTRATOR_URL: orch.url, ORCHESTRATOR_KEY: 'k' });
    for (let i = 0; i < CHATS; i++) {
      const res = await fetch(`${web.url}/api/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-user': `visitor-${i}` },
        body: JSON.stringify({ messages: [{ role: 'user', content: `What does the kit do? (${i})` }] }),
      });
      assert.equal(res.status, 200);
      await res.text();
    }
    // Events are not sampled: once every chat's event is in, every span ended before it has been
    // handed to its exporter, and one more flush sends them.
    const deadline = Date.now() + 40_000;
    const chatEvents = () => ingestion.envelopes.filter((e) => e.data.baseType === 'EventData' && e.data.baseData.name === KIT_EVENTS.chat).length;
    while (chatEvents() < CHATS) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${CHATS} chat events (have ${chatEvents()})`);
      await fetch(`${web.url}/__flush`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await fetch(`${web.url}/__flush`);
    // The fixtures also record their own /__flush requests: only the chats' count here.
    requests = ingestion.envelopes.filter((e) => e.data.baseType === 'RequestData' && !String(e.data.baseData.url).includes('/__'));
  });

  after(async () => {
    await Promise.all([web?.stop(), orch?.stop()]);
    await ingestion?.close();
  });

  it('keeps some chats and drops others, marking what it kept with its sample rate', () => {
    const webOps = new Set(requests.filter((e) => role(e) === 'web').map(op));
    assert.ok(webOps.size > 0 && webOps.size < CHATS, `kept ${webOps.size} of ${CHATS} chats at a ratio of 0.5`);
    for (const e of requests) assert.equal(e.sampleRate, 50, 'each kept request says it stands for two');
  });

  it("keeps each chat in both processes or in neither: the web app's operations are the orchestrator's", () => {
    const webOps = [...new Set(requests.filter((e) => role(e) === 'web').map(op))].sort();
    const orchOps = [...new Set(requests.filter((e) => role(e) === 'orchestrator').map(op))].sort();
    assert.ok(webOps.length > 0);
    assert.deepEqual(orchOps, webOps);
    // And each kept chat's events are in one of those operations or a dropped one: the events are
    // all there (not sampled), so dropped operations show up only as events.
    const eventOps = new Set(ingestion.envelopes.filter((e) => e.data.baseType === 'EventData' && e.data.baseData.name === KIT_EVENTS.chat).map(op));
    for (const o of webOps) assert.ok(eventOps.has(o), `the chat event of kept operation ${o}`);
  });
});

/**
 * The kit's telemetry on its refusal paths, with the OpenTelemetry SDK on (in-memory exporters):
 * the Easy Auth 401 under concurrent load (every request answered in contract A's shape, one
 * `auth_failed` and one `chat` event each, no "telemetry failed" log), and the inputs that made a
 * KitTelemetry call throw: a principal id that is not a string (a host's own authenticator) made
 * the keyed hash throw, which turned a rating into a 500 on the feedback route (no guard there),
 * and a metrics SDK that throws. Every KitTelemetry method now swallows its own failures.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { metrics } from '@opentelemetry/api';
import { installMemoryOtel, type MemoryOtel } from '../../server-kit/test/fixtures/telemetry/otel-memory.js';
import { startApp, startStandIn, type App, type StandIn } from '../../server-kit/test/helpers.js';
import type { Authenticator } from '../../server-kit/src/auth/index.js';
import { AI_CUSTOM_EVENT_NAME, KIT_EVENT_FIELDS as F, KIT_EVENTS, createKitTelemetry, hashUserId } from '../../server-kit/src/telemetry/index.js';

const HASH_KEY = 'hash-key-for-tests-only';
const EASY_AUTH_ON = { WEBSITE_SITE_NAME: 'gc-test', WEBSITE_AUTH_ENABLED: 'true', TELEMETRY_USER_HASH_KEY: HASH_KEY };

let otel: MemoryOtel;
let orchestrator: StandIn;
let easy: App;
let numericId: App;

before(async () => {
  otel = installMemoryOtel();
  orchestrator = await startStandIn((_req, res) => res.writeHead(500).end()); // never reached by a refused chat
  easy = await startApp({ orchestrator: { url: orchestrator.url, key: 'k' }, env: EASY_AUTH_ON, feedback: { onFeedback: () => {} } });
  // A host's own authenticator whose ids are numbers (typed as strings, not checked at run time).
  const numeric: Authenticator = async () => ({ id: 4242 as unknown as string, provider: 'custom' });
  numericId = await startApp({ orchestrator: { url: orchestrator.url, key: 'k' }, auth: numeric, env: { TELEMETRY_USER_HASH_KEY: HASH_KEY }, feedback: { onFeedback: () => {} } });
});
beforeEach(() => otel.reset());
after(async () => {
  await easy?.close();
  await numericId?.close();
  await orchestrator?.close();
});

async function events(name: string) {
  return (await otel.logs()).filter((r) => r.attributes[AI_CUSTOM_EVENT_NAME] === name).map((r) => r.attributes);
}

const chatBody = JSON.stringify({ messages: [{ role: 'user', content: 'How do I start?' }] });

describe('telemetry on the Easy Auth 401 path, SDK on', () => {
  it('answers every concurrent refused chat and feedback with 401, reporting each as auth_failed', async () => {
    const routes = ['', '/stream', '/feedback'];
    const N = 90;
    const replies = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const route = routes[i % 3]!;
        const body = route === '/feedback' ? JSON.stringify({ rating: 'up', traceId: '0af7651916cd43dd8448eb211c80319c' }) : chatBody;
        const res = await fetch(easy.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        return { route, status: res.status, body: (await res.json()) as { error?: { code?: string } } };
      }),
    );
    for (const r of replies) {
      assert.equal(r.status, 401, r.route);
      assert.equal(r.body.error?.code, 'unauthorized', r.route);
    }
    const failed = await events(KIT_EVENTS.authFailed);
    assert.equal(failed.length, N);
    const a = F.authFailed.properties;
    assert.deepEqual(new Set(failed.map((e) => e[a.route])), new Set(['complete', 'stream', 'feedback']));
    for (const e of failed) {
      assert.equal(e[a.reason], 'unauthorized');
      assert.equal(e[a.authMode], 'easyauth');
    }
    const chats = await events(KIT_EVENTS.chat);
    assert.equal(chats.length, (N / 3) * 2, 'a chat event per refused chat (not per rating)');
    for (const e of chats) assert.equal(e[F.chat.properties.outcome], 'unauthorized');
    assert.deepEqual(easy.logger.entries.filter((l) => /telemetry/.test(l.message)), []);
  });
});

describe('a KitTelemetry call never throws', () => {
  it('hashes a principal id that is not a string instead of failing the rating (was a 500)', async () => {
    const res = await fetch(numericId.url + '/feedback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rating: 'down', traceId: '0af7651916cd43dd8448eb211c80319c' }),
    });
    assert.equal(res.status, 204, await res.text());
    const [feedback] = await events(KIT_EVENTS.feedback);
    assert.ok(feedback, 'the feedback event');
    assert.equal(feedback[F.feedback.properties.user], hashUserId('4242', HASH_KEY));
    assert.deepEqual(numericId.logger.entries, []);
  });

  it('keeps the event and returns when the metrics SDK throws', async () => {
    const original = metrics.getMeter;
    metrics.getMeter = () => {
      throw new Error('meter provider broken');
    };
    try {
      const telemetry = createKitTelemetry({ userHashKey: HASH_KEY, env: {} });
      assert.doesNotThrow(() => telemetry.chatEnded({ route: 'stream', outcome: 'ok', durationMs: 10, firstContentMs: 5, usage: { prompt_tokens: 3, completion_tokens: 2 } }));
    } finally {
      metrics.getMeter = original;
    }
    const [chat] = await events(KIT_EVENTS.chat);
    assert.ok(chat, 'the chat event was emitted before the metrics failed');
  });
});

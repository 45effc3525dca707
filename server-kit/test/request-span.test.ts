/**
 * The kit's request span (telemetry/request-span.ts) through the real router in Express, with the
 * OpenTelemetry SDK in memory: the client address it records follows the app's 'trust proxy'
 * setting, so a visitor cannot put another address in the telemetry with X-Forwarded-For.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { installMemoryOtel, type MemoryOtel } from './fixtures/telemetry/otel-memory.js';
import { post, sleep, sse, startApp, startStandIn, type App, type StandIn } from './helpers.js';

let otel: MemoryOtel;
let upstream: StandIn;
let direct: App;
let behindOneProxy: App;

before(async () => {
  otel = installMemoryOtel();
  upstream = await startStandIn(async (_req, res) => sse(res, [{ answer: 'ok' }]));
  direct = await startApp({ orchestrator: { url: upstream.url, key: 'k' } });
  behindOneProxy = await startApp({ orchestrator: { url: upstream.url, key: 'k' } }, (app) => app.set('trust proxy', 1));
});
after(async () => {
  await direct.close();
  await behindOneProxy.close();
  await upstream.close();
});
beforeEach(() => otel.reset());

async function clientAddressOf(app: App, headers: Record<string, string>): Promise<unknown> {
  const reply = await post(`${app.url}/stream`, { messages: [{ role: 'user', content: 'hi' }] }, headers);
  assert.equal(reply.status, 200);
  for (let i = 0; i < 100; i++) {
    const request = otel.spans().find((s) => s.kind === SpanKind.SERVER);
    if (request) return request.attributes['client.address'];
    await sleep(10);
  }
  throw new Error('no request span');
}

describe('the kit’s request span', () => {
  it('ignores X-Forwarded-For when the app trusts no proxy', async () => {
    assert.equal(await clientAddressOf(direct, { 'x-forwarded-for': '203.0.113.66' }), '127.0.0.1');
  });

  it('takes the address the one trusted proxy saw, not what the visitor wrote before it', async () => {
    assert.equal(await clientAddressOf(behindOneProxy, { 'x-forwarded-for': '203.0.113.66, 198.51.100.7' }), '198.51.100.7');
  });
});

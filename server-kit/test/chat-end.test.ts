/** onChatEnd: one report per chat, with its outcome and timings, for telemetry. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ChatEndEvent } from '../src/index.js';
import { ask, json, post, sleep, sse, startApp, startStandIn, type App, type StandIn } from './helpers.js';

let upstream: StandIn;
let app: App;
let mode = 'ok';
const events: ChatEndEvent[] = [];
before(async () => {
  upstream = await startStandIn(async (_req, res) => {
    if (mode === '429') return json(res, 429, { error: { code: 'rate_limited', message: 'x' } }, { 'retry-after': '2' });
    if (mode === 'filtered') return sse(res, [{ answer: 'a' }, { error: { code: 'content_filtered', message: 'x' } }]);
    if (mode === 'slow') {
      await sleep(300);
      if (!res.destroyed) return sse(res, [{ answer: 'late' }]);
      return;
    }
    if (mode === 'json') return json(res, 200, { answer: 'whole' });
    return sse(res, [{ citations: [] }, { answer: 'a' }, { answer: 'b' }], 5);
  });
  app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, onChatEnd: (e) => void events.push(e) });
});
after(async () => {
  await app.close();
  await upstream.close();
});

async function lastEvent(): Promise<ChatEndEvent> {
  for (let i = 0; i < 50 && events.length === 0; i++) await sleep(10);
  const e = events.pop();
  assert.ok(e, 'onChatEnd was called');
  assert.equal(events.length, 0, 'exactly once');
  return e;
}

describe('onChatEnd', () => {
  it('reports a streamed chat: ok, trace id, principal and ordered timings', async () => {
    mode = 'ok';
    const reply = await post(`${app.url}/stream`, ask());
    const e = await lastEvent();
    assert.equal(e.route, 'stream');
    assert.equal(e.outcome, 'ok');
    assert.equal(e.traceId, JSON.parse(reply.text.split('\n')[0]!).delta.context.traceId);
    assert.equal(e.principal?.id, 'anonymous');
    assert.ok(e.upstreamHeadersMs! > 0 && e.upstreamHeadersMs! <= e.firstContentMs! && e.firstContentMs! <= e.durationMs, JSON.stringify(e));
  });

  it('reports JSON chats, refusals before the stream and errors during it', async () => {
    mode = 'json';
    await post(app.url, ask());
    const whole = await lastEvent();
    assert.equal(whole.route, 'complete');
    assert.equal(whole.outcome, 'ok');
    mode = '429';
    await post(`${app.url}/stream`, ask());
    assert.equal((await lastEvent()).outcome, 'rate_limited');
    mode = 'filtered';
    await post(`${app.url}/stream`, ask());
    assert.equal((await lastEvent()).outcome, 'content_filtered');
    await post(`${app.url}/stream`, { messages: [] });
    const bad = await lastEvent();
    assert.equal(bad.outcome, 'bad_request');
    assert.equal(bad.traceId, undefined);
  });

  it('reports client_gone when the visitor leaves', async () => {
    mode = 'slow';
    const req = http.request(`${app.url}/stream`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => {});
    req.end(JSON.stringify(ask()));
    await sleep(100);
    req.destroy();
    assert.equal((await lastEvent()).outcome, 'client_gone');
  });
});

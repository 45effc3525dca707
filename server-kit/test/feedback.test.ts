/** POST /feedback: validated, handed to the hook, 204; off unless enabled. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Feedback } from '../src/index.js';
import { post, sse, startApp, startStandIn, type App, type StandIn } from './helpers.js';

let upstream: StandIn;
let app: App;
let failNext = false;
const received: Feedback[] = [];
before(async () => {
  upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
  app = await startApp({
    orchestrator: { url: upstream.url, key: 'k' },
    feedback: {
      onFeedback: async (f) => {
        if (failNext) throw new Error('db down: password=hunter2');
        received.push(f);
      },
    },
  });
});
after(async () => {
  await app.close();
  await upstream.close();
});

describe('POST /feedback', () => {
  it('passes a valid rating to the hook and answers 204', async () => {
    const fb = { rating: 'down', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', messageId: 'm-1', comment: 'Cited the wrong page' };
    const reply = await post(`${app.url}/feedback`, fb);
    assert.equal(reply.status, 204);
    assert.equal(reply.text, '');
    assert.deepEqual(received.at(-1), fb);
  });

  it('rejects an invalid rating or trace id with a readable 400', async () => {
    const bad = await post(`${app.url}/feedback`, { rating: 'meh' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json, { error: { code: 'bad_request', message: 'rating must be one of up, down' } });
    const trace = await post(`${app.url}/feedback`, { rating: 'up', traceId: 'xyz' });
    assert.match(trace.json.error.message, /traceId must be 32 lowercase hex digits/);
  });

  it('answers 500 internal_error without detail when the hook fails', async () => {
    failNext = true;
    const reply = await post(`${app.url}/feedback`, { rating: 'up' });
    failNext = false;
    assert.equal(reply.status, 500);
    assert.equal(reply.json.error.code, 'internal_error');
    assert.ok(!reply.text.includes('hunter2'));
  });

  it('is not mounted unless enabled', async () => {
    const plain = await startApp({ orchestrator: { url: upstream.url, key: 'k' } });
    try {
      const reply = await post(`${plain.url}/feedback`, { rating: 'up' });
      assert.equal(reply.status, 404);
    } finally {
      await plain.close();
    }
  });
});

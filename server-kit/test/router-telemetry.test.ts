/**
 * The router's telemetry calls (docs/telemetry.md#events): an injected KitTelemetry records what
 * the router hands it at each point: the end of a chat (usage as the orchestrator reported it,
 * mode, citations, times), the kit's own refusals, the feedback in the answer's trace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { customAuth } from '../src/index.js';
import type { KitTelemetry } from '../src/telemetry/index.js';
import { ask, json, post, sse, startApp, startStandIn, type App, type StandIn } from './helpers.js';

type Call = { method: keyof KitTelemetry; input: any };
const calls: Call[] = [];
const recorder: KitTelemetry = {
  chatEnded: (input) => void calls.push({ method: 'chatEnded', input }),
  feedback: (input) => void calls.push({ method: 'feedback', input }),
  rateLimited: (input) => void calls.push({ method: 'rateLimited', input }),
  quotaExceeded: (input) => void calls.push({ method: 'quotaExceeded', input }),
  authFailed: (input) => void calls.push({ method: 'authFailed', input }),
};
const byHeader = customAuth((req) => (req.headers['x-user'] ? { id: String(req.headers['x-user']) } : null));
const cites = [{ id: '1', title: 'A', snippet: 's' }, { id: '2', title: 'B', snippet: 's' }];
const QUESTION = 'What does the secret option do?';

let upstream: StandIn;
let mode = 'stream';
let app: App;
let limited: App;

before(async () => {
  upstream = await startStandIn(async (_req, res) => {
    if (mode === 'busy') return json(res, 429, { error: { code: 'rate_limited', message: 'x' } }, { 'retry-after': '2' });
    if (mode === 'json') return json(res, 200, { answer: 'whole', citations: cites, mode: 'generative', usage: { prompt_tokens: 30, completion_tokens: 4, model: 'gpt-x' } });
    return sse(res, [{ answer: 'a' }, { answer: 'b' }, { citations: cites, mode: 'generative' }, { usage: { prompt_tokens: 42, completion_tokens: 7, model: 'gpt-x' } }]);
  });
  app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, auth: byHeader, telemetry: recorder, feedback: { onFeedback: () => {} } });
  limited = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, auth: byHeader, telemetry: recorder, rateLimit: { max: 1 }, quotas: { perVisitorPerDay: 1 } });
});
after(async () => {
  await app.close();
  await limited.close();
  await upstream.close();
});

const take = (method: keyof KitTelemetry) => {
  const found = calls.filter((c) => c.method === method).map((c) => c.input);
  calls.length = 0;
  return found;
};

describe('router telemetry', () => {
  it('reports a streamed chat with the reported usage, mode, citations and times; the question goes to telemetry (which records it only with recordText)', async () => {
    mode = 'stream';
    const reply = await post(`${app.url}/stream`, ask(QUESTION), { 'x-user': 'u1' });
    assert.equal(reply.status, 200);
    const [chat] = take('chatEnded');
    assert.equal(chat.route, 'stream');
    assert.equal(chat.outcome, 'ok');
    assert.equal(chat.mode, 'generative');
    assert.equal(chat.citations, 2);
    assert.deepEqual(chat.usage, { prompt_tokens: 42, completion_tokens: 7, model: 'gpt-x' });
    assert.equal(chat.userId, 'u1');
    assert.equal(chat.question, QUESTION);
    assert.ok(chat.firstContentMs > 0 && chat.firstContentMs <= chat.durationMs);
  });

  it('reports a JSON chat the same way', async () => {
    mode = 'json';
    await post(app.url, ask(), { 'x-user': 'u1' });
    const [chat] = take('chatEnded');
    assert.equal(chat.route, 'complete');
    assert.deepEqual(chat.usage, { prompt_tokens: 30, completion_tokens: 4, model: 'gpt-x' });
    assert.equal(chat.citations, 2);
  });

  it('reports an authentication failure with its code, and no chat tokens', async () => {
    await post(`${app.url}/stream`, ask());
    assert.deepEqual(take('authFailed'), [{ route: 'stream', reason: 'unauthorized', authMode: 'custom' }]);
  });

  it("reports the kit's rate limit and quota, but not the orchestrator's own 429 as the kit's", async () => {
    mode = 'busy';
    await post(`${app.url}/stream`, ask(), { 'x-user': 'u1' });
    assert.equal(calls.filter((c) => c.method === 'chatEnded')[0]!.input.outcome, 'rate_limited');
    assert.deepEqual(take('rateLimited'), [], 'the orchestrator was busy; the kit refused nothing');
    mode = 'json';
    assert.equal((await post(limited.url, ask(), { 'x-user': 'u2' })).status, 200);
    const quota = await post(limited.url, ask(), { 'x-user': 'u2' });
    assert.equal(quota.status, 429);
    const refusals = calls.filter((c) => c.method === 'rateLimited' || c.method === 'quotaExceeded');
    calls.length = 0;
    assert.equal(refusals.length, 1, JSON.stringify(refusals));
    assert.equal(refusals[0]!.input.route, 'complete');
    assert.equal(refusals[0]!.input.userId, 'u2');
    assert.ok(refusals[0]!.input.retryAfterS >= 1);
  });

  it('reports feedback with the rated answer’s trace id', async () => {
    const traceId = 'a'.repeat(32);
    const res = await post(`${app.url}/feedback`, { rating: 'down', traceId, comment: 'wrong' }, { 'x-user': 'u3' });
    assert.equal(res.status, 204);
    assert.deepEqual(take('feedback'), [{ rating: 'down', traceId, messageId: undefined, comment: 'wrong', userId: 'u3' }]);
  });
});

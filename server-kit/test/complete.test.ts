/** POST / (JSON) and the contract A → B mapping. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_FIELDS, OrchestratorClient, retryAfterSeconds, silentLogger, toScorePayload } from '../src/index.js';
import { ask, json, post, sleep, sse, startApp, startStandIn } from './helpers.js';

const SECRET = 'sk-SECRET-upstream-0xDEADBEEF';
const citations = [{ id: '1', title: 'Getting started', snippet: 'Mount the router…', filepath: 'docs/getting-started.md' }];
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function rig(handler: Parameters<typeof startStandIn>[0], orchestrator: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  const upstream = await startStandIn(handler);
  const app = await startApp({ orchestrator: { url: upstream.url, key: 'the-endpoint-key', ...orchestrator }, ...options });
  cleanup.push(upstream.close, app.close);
  return { upstream, app };
}

describe('POST / (JSON)', () => {
  it('answers contract A with the orchestrator answer, citations, followups, mode and trace id', async () => {
    const { upstream, app } = await rig((_req, res) =>
      json(res, 200, { answer: 'Use createChatRouter [1].', citations, followupQuestions: ['And auth?'], mode: 'generative', extra: SECRET }),
    );
    const reply = await post(app.url, { ...ask(), sessionState: 's-1' });
    assert.equal(reply.status, 200);
    assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
    const traceId = reply.json.message.context.traceId;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.deepEqual(reply.json, {
      message: {
        role: 'assistant',
        content: 'Use createChatRouter [1].',
        context: { citations, followupQuestions: ['And auth?'], mode: 'generative', traceId },
      },
      sessionState: 's-1',
    });
    const sent = upstream.requests[0]!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/score');
    assert.equal(sent.headers.accept, 'application/json');
    assert.equal(sent.headers.authorization, 'Bearer the-endpoint-key');
    assert.equal(sent.headers['azureml-model-deployment'], undefined, 'no deployment header unless configured');
    assert.match(String(sent.headers.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`), 'generated trace sent upstream');
  });

  it('maps the conversation to question + chat_history pairs', async () => {
    const { upstream, app } = await rig((_req, res) => json(res, 200, { answer: 'ok', citations: [] }));
    await post(app.url, {
      messages: [
        { role: 'assistant', content: 'Hi! Ask me anything.' },
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
        { role: 'assistant', content: 'a2' },
        { role: 'user', content: 'q3' },
      ],
    });
    assert.deepEqual(JSON.parse(upstream.requests[0]!.body), {
      question: 'q3',
      chat_history: [
        { inputs: { question: 'q1' }, outputs: { answer: 'a1' } },
        { inputs: { question: 'q2' }, outputs: { answer: 'a2' } },
      ],
    });
  });

  it('uses custom field names (chat_input / chat_output) both ways', async () => {
    const { upstream, app } = await rig(
      (_req, res) => json(res, 200, { chat_output: 'custom answer' }),
      { fields: { question: 'chat_input', chatHistory: 'history', answer: 'chat_output' } },
    );
    const reply = await post(app.url, {
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
      ],
    });
    assert.equal(reply.json.message.content, 'custom answer');
    assert.deepEqual(JSON.parse(upstream.requests[0]!.body), {
      chat_input: 'q2',
      history: [{ inputs: { chat_input: 'q1' }, outputs: { chat_output: 'a1' } }],
    });
  });

  it('streams custom answer fields too', async () => {
    const { app } = await rig((_req, res) => sse(res, [{ chat_output: 'a' }, { chat_output: 'b' }, { answer: 'ignored' }]), {
      fields: { answer: 'chat_output' },
    });
    const reply = await post(`${app.url}/stream`, ask());
    const content = reply.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).delta?.content ?? '')
      .join('');
    assert.equal(content, 'ab');
  });

  it('passes a valid incoming traceparent on, keeping its trace id and flags', async () => {
    const { upstream, app } = await rig((_req, res) => json(res, 200, { answer: 'ok' }));
    const reply = await post(app.url, ask(), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00', tracestate: 'congo=t61rcWkgMzE' });
    assert.equal(reply.json.message.context.traceId, '0af7651916cd43dd8448eb211c80319c');
    const h = upstream.requests[0]!.headers;
    assert.match(String(h.traceparent), /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    assert.equal(h.tracestate, 'congo=t61rcWkgMzE');
  });

  it('replaces an invalid traceparent with a new trace', async () => {
    const { upstream, app } = await rig((_req, res) => json(res, 200, { answer: 'ok' }));
    const reply = await post(app.url, ask(), { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' });
    const traceId = reply.json.message.context.traceId;
    assert.notEqual(traceId, '0'.repeat(32));
    assert.ok(String(upstream.requests[0]!.headers.traceparent).includes(traceId));
  });

  it('takes the trace from the trace option, sending no traceparent when it gives none (OpenTelemetry)', async () => {
    const { upstream, app } = await rig((_req, res) => json(res, 200, { answer: 'ok' }), {}, {
      trace: () => ({ traceId: 'abcdefabcdefabcdefabcdefabcdef12' }),
    });
    const reply = await post(app.url, ask());
    assert.equal(reply.json.message.context.traceId, 'abcdefabcdefabcdefabcdefabcdef12');
    assert.equal(upstream.requests[0]!.headers.traceparent, undefined);
  });

  it('gets the bearer credential from getToken when there is no key', async () => {
    let calls = 0;
    const { upstream, app } = await rig((_req, res) => json(res, 200, { answer: 'ok' }), {
      key: undefined,
      getToken: async () => `entra-token-${++calls}`,
    });
    await post(app.url, ask());
    assert.equal(upstream.requests[0]!.headers.authorization, 'Bearer entra-token-1');
  });

  it('answers 502 (not 500, no detail) when getToken fails', async () => {
    const { app } = await rig((_req, res) => json(res, 200, { answer: 'ok' }), {
      key: undefined,
      getToken: async () => {
        throw new Error(`token endpoint said ${SECRET}`);
      },
    });
    const reply = await post(app.url, ask());
    assert.equal(reply.status, 502);
    assert.ok(!reply.text.includes(SECRET));
  });

  it('maps upstream failures like the stream does: 429, content filter, 500, bad JSON, no answer, timeout', async () => {
    let mode = '';
    const { app } = await rig(
      async (_req, res) => {
        if (mode === '429') return json(res, 429, { error: { message: SECRET } }, { 'retry-after-ms': '2500' });
        if (mode === 'filter') return json(res, 400, { error: { code: 'content_filter', message: SECRET } });
        if (mode === 'aoai-filter')
          return json(res, 400, { error: { code: 'BadRequest', innererror: { code: 'ResponsibleAIPolicyViolation' }, message: SECRET } });
        if (mode === 'bad400') return json(res, 400, { error: { code: 'bad_request', message: SECRET } });
        if (mode === '500') return json(res, 500, { error: { message: SECRET } });
        if (mode === 'notjson') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(`<html>${SECRET}</html>`);
        }
        if (mode === 'noanswer') return json(res, 200, { result: SECRET });
        if (mode === 'slow') {
          await sleep(4000);
          return json(res, 200, { answer: 'late' });
        }
      },
      { timeoutMs: 200 },
    );
    const expect: Array<[string, number, string]> = [
      ['429', 429, 'rate_limited'],
      ['filter', 400, 'content_filtered'],
      ['aoai-filter', 400, 'content_filtered'],
      ['bad400', 502, 'upstream_unavailable'],
      ['500', 502, 'upstream_unavailable'],
      ['notjson', 502, 'upstream_unavailable'],
      ['noanswer', 502, 'upstream_unavailable'],
      ['slow', 504, 'timeout'],
    ];
    for (const [m, status, code] of expect) {
      mode = m;
      const reply = await post(app.url, ask());
      assert.equal(reply.status, status, m);
      assert.equal(reply.json.error.code, code, m);
      assert.ok(!reply.text.includes(SECRET), `${m}: upstream body leaked`);
      assert.ok(!reply.text.includes('the-endpoint-key'), `${m}: endpoint key leaked`);
      if (m === '429') {
        assert.equal(reply.headers['retry-after'], '3');
        assert.equal(reply.json.error.retryAfterSeconds, 3);
      }
    }
    assert.ok(!JSON.stringify(app.logger.entries).includes(SECRET), 'upstream body leaked to the log');
    assert.ok(!JSON.stringify(app.logger.entries).includes('the-endpoint-key'), 'endpoint key in the log');
  });
});

describe('mapping and helpers', () => {
  it('pairs unanswered user messages with an empty answer', () => {
    const payload = toScorePayload(
      [
        { role: 'user', content: 'lost' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
        { role: 'user', content: 'now' },
      ],
      DEFAULT_FIELDS,
    );
    assert.deepEqual(payload, {
      question: 'now',
      chat_history: [
        { inputs: { question: 'lost' }, outputs: { answer: '' } },
        { inputs: { question: 'q' }, outputs: { answer: 'a' } },
      ],
    });
  });

  it('reads Retry-After as seconds, HTTP date or retry-after-ms, clamped, default 5', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterSeconds({ 'retry-after': '12' }, now), 12);
    assert.equal(retryAfterSeconds({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now), 30);
    assert.equal(retryAfterSeconds({ 'retry-after-ms': '100' }, now), 1);
    assert.equal(retryAfterSeconds({ 'retry-after': '999999' }, now), 3600);
    assert.equal(retryAfterSeconds({}, now), 5);
  });

  it('refuses a non-http orchestrator URL', () => {
    assert.throws(() => new OrchestratorClient({ url: 'ftp://x/score', logger: silentLogger }), /http/);
  });
});

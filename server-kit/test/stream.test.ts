/** POST /stream: contract B's event stream relayed as contract A's NDJSON. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import compression from 'compression';
import { ask, json, lines, openStream, post, sleep, sse, startApp, startStandIn, type App, type StandIn } from './helpers.js';

const citations = [
  { id: '1', title: 'Getting started', snippet: 'Mount the router…', filepath: 'docs/getting-started.md' },
  { id: '2', title: 'Architecture', snippet: 'Two processes…', url: 'https://example.test/arch' },
];
const SECRET = 'sk-SECRET-upstream-0xDEADBEEF';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function rig(handler: Parameters<typeof startStandIn>[0], options: Record<string, unknown> = {}) {
  const upstream = await startStandIn(handler);
  const app = await startApp({ orchestrator: { url: upstream.url, key: 'k', ...options } });
  cleanup.push(upstream.close, app.close);
  return { upstream, app };
}

function contentOf(ls: any[]): string {
  return ls.map((l) => l.delta?.content ?? '').join('');
}

function assertNoLeak(app: App, text: string) {
  assert.ok(!text.includes(SECRET), 'upstream body leaked to the visitor');
  assert.ok(!text.includes('at '), 'looks like a stack trace');
  assert.ok(!JSON.stringify(app.logger.entries).includes(SECRET), 'upstream body leaked to the log');
}

describe('POST /stream', () => {
  it('relays citations sent before the answer (prompt flow order) as NDJSON', async () => {
    const { app } = await rig((_req, res) =>
      sse(res, [{ citations, mode: 'extractive' }, { answer: '' }, { answer: 'Mount it ' }, { answer: 'at /api/chat [1].' }, { answer: '' }]),
    );
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 200);
    assert.match(reply.headers['content-type'] ?? '', /^application\/x-ndjson/);
    assert.equal(reply.headers['x-accel-buffering'], 'no');
    assert.equal(reply.headers['content-encoding'], undefined);
    const ls = lines(reply.text);
    assert.equal(ls[0].delta.role, 'assistant');
    assert.match(ls[0].delta.context.traceId, /^[0-9a-f]{32}$/);
    const ctx = ls.find((l) => l.delta?.context?.citations);
    assert.deepEqual(ctx.delta.context.citations, citations);
    assert.equal(ctx.delta.context.mode, 'extractive');
    assert.equal(ctx.delta.context.traceId, ls[0].delta.context.traceId);
    const contentLines = ls.filter((l) => typeof l.delta?.content === 'string');
    assert.equal(contentLines.length, 2, 'empty pieces are not relayed, each non-empty piece is a line');
    assert.equal(contentOf(ls), 'Mount it at /api/chat [1].');
    assert.ok(ls.indexOf(ctx) < ls.indexOf(contentLines[0]), 'context keeps its upstream position');
    assert.ok(ls.every((l) => !('error' in l)));
  });

  it('accepts a refined citations object after the answer', async () => {
    const { app } = await rig((_req, res) =>
      sse(res, [{ citations: citations.slice(0, 1) }, { answer: 'A ' }, { answer: 'B' }, { citations, followupQuestions: ['What next?'] }]),
    );
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    assert.equal(contentOf(ls), 'A B');
    const ctxLines = ls.filter((l) => l.delta?.context?.citations);
    assert.equal(ctxLines.length, 2);
    const last = ctxLines[1];
    assert.deepEqual(last.delta.context.citations, citations);
    assert.deepEqual(last.delta.context.followupQuestions, ['What next?']);
    assert.ok(ls.indexOf(last) > ls.findLastIndex((l) => l.delta?.content), 'refined citations come after the answer');
  });

  it('streams incrementally: a piece reaches the visitor before the orchestrator sends the next', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { app } = await rig(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ citations })}\n\n`);
      res.write(`data: ${JSON.stringify({ answer: 'first ' })}\n\n`);
      await gate;
      res.write(`data: ${JSON.stringify({ answer: 'second' })}\n\n`);
      res.end();
    });
    const s = await openStream(`${app.url}/stream`, ask());
    const seen: any[] = [];
    for (;;) {
      const l = await s.next();
      assert.ok(l, 'stream ended before the first piece arrived');
      seen.push(l);
      if (l.delta?.content) break;
    }
    assert.equal(seen.at(-1).delta.content, 'first ', 'first piece arrived while the orchestrator still holds the second');
    release();
    const rest = await s.rest();
    assert.equal(contentOf(rest), 'second');
  });

  it('reassembles events split across TCP chunks mid-line, mid-field and between \\r and \\n', async () => {
    const wire =
      ': keep-alive comment\r\n\r\n' +
      `data: ${JSON.stringify({ citations })}\r\n\r\n` +
      `event: message\r\nid: 7\r\ndata: {"answer": "Héllo "}\r\n\r\n` +
      `data: {"answer":\r\ndata:  "wörld 🌍"}\r\n\r\n` +
      `data: {"answer": "!"}\n\n`;
    const bytes = Buffer.from(wire, 'utf8');
    const { app } = await rig(async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      // 3-byte slices split lines, field names, CRLF pairs and multi-byte characters.
      for (let i = 0; i < bytes.length; i += 3) {
        res.write(bytes.subarray(i, i + 3));
        await sleep(1);
      }
      res.end();
    });
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    // Two data lines join with "\n", which JSON.parse accepts between tokens.
    assert.equal(contentOf(ls), 'Héllo wörld 🌍!');
    assert.deepEqual(ls.find((l) => l.delta?.context?.citations).delta.context.citations, citations);
  });

  it('echoes sessionState on the first line', async () => {
    const { app } = await rig((_req, res) => sse(res, [{ answer: 'ok' }]));
    const ls = lines((await post(`${app.url}/stream`, { ...ask(), sessionState: { conversation: 'c-1' } })).text);
    assert.deepEqual(ls[0].sessionState, { conversation: 'c-1' });
  });

  it('ends with an upstream_unavailable line when the stream is cut midway (socket destroyed)', async () => {
    const { app } = await rig(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ answer: 'partial ' })}\n\n`);
      await sleep(20);
      res.write('data: {"answer": "cut he');
      await sleep(20);
      res.socket?.destroy();
    });
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    assert.equal(contentOf(ls), 'partial ');
    assert.deepEqual(Object.keys(ls.at(-1)), ['error']);
    assert.equal(ls.at(-1).error.code, 'upstream_unavailable');
    assert.equal(typeof ls.at(-1).error.message, 'string');
  });

  it('relays an upstream error event as the final line with its code, without its message', async () => {
    const { app } = await rig((_req, res) =>
      sse(res, [{ answer: 'Well ' }, { error: { code: 'content_filtered', message: `filtered ${SECRET}` } }, { answer: 'never sent' }]),
    );
    const reply = await post(`${app.url}/stream`, ask());
    const ls = lines(reply.text);
    assert.equal(contentOf(ls), 'Well ');
    assert.equal(ls.at(-1).error.code, 'content_filtered');
    assertNoLeak(app, reply.text);
  });

  it('maps an unknown upstream error event code to upstream_unavailable', async () => {
    const { app } = await rig((_req, res) => sse(res, [{ error: { code: 'weird_internal', message: SECRET } }]));
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(lines(reply.text).at(-1).error.code, 'upstream_unavailable');
    assertNoLeak(app, reply.text);
  });

  it('ends with a timeout line when the stream goes idle beyond idleTimeoutMs', async () => {
    const { app } = await rig(
      async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ answer: 'slow ' })}\n\n`);
        await sleep(4000);
        res.end();
      },
      { idleTimeoutMs: 200 },
    );
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    assert.equal(contentOf(ls), 'slow ');
    assert.equal(ls.at(-1).error.code, 'timeout');
  });

  it('answers 504 timeout (not a stream) when no response head arrives within timeoutMs', async () => {
    const { app } = await rig(
      async (_req, res) => {
        await sleep(4000);
        sse(res, [{ answer: 'too late' }]);
      },
      { timeoutMs: 200 },
    );
    const started = Date.now();
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 504);
    assert.deepEqual(reply.json, { error: { code: 'timeout', message: reply.json.error.message } });
    assert.ok(Date.now() - started < 3500, 'timed out before the slow server answered');
  });

  it('answers 429 rate_limited with Retry-After passed on from the orchestrator', async () => {
    const { app } = await rig((_req, res) => json(res, 429, { error: { code: 'rate_limited', message: SECRET } }, { 'retry-after': '17' }));
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 429);
    assert.equal(reply.headers['retry-after'], '17');
    assert.equal(reply.json.error.code, 'rate_limited');
    assert.equal(reply.json.error.retryAfterSeconds, 17);
    assertNoLeak(app, reply.text);
  });

  for (const status of [500, 401, 403, 404, 503]) {
    it(`answers 502 upstream_unavailable for an upstream ${status}, logging the status but never the body`, async () => {
      const { app } = await rig((_req, res) => json(res, status, { error: { code: 'internal_error', message: SECRET }, detail: SECRET }));
      const reply = await post(`${app.url}/stream`, ask());
      assert.equal(reply.status, 502);
      assert.deepEqual(Object.keys(reply.json), ['error']);
      assert.deepEqual(Object.keys(reply.json.error).sort(), ['code', 'message']);
      assert.equal(reply.json.error.code, 'upstream_unavailable');
      assertNoLeak(app, reply.text);
      assert.ok(app.logger.entries.some((e) => e.fields?.status === status), 'upstream status logged');
    });
  }

  it('answers 400 content_filtered when the orchestrator refuses with a content filter code', async () => {
    const { app } = await rig((_req, res) => json(res, 400, { error: { code: 'content_filtered', message: SECRET } }));
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 400);
    assert.equal(reply.json.error.code, 'content_filtered');
    assertNoLeak(app, reply.text);
  });

  it('answers 502 upstream_unavailable when the orchestrator refuses the connection', async () => {
    const upstream = await startStandIn((_req, res) => res.end());
    const url = upstream.url;
    await upstream.close();
    const app = await startApp({ orchestrator: { url, key: 'k' } });
    cleanup.push(app.close);
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 502);
    assert.equal(reply.json.error.code, 'upstream_unavailable');
  });

  it('answers 502 when the orchestrator resets the connection before responding', async () => {
    const { app } = await rig((req) => req.socket.destroy());
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 502);
    assert.equal(reply.json.error.code, 'upstream_unavailable');
  });

  it('accepts a stream that closes right after its last data line', async () => {
    const { app } = await rig((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"answer": "a"}\n\ndata: {"answer": "b"}\n');
    });
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    assert.equal(contentOf(ls), 'ab');
    assert.ok(ls.every((l) => !('error' in l)));
  });

  it('ends with upstream_unavailable when a stream closes cleanly in the middle of a line', async () => {
    const { app } = await rig((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"answer": "a"}\n\ndata: {"answer": "tru');
    });
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    assert.equal(contentOf(ls), 'a');
    assert.equal(ls.at(-1).error.code, 'upstream_unavailable');
  });

  it('relays a JSON answer when the flow cannot stream', async () => {
    const { app } = await rig((_req, res) => json(res, 200, { answer: 'whole answer', citations }));
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    assert.equal(contentOf(ls), 'whole answer');
    assert.deepEqual(ls.find((l) => l.delta?.context?.citations).delta.context.citations, citations);
  });

  it('aborts the upstream request when the visitor disconnects', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    let sentPieces = 0;
    const { app } = await rig(async (_req, res) => {
      res.on('close', () => upstreamClosed());
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      while (!res.destroyed && sentPieces < 500) {
        res.write(`data: ${JSON.stringify({ answer: `p${sentPieces++} ` })}\n\n`);
        await sleep(10);
      }
      res.end();
    });
    const s = await openStream(`${app.url}/stream`, ask());
    await s.next();
    await s.next();
    s.req.destroy();
    await Promise.race([closed, sleep(2000).then(() => assert.fail('upstream request was not aborted'))]);
    assert.ok(sentPieces < 500);
  });

  it('aborts the upstream request when the visitor disconnects before the orchestrator answers', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const { app } = await rig(async (_req, res) => {
      res.on('close', () => upstreamClosed());
      arrived();
      await sleep(3000); // still thinking when the visitor leaves
      if (!res.destroyed) void sse(res, [{ answer: 'too late' }]);
    });
    const data = JSON.stringify(ask());
    const req = http.request(`${app.url}/stream`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => {});
    req.end(data);
    await reached;
    req.destroy();
    await Promise.race([closed, sleep(1500).then(() => assert.fail('upstream request was not aborted'))]);
  });

  it('cuts a stream whose event never ends (no unbounded buffering)', { timeout: 10_000 }, async () => {
    const { app } = await rig(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ answer: 'ok ' })}\n\n`);
      const junk = 'z'.repeat(64 * 1024);
      // 3 MB of one endless line, then silence with the connection held open.
      for (let i = 0; i < 48 && !res.destroyed; i++) {
        res.write(junk);
        await sleep(1);
      }
    });
    const ls = lines((await post(`${app.url}/stream`, ask())).text);
    assert.equal(contentOf(ls), 'ok ');
    assert.equal(ls.at(-1).error.code, 'upstream_unavailable');
  });

  it('is not buffered by a host-wide compression() middleware', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const upstream = await startStandIn(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ answer: 'early' })}\n\n`);
      await gate;
      res.end(`data: ${JSON.stringify({ answer: ' late' })}\n\n`);
    });
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' } }, (a) => a.use(compression({ threshold: 0, filter: () => true })));
    cleanup.push(upstream.close, app.close);
    const s = await openStream(`${app.url}/stream`, ask(), { 'accept-encoding': 'gzip' });
    assert.equal(s.res.headers['content-encoding'], undefined, 'NDJSON must not be compressed');
    let line;
    do line = await s.next();
    while (line && !line.delta?.content);
    assert.equal(line?.delta.content, 'early', 'first piece arrived before the orchestrator finished');
    release();
    assert.equal(contentOf(await s.rest()), ' late');
  });

  it('sends the contract-B request: Accept text/event-stream, bearer key, deployment, traceparent', async () => {
    const { upstream, app } = await rig((_req, res) => sse(res, [{ answer: 'ok' }]), { deployment: 'blue' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const ls = lines((await post(`${app.url}/stream`, ask(), { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).text);
    const h = upstream.requests[0]!.headers;
    assert.equal(h.accept, 'text/event-stream');
    assert.equal(h.authorization, 'Bearer k');
    assert.equal(h['azureml-model-deployment'], 'blue');
    assert.match(String(h.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.notEqual(h.traceparent, `00-${traceId}-00f067aa0ba902b7-01`, 'a new parent id for this hop');
    assert.equal(ls[0].delta.context.traceId, traceId);
  });
});

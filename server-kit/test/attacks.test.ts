/**
 * Each finding of the attack on the kit, as a test (router HTTP through supertest where the
 * request fits in one call; raw sockets where the attack is the socket itself).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createChatRouter, validTracestate, continueTrace } from '../src/index.js';
import { ask, json, memoryLogger, sse, startStandIn, type StandIn } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

function appFor(upstream: StandIn, options: Record<string, unknown> = {}) {
  const logger = memoryLogger();
  const app = express();
  app.use('/api/chat', createChatRouter({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: false, logger, env: {}, ...options }));
  return { app, logger };
}

async function listening(app: express.Express) {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return (server.address() as net.AddressInfo).port;
}

describe('attack findings', () => {
  it('413 then close: an oversize upload is answered and its connection dropped, not read to the end', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const port = await listening(appFor(upstream, { limits: { maxBodyBytes: 1024 } }).app);
    const socket = net.connect(port, '127.0.0.1');
    // Chunked, so no Content-Length gives it away: the kit must stop reading by itself.
    socket.write('POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('error', () => {});
    const limit = 256 * 1024 * 1024;
    while (!socket.destroyed && sent < limit) {
      const ok = socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      sent += chunk.length;
      if (!ok) await new Promise((r) => { socket.once('drain', r); socket.once('close', r); });
    }
    await closed;
    assert.match(answer, /^HTTP\/1\.1 413/);
    assert.match(answer, /connection: close/i);
    assert.match(answer, /"code":"payload_too_large"/);
    assert.ok(sent < limit, `the server kept reading: ${sent} bytes sent`);
    assert.equal(upstream.requests.length, 0);
  });

  it('a declared oversize Content-Length is refused without reading the body', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const reply = await request(appFor(upstream, { limits: { maxBodyBytes: 1024 } }).app)
      .post('/api/chat/stream')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }));
    assert.equal(reply.status, 413);
    assert.equal(reply.headers.connection, 'close');
  });

  it('deep nesting in sessionState: 400 before any upstream call, no stack in the log', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const { app, logger } = appFor(upstream);
    const deep = '{"messages":[{"role":"user","content":"hi"}],"sessionState":' + '['.repeat(4000) + ']'.repeat(4000) + '}';
    for (const path of ['/api/chat', '/api/chat/stream']) {
      const reply = await request(app).post(path).set('content-type', 'application/json').send(deep);
      assert.equal(reply.status, 400);
      assert.equal(reply.body.error.code, 'bad_request');
      assert.match(reply.body.error.message, /nested too deeply \(at most 32 levels\)/);
    }
    assert.equal(upstream.requests.length, 0, 'the orchestrator was never called');
    assert.equal(logger.entries.filter((e) => e.level === 'error').length, 0);
    // Brackets inside strings are text, not nesting.
    const text = await request(app).post('/api/chat').send({ messages: [{ role: 'user', content: '['.repeat(500) }], sessionState: { a: 1 } });
    assert.notEqual(text.status, 400);
  });

  for (const [name, answer] of [
    ['not JSON', (res: http.ServerResponse) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('<html>oops'); }],
    ['JSON without an answer', (res: http.ServerResponse) => json(res, 200, { result: 'no answer field' })],
    ['an event stream without an answer', (res: http.ServerResponse) => sse(res, [{ citations: [] }, { something: 'else' }])],
    ['an event stream of non-JSON events', (res: http.ServerResponse) => { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.end('data: nope\n\n'); }],
  ] as const) {
    it(`an upstream 200 carrying ${name} ends the stream with an error line, not an empty success`, async () => {
      const upstream = await startStandIn((_req, res) => answer(res));
      cleanup.push(upstream.close);
      const { app } = appFor(upstream);
      const reply = await request(app).post('/api/chat/stream').send(ask()).buffer(true).parse((res, cb) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c));
        res.on('end', () => cb(null, t));
      });
      const lines = (reply.body as string).trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.at(-1), { error: { code: 'upstream_unavailable', message: lines.at(-1).error.message } });
      assert.doesNotMatch(reply.body, /oops|no answer field|nope/, 'the upstream body is not relayed');
      const whole = await request(app).post('/api/chat').send(ask());
      assert.equal(whole.status, 502);
    });
  }

  it('a trickled body is cut at the body deadline with 408 request_timeout and the connection closed', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const port = await listening(appFor(upstream, { limits: { bodyTimeoutMs: 200 } }).app);
    const socket = net.connect(port, '127.0.0.1');
    socket.write('POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"mess');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 50);
    let answer = '';
    socket.on('data', (d) => (answer += d));
    socket.on('error', () => {});
    await new Promise<void>((r) => socket.on('close', () => r()));
    clearInterval(trickle);
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.match(answer, /"code":"request_timeout"/);
  });

  it('a reader that never reads is cut at the write deadline, and the upstream call is aborted', async () => {
    let upstreamClosed!: () => void;
    const aborted = new Promise<void>((r) => (upstreamClosed = r));
    const upstream = await startStandIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = `data: ${JSON.stringify({ answer: 'x'.repeat(16 * 1024) })}\n\n`;
      const pump = () => {
        while (!res.destroyed && res.write(piece));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => upstreamClosed());
      pump();
    });
    cleanup.push(upstream.close);
    const { app, logger } = appFor(upstream, { writeTimeoutMs: 200 });
    const port = await listening(app);
    const socket = net.connect(port, '127.0.0.1');
    const body = JSON.stringify(ask());
    socket.write(`POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    socket.pause(); // never read
    socket.on('error', () => {});
    await aborted;
    socket.destroy();
    assert.ok(logger.entries.some((e) => /stopped reading/.test(e.message)));
  });

  it('tracestate is forwarded only when valid W3C (size and shape), else dropped', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const { app } = appFor(upstream);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await request(app).post('/api/chat/stream').set({ traceparent, tracestate: 'congo=t61rcWkgMzE, rojo=00f067aa0ba902b7' }).send(ask());
    await request(app).post('/api/chat/stream').set({ traceparent, tracestate: `big=${'a'.repeat(8000)}` }).send(ask());
    await request(app).post('/api/chat/stream').set({ traceparent, tracestate: 'Not A Valid=State' }).send(ask());
    assert.equal(upstream.requests[0]!.headers.tracestate, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    assert.equal(upstream.requests[1]!.headers.tracestate, undefined, '8 KB dropped');
    assert.equal(upstream.requests[2]!.headers.tracestate, undefined, 'malformed dropped');
    assert.equal(validTracestate('a=1,a=2'), undefined, 'duplicate keys');
    assert.equal(validTracestate(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')), undefined, 'more than 32 members');
    assert.equal(validTracestate('tenant@vendor=v1'), 'tenant@vendor=v1');
    assert.equal(continueTrace(undefined, 'a=1').tracestate, undefined, 'no tracestate without a traceparent');
  });
});

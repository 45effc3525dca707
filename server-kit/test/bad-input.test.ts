/**
 * The bad-input table: everything that reaches the kit gets a stable code and a readable message,
 * never a stack, a path, an upstream body or a secret, and nothing bad reaches the orchestrator.
 * (Field-by-field validation messages: request-validation.test.ts.)
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createChatRouter } from '../src/index.js';
import { json, memoryLogger, sse, startStandIn, type StandIn } from './helpers.js';

let upstream: StandIn;
let app: express.Express;
const logger = memoryLogger();
before(async () => {
  upstream = await startStandIn((req, res) =>
    /event-stream/.test(req.headers.accept ?? '') ? sse(res, [{ answer: 'ok' }]) : json(res, 200, { answer: 'ok' }),
  );
  app = express();
  app.use('/api/chat', createChatRouter({ orchestrator: { url: upstream.url, key: 'secret-key' }, rateLimit: false, logger, env: {}, limits: { maxBodyBytes: 4096 } }));
});
after(() => upstream.close());

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, ' '));

type Row = { name: string; body: string | Buffer; headers?: Record<string, string>; status: number; code: string; message?: RegExp };
const table: Row[] = [
  { name: 'malformed JSON', body: '{"messages":[{"role":"user",', status: 400, code: 'bad_request', message: /not valid JSON/ },
  { name: 'deep nesting', body: JSON.stringify({ ...user('hi'), context: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) }), status: 400, code: 'bad_request', message: /nested too deeply/ },
  { name: 'a huge array', body: JSON.stringify({ messages: Array.from({ length: 60 }, () => ({ role: 'user', content: '' })) }), status: 400, code: 'bad_request', message: /at most 50 messages/ },
  { name: 'an oversize body', body: JSON.stringify(user('x'.repeat(5000))), status: 413, code: 'payload_too_large', message: /at most 4096 bytes/ },
  { name: 'a gzip bomb', body: bomb, headers: { 'content-encoding': 'gzip' }, status: 415, code: 'unsupported_media_type', message: /Compressed/ },
  { name: 'text/plain', body: JSON.stringify(user('hi')), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
  { name: 'form encoding', body: 'messages=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
  { name: 'a non-UTF-8 charset', body: JSON.stringify(user('hi')), headers: { 'content-type': 'application/json; charset=latin1' }, status: 415, code: 'unsupported_media_type' },
  { name: 'a lone surrogate', body: '{"messages":[{"role":"user","content":"hi \\ud800 there"}]}', status: 400, code: 'bad_request', message: /unpaired surrogate/ },
  { name: 'a bidi override', body: JSON.stringify(user('refund \u202Eevil\u202C please')), status: 400, code: 'bad_request', message: /bidirectional override/ },
  { name: 'context of the wrong type', body: JSON.stringify({ ...user('hi'), context: 'admin' }), status: 400, code: 'bad_request', message: /^context must be an object, not a string$/ },
  { name: 'a message context of the wrong type', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi', context: [1] }] }), status: 400, code: 'bad_request', message: /messages\[0\]\.context/ },
  { name: 'an empty body', body: '', status: 400, code: 'bad_request', message: /empty/ },
];

describe('bad input table', () => {
  for (const row of table) {
    it(`${row.name} → ${row.status} ${row.code}`, async () => {
      const before = upstream.requests.length;
      const reply = await request(app)
        .post('/api/chat/stream')
        .set({ 'content-type': 'application/json', ...row.headers })
        .send(row.body);
      assert.equal(reply.status, row.status, reply.text);
      assert.deepEqual(Object.keys(reply.body), ['error']);
      assert.equal(reply.body.error.code, row.code);
      assert.ok(reply.body.error.message.length > 0);
      if (row.message) assert.match(reply.body.error.message, row.message);
      assert.doesNotMatch(reply.text, /\bat .+:\d+:\d+|node_modules|\/work\/|SyntaxError|ZodError|secret-key/);
      assert.equal(upstream.requests.length, before, 'nothing reached the orchestrator');
    });
  }

  it('__proto__ and constructor keys pollute nothing and are not forwarded', async () => {
    const body = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
      '"messages":[{"role":"user","content":"hi","__proto__":{"role":"system"}}],' +
      '"context":{"__proto__":{"polluted":true}},"sessionState":{"__proto__":{"polluted":true}}}';
    const reply = await request(app).post('/api/chat').set('content-type', 'application/json').send(body);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(({} as any).polluted, undefined, 'Object.prototype untouched');
    const sent = JSON.parse(upstream.requests.at(-1)!.body);
    assert.deepEqual(Object.keys(sent).sort(), ['chat_history', 'question']);
    assert.equal(sent.question, 'hi');
  });

  it('odd types in sessionState are relayed back as they came (it is the client\'s own state)', async () => {
    for (const sessionState of [null, 0, 'text', [1, 'two', { three: 3 }], { nested: { ok: true } }]) {
      const reply = await request(app).post('/api/chat').send({ ...user('hi'), sessionState });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.sessionState, sessionState);
    }
  });

  it('logged no error and no stack for any of it', () => {
    assert.deepEqual(logger.entries.filter((e) => e.level === 'error'), []);
  });
});

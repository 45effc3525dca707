/**
 * Contract B over HTTP, against a real server on port 0: the shapes a server kit (or an Azure ML
 * online endpoint client) relies on, including every error shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request as httpRequest } from 'node:http';
import { loadConfig } from '../src/config.js';
import { startScoringServer, type ScoringServer } from '../src/scoring-server.js';
import { MAX_SCORE_BODY_BYTES } from '../src/contract.js';
import type { ChatModel, Retriever } from '../src/seams.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

const KEY = 'primary-key-123';
const ONE_PASSAGE = { id: 'a.md#a', title: 'A', headingPath: ['A'], sourcePath: 'a.md', text: 'Some grounding text.', score: 1 };
const SECONDARY = 'secondary-key-456';
const QUESTION = 'How do I mount the server kit in Express?';

let corpus: Awaited<ReturnType<typeof makeCorpus>>;
let store: Awaited<ReturnType<typeof tempDir>>;
let server: ScoringServer;
const errors: string[] = [];

before(async () => {
  corpus = await makeCorpus(KIT_DOCS);
  store = await tempDir();
  const config = loadConfig({
    LOCAL_CORPUS_DIR: corpus.dir,
    LOCAL_INDEX_DIR: store.dir,
    ORCHESTRATOR_KEYS: `${KEY}, ${SECONDARY}`,
    EXTRACTIVE_DELAY_MS: '3',
    LOCAL_SOURCE_URL_BASE: '/docs/',
  });
  server = await startScoringServer({ port: 0, host: '127.0.0.1', config, log: () => {}, logError: (l) => errors.push(l) });
  await server.ready;
});
after(async () => {
  await server.close();
  await corpus.cleanup();
  await store.cleanup();
});

const auth = { authorization: `Bearer ${KEY}` };
const json = { 'content-type': 'application/json' };

function score(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/score`, {
    method: 'POST',
    headers: { ...json, ...auth, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
const bodyOf = (res: Response): Promise<any> => res.json();

/** Asserts the exact error shape: `{ error: { code, message } }`, nothing else, no internals. */
async function expectError(res: Response, status: number, code: string, messageMatch?: RegExp) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const text = await res.text();
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.doesNotMatch(text, /\bat \S+ \(|node:internal|\.ts:\d+|\/tmp\/|\/work\//, 'no stack trace or path');
  if (messageMatch) assert.match(body.error.message, messageMatch);
  return body;
}

/** Parses an SSE body into its events' JSON payloads (only `data:` lines are used by contract B). */
function parseSse(text: string): unknown[] {
  assert.ok(text.endsWith('\n\n'), 'the stream ends on an event boundary');
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const lines = block.split('\n');
      assert.ok(lines.every((l) => l.startsWith('data: ')), `only data lines: ${block}`);
      const data = lines.map((l) => l.slice(6)).join('\n');
      assert.notEqual(data, '[DONE]');
      return JSON.parse(data);
    });
}

describe('POST /score (contract B)', () => {
  it('answers JSON: { answer, citations, mode }', async () => {
    const res = await score({ question: QUESTION, chat_history: [] }, { 'azureml-model-deployment': 'blue' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = await bodyOf(res);
    assert.equal(typeof body.answer, 'string');
    assert.equal(body.mode, 'extractive');
    assert.ok(Array.isArray(body.citations) && body.citations.length > 0);
    for (const c of body.citations) {
      assert.equal(typeof c.id, 'string');
      assert.equal(typeof c.title, 'string');
      assert.equal(typeof c.snippet, 'string');
      assert.match(c.url, /^\/docs\//);
    }
    assert.equal(body.citations[0].id, 'guides/server-kit.md#mounting-in-express');
    assert.equal(body.citations[0].filepath, 'guides/server-kit.md');
    const refs = [...body.answer.matchAll(/\[(\d+)\]/g)].map((m: RegExpMatchArray) => Number(m[1]));
    assert.ok(refs.length > 0 && refs.every((n: number) => n >= 1 && n <= body.citations.length));
  });

  it('accepts chat_history and the secondary key; chat_history may be omitted', async () => {
    const history = [{ inputs: { question: QUESTION }, outputs: { answer: 'Use createChatRouter.' } }];
    const res = await score({ question: 'And the rate limits?', chat_history: history }, { authorization: `Bearer ${SECONDARY}` });
    assert.equal(res.status, 200);
    const body = await bodyOf(res);
    assert.ok(body.citations.some((c: { id: string }) => c.id === 'guides/server-kit.md#rate-limits'));
    assert.equal((await score({ question: QUESTION })).status, 200);
  });

  it('answers "I don\'t know" with no citations for an absent topic', async () => {
    const body = await bodyOf(await score({ question: 'Who won the 1998 World Cup?', chat_history: [] }));
    assert.deepEqual(body.citations, []);
    assert.match(body.answer, /don't know/);
  });

  it('streams server-sent events: citations first, then >1 answer pieces, no [DONE], then closes', async () => {
    const res = await score({ question: QUESTION, chat_history: [] }, { accept: 'text/event-stream' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    // Pieces arrive over time, not in one write.
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads++;
      text += decoder.decode(value, { stream: true });
    }
    assert.ok(reads > 2, `${reads} reads: the answer streamed incrementally`);
    assert.doesNotMatch(text, /\[DONE\]/);
    const events = parseSse(text) as Record<string, unknown>[];
    const first = events[0]!;
    assert.deepEqual(Object.keys(first).sort(), ['citations', 'mode']);
    assert.equal(first.mode, 'extractive');
    const citations = first.citations as { snippet: string }[];
    assert.ok(citations.length > 0);
    const answers = events.filter((e) => 'answer' in e);
    assert.ok(answers.length > 1, `${answers.length} answer events`);
    assert.ok(answers.every((e) => Object.keys(e).length === 1 && typeof e.answer === 'string'));
    const answer = answers.map((e) => e.answer).join('');
    for (const m of answer.matchAll(/^> (.+) \[(\d+)\]$/gm)) {
      assert.ok(citations[Number(m[2]) - 1]!.snippet.includes(m[1]!), 'quoted sentence is in its citation');
    }
    assert.ok(!events.some((e) => 'error' in e));
    // Follow-ups, when offered, come after the answer as their own event; usage (zeros) is last.
    assert.deepEqual(events.at(-1), { usage: { prompt_tokens: 0, completion_tokens: 0, model: 'extractive' } });
    const fuAt = events.findIndex((e) => 'followupQuestions' in e);
    assert.ok(fuAt === -1 || fuAt === events.length - 2);
    assert.ok(events.slice(1, fuAt === -1 ? -1 : fuAt).every((e) => 'answer' in e));
  });

  it('offers follow-up questions that the docs can answer', async () => {
    const body = await bodyOf(await score({ question: QUESTION }));
    assert.ok(Array.isArray(body.followupQuestions) && body.followupQuestions.length > 0);
    for (const q of body.followupQuestions) {
      const next = await bodyOf(await score({ question: q }));
      assert.ok(next.citations.length > 0, `"${q}" is answerable`);
    }
    const none = await bodyOf(await score({ question: 'Who won the 1998 World Cup?' }));
    assert.equal(none.followupQuestions, undefined);
  });

  it('streams an absent topic as citations [] then the "I don\'t know" answer', async () => {
    const res = await score({ question: 'What is the boiling point of mercury?' }, { accept: 'text/event-stream' });
    const events = parseSse(await res.text()) as Record<string, unknown>[];
    assert.deepEqual(events[0], { citations: [], mode: 'extractive' });
    assert.match(events.slice(1).map((e) => e.answer).join(''), /don't know/);
  });
});

describe('contract B errors', () => {
  it('401 unauthorized without a key, with a wrong key, or with another scheme', async () => {
    for (const authorization of [undefined, `Bearer ${KEY}x`, 'Bearer ', `Basic ${KEY}`, KEY]) {
      const res = await fetch(`${server.url}/score`, {
        method: 'POST',
        headers: { ...json, ...(authorization !== undefined ? { authorization } : {}) },
        body: JSON.stringify({ question: QUESTION }),
      });
      await expectError(res, 401, 'unauthorized');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
  });

  it('400 bad_request for malformed JSON', async () => {
    await expectError(await score('{"question": "unterminated'), 400, 'bad_request', /JSON/);
    await expectError(await score(''), 400, 'bad_request');
    await expectError(await score('[1,2]'), 400, 'bad_request', /object/);
  });

  it('400 bad_request naming the field: missing, wrong type, empty', async () => {
    await expectError(await score({ chat_history: [] }), 400, 'bad_request', /question is required/);
    await expectError(await score({ question: 42 }), 400, 'bad_request', /question must be a string, not number/);
    await expectError(await score({ question: '   ' }), 400, 'bad_request', /question .*empty/);
    await expectError(await score({ question: 'x'.repeat(8_001) }), 400, 'bad_request', /question/);
    await expectError(await score({ question: 'q', chat_history: 'no' }), 400, 'bad_request', /chat_history must be an array, not string/);
    await expectError(
      await score({ question: 'q', chat_history: [{ inputs: { question: 1 }, outputs: { answer: 'a' } }] }),
      400,
      'bad_request',
      /chat_history\.0\.inputs\.question must be a string, not number/,
    );
  });

  it('413 payload_too_large for an oversize body (declared or chunked)', async () => {
    const big = JSON.stringify({ question: 'x', pad: 'y'.repeat(MAX_SCORE_BODY_BYTES) });
    await expectError(await score(big), 413, 'payload_too_large');
    // Chunked, no Content-Length: the server stops collecting once past the limit.
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/score`, { method: 'POST', headers: { ...json, ...auth } }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = 'z'.repeat(64 * 1024);
      for (let i = 0; i < 6; i++) req.write(chunk);
      req.end();
    });
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.body).error.code, 'payload_too_large');
  });

  it('413 before the upload when a client asks with Expect: 100-continue', async () => {
    const body = Buffer.alloc(MAX_SCORE_BODY_BYTES + 1, 'a');
    const got = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest(`${server.url}/score`, {
        method: 'POST',
        headers: { ...json, ...auth, expect: '100-continue', 'content-length': body.length },
      });
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, continued });
        req.destroy();
      });
      req.on('error', (e) => (continued ? undefined : reject(e)));
      req.flushHeaders();
    });
    assert.deepEqual(got, { status: 413, continued: false });
    // …and a small body is invited and answered.
    const small = Buffer.from(JSON.stringify({ question: QUESTION }));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/score`, {
        method: 'POST',
        headers: { ...json, ...auth, expect: '100-continue', 'content-length': small.length },
      });
      req.on('continue', () => req.end(small));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(status, 200);
  });

  it('415 unsupported_media_type for a body that is not JSON', async () => {
    await expectError(await score({ question: QUESTION }, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    const res = await fetch(`${server.url}/score`, { method: 'POST', headers: auth, body: new Uint8Array([1, 2]) });
    await expectError(res, 415, 'unsupported_media_type');
    assert.equal((await score({ question: QUESTION }, { 'content-type': 'application/json; charset=utf-8' })).status, 200);
  });

  it('404 not_found for an unknown route, 405 method_not_allowed for a wrong method', async () => {
    await expectError(await fetch(`${server.url}/nope`), 404, 'not_found');
    await expectError(await fetch(`${server.url}/score/extra`, { method: 'POST' }), 404, 'not_found');
    const get = await fetch(`${server.url}/score`, { headers: auth });
    await expectError(get, 405, 'method_not_allowed');
    assert.equal(get.headers.get('allow'), 'POST');
    await expectError(await fetch(`${server.url}/health/live`, { method: 'POST' }), 405, 'method_not_allowed');
  });

  it('health: live and ready answer 200 without a key', async () => {
    const live = await fetch(`${server.url}/health/live`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${server.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await bodyOf(ready)).status, 'ready');
  });

  it('a client aborting mid-stream does not crash the server, and the flow stops', async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/score`,
          { method: 'POST', headers: { ...json, ...auth, accept: 'text/event-stream' } },
          (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          },
        );
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
        req.end(JSON.stringify({ question: QUESTION }));
      });
    }
    const ac = new AbortController();
    const res = await score({ question: QUESTION }, { accept: 'text/event-stream' });
    ac.abort();
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await fetch(`${server.url}/health/live`)).status, 200);
    assert.equal((await score({ question: QUESTION })).status, 200);
    assert.deepEqual(errors, [], 'no unexpected errors were logged');
  });
});

describe('scoring server with other providers', () => {
  it('503 not_ready until the retriever is ready; no key needed when none is configured', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const retriever: Retriever = { name: 'slow', ready: () => gate, retrieve: async () => [] };
    const config = loadConfig({ LOCAL_CORPUS_DIR: corpus.dir });
    const s = await startScoringServer({ port: 0, host: '127.0.0.1', config, retriever, log: () => {} });
    try {
      assert.equal((await fetch(`${s.url}/health/live`)).status, 200);
      await expectError(await fetch(`${s.url}/health/ready`), 503, 'not_ready');
      const post = () => fetch(`${s.url}/score`, { method: 'POST', headers: json, body: JSON.stringify({ question: 'q' }) });
      await expectError(await post(), 503, 'not_ready');
      release();
      await s.ready;
      assert.equal((await fetch(`${s.url}/health/ready`)).status, 200);
      assert.equal((await post()).status, 200);
    } finally {
      await s.close();
    }
  });

  it('a client disconnect aborts the flow (the model sees its signal fire)', async () => {
    let aborted!: () => void;
    const sawAbort = new Promise<void>((r) => (aborted = r));
    let produced = 0;
    const endless: ChatModel = {
      name: 'endless',
      mode: 'generative',
      async *stream(_request, options) {
        options?.signal?.addEventListener('abort', () => aborted(), { once: true });
        for (;;) {
          options?.signal?.throwIfAborted();
          produced++;
          yield { type: 'text-delta', text: 'word ' };
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    };
    const ok: Retriever = { name: 'ok', ready: async () => {}, retrieve: async () => [ONE_PASSAGE] };
    const config = loadConfig({ LOCAL_CORPUS_DIR: corpus.dir });
    const s = await startScoringServer({ port: 0, host: '127.0.0.1', config, retriever: ok, model: endless, log: () => {} });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${s.url}/score`, { method: 'POST', headers: { ...json, accept: 'text/event-stream' } }, (res) => {
          let events = 0;
          res.on('data', (chunk: Buffer) => {
            events += chunk.toString().split('\n\n').length - 1;
            if (events >= 3) {
              req.destroy();
              resolve();
            }
          });
        });
        req.on('error', () => {});
        req.end(JSON.stringify({ question: 'q' }));
        setTimeout(() => reject(new Error('no events')), 5_000);
      });
      await Promise.race([sawAbort, new Promise((_, rej) => setTimeout(() => rej(new Error('flow not aborted')), 2_000))]);
      const after = produced;
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(produced <= after + 1, 'the model stopped producing');
      assert.equal((await fetch(`${s.url}/health/live`)).status, 200);
    } finally {
      await s.close();
    }
  });

  it('a piece leaves as soon as it is written: the client reads it before the model writes the next', async () => {
    let received!: () => void;
    const firstRead = new Promise<void>((r) => (received = r));
    let readEarly: boolean | undefined;
    const gated: ChatModel = {
      name: 'gated',
      mode: 'generative',
      async *stream() {
        yield { type: 'text-delta', text: 'First piece. ' };
        // Waits for the client to have read the first piece (a server that held it back for a
        // later write would make it wait forever: after 10 s it goes on, and the test fails).
        let timer: NodeJS.Timeout | undefined;
        readEarly = await Promise.race([firstRead.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)))]);
        clearTimeout(timer);
        yield { type: 'text-delta', text: 'Second piece.' };
        yield { type: 'finish', reason: 'stop', usage: { promptTokens: 1, completionTokens: 2, model: 'gated' } };
      },
    };
    const ok: Retriever = { name: 'ok', ready: async () => {}, retrieve: async () => [ONE_PASSAGE] };
    const s = await startScoringServer({ port: 0, host: '127.0.0.1', config: loadConfig({ LOCAL_CORPUS_DIR: corpus.dir }), retriever: ok, model: gated, log: () => {} });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(`${s.url}/score`, { method: 'POST', headers: { ...json, accept: 'text/event-stream' } }, (res) => {
          let all = '';
          res.on('data', (c: Buffer) => {
            all += c.toString('utf8');
            if (all.includes('First piece.')) received();
          });
          res.on('end', () => resolve(all));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ question: 'q' }));
      });
      assert.equal(readEarly, true, 'the client read the first piece while the model waited');
      assert.deepEqual((parseSse(text) as Array<{ answer?: string }>).filter((e) => e.answer).map((e) => e.answer), ['First piece. ', 'Second piece.']);
    } finally {
      await s.close();
    }
  });

  it('a client that stops reading holds the model back (backpressure), and gets every piece in order once it reads', async () => {
    const PIECES = 400;
    const piece = (i: number) => `${String(i).padStart(4, '0')}:${'x'.repeat(32 * 1024)} `;
    let pulled = 0;
    const fast: ChatModel = {
      name: 'fast',
      mode: 'generative',
      async *stream() {
        for (let i = 0; i < PIECES; i++) {
          pulled++;
          yield { type: 'text-delta', text: piece(i) };
          // A piece per macrotask, like a network read: each burst is flushed before the next.
          await new Promise((r) => setImmediate(r));
        }
        yield { type: 'finish', reason: 'stop', usage: { promptTokens: 1, completionTokens: PIECES, model: 'fast' } };
      },
    };
    const ok: Retriever = { name: 'ok', ready: async () => {}, retrieve: async () => [ONE_PASSAGE] };
    const s = await startScoringServer({ port: 0, host: '127.0.0.1', config: loadConfig({ LOCAL_CORPUS_DIR: corpus.dir }), retriever: ok, model: fast, log: () => {} });
    try {
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        const req = httpRequest(`${s.url}/score`, { method: 'POST', headers: { ...json, accept: 'text/event-stream' } }, resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ question: 'q' }));
      });
      res.pause();
      // Wait until the model stops being pulled while nobody reads (13 MB cannot fit the socket buffers).
      let last = -1;
      for (let stable = 0; stable < 5; ) {
        await new Promise((r) => setTimeout(r, 40));
        stable = pulled === last ? stable + 1 : 0;
        last = pulled;
      }
      assert.ok(pulled < PIECES, `the flow stopped pulling pieces while the client was not reading (${pulled} of ${PIECES})`);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.resume();
      await new Promise((r) => res.on('end', r));
      const events = parseSse(Buffer.concat(chunks).toString('utf8')) as Array<{ answer?: string }>;
      const answer = events.map((e) => e.answer ?? '').join('');
      assert.equal(pulled, PIECES);
      assert.equal(answer, Array.from({ length: PIECES }, (_, i) => piece(i)).join(''), 'every piece, in order, intact');
      assert.ok(events.some((e) => 'usage' in e), 'the stream ran to its end');
    } finally {
      await s.close();
    }
  });

  it('maps provider failures to stable codes: 502 before the stream, an error event during it', async () => {
    const logged: string[] = [];
    const failing: Retriever = { name: 'down', ready: async () => {}, retrieve: async () => { throw new Error('ECONNREFUSED 10.0.0.1 api-key=SECRET'); } };
    const config = loadConfig({ LOCAL_CORPUS_DIR: corpus.dir });
    const a = await startScoringServer({ port: 0, host: '127.0.0.1', config, retriever: failing, log: () => {}, logError: (l) => logged.push(l) });
    try {
      const res = await fetch(`${a.url}/score`, { method: 'POST', headers: json, body: JSON.stringify({ question: 'q' }) });
      const body = await expectError(res, 502, 'upstream_unavailable');
      assert.doesNotMatch(body.error.message, /SECRET|ECONNREFUSED/);
    } finally {
      await a.close();
    }

    const ok: Retriever = { name: 'ok', ready: async () => {}, retrieve: async () => [ONE_PASSAGE] };
    const broken: ChatModel = {
      name: 'broken',
      mode: 'generative',
      async *stream() {
        yield { type: 'text-delta', text: 'Partial ' };
        throw new Error('upstream said: key SECRET rejected');
      },
    };
    const b = await startScoringServer({ port: 0, host: '127.0.0.1', config, retriever: ok, model: broken, log: () => {}, logError: (l) => logged.push(l) });
    try {
      const res = await fetch(`${b.url}/score`, { method: 'POST', headers: { ...json, accept: 'text/event-stream' }, body: JSON.stringify({ question: 'q' }) });
      assert.equal(res.status, 200);
      const text = await res.text();
      const events = parseSse(text) as Record<string, unknown>[];
      assert.deepEqual(events.at(-1), { error: { code: 'upstream_unavailable', message: 'the answer could not be completed' } });
      assert.deepEqual(events[0], { answer: 'Partial ' });
      assert.deepEqual(events.at(-2), { citations: [], mode: 'generative' }, 'citations (none used) before the error');
      assert.doesNotMatch(text, /SECRET/);
      const j = await fetch(`${b.url}/score`, { method: 'POST', headers: json, body: JSON.stringify({ question: 'q' }) });
      await expectError(j, 502, 'upstream_unavailable');
    } finally {
      await b.close();
    }
  });
});

/** CORS allowlist, the visitor forwarded upstream, deadlines, streaming through compression(), shutdown, option errors. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import compression from 'compression';
import express from 'express';
import request from 'supertest';
import { ConfigError, createChatRouter, customAuth, PRINCIPAL_HEADER, shutdown, silentLogger } from '../src/index.js';
import { ask, listen, openStream, sse, startStandIn, type StandIn } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function standIn(handler: Parameters<typeof startStandIn>[0]): Promise<StandIn> {
  const s = await startStandIn(handler);
  cleanup.push(s.close);
  return s;
}

function mount(upstream: StandIn, options: Record<string, unknown> = {}, setup?: (app: express.Express) => void) {
  const app = express();
  setup?.(app);
  const router = createChatRouter({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: false, logger: silentLogger, env: {}, ...options });
  app.use('/api/chat', router);
  return { app, router };
}

describe('cross-origin', () => {
  it('answers preflights for listed origins with credentials and Vary: Origin; refuses others with 403', async () => {
    const upstream = await standIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const { app } = mount(upstream, { cors: { origins: ['https://www.contoso.com'] } });
    const pre = await request(app)
      .options('/api/chat/stream')
      .set({ origin: 'https://www.contoso.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://www.contoso.com');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.match(String(pre.headers['access-control-allow-headers']), /authorization/);
    assert.match(String(pre.headers.vary), /Origin/);
    const post = await request(app).post('/api/chat/stream').set('origin', 'https://www.contoso.com').send(ask());
    assert.equal(post.status, 200);
    assert.equal(post.headers['access-control-allow-origin'], 'https://www.contoso.com');

    const evilPre = await request(app).options('/api/chat/stream').set({ origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    assert.equal(evilPre.status, 403);
    assert.equal(evilPre.headers['access-control-allow-origin'], undefined);
    const evil = await request(app).post('/api/chat/stream').set('origin', 'https://evil.example').send(ask());
    assert.equal(evil.status, 403);
    assert.equal(evil.body.error.code, 'forbidden');
    assert.match(String(evil.headers.vary), /Origin/);
    assert.equal(upstream.requests.length, 1, 'only the listed origin reached the orchestrator');
    // Same origin needs no CORS at all.
    const same = await request(app).post('/api/chat/stream').set({ origin: 'http://chat.local', host: 'chat.local' }).send(ask());
    assert.equal(same.status, 200);
  });

  it('refuses a wildcard allowlist at construction, naming the option', () => {
    assert.throws(
      () => createChatRouter({ orchestrator: { url: 'http://127.0.0.1:1/score' }, cors: { origins: ['*'] }, logger: silentLogger, env: {} }),
      /"\*" is not allowed/,
    );
  });
});

describe('the visitor, forwarded (contract B x-grounded-chat-principal)', () => {
  it('sends base64url JSON { id, name, roles, groups } when configured, bounded in size; nothing for anonymous visitors', async () => {
    const upstream = await standIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const groups = Array.from({ length: 400 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);
    const auth = customAuth((req) =>
      req.headers['x-user'] === 'many'
        ? { id: 'u-2', groups }
        : req.headers['x-user']
          ? { id: 'u-1', name: 'Ada', roles: ['Chat.User'], groups: ['g-1'], claims: { tid: 't-1', secret: 'no' } }
          : null,
    );
    const { app } = mount(upstream, { auth, forwardPrincipal: { maxBytes: 2048, claims: ['tid'] } });
    await request(app).post('/api/chat/stream').set('x-user', 'ada').send(ask());
    await request(app).post('/api/chat/stream').set('x-user', 'many').send(ask());
    const decode = (h: unknown) => JSON.parse(Buffer.from(String(h), 'base64url').toString('utf8'));
    assert.deepEqual(decode(upstream.requests[0]!.headers[PRINCIPAL_HEADER]), { id: 'u-1', name: 'Ada', roles: ['Chat.User'], groups: ['g-1'], claims: { tid: 't-1' } });
    const big = upstream.requests[1]!.headers[PRINCIPAL_HEADER] as string;
    assert.ok(big.length <= 2048, `${big.length} bytes`);
    const cut = decode(big);
    assert.equal(cut.id, 'u-2');
    assert.ok(cut.groups.length > 0 && cut.groups.length < 400);
    assert.deepEqual(cut.groups, groups.slice(0, cut.groups.length));

    const off = await standIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    await request(mount(off, { auth }).app).post('/api/chat/stream').set('x-user', 'ada').send(ask());
    assert.equal(off.requests[0]!.headers[PRINCIPAL_HEADER], undefined, 'off by default');
  });
});

describe('deadlines and proxies', () => {
  it('ends a stream that runs past deadlineMs with a timeout line and aborts the upstream call', async () => {
    let closed!: () => void;
    const upstreamGone = new Promise<void>((r) => (closed = r));
    const upstream = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"answer":"slow"}\n\n');
      const t = setInterval(() => res.write(': keep-alive\n\n'), 20);
      res.on('close', () => (clearInterval(t), closed()));
    });
    const { app } = mount(upstream, { deadlineMs: 300 });
    const base = await listen(http.createServer(app).unref());
    const s = await openStream(`${base}/api/chat/stream`, ask());
    const lines = await s.rest();
    assert.equal(lines.at(-1).error.code, 'timeout');
    await upstreamGone;
  });

  it('streams through compression(): no-store, not compressed, the first line flushed before the answer exists', async () => {
    let go!: () => void;
    const gate = new Promise<void>((r) => (go = r));
    const upstream = await standIn(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': opened\n\n');
      await gate;
      res.end('data: {"answer":"now"}\n\n');
    });
    const { app } = mount(upstream, {}, (a) => a.use(compression({ threshold: 0 })));
    const base = await listen(http.createServer(app).unref());
    const s = await openStream(`${base}/api/chat/stream`, ask(), { 'accept-encoding': 'gzip' });
    assert.equal(s.res.headers['content-encoding'], undefined);
    assert.match(String(s.res.headers['cache-control']), /no-store/);
    assert.equal(s.res.headers['x-accel-buffering'], 'no');
    const first = await s.next();
    assert.equal(first.delta.role, 'assistant', 'arrived while the orchestrator had not answered yet');
    go();
    assert.deepEqual((await s.rest()).map((l) => l.delta?.content).filter(Boolean), ['now']);
  });
});

describe('shutdown', () => {
  it('stops accepting, lets a short chat finish, ends a long one with shutting_down, and resolves', async () => {
    let finishShort!: () => void;
    const shortGate = new Promise<void>((r) => (finishShort = r));
    const upstream = await standIn((_req, res, body) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"answer":"a"}\n\n');
      if (JSON.parse(body).question === 'short') void shortGate.then(() => res.end('data: {"answer":"b"}\n\n'));
      else {
        const t = setInterval(() => res.write(': still\n\n'), 20);
        res.on('close', () => clearInterval(t));
      }
    });
    const { app, router } = mount(upstream);
    const server = http.createServer(app);
    const base = await listen(server);
    const short = await openStream(`${base}/api/chat/stream`, ask('short'));
    const long = await openStream(`${base}/api/chat/stream`, ask('long'));
    await short.next();
    await long.next();
    assert.equal(router.openChats, 2);
    const done = shutdown(server, [router], 1_000);
    // New chats are refused from now on.
    assert.equal((await request(app).post('/api/chat/stream').send(ask())).body.error.code, 'shutting_down');
    finishShort();
    const shortLines = await short.rest();
    const longLines = await long.rest();
    await done;
    assert.deepEqual(shortLines.map((l) => l.delta?.content ?? l.error?.code), ['a', 'b'], 'finished within the grace period');
    assert.equal(longLines.at(-1).error.code, 'shutting_down');
    assert.equal(router.openChats, 0);
    assert.equal(server.listening, false);
  });
});

describe('option errors name the option path', () => {
  const problems = (options: unknown) => {
    try {
      createChatRouter(options as never);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.problems;
    }
    return [];
  };
  it('orchestrator.url: required, rateLimit.max, limits.maxDepth, cors.origins', () => {
    assert.deepEqual(problems({ orchestrator: {} }), ['createChatRouter: orchestrator.url: required']);
    assert.deepEqual(problems({}), ['createChatRouter: orchestrator: required']);
    assert.deepEqual(problems({ orchestrator: { url: 'ftp://x' } }), ['createChatRouter: orchestrator.url: must be an http(s) URL']);
    assert.deepEqual(
      problems({ orchestrator: { url: 'http://127.0.0.1:1/score', timeoutMs: -1 }, rateLimit: { max: 0 }, limits: { maxDepth: 'deep' }, cors: { origins: [] } }),
      [
        'createChatRouter: rateLimit.max: must be a positive integer',
        'createChatRouter: cors.origins: must list at least one origin',
        'createChatRouter: limits.maxDepth: must be a number',
        'createChatRouter: orchestrator.timeoutMs: must be a positive integer',
      ],
    );
  });
});

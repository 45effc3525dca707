/**
 * Limits shared by two app instances through a real redis-server (started here on a free
 * loopback port, no persistence, stopped at the end): what one instance counts, the other sees.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { customAuth, redisStore, type LimitStore } from '../src/index.js';
import { ask, openStream, post, sse, startApp, startStandIn, type App, type StandIn } from './helpers.js';

let redis: ChildProcess | undefined;
let url = '';
const cleanup: Array<() => Promise<void>> = [];

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    redis!.once('error', reject);
    redis!.stdout!.on('data', (d: Buffer) => /Ready to accept connections/.test(String(d)) && resolve());
  });
  url = `redis://127.0.0.1:${port}`;
});
after(async () => {
  for (const c of cleanup.reverse()) await c();
  redis?.kill();
});

const byHeader = customAuth((req) => ({ id: String(req.headers['x-user']) }));

async function twoInstances(upstream: StandIn, options: Record<string, unknown>): Promise<{ a: App; b: App; stores: LimitStore[] }> {
  const prefix = `t${Math.random().toString(36).slice(2)}:`;
  // A loaded machine can take more than the default 2 s to connect; these tests are not about that.
  const stores = [redisStore({ url, prefix, connectTimeoutMs: 30_000 }), redisStore({ url, prefix, connectTimeoutMs: 30_000 })];
  const [a, b] = await Promise.all(stores.map((store) => startApp({ orchestrator: { url: upstream.url, key: 'k' }, auth: byHeader, store, ...options })));
  cleanup.push(a!.close, b!.close, async () => void (await Promise.all(stores.map((s) => s.close?.()))));
  return { a: a!, b: b!, stores };
}

describe('Redis store shared by two instances', () => {
  it('one request rate across both instances', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const { a, b } = await twoInstances(upstream, { rateLimit: { max: 3, windowMs: 60_000 } });
    const as = (app: App, u = 'alice') => post(`${app.url}/stream`, ask(), { 'x-user': u });
    assert.deepEqual([(await as(a)).status, (await as(b)).status, (await as(a)).status], [200, 200, 200]);
    const limited = await as(b);
    assert.equal(limited.status, 429, 'the fourth, on the other instance, is over the shared limit');
    assert.equal(limited.json.error.code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await as(b, 'bob')).status, 200);
  });

  it('one concurrent-stream limit across both instances', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const upstream = await startStandIn(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"answer":"first"}\n\n');
      await gate;
      res.end();
    });
    cleanup.push(upstream.close);
    const { a, b } = await twoInstances(upstream, { rateLimit: { max: 100, concurrentStreams: 1 } });
    const held = await openStream(`${a.url}/stream`, ask(), { 'x-user': 'alice' });
    await held.next();
    const other = await post(`${b.url}/stream`, ask(), { 'x-user': 'alice' });
    assert.equal(other.status, 429);
    assert.match(other.json.error.message, /At most 1 answers? at once/);
    release();
    await held.rest();
    // Release is sent when the stream ends; wait until Redis has it, then the slot is free.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) status = (await post(`${b.url}/stream`, ask(), { 'x-user': 'alice' })).status;
    assert.equal(status, 200);
  });

  it('one token quota across both instances, counted from reported usage', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }, { usage: { prompt_tokens: 70, completion_tokens: 30 } }]));
    cleanup.push(upstream.close);
    const { a, b, stores } = await twoInstances(upstream, { quotas: { perVisitorPerDay: 100 } });
    assert.equal((await post(`${a.url}/stream`, ask(), { 'x-user': 'alice' })).status, 200);
    // The charge is written after the stream ends; wait for it to land in Redis.
    const day = Math.floor(Date.now() / 86_400_000);
    for (let i = 0; i < 100 && (await stores[1]!.getCounters([`q:${day}:total`]))[0] === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(await stores[1]!.getCounters([`q:${day}:total`]), [100]);
    const over = await post(`${b.url}/stream`, ask(), { 'x-user': 'alice' });
    assert.equal(over.status, 429);
    assert.equal(over.json.error.code, 'quota_exceeded');
    assert.ok(Number(over.headers['retry-after']) > 0);
  });

  it('takes a slot and reads the quota counters in one call, and gives the slot back and charges in one call', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const { stores } = await twoInstances(upstream, { rateLimit: false });
    const [a, b] = stores as [Required<LimitStore>, Required<LimitStore>];
    const slot = { key: 's:carol', max: 1, ttlMs: 60_000 };
    const resetAt = Date.now() + 60_000;
    assert.deepEqual(await a.acquireAndGet(slot, ['q:carol', 'q:total']), { acquired: true, counters: [0, 0] });
    assert.deepEqual(await b.acquireAndGet(slot, ['q:carol', 'q:total']), { acquired: false, counters: [0, 0] }, 'one slot across both instances');
    await a.releaseAndAdd('s:carol', ['q:carol', 'q:total'], 7.2, resetAt);
    assert.deepEqual(await b.acquireAndGet(slot, ['q:carol', 'q:total']), { acquired: true, counters: [8, 8] }, 'slot back, tokens rounded up and counted');
    await b.releaseAndAdd(undefined, ['q:total'], 2, resetAt);
    assert.deepEqual(await a.acquireAndGet(undefined, ['q:carol', 'q:total']), { acquired: true, counters: [8, 10] }, 'no slot asked: counters only');
    await b.releaseAndAdd('s:carol', [], 0, resetAt);
    assert.deepEqual(await a.getCounters(['s:carol']), [0], 'the slot key is gone once free');
  });

  it('fails closed, with a log line, when Redis is unreachable', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    cleanup.push(upstream.close);
    const store = redisStore({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 100 });
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, store, rateLimit: { max: 5 } });
    cleanup.push(app.close, async () => store.close?.());
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 502);
    assert.equal(reply.json.error.code, 'upstream_unavailable');
    assert.match(reply.json.error.message, /cannot check its limits/);
    assert.ok(app.logger.entries.some((e) => /limit store failed/.test(e.message)));
    assert.equal(upstream.requests.length, 0);
  });
});

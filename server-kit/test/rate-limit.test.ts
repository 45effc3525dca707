/**
 * Limits in the router: request rate (express-rate-limit), concurrent streams and token quotas,
 * per principal, else per address as far as the trusted proxies vouch for it. The same behaviour
 * against Redis, shared by two app instances: redis-limits.test.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { customAuth, memoryStore, stripPort, type LimitStore } from '../src/index.js';
import { ask, openStream, post, sse, startApp, startStandIn, type StandIn } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const byHeader = customAuth((req) => ({ id: String(req.headers['x-user']) }));

/** A memory store that records every key it is asked about. */
function spyStore(): LimitStore & { keys: Set<string> } {
  const inner = memoryStore();
  const keys = new Set<string>();
  return {
    ...inner,
    keys,
    rateLimitStore(prefix) {
      const s = inner.rateLimitStore(prefix);
      const increment = s.increment.bind(s);
      s.increment = (key: string) => {
        keys.add(key);
        return increment(key);
      };
      return s;
    },
    acquire: (key, max, ttl) => (keys.add(key), inner.acquire(key, max, ttl)),
    getCounters: (k) => (k.forEach((x) => keys.add(x)), inner.getCounters(k)),
  };
}

describe('stripPort', () => {
  it('strips ports from IPv4 and bracketed IPv6, leaves bare IPv6', () => {
    assert.equal(stripPort('203.0.113.7:51234'), '203.0.113.7');
    assert.equal(stripPort('[2001:db8::1]:443'), '2001:db8::1');
    assert.equal(stripPort('2001:db8::1'), '2001:db8::1');
    assert.equal(stripPort('::ffff:127.0.0.1'), '::ffff:127.0.0.1');
    assert.equal(stripPort('10.0.0.1'), '10.0.0.1');
  });
});

describe('request rate', () => {
  it('answers 429 rate_limited with Retry-After, per address from the one trusted proxy (port stripped)', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { windowMs: 60_000, max: 2 }, trustedProxies: 1 });
    cleanup.push(upstream.close, app.close);
    const from = (xff: string) => post(`${app.url}/stream`, ask(), { 'x-forwarded-for': xff });
    assert.equal((await from('198.51.100.1:1111')).status, 200);
    assert.equal((await from('10.9.9.9, 198.51.100.1:2222')).status, 200, 'same address; the forged left part is ignored');
    const limited = await from('198.51.100.1:3333');
    assert.equal(limited.status, 429);
    assert.deepEqual(Object.keys(limited.json.error).sort(), ['code', 'message', 'retryAfterSeconds']);
    assert.equal(limited.json.error.code, 'rate_limited');
    const retry = Number(limited.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${limited.headers['retry-after']}`);
    assert.equal(limited.json.error.retryAfterSeconds, retry);
    assert.equal((await from('198.51.100.2:1111')).status, 200, 'another address has its own budget');
    assert.equal(upstream.requests.length, 3, 'the refused request never reached the orchestrator');
  });

  it('believes no X-Forwarded-For without trusted proxies: a forged header cannot buy a fresh budget', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { max: 1 } });
    cleanup.push(upstream.close, app.close);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-forwarded-for': '1.1.1.1' })).status, 200);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-forwarded-for': '2.2.2.2' })).status, 429);
  });

  it('keys by principal when signed in, regardless of address', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { max: 1 }, auth: byHeader, trustedProxies: 1 });
    cleanup.push(upstream.close, app.close);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'alice', 'x-forwarded-for': '1.1.1.1' })).status, 200);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'alice', 'x-forwarded-for': '2.2.2.2' })).status, 429);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'bob', 'x-forwarded-for': '1.1.1.1' })).status, 200);
  });

  it('is on by default (20 per minute)', async (t) => {
    // No timing assumptions: the clock the limiter reads stands still, so however slow the
    // machine, all 21 requests fall in one window; each on its own connection (no keep-alive
    // reuse racing the server's idle timeout); one at a time, so the default of 3 concurrent
    // streams never comes into play.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: undefined });
    cleanup.push(upstream.close, app.close);
    const replies: string[] = [];
    for (let i = 0; i < 21; i++) {
      const r = await post(`${app.url}/stream`, ask(), { connection: 'close' });
      replies.push(r.status === 200 ? '200' : `${r.status} ${r.text}`);
    }
    assert.deepEqual(replies.slice(0, 20), Array(20).fill('200'));
    assert.match(replies[20]!, /^429 .*"rate_limited"/);
    assert.match(replies[20]!, /"retryAfterSeconds":60\b/, 'a one-minute window, opened by the first request (the clock stands still)');
  });

  it('does not count requests refused by the content-type or shape checks (cross-site no-cors text/plain POSTs)', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { max: 1 } });
    cleanup.push(upstream.close, app.close);
    for (let i = 0; i < 5; i++) {
      assert.equal((await post(`${app.url}/stream`, JSON.stringify(ask()), { 'content-type': 'text/plain' })).status, 415);
      assert.equal((await post(`${app.url}/stream`, { messages: [] })).status, 400);
    }
    assert.equal((await post(`${app.url}/stream`, ask())).status, 200, 'the visitor still has the whole budget');
  });

  it('keeps keys small whatever the id, and never locks out a newcomer (100 000 forged 8 KB ids attack)', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const store = spyStore();
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { max: 1 }, auth: byHeader, store });
    cleanup.push(upstream.close, app.close);
    const huge = (i: number) => `${i}-${'x'.repeat(8 * 1024)}`;
    for (let i = 0; i < 40; i++) assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': huge(i) })).status, 200);
    assert.ok(store.keys.size >= 40);
    for (const k of store.keys) assert.ok(k.length <= 40, `key of ${k.length} characters`);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'newcomer' })).status, 200);
  });
});

describe('concurrent streams', () => {
  it('allows concurrentStreams answers at once per visitor, and frees the slot when one ends', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const upstream = await startStandIn(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"answer":"first"}\n\n');
      await gate;
      res.end('data: {"answer":" last"}\n\n');
    });
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { max: 100, concurrentStreams: 2 }, auth: byHeader });
    cleanup.push(upstream.close, app.close);
    const a = await openStream(`${app.url}/stream`, ask(), { 'x-user': 'alice' });
    const b = await openStream(`${app.url}/stream`, ask(), { 'x-user': 'alice' });
    await a.next();
    await b.next();
    const third = await post(`${app.url}/stream`, ask(), { 'x-user': 'alice' });
    assert.equal(third.status, 429);
    assert.equal(third.json.error.code, 'rate_limited');
    assert.match(third.json.error.message, /At most 2 answers at once/);
    assert.equal((await openStream(`${app.url}/stream`, ask(), { 'x-user': 'bob' })).res.statusCode, 200, 'bob has his own slots');
    release();
    await a.rest();
    await b.rest();
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'alice' })).status, 200, 'slots come back');
  });
});

describe('checks made at once', () => {
  // Rate, quota and slot are checked together; a chat refused by one must give back the slot
  // the others took, or the visitor would be locked out of streaming for the slot's lifetime.
  it('a chat refused by the rate limit gives its streaming slot back', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() }); // the window ends when the test says
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { max: 1, windowMs: 60_000, concurrentStreams: 1 }, auth: byHeader });
    cleanup.push(upstream.close, app.close);
    const alice = () => post(`${app.url}/stream`, ask(), { 'x-user': 'alice', connection: 'close' });
    assert.equal((await alice()).status, 200);
    for (let i = 0; i < 3; i++) assert.match((await alice()).text, /"rate_limited".*Too many questions/);
    t.mock.timers.tick(61_000);
    const next = await alice();
    assert.equal(next.status, 200, `a new window, and the one slot is free: ${next.text}`);
  });

  it('a chat refused by the quota gives its streaming slot back', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } }]));
    const store = memoryStore();
    const taken: string[] = [];
    const spy: LimitStore = {
      ...store,
      acquire: async (key, max, ttl) => {
        const ok = await store.acquire(key, max, ttl);
        if (ok) taken.push(key);
        return ok;
      },
      release: async (key) => {
        taken.splice(taken.indexOf(key), 1);
        return store.release(key);
      },
    };
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { max: 100, concurrentStreams: 1 }, quotas: { perVisitorPerDay: 15 }, auth: byHeader, store: spy });
    cleanup.push(upstream.close, app.close);
    const alice = () => post(`${app.url}/stream`, ask(), { 'x-user': 'alice' });
    assert.equal((await alice()).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await alice()).json.error.code, 'quota_exceeded');
    assert.deepEqual(taken, [], 'every slot taken was given back');
  });
});

describe('token quotas', () => {
  async function quotaApp(upstream: StandIn, quotas: { perVisitorPerDay?: number; totalPerDay?: number }) {
    const ends: any[] = [];
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, auth: byHeader, quotas, onChatEnd: (e) => ends.push(e) });
    cleanup.push(app.close);
    return { app, ends };
  }

  it('counts reported usage per visitor and answers 429 quota_exceeded with Retry-After until midnight UTC', async () => {
    const upstream = await startStandIn((_req, res) =>
      sse(res, [{ answer: 'ok' }, { usage: { prompt_tokens: 60, completion_tokens: 40, model: 'gpt-4o' } }]),
    );
    cleanup.push(upstream.close);
    const { app, ends } = await quotaApp(upstream, { perVisitorPerDay: 150 });
    const as = (u: string) => post(`${app.url}/stream`, ask(), { 'x-user': u });
    assert.equal((await as('alice')).status, 200);
    assert.equal(ends[0].tokens, 100);
    assert.equal((await as('alice')).status, 200, '100 used < 150: still allowed');
    const over = await as('alice');
    assert.equal(over.status, 429);
    assert.equal(over.json.error.code, 'quota_exceeded');
    assert.match(over.json.error.message, /resets at midnight UTC/);
    const now = new Date();
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    const retry = Number(over.headers['retry-after']);
    assert.ok(Math.abs(retry - (midnight - Date.now()) / 1000) < 5, `Retry-After ${retry}`);
    assert.equal(over.json.error.retryAfterSeconds, retry);
    assert.equal(upstream.requests.length, 2, 'refused before the orchestrator');
    assert.equal((await as('bob')).status, 200, 'bob has his own quota');
    // The JSON route counts the same way.
    assert.equal((await post(app.url, ask(), { 'x-user': 'alice' })).json.error.code, 'quota_exceeded');
  });

  it('has a total for everyone; extractive answers cost nothing; without usage the cost is estimated', async () => {
    let mode = 'extractive';
    const upstream = await startStandIn((_req, res) =>
      mode === 'extractive'
        ? sse(res, [{ citations: [], mode: 'extractive' }, { answer: 'quoted' }, { usage: { prompt_tokens: 0, completion_tokens: 0 } }])
        : sse(res, [{ answer: 'x'.repeat(800) }]),
    );
    cleanup.push(upstream.close);
    const { app, ends } = await quotaApp(upstream, { totalPerDay: 150 });
    for (let i = 0; i < 5; i++) assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': `v${i}` })).status, 200);
    assert.ok(ends.every((e) => e.tokens === 0));
    mode = 'generative';
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'carol' })).status, 200);
    assert.ok(ends.at(-1).tokens >= 200, `estimated ${ends.at(-1).tokens} tokens for 800 characters`);
    const over = await post(`${app.url}/stream`, ask(), { 'x-user': 'dave' });
    assert.equal(over.json.error.code, 'quota_exceeded', 'the total is shared');
    assert.match(over.json.error.message, /The chat has used up its allowance/);
  });
});

/** The fixed-window limiter, alone and in the router (per principal, else per IP without port). */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRateLimiter, customAuth, stripPort } from '../src/index.js';
import { ask, post, sse, startApp, startStandIn } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('createRateLimiter', () => {
  it('allows max per window per key, then throws rate_limited with the seconds left', () => {
    const limiter = createRateLimiter({ windowMs: 60_000, max: 2 });
    const t = 60_000 * 16_667 + 20_000; // 20 s into a window
    limiter.hit('a', t);
    limiter.hit('a', t);
    limiter.hit('b', t);
    assert.throws(
      () => limiter.hit('a', t),
      (e: any) => e.code === 'rate_limited' && e.status === 429 && e.retryAfterSeconds === 40,
    );
    limiter.hit('a', t + 40_000); // next window
  });

  it('refuses invalid options', () => {
    assert.throws(() => createRateLimiter({ max: 0 }));
    assert.throws(() => createRateLimiter({ windowMs: -1 }));
  });

  it('strips ports from IPv4 and bracketed IPv6, leaves bare IPv6', () => {
    assert.equal(stripPort('203.0.113.7:51234'), '203.0.113.7');
    assert.equal(stripPort('[2001:db8::1]:443'), '2001:db8::1');
    assert.equal(stripPort('2001:db8::1'), '2001:db8::1');
    assert.equal(stripPort('::ffff:127.0.0.1'), '::ffff:127.0.0.1');
    assert.equal(stripPort('10.0.0.1'), '10.0.0.1');
  });
});

describe('rate limiting in the router', () => {
  it('answers 429 rate_limited with Retry-After, per IP (port stripped from X-Forwarded-For)', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: { windowMs: 60_000, max: 2 } }, (a) =>
      a.set('trust proxy', 1),
    );
    cleanup.push(upstream.close, app.close);
    const from = (xff: string) => post(`${app.url}/stream`, ask(), { 'x-forwarded-for': xff });
    assert.equal((await from('198.51.100.1:1111')).status, 200);
    assert.equal((await from('198.51.100.1:2222')).status, 200, 'same IP, another port');
    const limited = await from('198.51.100.1:3333');
    assert.equal(limited.status, 429);
    assert.deepEqual(Object.keys(limited.json.error).sort(), ['code', 'message', 'retryAfterSeconds']);
    assert.equal(limited.json.error.code, 'rate_limited');
    const retry = Number(limited.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${limited.headers['retry-after']}`);
    assert.equal(limited.json.error.retryAfterSeconds, retry);
    assert.equal((await from('198.51.100.2:1111')).status, 200, 'another IP has its own budget');
    assert.equal(upstream.requests.length, 3, 'the refused request never reached the orchestrator');
  });

  it('keys by principal when signed in, regardless of IP', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp(
      {
        orchestrator: { url: upstream.url, key: 'k' },
        rateLimit: { max: 1 },
        auth: customAuth((req) => ({ id: String(req.headers['x-user']) })),
      },
      (a) => a.set('trust proxy', 1),
    );
    cleanup.push(upstream.close, app.close);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'alice', 'x-forwarded-for': '1.1.1.1' })).status, 200);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'alice', 'x-forwarded-for': '2.2.2.2' })).status, 429);
    assert.equal((await post(`${app.url}/stream`, ask(), { 'x-user': 'bob', 'x-forwarded-for': '1.1.1.1' })).status, 200);
  });

  it('is on by default (20 per minute)', async () => {
    const upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
    const app = await startApp({ orchestrator: { url: upstream.url, key: 'k' }, rateLimit: undefined });
    cleanup.push(upstream.close, app.close);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await post(`${app.url}/stream`, ask())).status);
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(200));
    assert.equal(statuses[20], 429);
  });
});

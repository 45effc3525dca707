/** The response body the relay reads (upstream-call.ts): buffering before a reader, flow control, abort. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { BodyTooLargeError, dispatchCall, UpstreamBody } from '../src/upstream-call.js';

function fakeController() {
  const calls: string[] = [];
  let paused = false;
  let aborted = false;
  return {
    calls,
    pause: () => (calls.push('pause'), (paused = true)),
    // undici's controller: resume does something only when paused.
    resume: () => {
      if (paused) calls.push('resume');
      paused = false;
    },
    abort: () => (calls.push('abort'), (aborted = true)),
    get paused() {
      return paused;
    },
    get aborted() {
      return aborted;
    },
    reason: null,
  };
}

describe('UpstreamBody', () => {
  it('keeps what arrives before a reader attaches and hands it over in order, then the end', () => {
    const c = fakeController();
    const body = new UpstreamBody();
    body.bind(c as never);
    body.push(Buffer.from('a'));
    body.push(Buffer.from('b'));
    body.finish();
    const got: string[] = [];
    body.attach({ data: (x) => got.push(String(x)), end: () => got.push('end'), error: () => got.push('error') });
    assert.deepEqual(got, ['a', 'b', 'end']);
    assert.deepEqual(c.calls, [], 'a small head-time buffer needs no pause');
    body.destroy();
    assert.deepEqual(c.calls, [], 'an ended body is not aborted');
  });

  it('pauses the socket when more than 64 KB waits for a reader, and resumes it when one attaches', () => {
    const c = fakeController();
    const body = new UpstreamBody();
    body.bind(c as never);
    for (let i = 0; i < 3; i++) body.push(Buffer.alloc(30 * 1024));
    assert.deepEqual(c.calls, ['pause']);
    let bytes = 0;
    body.attach({ data: (x) => (bytes += x.length), end: () => {}, error: () => {} });
    assert.equal(bytes, 90 * 1024);
    assert.deepEqual(c.calls, ['pause', 'resume']);
  });

  it('hands a failure to the reader, and aborts a body still arriving when dropped', () => {
    const c = fakeController();
    const body = new UpstreamBody();
    body.bind(c as never);
    const errors: Error[] = [];
    body.attach({ data: () => {}, end: () => {}, error: (e) => errors.push(e as Error) });
    body.destroy();
    assert.deepEqual(c.calls, ['abort']);
    body.fail(new Error('late'));
    assert.equal(errors.length, 0, 'nothing after a drop');
    const other = new UpstreamBody();
    other.attach({ data: () => {}, end: () => {}, error: (e) => errors.push(e as Error) });
    other.fail(new Error('cut'));
    assert.equal(errors[0]?.message, 'cut');
  });

  it('text() refuses a body over its limit and drops it', async () => {
    const c = fakeController();
    const body = new UpstreamBody();
    body.bind(c as never);
    const text = body.text(4);
    body.push(Buffer.from('12345'));
    await assert.rejects(text, BodyTooLargeError);
    assert.deepEqual(c.calls, ['abort']);
  });
});

describe('dispatchCall and its signal', () => {
  it('aborting mid-stream closes the upstream request', { timeout: 10_000 }, async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"answer":"first"}\n\n');
      res.on('close', () => upstreamClosed()); // never ended by the server: only the abort closes it
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pool = new Pool(origin);
    try {
      const controller = new AbortController();
      const head = await dispatchCall(pool, { origin, path: '/score', method: 'POST', body: '{}' }, controller.signal);
      assert.equal(head.statusCode, 200);
      const failed = new Promise<unknown>((resolve) => head.body.attach({ data: () => controller.abort('visitor left'), end: () => resolve('ended'), error: resolve }));
      assert.equal(await failed, 'visitor left', 'the body fails with the abort reason');
      await closed;
    } finally {
      await pool.destroy();
      server.close();
    }
  });
});

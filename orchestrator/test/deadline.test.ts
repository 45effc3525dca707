/** The per-step deadline that replaced AbortSignal.any + AbortSignal.timeout in the flow. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { deadline } from '../src/deadline.js';

describe('deadline', { timeout: 10_000 }, () => {
  // Its timer is unref'd (a server's sockets keep the process alive, not a deadline): here
  // something must, or the test process could end before the timer fires.
  let alive: NodeJS.Timeout;
  before(() => void (alive = setInterval(() => {}, 1_000)));
  after(() => clearInterval(alive));

  it('aborts with a TimeoutError when the time is up, and says so', async () => {
    const d = deadline(undefined, 5);
    await once(d.signal, 'abort');
    assert.equal(d.timedOut, true);
    assert.equal((d.signal.reason as DOMException).name, 'TimeoutError');
  });

  it('follows its parent (reason included), which is not a timeout', () => {
    const parent = new AbortController();
    const d = deadline(parent.signal, 60_000);
    parent.abort(new Error('visitor left'));
    assert.equal(d.signal.aborted, true);
    assert.equal((d.signal.reason as Error).message, 'visitor left');
    assert.equal(d.timedOut, false);
    d.dispose();
  });

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort();
    assert.equal(deadline(parent.signal, 60_000).signal.aborted, true);
  });

  it('once disposed, neither the timer nor the parent aborts it', async () => {
    const parent = new AbortController();
    const d = deadline(parent.signal, 5);
    d.dispose();
    parent.abort();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(d.signal.aborted, false);
    assert.equal(d.timedOut, false);
  });
});

import { expect } from '@esm-bundle/chai';
import { $, $$, ask, cleanup, done, fixture, mock } from './helpers.js';
import type { GroundedChatElement } from '../src/index.js';

const alertText = async (el: GroundedChatElement) => {
  await done(el);
  await el.updateComplete;
  return $(el, '[role=alert]')!.textContent!.replace(/\s+/g, ' ').trim();
};

/** Makes navigator.onLine read `value` for the duration of `fn`. */
async function withOnLine<T>(value: boolean, fn: () => Promise<T>): Promise<T> {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value });
  try {
    return await fn();
  } finally {
    delete (navigator as { onLine?: boolean }).onLine;
  }
}

describe('errors a visitor can act on', () => {
  afterEach(cleanup);

  describe('quota_exceeded (429 with Retry-After until the daily reset)', () => {
    const quota = (headers: Record<string, string>) =>
      mock({ status: 429, headers, body: { error: { code: 'quota_exceeded', message: 'Daily quota used up' } } });

    it('says the quota is used up and when it resets, in the page language', async () => {
      const el = await fixture({ endpoint: quota({ 'retry-after': '7200' }) });
      const before = Date.now();
      await ask(el, 'q');
      const text = await alertText(el);
      const times = [0, 60_000].map((slack) => new Date(before + 7200_000 + slack).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' }));
      expect(text).to.contain('quota is used up');
      expect(times.some((t) => text.includes(`resets at ${t}`)), `${text} vs ${times}`).to.equal(true);
      expect(el.messages.at(-1)!.error!.code).to.equal('quota_exceeded');
      expect(el.messages.at(-1)!.error!.retryAfterSeconds).to.equal(7200);
      expect(text).to.not.contain('Daily quota used up'); // the server's message is not the visitor's
    });

    it('without Retry-After it says to come back tomorrow', async () => {
      const el = await fixture({ endpoint: quota({}) });
      await ask(el, 'q');
      expect(await alertText(el)).to.contain('Try again tomorrow');
    });

    it('the words are overridable, with {time}', async () => {
      const el = await fixture({ endpoint: quota({ 'retry-after': '60' }) }, { strings: { errors: { quota_exceeded: 'Plus de questions avant {time}.' } } });
      await ask(el, 'q');
      expect(await alertText(el)).to.match(/^Plus de questions avant \d{1,2}:\d{2}( [AP]M)?\. ?Retry$/);
    });
  });

  describe('blocked or offline, as far as the browser tells', () => {
    it('offline: navigator.onLine is false and fetch fails', async () => {
      const el = await fixture({}, { fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
      const text = await withOnLine(false, async () => (await ask(el, 'q'), alertText(el)));
      expect(text).to.contain('offline');
      expect(el.messages.at(-1)!.error!.code).to.equal('offline');
    });

    it('online and fetch fails: the page may not reach the service (not "offline")', async () => {
      const el = await fixture({}, { fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
      const text = await withOnLine(true, async () => (await ask(el, 'q'), alertText(el)));
      expect(text).to.contain('could not reach the chat service');
      expect(text).to.not.contain('offline');
      expect(el.messages.at(-1)!.error!.code).to.equal('network_blocked');
    });

    it('a real CORS refusal (another origin that sends no CORS headers) reads as blocked', async () => {
      // The test server answers on localhost and 127.0.0.1: the other name is another origin.
      const other = new URL(location.href);
      other.hostname = other.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
      const el = await fixture({ endpoint: other.origin + mock({ lines: [{ delta: { content: 'never shown' } }] }) });
      await ask(el, 'q');
      const text = await alertText(el);
      expect(el.messages.at(-1)!.error!.code).to.equal('network_blocked');
      expect(text).to.contain('could not reach the chat service');
      expect(el.messages.at(-1)!.content).to.equal('');
    });

    it('an answer that failed before any text shows the error alone: no empty bubble above it', async () => {
      const el = await fixture({ endpoint: mock({ status: 503, body: { error: { code: 'upstream_unavailable', message: 'x' } } }) });
      await ask(el, 'q');
      await alertText(el);
      const last = $$(el, '.msg.assistant').at(-1)!;
      expect(last.querySelector('.bubble')).to.equal(null);
      expect(last.querySelector('[part=error]')).to.not.equal(null);
    });
  });
});

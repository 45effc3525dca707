import { expect } from '@esm-bundle/chai';
import type { ChatRequest } from '../src/index.js';
import { $, $$, answer, ask, cleanup, done, fixture, lastAnswer, mock, waitFor, loadMarkdownChunk } from './helpers.js';

const spy = (el: { fetch: typeof fetch }) => {
  const calls: { url: string; body: ChatRequest; headers: Record<string, string> }[] = [];
  el.fetch = (input, init) => {
    calls.push({ url: String(input), body: JSON.parse(String(init!.body)), headers: init!.headers as Record<string, string> });
    return fetch(input, init);
  };
  return calls;
};

describe('conversation', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  it('stop aborts the request and keeps what arrived', async () => {
    const el = await fixture({ endpoint: mock({ lines: [{ delta: { content: 'Partial answer' } }], hang: true }) });
    await ask(el, 'q');
    await waitFor(() => lastAnswer(el)?.textContent?.includes('Partial answer'), 'partial text');
    expect($(el, '[part=stop-button]')).to.not.equal(null);
    $(el, '[part=stop-button]')!.click();
    await done(el);
    await el.updateComplete;
    expect(el.messages.at(-1)).to.include({ status: 'stopped', content: 'Partial answer' });
    expect(lastAnswer(el)!.textContent).to.contain('Stopped.');
    expect($(el, '[part=send-button]')).to.not.equal(null);
  });

  it('Escape stops a stream', async () => {
    const el = await fixture({ endpoint: mock({ lines: [{ delta: { content: 'x' } }], hang: true }) });
    await ask(el, 'q');
    await waitFor(() => el.messages.at(-1)?.content === 'x', 'partial');
    $(el, 'textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await done(el);
    expect(el.messages.at(-1)!.status).to.equal('stopped');
  });

  it('Enter sends, Shift+Enter does not', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('ok') }) });
    const input = $<HTMLTextAreaElement>(el, 'textarea')!;
    input.value = 'line 1';
    input.dispatchEvent(new Event('input'));
    const shift = new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true, cancelable: true });
    input.dispatchEvent(shift);
    expect(shift.defaultPrevented).to.equal(false);
    expect(el.messages.length).to.equal(0);
    await ask(el, 'line 1\nline 2');
    await done(el);
    expect(el.messages[0]!.content).to.equal('line 1\nline 2');
    expect(input.value).to.equal('');
  });

  it('shows an error in plain words and retries', async () => {
    const el = await fixture({ endpoint: mock({ status: 503, body: { error: { code: 'upstream_unavailable', message: 'Orchestrator down: ECONNREFUSED 10.0.0.1' } } }) });
    const errors: unknown[] = [];
    el.addEventListener('grounded-chat:error', (e) => errors.push(e.detail.error.code));
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    const alert = $(el, '[role=alert]')!;
    expect(alert.textContent).to.contain('The assistant is unavailable right now');
    expect(alert.textContent).to.not.contain('ECONNREFUSED');
    expect(errors).to.deep.equal(['upstream_unavailable']);
    el.endpoint = mock({ lines: answer('Now it works.') });
    const calls = spy(el);
    alert.querySelector('button')!.click();
    await waitFor(() => el.messages.at(-1)?.status === 'done', 'the retried answer');
    expect(el.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant']);
    expect(calls[0]!.body.messages).to.deep.equal([{ role: 'user', content: 'q' }]);
    expect($(el, '[role=alert]')).to.equal(null);
  });

  it('regenerates the last answer', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('First answer.') }) });
    const calls = spy(el);
    await ask(el, 'q1');
    await done(el);
    await el.updateComplete;
    el.endpoint = mock({ lines: answer('Second answer.') });
    (await waitFor(() => $(el, '.regenerate'), 'the regenerate button')).click();
    await waitFor(() => el.messages.at(-1)?.content === 'Second answer.' && el.messages.at(-1)?.status === 'done', 'the new answer');
    expect(el.messages.map((m) => m.content)).to.deep.equal(['q1', 'Second answer.']);
    expect(calls[1]!.body.messages).to.deep.equal([{ role: 'user', content: 'q1' }]);
    expect(calls[1]!.body.sessionState).to.equal('state-1');
  });

  it('sends earlier turns as user/assistant messages, never system', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('A2') }) });
    el.messages = [
      { id: '1', role: 'user', content: 'Q1' },
      { id: '2', role: 'assistant', content: 'A1', status: 'done' },
    ];
    const calls = spy(el);
    await ask(el, 'Q2');
    await done(el);
    expect(calls[0]!.url).to.match(/\/stream$/);
    expect(calls[0]!.body.messages).to.deep.equal([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
    expect(JSON.stringify(calls[0]!.body)).to.not.contain('system');
  });

  it('copies an answer', async () => {
    let copied = '';
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (t: string) => void (copied = t) } });
    const el = await fixture({ endpoint: mock({ lines: answer('Copy **me**.') }) });
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    $(el, '.actions button')!.click();
    await waitFor(() => copied, 'clipboard');
    expect(copied).to.equal('Copy **me**.');
  });

  const errorCases: [string, object, string][] = [
    ['an HTML page from a proxy', { status: 200, type: 'text/html', body: '<html><body>Gateway</body></html>' }, 'not a chat answer'],
    ['a 502 HTML page', { status: 502, type: 'text/html', body: '<html>Bad gateway</html>' }, 'unavailable right now'],
    ['rate limited with a delay', { status: 429, body: { error: { code: 'rate_limited', message: 'slow down', retryAfterSeconds: 12 } } }, 'Try again in 12 seconds'],
    ['rate limited by header', { status: 429, type: 'text/plain', body: 'Too Many', headers: { 'retry-after': '7' } }, 'Try again in 7 seconds'],
    ['rate limited until an HTTP date', { status: 429, type: 'text/plain', body: 'Too Many', headers: { 'retry-after': new Date(Date.now() + 90_000).toUTCString() } }, ' seconds.'],
    ['rate limited without a delay', { status: 429, type: 'text/plain', body: 'Too Many' }, 'Try again in a moment'],
    ['plain JSON that is not an answer', { status: 200, body: { ok: true, items: [] } }, 'not a chat answer'],
    ['a plain-text body', { status: 200, type: 'text/plain', body: 'OK' }, 'not a chat answer'],
    ['content filtered mid-stream', { lines: [{ delta: { content: 'Some text' } }, { error: { code: 'content_filtered', message: 'filtered' } }] }, 'blocked by the content filter'],
    ['a broken line', { lines: [{ delta: { content: 'a' } }, 'not json'] }, 'not a chat answer'],
    ['an unknown code', { status: 500, body: { error: { code: 'weird', message: 'x' } } }, 'Something went wrong'],
  ];
  for (const [label, script, text] of errorCases) {
    it(`reports ${label} clearly`, async () => {
      const el = await fixture({ endpoint: mock(script as never) });
      await ask(el, 'q');
      await done(el);
      await el.updateComplete;
      const alert = $(el, '[role=alert]')!;
      expect(alert.textContent).to.contain(text);
      // Never the raw body, nor a parser's message.
      expect(alert.textContent).to.not.match(/<html|Gateway|Too Many|JSON|Unexpected token|ok/);
    });
  }

  it('accepts a plain JSON answer', async () => {
    const el = await fixture({ endpoint: mock({ body: { message: { role: 'assistant', content: 'Whole **answer**', context: { citations: [{ id: '1', title: 'T', snippet: 's' }] } } } }) });
    await ask(el, 'q');
    await done(el);
    await waitFor(() => lastAnswer(el)!.querySelector('strong'), 'rendered');
    expect($$(el, '.sources .source').length).to.equal(1);
  });

  it('raises unauthorized and shows a sign-in link on 401', async () => {
    const el = await fixture({ endpoint: mock({ status: 401, body: { error: { code: 'unauthorized', message: 'no' } } }), 'login-url': '/.auth/login/aad' });
    let detail: unknown;
    el.addEventListener('grounded-chat:unauthorized', (e) => (detail = e.detail));
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    expect(detail).to.deep.equal({ loginUrl: '/.auth/login/aad' });
    expect($<HTMLAnchorElement>(el, '[role=alert] a')!.getAttribute('href')).to.equal('/.auth/login/aad');
    // login-url changed (or set) after the error: the notice follows it.
    el.loginUrl = '/signin';
    await el.updateComplete;
    expect($<HTMLAnchorElement>(el, '[role=alert] a')!.getAttribute('href')).to.equal('/signin');
    el.loginUrl = undefined;
    await el.updateComplete;
    expect($(el, '[role=alert] a')).to.equal(null);
    expect($(el, '[role=alert] button')!.textContent).to.contain('Retry');
  });

  it('adds headers and getHeaders() to requests, with same-origin credentials', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('ok') }) }, { headers: { 'x-static': '1' }, getHeaders: async () => ({ authorization: 'Bearer t0k' }) });
    let init: RequestInit | undefined;
    el.fetch = (input, i) => ((init = i), fetch(input, i));
    await ask(el, 'q');
    await done(el);
    expect(init!.headers).to.include({ 'x-static': '1', authorization: 'Bearer t0k', 'content-type': 'application/json' });
    expect(init!.credentials).to.equal('same-origin');
  });

  it('a canceled send event sends nothing; the request can be changed', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('ok') }) });
    const calls = spy(el);
    const cancel = (e: Event) => e.preventDefault();
    el.addEventListener('grounded-chat:send', cancel);
    await ask(el, 'q');
    expect(calls.length).to.equal(0);
    el.removeEventListener('grounded-chat:send', cancel);
    el.addEventListener('grounded-chat:send', (e) => (e.detail.request.context = { overrides: { top: 3 } }));
    await ask(el, 'q2');
    await done(el);
    expect(calls[0]!.body.context).to.deep.equal({ overrides: { top: 3 } });
  });

  it('fires response with the finished message', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Done.', { traceId: 't1' }) }) });
    const got = new Promise<CustomEvent>((r) => el.addEventListener('grounded-chat:response', r as never, { once: true }));
    await ask(el, 'q');
    const e = await got;
    expect(e.detail.message).to.include({ content: 'Done.', status: 'done' });
    expect(e.detail.message.context.traceId).to.equal('t1');
  });
});

describe('request limits', () => {
  afterEach(cleanup);

  it('keeps the request within the server kit limits: long turns cut, oldest dropped', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('ok') }) });
    const long = 'x'.repeat(20_000);
    el.messages = [
      { id: '1', role: 'user', content: 'oldest' },
      { id: '2', role: 'assistant', content: long, status: 'done' },
      { id: '3', role: 'user', content: 'older' },
      { id: '4', role: 'assistant', content: long, status: 'done' },
      { id: '5', role: 'user', content: 'recent' },
      { id: '6', role: 'assistant', content: long, status: 'done' },
    ];
    let body: ChatRequest | undefined;
    el.fetch = (input, init) => ((body = JSON.parse(String(init!.body))), fetch(input, init));
    await ask(el, 'now');
    await done(el);
    expect(body!.messages.at(-1)).to.deep.equal({ role: 'user', content: 'now' });
    expect(body!.messages.every((m) => m.content.length <= 8000)).to.equal(true);
    expect(JSON.stringify(body).length).to.be.lessThan(64 * 1024);
    expect(body!.messages.map((m) => m.content.slice(0, 6))).to.deep.equal(['older', 'xxxxxx', 'recent', 'xxxxxx', 'now']);
    expect(body!.messages[0]!.role).to.equal('user');
  });
});

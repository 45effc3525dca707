import { expect } from '@esm-bundle/chai';
import 'axe-core/axe.min.js';
import { $, answer, ask, cleanup, done, fixture, mock, waitFor } from './helpers.js';

type AxeResults = { violations: { id: string; help: string; nodes: { target: unknown; failureSummary?: string }[] }[] };
const axe = () => (window as unknown as { axe: { run(ctx: Element, opts?: object): Promise<AxeResults> } }).axe;

async function check(el: Element) {
  const r = await axe().run(el, { resultTypes: ['violations'] });
  const summary = r.violations.map((v) => `${v.id}: ${v.help}\n  ${v.nodes.map((n) => JSON.stringify(n.target) + ' ' + (n.failureSummary ?? '')).join('\n  ')}`);
  expect(summary, summary.join('\n')).to.deep.equal([]);
}

const CONTENT = [
  '## Setup',
  '',
  'Install it [1] and **run** `npm start` [2]. See [the docs](https://docs.example/).',
  '',
  '| Variable | Meaning |',
  '|---|---|',
  '| `PORT` | port |',
  '',
  '```sh',
  'npm start',
  '```',
  '',
  '> Note',
  '',
  '- a',
  '- b',
].join('\n');
const CONTEXT = {
  citations: [
    { id: '1', title: 'Getting started', snippet: 'Install it.', url: 'https://docs.example/start' },
    { id: '2', title: 'Commands', snippet: 'npm start runs it.' },
  ],
  followupQuestions: ['And in Azure?'],
};

describe('accessibility', () => {
  afterEach(cleanup);

  for (const theme of ['light', 'dark'] as const) {
    it(`a conversation has no axe violations (${theme})`, async () => {
      const el = await fixture({ theme, feedback: '', endpoint: mock({ lines: answer(CONTENT, CONTEXT, 12) }), suggestions: '["Start here"]' });
      await check(el);
      await ask(el, 'How do I start?');
      await done(el);
      await waitFor(() => $(el, '.bubble table'), 'markdown');
      el.messages = [...el.messages, { id: 'e', role: 'assistant', content: '', status: 'error', error: { code: 'rate_limited', message: '', retryAfterSeconds: 3 } }];
      await el.updateComplete;
      $(el, '.bubble .cite')!.click();
      await el.updateComplete;
      await check(el);
    });
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`the placeholder, which axe does not check, meets AA contrast (${theme})`, async () => {
      const el = await fixture({ theme });
      const rgb = (c: string) => c.match(/[\d.]+/g)!.slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const input = $(el, 'textarea')!;
      const fg = lum(getComputedStyle(input, '::placeholder').color);
      const bg = lum(getComputedStyle(input).backgroundColor);
      expect((Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)).to.be.at.least(4.5);
    });
  }

  it('the open launcher has no axe violations', async () => {
    const el = await fixture({ mode: 'launcher' });
    await check(el);
    el.show();
    await el.updateComplete;
    await check(el);
  });

  it('messages are in a labelled role=log region, busy while an answer streams', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Streaming words here.', {}, 2), delay: 20 }) });
    const log = $(el, '[role=log]')!;
    expect(log.getAttribute('aria-labelledby')).to.equal('title');
    await ask(el, 'q');
    await waitFor(() => log.getAttribute('aria-busy') === 'true', 'busy while streaming');
    await done(el);
    await el.updateComplete;
    expect(log.getAttribute('aria-busy')).to.equal('false');
    expect($(el, 'textarea')!.getAttribute('aria-label')).to.equal('Message');
  });

  it('the log announces the finished answer, not every token: each partial render is inside aria-busy', async () => {
    const text = 'One two three four five six seven eight nine ten eleven twelve.';
    const el = await fixture({ endpoint: mock({ lines: answer(text, {}, 3), delay: 40 }) });
    const log = $(el, '[role=log]')!;
    const partial: string[] = [];
    let finished: string | undefined;
    const mo = new MutationObserver(() => {
      const a = log.querySelector('.msg.assistant .bubble');
      const t = a?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
      if (!t || t === 'Thinking…') return;
      if (t === text) finished = log.getAttribute('aria-busy')!;
      else partial.push(log.getAttribute('aria-busy')!);
    });
    mo.observe(log, { subtree: true, childList: true, characterData: true, attributes: true });
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 0));
    mo.disconnect();
    expect(partial.length, 'partial renders').to.be.greaterThan(3);
    expect([...new Set(partial)], 'aria-busy during partial renders').to.deep.equal(['true']);
    expect(finished, 'aria-busy when the answer is complete').to.equal('false');
    // No other live region inside the log would announce the tokens.
    for (const n of log.querySelectorAll('[aria-live], [role=status], [role=alert]')) expect(n.textContent).to.not.contain('One two');
  });

  it('follows the answer at the bottom, stays put when scrolled up', async () => {
    const long = Array.from({ length: 80 }, (_, i) => `Line ${i}.`).join('\n\n');
    const el = await fixture({ endpoint: mock({ lines: answer(long, {}, 12), delay: 8 }) });
    await ask(el, 'q');
    const log = $(el, '.log')!;
    await waitFor(() => log.scrollHeight > log.clientHeight * 2, 'overflow');
    expect(log.scrollHeight - log.scrollTop - log.clientHeight).to.be.lessThan(30);
    log.scrollTop = 0;
    log.dispatchEvent(new Event('scroll'));
    await new Promise((r) => setTimeout(r, 100));
    expect(log.scrollTop).to.equal(0);
    await done(el);
  });

  it('strings are overridable, lang and dir are honoured', async () => {
    const el = await fixture({ lang: 'fr', dir: 'rtl' }, { strings: { title: 'Discussion', inputLabel: 'Votre message', errors: { network_blocked: 'Service injoignable.' } } });
    await el.updateComplete;
    expect($(el, 'h2')!.textContent).to.equal('Discussion');
    expect($(el, 'textarea')!.getAttribute('aria-label')).to.equal('Votre message');
    expect(getComputedStyle($(el, '.composer')!).direction).to.equal('rtl');
    el.fetch = () => Promise.reject(new TypeError('offline'));
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    expect($(el, '[role=alert]')!.textContent).to.contain('Service injoignable.');
  });
});

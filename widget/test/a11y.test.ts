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

  it('the open launcher has no axe violations', async () => {
    const el = await fixture({ mode: 'launcher' });
    await check(el);
    el.open();
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
    const el = await fixture({ lang: 'fr', dir: 'rtl' }, { strings: { title: 'Discussion', inputLabel: 'Votre message', errors: { network: 'Hors ligne.' } } });
    await el.updateComplete;
    expect($(el, 'h2')!.textContent).to.equal('Discussion');
    expect($(el, 'textarea')!.getAttribute('aria-label')).to.equal('Votre message');
    expect(getComputedStyle($(el, '.composer')!).direction).to.equal('rtl');
    el.fetch = () => Promise.reject(new TypeError('offline'));
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    expect($(el, '[role=alert]')!.textContent).to.contain('Hors ligne.');
  });
});

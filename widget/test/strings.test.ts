import { expect } from '@esm-bundle/chai';
import { defaultStrings, type GroundedChatElement, type GroundedChatStrings } from '../src/index.js';
import { $, $$, answer, ask, cleanup, done, fixture, mock, waitFor, loadMarkdownChunk } from './helpers.js';

/** Every string replaced by a marker naming its key. */
const MARKED = Object.fromEntries(
  Object.keys(defaultStrings).map((k) =>
    k === 'errors'
      ? [k, Object.fromEntries(Object.keys(defaultStrings.errors).map((c) => [c, `⟦errors.${c}⟧`]))]
      : [k, k === 'citation' ? '⟦citation {n} {title}⟧' : k === 'image' ? '⟦image {alt}⟧' : `⟦${k}⟧`],
  ),
) as unknown as GroundedChatStrings;

/** Everything a visitor sees or hears: text, and the attributes that label or describe. */
function collect(el: GroundedChatElement, into: string[]) {
  const walk = (n: Node) => {
    if (n.nodeType === Node.TEXT_NODE && n.textContent!.trim()) into.push(n.textContent!.trim());
    if (n instanceof Element) for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (n.hasAttribute(a)) into.push(n.getAttribute(a)!);
    n.childNodes.forEach(walk);
  };
  walk(el.shadowRoot!);
}

describe('strings', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  it('every visible and announced string comes from `strings`; no default is left', async () => {
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async () => undefined } });
    const seen: string[] = [];
    // Content free of any default English word.
    const content = 'Réponse [1] ![logo](https://img.example/a.png)\n\n```\nx = 1\n```';
    const context = { citations: [{ id: '1', title: 'Doc', snippet: 'extrait', url: 'https://docs.example/' }], followupQuestions: ['Et ensuite ?'], mode: 'extractive' };
    const el = await fixture({ mode: 'launcher', endpoint: mock({ lines: answer(content, context) }), suggestions: '["Par où commencer ?"]', 'login-url': '/login' }, { strings: MARKED });
    collect(el, seen);
    el.show();
    await el.updateComplete;
    collect(el, seen);
    await ask(el, 'Question');
    await done(el);
    await waitFor(() => $(el, '.bubble .cite'), 'the rendered answer');
    $<HTMLButtonElement>(el, '.actions button')!.click();
    await waitFor(() => $(el, '.actions button[aria-label="⟦copied⟧"]'), 'the copied state');
    collect(el, seen);
    $(el, '.bubble .cite')!.click();
    await el.updateComplete;
    collect(el, seen);
    // A stopped answer, the errors, and the sign-in link.
    el.messages = [
      ...el.messages,
      { id: 's', role: 'assistant', content: 'Partiel', status: 'stopped' },
      { id: 'c', role: 'assistant', content: 'Coupé', status: 'done', cut: true },
      { id: 'e5', role: 'assistant', content: '', status: 'error', error: { code: 'quota_exceeded', message: '' } },
      { id: 'e1', role: 'assistant', content: '', status: 'error', error: { code: 'rate_limited', message: '' } },
      { id: 'e2', role: 'assistant', content: '', status: 'error', error: { code: 'unauthorized', message: '' } },
      { id: 'e3', role: 'assistant', content: '', status: 'error', error: { code: 'no_such_code', message: '' } },
      { id: 'e4', role: 'assistant', content: '', status: 'error', error: { code: 'network', message: '' } },
    ];
    await el.updateComplete;
    collect(el, seen);
    el.loginUrl = undefined;
    await el.updateComplete;
    collect(el, seen);
    // The length counter near the limit, and the refusal past it.
    el.maxMessageLength = 10;
    const input = $<HTMLTextAreaElement>(el, 'textarea')!;
    for (const text of ['ééééééééé', 'éééééééééééé']) {
      input.value = text;
      input.dispatchEvent(new Event('input'));
      await el.updateComplete;
      collect(el, seen);
    }
    input.value = '';
    input.dispatchEvent(new Event('input'));
    el.maxMessageLength = 8000;
    // While an answer streams: the stop button and the thinking indicator.
    el.endpoint = mock({ lines: [], hang: true });
    void el.send('Encore');
    await waitFor(() => $(el, '.typing'), 'the thinking indicator');
    collect(el, seen);
    el.stop();
    await done(el);
    el.hide();
    await el.updateComplete;
    collect(el, seen);

    const all = seen.join('\n');
    const unmarked = seen.map((t) => t.replace(/⟦[^⟧]*⟧/g, ' ')).join('\n');
    for (const [key, value] of Object.entries(defaultStrings)) {
      if (key === 'errors') continue;
      expect(unmarked, `default "${key}" shown`).to.not.contain(String(value).replace(/\{\w+\}.*$/, ''));
    }
    for (const value of Object.values(defaultStrings.errors)) expect(unmarked).to.not.contain(value.replace(/\{\w+\}.*$/, ''));
    // And each string is used somewhere, so each override takes effect.
    const unused = Object.keys(defaultStrings).filter((k) => k !== 'errors' && !all.includes(`⟦${k}`));
    expect(unused, 'strings never shown').to.deep.equal([]);
    expect(all).to.contain('⟦citation 1 Doc⟧');
    expect(all).to.contain('⟦image logo⟧');
    for (const code of ['rate_limited_soon', 'unauthorized', 'default', 'network', 'quota_exceeded_later']) expect(all).to.contain(`⟦errors.${code}⟧`);
    expect($$(el, '*').length).to.be.greaterThan(0);
  });

  it('lang on the element applies inside it', async () => {
    const el = await fixture({ lang: 'ar', dir: 'rtl' });
    expect($(el, '.frame')!.matches(':lang(ar)')).to.equal(true);
    expect(getComputedStyle($(el, '.header')!).direction).to.equal('rtl');
    // The title starts at the inline start (the right, under rtl), with the header's start padding.
    const header = $(el, '.header')!.getBoundingClientRect();
    const title = $(el, 'h2')!.getBoundingClientRect();
    expect(header.right - title.right).to.be.closeTo(16, 1.5);
  });

  it('messages, follow-ups and the input take the direction of their own text', async () => {
    const el = await fixture({ dir: 'rtl', lang: 'ar' });
    el.messages = [
      { id: 'u', role: 'user', content: 'مرحبا' },
      { id: 'a', role: 'assistant', content: 'An English answer.', status: 'done', context: { followupQuestions: ['And then?'] } },
    ];
    await waitFor(() => $(el, '.msg.assistant p'), 'the answer');
    expect(getComputedStyle($(el, '.msg.user .bubble')!).direction).to.equal('rtl');
    expect(getComputedStyle($(el, '.msg.assistant p')!).direction).to.equal('ltr');
    expect($(el, '.chip')!.matches(':dir(ltr)')).to.equal(true);
    expect($(el, 'textarea')!.getAttribute('dir')).to.equal('auto');
  });
});

import { expect } from '@esm-bundle/chai';
import { $, $$, cleanup, done, fixture, waitFor } from './helpers.js';
import type { GroundedChatElement } from '../src/index.js';

/** A fetch answering with one unbroken line, `total` characters in `piece`-sized NDJSON lines, `perTick` lines a task. */
function unbroken(total: number, piece = 1000, perTick = 1): typeof fetch {
  return async () => {
    let sent = 0;
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        if (sent >= total) return ctrl.close();
        let batch = '';
        for (let i = 0; i < perTick && sent < total; i++, sent += piece) batch += JSON.stringify({ delta: { content: 'x'.repeat(Math.min(piece, total - sent)) } }) + '\n';
        ctrl.enqueue(enc.encode(batch));
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
  };
}

const markdownReady = (el: GroundedChatElement) => waitFor(() => $(el, '.msg.assistant .bubble.md') && el.shadowRoot!.querySelector('textarea'), 'the element');

describe('an answer streaming one unbroken line (hostile sizes; bench/widget-unbroken.bench.mjs times it)', () => {
  afterEach(cleanup);

  it('64 KB: kept whole, settled in pieces of at most 4,000 characters, so each piece that arrives renders only what changed', async () => {
    const el = await fixture({}, { fetch: unbroken(64_000) });
    // Load the Markdown chunk first, as the visitor's focus does.
    $(el, 'textarea')!.dispatchEvent(new FocusEvent('focus'));
    void el.send('one line please');
    await waitFor(() => el.shadowRoot!.querySelectorAll('.cont').length >= 2, 'settled pieces mid-stream');
    expect(el.busy, 'still streaming').to.equal(true);
    await done(el);
    await markdownReady(el);
    await el.updateComplete;
    const m = el.messages.at(-1)!;
    expect(m.content.length).to.equal(64_000);
    expect(m.cut).to.equal(undefined);
    const pieces = $$(el, '.msg.assistant .cont');
    expect(pieces.length).to.be.greaterThan(10);
    expect(Math.max(...pieces.map((p) => p.textContent!.length))).to.be.at.most(4000);
    expect($$(el, '.msg.assistant .bubble')[0]!.textContent!.replace(/\s/g, '').length).to.equal(64_000);
  });

  it('1 MB: cut at 100,000 characters with a visible note, the stream closed', async () => {
    let cancelled = false;
    const base = unbroken(1_000_000, 1000, 20);
    const el = await fixture({}, {
      fetch: async (i, init) => {
        init!.signal!.addEventListener('abort', () => (cancelled = true));
        return base(i, init);
      },
    });
    await el.send('one huge line');
    await el.updateComplete;
    const m = el.messages.at(-1)!;
    expect(m.status).to.equal('done');
    expect(m.cut).to.equal(true);
    expect(m.content.length).to.equal(100_000);
    expect(cancelled, 'the fetch was aborted').to.equal(true);
    await waitFor(() => $(el, '.msg.assistant .note'), 'the note');
    expect($(el, '.msg.assistant .note')!.textContent).to.contain('too long and was cut');
  });

  it('once over, the answer keeps its pieces: asking again never renders the whole line as one block', async () => {
    let calls = 0;
    const line = unbroken(64_000);
    const el = await fixture({}, {
      fetch: async (i, init) =>
        calls++ ? new Response(JSON.stringify({ delta: { content: 'Short.' } }) + '\n', { headers: { 'content-type': 'application/x-ndjson' } }) : line(i, init),
    });
    $(el, 'textarea')!.dispatchEvent(new FocusEvent('focus'));
    await el.send('one line please');
    await markdownReady(el);
    await el.send('and now?');
    await waitFor(() => $$(el, '.msg.assistant').length === 2 && $$(el, '.msg.assistant')[1]!.textContent!.includes('Short.'), 'the second answer');
    const first = $$(el, '.msg.assistant')[0]!;
    const blocks = [...first.querySelectorAll('.bubble p')];
    expect(Math.max(...blocks.map((p) => p.textContent!.length)), 'longest block').to.be.at.most(4000);
    expect(first.querySelector('.bubble')!.textContent!.replace(/\s/g, '').length).to.equal(64_000);
  });

  it('a restored 100,000-character line renders in pieces of at most 4,000 characters, after a paragraph', async () => {
    const content = 'Intro **bold**.\n\n' + 'z'.repeat(100_000);
    sessionStorage.setItem('grounded-chat:/restored', JSON.stringify({ v: 1, messages: [{ id: 'q', role: 'user', content: 'q' }, { id: 'a', role: 'assistant', status: 'done', content }] }));
    const el = await fixture({ persist: 'session', endpoint: '/restored' });
    await waitFor(() => $(el, '.msg.assistant .bubble.md strong'), 'the Markdown render');
    const blocks = [...$(el, '.msg.assistant .bubble')!.querySelectorAll('p')];
    expect(Math.max(...blocks.map((p) => p.textContent!.length)), 'longest block').to.be.at.most(4000);
    expect(blocks.map((p) => p.textContent).join('').replace(/\s/g, '')).to.equal('Introbold.' + 'z'.repeat(100_000));
  });

  it('a 9,000-character paragraph of words keeps its words, bold and citation buttons, in pieces', async () => {
    const words = Array.from({ length: 1500 }, (_, i) => (i === 700 ? '**bold words**' : i === 1200 ? 'cited [1]' : `word${i % 10}`)).join(' ');
    const el = await fixture({}, {
      fetch: async () => {
        const lines = [JSON.stringify({ delta: { context: { citations: [{ id: '1', title: 'Doc', snippet: 's' }] } } })];
        for (let i = 0; i < words.length; i += 500) lines.push(JSON.stringify({ delta: { content: words.slice(i, i + 500) } }));
        return new Response(lines.join('\n') + '\n', { headers: { 'content-type': 'application/x-ndjson' } });
      },
    });
    $(el, 'textarea')!.dispatchEvent(new FocusEvent('focus'));
    await el.send('a long paragraph');
    await markdownReady(el);
    await waitFor(() => $(el, '.msg.assistant .cite'), 'the citation button');
    const pieces = $$(el, '.msg.assistant .cont');
    expect(pieces.length, 'settled in pieces').to.be.greaterThan(1);
    for (const p of pieces) expect(p.textContent!.length).to.be.at.most(4000);
    expect($(el, '.msg.assistant strong')!.textContent).to.equal('bold words');
    const text = $(el, '.msg.assistant .bubble')!.textContent!;
    expect(text.replace(/\s+/g, ' ')).to.contain('word9 bold words word1');
    // No word cut in two: every word of the answer is on the screen whole.
    expect(text.match(/word\d/g)!.length).to.equal(1498);
  });

  it('a long line inside a code fence stays code', async () => {
    const el = await fixture({}, {
      fetch: async () =>
        new Response(JSON.stringify({ delta: { content: '```\n' + 'y'.repeat(9000) } }) + '\n', { headers: { 'content-type': 'application/x-ndjson' } }),
    });
    $(el, 'textarea')!.dispatchEvent(new FocusEvent('focus'));
    await el.send('code');
    await waitFor(() => $(el, 'pre code'), 'the code block');
    expect($$(el, '.cont')).to.have.length(0);
    expect($(el, 'pre code')!.textContent!.length).to.equal(9000);
  });
});

import { expect } from '@esm-bundle/chai';
import { $, $$, answer, ask, cleanup, done, fixture, lastAnswer, mock, waitFor, loadMarkdownChunk } from './helpers.js';

const CITES = [
  { id: 'a', title: 'Architecture', snippet: 'Two processes talk HTTP.', url: 'https://docs.example/architecture', filepath: 'architecture.md' },
  { id: 'b', title: 'Getting started', snippet: 'Run npm start.', filepath: 'getting-started.md' },
];

describe('citations, follow-ups, suggestions, feedback', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  it('citations arriving before the content still link', async () => {
    const lines = [{ delta: { role: 'assistant', context: { citations: CITES } } }, ...answer('It uses two processes [1] and npm [2].').slice(1)];
    const el = await fixture({ endpoint: mock({ lines }) });
    await ask(el, 'q');
    await done(el);
    await waitFor(() => $$(el, '.bubble .cite').length === 2, 'citation buttons');
  });

  it('a citation opens the sources panel; Escape closes it and returns focus', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('See [1].', { citations: CITES }) }) });
    const events: unknown[] = [];
    el.addEventListener('grounded-chat:citation', (e) => events.push([e.detail.index, e.detail.citation.id]));
    await ask(el, 'q');
    await done(el);
    const cite = await waitFor(() => $(el, '.bubble .cite'), 'citation');
    cite.focus();
    cite.click();
    await el.updateComplete;
    const panel = $(el, '[part=sources-panel]')!;
    expect(panel.querySelector('h3')!.textContent).to.contain('Architecture');
    expect(panel.querySelector('.snippet')!.textContent).to.equal('Two processes talk HTTP.');
    const link = panel.querySelector('a')!;
    expect(link.href).to.equal('https://docs.example/architecture');
    expect(link.rel).to.equal('noopener noreferrer');
    expect(events).to.deep.equal([[0, 'a']]);
    await waitFor(() => el.shadowRoot!.activeElement?.classList.contains('source-close'), 'focus on the panel');
    el.shadowRoot!.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await el.updateComplete;
    expect($(el, '[part=sources-panel]')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(cite);
  });

  it('the host can take over a citation by canceling the event', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('See [2].', { citations: CITES }) }) });
    el.addEventListener('grounded-chat:citation', (e) => e.preventDefault());
    await ask(el, 'q');
    await done(el);
    (await waitFor(() => $(el, '.bubble .cite'), 'citation')).click();
    await el.updateComplete;
    expect($(el, '[part=sources-panel]')).to.equal(null);
  });

  it('the source list under an answer opens each source', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Text.', { citations: CITES }) }) });
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    $$(el, '.sources .source')[1]!.click();
    await el.updateComplete;
    expect($(el, '[part=sources-panel] h3')!.textContent).to.contain('Getting started');
    expect($(el, '[part=sources-panel]')!.textContent).to.contain('getting-started.md');
  });

  it('follow-up questions become chips that ask them', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Answer.', { followupQuestions: ['What about auth?', 'And CI?'] }) }) });
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    const chips = $$(el, '.chips .chip');
    expect(chips.map((c) => c.textContent)).to.deep.equal(['What about auth?', 'And CI?']);
    chips[0]!.click();
    await waitFor(() => el.messages.length === 4, 'the follow-up asked');
    expect(el.messages[2]!.content).to.equal('What about auth?');
    await done(el);
  });

  it('an empty chat shows the greeting and starter suggestions', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Hi.') }), greeting: 'Hello there!', suggestions: '["How do I start?","What is it?"]' });
    expect($(el, '.greeting')!.textContent!.trim()).to.equal('Hello there!');
    const chips = $$(el, '.chip');
    expect(chips.map((c) => c.textContent)).to.deep.equal(['How do I start?', 'What is it?']);
    chips[1]!.click();
    await done(el);
    expect(el.messages[0]!.content).to.equal('What is it?');
  });

  it('feedback thumbs raise an event and POST to {endpoint}/feedback', async () => {
    const endpoint = mock({ lines: answer('Rated.', { traceId: '0af7651916cd43dd8448eb211c80319c' }) });
    const el = await fixture({ endpoint, feedback: '' });
    let posts = 0;
    const realFetch = el.fetch;
    el.fetch = (input, init) => (String(input).endsWith('/feedback') && posts++, realFetch(input, init));
    const got: unknown[] = [];
    el.addEventListener('grounded-chat:feedback', (e) => got.push(e.detail.value));
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    const up = $$(el, '.actions button').find((b) => b.getAttribute('aria-label') === 'Helpful')!;
    expect(up.getAttribute('aria-pressed')).to.equal('false');
    up.click();
    await el.updateComplete;
    expect(got).to.deep.equal(['up']);
    expect($$(el, '.actions button').find((b) => b.getAttribute('aria-label') === 'Helpful')!.getAttribute('aria-pressed')).to.equal('true');
    let posted: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !posted; i++) {
      const all = (await (await fetch('/mock/feedback')).json()) as Record<string, unknown>[];
      posted = all.find((f) => f.traceId === '0af7651916cd43dd8448eb211c80319c');
      if (!posted) await new Promise((r) => setTimeout(r, 20));
    }
    expect(posts).to.equal(1);
    expect(posted).to.deep.equal({ rating: 'up', messageId: el.messages[1]!.id, traceId: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('extractive answers say so', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Quoted.', { mode: 'extractive' }) }) });
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    expect(lastAnswer(el)!.textContent).to.contain('no language model');
  });

  it('without `feedback`, thumbs raise the event and POST nothing', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Rated.') }) });
    const urls: string[] = [];
    el.fetch = (input, init) => (urls.push(String(input)), fetch(input, init));
    const got: string[] = [];
    el.addEventListener('grounded-chat:feedback', (e) => got.push(e.detail.value));
    await ask(el, 'q');
    await done(el);
    await el.updateComplete;
    $$(el, '.actions button').find((b) => b.getAttribute('aria-label') === 'Not helpful')!.click();
    await new Promise((r) => setTimeout(r, 50));
    expect(got).to.deep.equal(['down']);
    expect(urls.filter((u) => u.endsWith('/feedback'))).to.deep.equal([]);
    expect(el.messages[1]!.feedback).to.equal('down');
  });

  it('a new conversation during a stream stays empty', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Streaming on and on.', {}, 1), delay: 20 }) });
    await ask(el, 'q');
    await waitFor(() => el.messages.at(-1)?.content, 'streaming');
    el.newConversation();
    await done(el);
    await new Promise((r) => setTimeout(r, 100));
    expect(el.messages).to.deep.equal([]);
  });
});

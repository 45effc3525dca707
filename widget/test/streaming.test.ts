import { expect } from '@esm-bundle/chai';
import { $, $$, answer, ask, cleanup, done, fixture, lastAnswer, loadMarkdownChunk, mock, waitFor } from './helpers.js';

const CITES = [
  { id: 'a', title: 'Getting started', snippet: 'Run npm start.', filepath: 'getting-started.md' },
  { id: 'b', title: 'Server kit', snippet: 'Mount the router.', url: 'https://example.com/kit' },
];

describe('streaming', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  it('streams an NDJSON answer into the log as it arrives, then lists its sources', async () => {
    const text = 'Mount the **server kit** router with `app.use()` [2]. Then run it [1].';
    const el = await fixture({ endpoint: mock({ lines: answer(text, { citations: CITES, mode: 'generative' }, 3), delay: 40 }) });
    const seen = new Set<string>();
    const sent: unknown[] = [];
    el.addEventListener('grounded-chat:send', (e) => sent.push(e.detail.request));
    await ask(el, 'How do I mount it?');
    await waitFor(() => {
      const t = lastAnswer(el)?.querySelector('.bubble')?.textContent?.trim();
      if (t) seen.add(t);
      return !el.busy;
    });
    await done(el);
    await el.updateComplete;
    expect(seen.size, 'partial renders seen while streaming').to.be.greaterThan(3);
    const bubble = lastAnswer(el)!.querySelector('.bubble')!;
    expect(bubble.querySelector('strong')!.textContent).to.equal('server kit');
    expect(bubble.querySelector('code')!.textContent).to.equal('app.use()');
    const cites = $$(el, '.bubble .cite');
    expect(cites.map((c) => c.textContent)).to.deep.equal(['2', '1']);
    expect(cites[0]!.getAttribute('aria-label')).to.equal('Source 2: Server kit');
    expect($$(el, '.sources .source').map((b) => b.textContent!.trim())).to.deep.equal(['1 Getting started', '2 Server kit']);
    expect(el.sessionState).to.equal('state-1');
    expect(sent).to.deep.equal([{ messages: [{ role: 'user', content: 'How do I mount it?' }] }]);
    expect($(el, '.log')!.getAttribute('aria-busy')).to.equal('false');
  });
});

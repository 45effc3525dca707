import { expect } from '@esm-bundle/chai';
import { answer, ask, cleanup, done, fixture, mock } from './helpers.js';

describe('storage-key: each page keeps its own conversation', () => {
  afterEach(cleanup);
  const endpoint = mock({ lines: answer('stored answer') });

  it('two pages on one endpoint with different keys do not see each other’s history', async () => {
    const pricing = await fixture({ endpoint, persist: 'local', 'storage-key': 'pricing' });
    await ask(pricing, 'about pricing');
    await done(pricing);
    expect(localStorage.getItem('grounded-chat:pricing')).to.contain('about pricing');
    expect(localStorage.getItem(`grounded-chat:${endpoint}`)).to.equal(null);

    const docs = await fixture({ endpoint, persist: 'local', 'storage-key': 'docs' });
    expect(docs.messages).to.deep.equal([]);
    const again = await fixture({ endpoint, persist: 'local', 'storage-key': 'pricing' });
    expect(again.messages.map((m) => m.content)).to.deep.equal(['about pricing', 'stored answer']);
  });

  it('without a key, the endpoint names the conversation (as before)', async () => {
    const a = await fixture({ endpoint, persist: 'session' });
    await ask(a, 'shared');
    await done(a);
    expect(sessionStorage.getItem(`grounded-chat:${endpoint}`)).to.contain('shared');
    const b = await fixture({ endpoint, persist: 'session' });
    expect(b.messages[0]!.content).to.equal('shared');
  });

  it('changing the key switches to that page’s conversation', async () => {
    localStorage.setItem('grounded-chat:b', JSON.stringify({ v: 1, messages: [{ id: 'x', role: 'user', content: 'from b' }] }));
    const el = await fixture({ endpoint, persist: 'local', 'storage-key': 'a' });
    expect(el.messages).to.deep.equal([]);
    el.storageKey = 'b';
    await el.updateComplete;
    expect(el.messages.map((m) => m.content)).to.deep.equal(['from b']);
  });
});

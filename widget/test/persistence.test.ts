import { expect } from '@esm-bundle/chai';
import { $, $$, answer, ask, cleanup, done, fixture, mock, waitFor } from './helpers.js';

describe('persistence', () => {
  afterEach(cleanup);

  for (const persist of ['session', 'local'] as const) {
    it(`keeps the conversation and sessionState in ${persist}Storage across a reload`, async () => {
      const endpoint = mock({ lines: answer('Kept **answer** [1].', { citations: [{ id: '1', title: 'Doc', snippet: 's' }] }) });
      const first = await fixture({ endpoint, persist });
      await ask(first, 'Remember me');
      await done(first);
      const store = persist === 'session' ? sessionStorage : localStorage;
      expect(store.getItem(`grounded-chat:${endpoint}`)).to.contain('Remember me');
      first.parentElement!.remove();

      // A new element on the same endpoint, as after a page reload.
      const second = await fixture({ endpoint, persist });
      expect(second.messages.map((m) => m.content)).to.deep.equal(['Remember me', 'Kept **answer** [1].']);
      expect(second.sessionState).to.equal('state-1');
      await waitFor(() => $(second, '.msg.assistant strong'), 'the restored answer rendered');
      expect($$(second, '.bubble .cite').length).to.equal(1);

      // Another endpoint has its own history.
      const other = await fixture({ endpoint: mock({ lines: [] }), persist });
      expect(other.messages).to.deep.equal([]);
    });
  }

  it('new conversation clears the history and what is stored', async () => {
    const endpoint = mock({ lines: answer('A.') });
    const el = await fixture({ endpoint, persist: 'session' });
    await ask(el, 'Q');
    await done(el);
    await el.updateComplete;
    $(el, '.header .new')!.click();
    await el.updateComplete;
    expect(el.messages).to.deep.equal([]);
    expect(el.sessionState).to.equal(undefined);
    expect(sessionStorage.getItem(`grounded-chat:${endpoint}`)).to.equal(null);
    expect($(el, '.greeting')).to.not.equal(null);
  });

  it('persist="none" stores nothing', async () => {
    const endpoint = mock({ lines: answer('A.') });
    const el = await fixture({ endpoint, persist: 'none' });
    await ask(el, 'Q');
    await done(el);
    expect(sessionStorage.length + localStorage.length).to.equal(0);
  });

  it('an unreadable stored history is ignored', async () => {
    const endpoint = mock({ lines: [] });
    sessionStorage.setItem(`grounded-chat:${endpoint}`, '{not json');
    const el = await fixture({ endpoint, persist: 'session' });
    expect(el.messages).to.deep.equal([]);
  });

  it('restores 500 stored messages', async function () {
    // Rendered progressively, 20 messages a task by design (log-scroll.ts): on a CPU slowed 4x that
    // takes longer than the usual 5 s wait, so this one waits for the condition longer.
    this.timeout(40_000);
    const endpoint = mock({ lines: [] });
    const messages = Array.from({ length: 500 }, (_, i) => ({
      id: `m${i}`,
      role: i % 2 ? 'assistant' : 'user',
      content: i % 2 ? `Answer ${i} with **bold** and a list:\n\n- a\n- b` : `Question ${i}`,
      status: 'done',
    }));
    sessionStorage.setItem(`grounded-chat:${endpoint}`, JSON.stringify({ v: 1, messages }));
    const el = await fixture({ endpoint, persist: 'session' });
    await waitFor(() => $$(el, '.msg.assistant strong').length === 250, 'all answers rendered', 35_000);
    const log = $(el, '.log')!;
    expect(log.scrollTop + log.clientHeight).to.be.closeTo(log.scrollHeight, 30);
  });
});

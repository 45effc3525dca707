import { expect } from '@esm-bundle/chai';
import { styles } from '../src/grounded-chat-element.styles.js';
import { defaultStrings } from '../src/index.js';
import { $$, cleanup, fixture, loadMarkdownChunk } from './helpers.js';

type Decl = {
  tagName?: string;
  attributes?: { name: string }[];
  members?: { name: string; kind: string; static?: boolean; privacy?: string }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
  cssProperties?: { name: string; default?: string }[];
};

const EVENTS = ['send', 'response', 'error', 'citation', 'feedback', 'unauthorized', 'open', 'close'].map((e) => `grounded-chat:${e}`);

describe('custom-elements.json', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  it('lists the public attributes, properties, events, parts and CSS properties, and nothing private', async () => {
    const m = (await (await fetch('/custom-elements.json')).json()) as { modules: { declarations?: Decl[] }[] };
    const d = m.modules.flatMap((x) => x.declarations ?? []).find((x) => x.tagName === 'grounded-chat')!;
    expect(d, 'the element').to.not.equal(undefined);
    expect(d.attributes!.map((a) => a.name).sort()).to.deep.equal(
      ['endpoint', 'mode', 'open', 'theme', 'persist', 'feedback', 'login-url', 'greeting', 'suggestions', 'max-history', 'max-message-length', 'storage-key'].sort(),
    );
    const members = d.members!.map((x) => x.name);
    for (const p of ['endpoint', 'mode', 'opened', 'theme', 'persist', 'feedback', 'loginUrl', 'greeting', 'suggestions', 'strings', 'headers', 'getHeaders', 'credentials', 'context', 'fetch', 'maxHistory', 'maxMessageLength', 'storageKey', 'messages', 'sessionState', 'busy', 'open', 'show', 'hide', 'close', 'toggle', 'send', 'stop', 'regenerate', 'newConversation'])
      expect(members, p).to.include(p);
    expect(members.filter((n) => n.startsWith('_')), 'private members').to.deep.equal([]);
    expect(d.events!.map((e) => e.name)).to.deep.equal(EVENTS);
    // Every part the element renders is listed.
    const el = await fixture({ mode: 'launcher', open: '' });
    el.messages = [
      { id: 'u', role: 'user', content: 'q' },
      { id: 'a', role: 'assistant', content: '```\nx\n```\n\n[1]', status: 'done', context: { citations: [{ id: '1', title: 't', snippet: 's' }], followupQuestions: ['f'] } },
      { id: 'e', role: 'assistant', content: '', status: 'error', error: { code: 'x', message: '' } },
    ];
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 300));
    const parts = d.cssParts!.map((p) => p.name);
    const used = new Set($$(el, '[part]').flatMap((n) => n.getAttribute('part')!.split(/\s+/)));
    for (const p of used) expect(parts, `part ${p}`).to.include(p);
    // Every --gc-* custom property the styles read is listed, with its light default.
    const css = styles.cssText;
    const props = new Set([...css.matchAll(/var\((--gc-[\w-]+)/g)].map((x) => x[1]!));
    expect(d.cssProperties!.map((p) => p.name).sort()).to.deep.equal([...props].filter((p) => !/^--gc-vv/.test(p)).sort());
    for (const p of d.cssProperties!) {
      const re = new RegExp(`var\\(${p.name},\\s*([^)]+)\\)`);
      const def = css.match(re)?.[1]?.trim();
      if (def) expect(p.default, p.name).to.equal(def);
    }
    expect(Object.keys(defaultStrings).length).to.be.greaterThan(20);
  });
});

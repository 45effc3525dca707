import { expect } from '@esm-bundle/chai';
import type { GroundedChatElement } from '../src/index.js';
import { cleanup, waitFor } from './helpers.js';

const shell = async (attrs: object) => (await (await fetch(`/ssr/shell?attrs=${encodeURIComponent(JSON.stringify(attrs))}`)).json()) as { html: string; hashes: string[] };

describe('server-side rendering', () => {
  afterEach(cleanup);

  it('imports in plain Node without touching window or document', async () => {
    const r = await (await fetch('/ssr/node-import')).json();
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ ok: 'function', window: 'undefined', document: 'undefined' });
  });

  it('renderShell() returns declarative shadow DOM that paints before the script runs', async () => {
    const { html, hashes } = await shell({ endpoint: '/api/chat', greeting: 'Welcome <b>friend</b>', suggestions: ['How do I start?'], theme: 'dark' });
    expect(html).to.contain('shadowrootmode="open"');
    expect(hashes.length).to.equal(1);
    expect(hashes[0]).to.match(/^'sha256-[A-Za-z0-9+/]+=*'$/);

    // Parsed without any script: the declarative shadow root is there, with the shell in it.
    const doc = Document.parseHTMLUnsafe(`<!doctype html><body>${html}</body>`);
    const host = doc.querySelector('grounded-chat')!;
    expect(host.getAttribute('theme')).to.equal('dark');
    const root = host.shadowRoot!;
    expect(root, 'declarative shadow root').to.not.equal(null);
    expect(root.querySelector('h2')!.textContent).to.equal('Chat');
    expect(root.querySelector('textarea')).to.not.equal(null);
    expect(root.querySelector('.greeting')!.textContent!.trim()).to.equal('Welcome <b>friend</b>');
    expect(root.querySelector('.greeting b')).to.equal(null);
    expect(root.querySelector('.chip')!.textContent).to.equal('How do I start?');
  });

  it('the element takes over a server-rendered shell', async () => {
    const { html } = await shell({ endpoint: '/api/chat', persist: 'none', 'storage-key': 'ssr-page' });
    expect(html).to.match(/<grounded-chat[^>]*\sstorage-key="ssr-page"/);
    const box = document.createElement('div');
    box.className = 'fixture';
    box.style.height = '400px';
    box.setHTMLUnsafe(html);
    document.body.append(box);
    const el = box.querySelector('grounded-chat') as GroundedChatElement;
    await el.updateComplete;
    await waitFor(() => el.shadowRoot!.querySelectorAll('textarea').length === 1, 'one composer');
    expect(el.shadowRoot!.querySelectorAll('h2').length).to.equal(1);
    expect(el.endpoint).to.equal('/api/chat');
    expect(el.storageKey).to.equal('ssr-page');
  });

  it('the shell paints styled, without any script, under a CSP that allows its style by hash', async () => {
    const frame = document.createElement('iframe');
    frame.className = 'fixture';
    const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
    frame.src = '/ssr/page';
    document.body.append(frame);
    await loaded;
    const win = frame.contentWindow as Window & { __violations: unknown[] };
    const host = win.document.querySelector('grounded-chat')!;
    expect(win.customElements.get('grounded-chat'), 'no widget script on this page').to.equal(undefined);
    const frameEl = host.shadowRoot!.querySelector('.frame')!;
    expect(win.getComputedStyle(frameEl).display).to.equal('flex');
    expect(win.getComputedStyle(host.shadowRoot!.querySelector('.send')!).borderRadius).to.equal('50%');
    expect(win.__violations).to.deep.equal([]);
  });
});

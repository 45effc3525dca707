import { expect } from '@esm-bundle/chai';
import type { GroundedChatElement } from '../src/index.js';
import { answer, cleanup, mock, waitFor } from './helpers.js';

type Probe = Window & typeof globalThis & { __violations: { directive: string; blocked: string; sample: string }[] };

describe('Content-Security-Policy', () => {
  afterEach(cleanup);

  it("the built drop-in renders and streams under default-src 'self'; script-src 'self'; style-src 'self'", async () => {
    const res = await fetch('/csp/page.html');
    expect(res.headers.get('content-security-policy')).to.equal("default-src 'self'; script-src 'self'; style-src 'self'");
    const frame = document.createElement('iframe');
    frame.className = 'fixture';
    frame.style.width = '600px';
    frame.style.height = '600px';
    const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
    frame.src = '/csp/page.html';
    document.body.append(frame);
    await loaded;
    const win = frame.contentWindow as Probe;
    await waitFor(() => win.customElements.get('grounded-chat'), 'the element to be defined');
    const el = win.document.querySelector('grounded-chat') as GroundedChatElement;
    await el.updateComplete;
    const root = el.shadowRoot!;
    expect(root.querySelector('style'), 'no injected <style>').to.equal(null);
    expect(root.adoptedStyleSheets.length, 'adopted stylesheets').to.be.greaterThan(0);
    expect(win.getComputedStyle(root.querySelector('.frame')!).display).to.equal('flex');

    el.endpoint = mock({ lines: answer('Under **CSP** with a [link](https://example.com) [1].', { citations: [{ id: '1', title: 'Doc', snippet: 's' }] }) });
    await el.send('Does it work?');
    await waitFor(() => root.querySelector('.msg.assistant strong'), 'the Markdown chunk rendering the answer');
    expect(root.querySelector('.msg.assistant strong')!.textContent).to.equal('CSP');
    expect(root.querySelectorAll('.cite').length).to.equal(1);
    expect(win.__violations, JSON.stringify(win.__violations)).to.deep.equal([]);

    // The probe itself works: an inline style attribute is refused and reported.
    win.document.body.setAttribute('style', 'color: red');
    await waitFor(() => win.__violations.length, 'a reported violation');
    expect(win.__violations[0]!.directive).to.match(/^style-src/);
  });
});

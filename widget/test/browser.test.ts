// Real input, real media features, real viewports and a real reload (web-test-runner's commands drive Chromium).
import { expect } from '@esm-bundle/chai';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import type { GroundedChatElement } from '../src/index.js';
import { $, answer, cleanup, done, fixture, mock, waitFor, loadMarkdownChunk } from './helpers.js';

describe('with real keyboard, media and viewport', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(async () => {
    cleanup();
    await setViewport({ width: 800, height: 600 });
    await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  });

  it('typing: Shift+Enter breaks the line, Enter sends, Escape stops', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('First part ') , hang: true }) });
    $(el, 'textarea')!.focus();
    await sendKeys({ type: 'line one' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'line two' });
    expect(el.messages.length).to.equal(0);
    await sendKeys({ press: 'Enter' });
    await waitFor(() => el.messages.at(-1)?.content.startsWith('First'), 'the answer streaming');
    expect(el.messages[0]!.content).to.equal('line one\nline two');
    expect(el.shadowRoot!.activeElement).to.equal($(el, 'textarea'));
    await sendKeys({ press: 'Escape' });
    await done(el);
    expect(el.messages.at(-1)!.status).to.equal('stopped');
  });

  it('Tab reaches the controls in order', async () => {
    const el = await fixture({ endpoint: mock({ lines: answer('Answer [1].', { citations: [{ id: '1', title: 'Doc', snippet: 's' }] }) }) });
    await el.send('q');
    await done(el);
    await el.updateComplete;
    $(el, '.header .new')!.focus();
    const order: string[] = [];
    for (let i = 0; i < 10; i++) {
      await sendKeys({ press: 'Tab' });
      const a = el.shadowRoot!.activeElement as HTMLElement | null;
      order.push(a?.getAttribute('aria-label') ?? a?.className ?? a?.tagName ?? '');
    }
    expect(order).to.include.members(['Source 1: Doc', 'Copy', 'Helpful', 'Not helpful', 'Regenerate', 'Message']);
    expect(order.indexOf('Source 1: Doc')).to.be.lessThan(order.indexOf('Copy'));
    expect(order.indexOf('Regenerate')).to.be.lessThan(order.indexOf('Message'));
  });

  it('the launcher panel fills a phone-sized viewport', async () => {
    await setViewport({ width: 375, height: 667 });
    const el = await fixture({ mode: 'launcher' });
    el.show();
    await el.updateComplete;
    const panel = $(el, '[part=panel]')!;
    panel.getAnimations().forEach((a) => a.finish());
    const r = panel.getBoundingClientRect();
    expect([r.left, r.top, r.width, Math.round(r.height)]).to.deep.equal([0, 0, 375, Math.round(visualViewport!.height)]);
  });

  it('the launcher panel floats in the end corner of a wide viewport, mirrored under dir=rtl', async () => {
    await setViewport({ width: 1200, height: 800 });
    const ltr = await fixture({ mode: 'launcher', open: '' });
    await ltr.updateComplete;
    $(ltr, '[part=panel]')!.getAnimations().forEach((x) => x.finish());
    const a = $(ltr, '[part=panel]')!.getBoundingClientRect();
    expect(a.right).to.be.closeTo(1200 - 16, 1);
    expect(a.width).to.equal(400);
    cleanup();
    const rtl = await fixture({ mode: 'launcher', open: '', dir: 'rtl' });
    await rtl.updateComplete;
    expect($(rtl, '[part=panel]')!.getBoundingClientRect().left).to.be.closeTo(16, 1);
    expect($(rtl, '[part=launcher]')!.getBoundingClientRect().left).to.be.closeTo(16, 1);
  });

  it('theme="auto" follows the system colour scheme', async () => {
    const el = await fixture();
    const bg = () => getComputedStyle($(el, '.frame')!).backgroundColor;
    expect(bg()).to.equal('rgb(255, 255, 255)');
    await emulateMedia({ colorScheme: 'dark' });
    expect(bg()).to.equal('rgb(31, 31, 31)');
    el.theme = 'light';
    await el.updateComplete;
    expect(bg()).to.equal('rgb(255, 255, 255)');
  });

  it('prefers-reduced-motion turns the animations off', async () => {
    const el = await fixture({ endpoint: mock({ lines: [], hang: true }) });
    void el.send('q');
    const typing = await waitFor(() => $(el, '.typing'), 'the thinking indicator');
    expect(getComputedStyle(typing).animationName).to.equal('pulse');
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(getComputedStyle(typing).animationName).to.equal('none');
    el.stop();
    await done(el);
  });

  it('the conversation survives a real page reload', async () => {
    const frame = document.createElement('iframe');
    frame.className = 'fixture';
    frame.style.width = '600px';
    frame.style.height = '500px';
    const load = () => new Promise((r) => frame.addEventListener('load', r, { once: true }));
    let loaded = load();
    frame.src = '/csp/persist.html';
    document.body.append(frame);
    await loaded;
    const chat = async () => {
      const win = frame.contentWindow!;
      await waitFor(() => win.customElements.get('grounded-chat'), 'the element');
      const el = win.document.querySelector('grounded-chat') as GroundedChatElement;
      await el.updateComplete;
      return el;
    };
    let el = await chat();
    el.endpoint = '/mock/persisted';
    el.fetch = (_input, init) => fetch(mock({ lines: answer('Remembered **answer**.') }) + '/stream', init);
    await el.send('Remember this');
    await waitFor(() => el.messages.at(-1)?.status === 'done', 'the answer');
    loaded = load();
    frame.contentWindow!.location.reload();
    await loaded;
    el = await chat();
    expect(el.messages.map((m) => m.content)).to.deep.equal(['Remember this', 'Remembered **answer**.']);
    await waitFor(() => el.shadowRoot!.querySelector('.msg.assistant strong'), 'the restored answer rendered');
    frame.contentWindow!.sessionStorage.clear();
  });
});

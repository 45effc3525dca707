import { expect } from '@esm-bundle/chai';
import { $, answer, ask, cleanup, done, fixture, loadMarkdownChunk, mock, waitFor } from './helpers.js';

describe('launcher', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  it('opens and closes with the button, manages focus and fires events', async () => {
    const el = await fixture({ mode: 'launcher' });
    const events: string[] = [];
    el.addEventListener('grounded-chat:open', () => events.push('open'));
    el.addEventListener('grounded-chat:close', () => events.push('close'));
    const launcher = $(el, '[part=launcher]')!;
    expect($(el, '[part=panel]')).to.equal(null);
    expect(launcher.getAttribute('aria-expanded')).to.equal('false');
    launcher.click();
    await el.updateComplete;
    expect(el.hasAttribute('open')).to.equal(true);
    expect($(el, '[part=panel]')!.getAttribute('role')).to.equal('dialog');
    expect(launcher.getAttribute('aria-expanded')).to.equal('true');
    expect(el.shadowRoot!.activeElement).to.equal($(el, 'textarea'));
    $(el, 'textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(el.open).to.equal(false);
    expect($(el, '[part=panel]')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(launcher);
    expect(events).to.deep.equal(['open', 'close']);
  });

  it('show() and hide(), the open attribute and the open property are one thing', async () => {
    const el = await fixture({ mode: 'launcher' });
    await el.show();
    expect(el.open).to.equal(true);
    expect(el.hasAttribute('open')).to.equal(true);
    expect($(el, '[part=panel]')).to.not.equal(null);
    await el.hide();
    expect(el.open).to.equal(false);
    expect(el.hasAttribute('open')).to.equal(false);
    el.setAttribute('open', '');
    await el.updateComplete;
    expect(el.open).to.equal(true);
    expect($(el, '[part=panel]')).to.not.equal(null);
    // Frameworks set `open` as a property (React 19, Vue 3).
    el.open = false;
    await el.updateComplete;
    expect(el.hasAttribute('open')).to.equal(false);
    expect(typeof el.open).to.equal('boolean');
    el.toggle();
    await el.updateComplete;
    expect(el.open).to.equal(true);
  });

  it('the old names keep working, with one deprecation warning', async () => {
    const el = await fixture({ mode: 'launcher' });
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (...a: unknown[]) => warnings.push(a.join(' '));
    try {
      el.opened = true;
      await el.updateComplete;
      expect(el.open).to.equal(true);
      expect(el.opened).to.equal(true);
      el.close();
      await el.updateComplete;
      expect(el.open).to.equal(false);
    } finally {
      console.warn = warn;
    }
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/opened is deprecated; use open/);
  });

  it('hide() from the host does not take the focus away from the page', async () => {
    const el = await fixture({ mode: 'launcher' });
    const outside = document.createElement('input');
    outside.className = 'fixture';
    document.body.append(outside);
    el.show();
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal($(el, 'textarea'));
    outside.focus();
    el.hide();
    await el.updateComplete;
    expect(document.activeElement).to.equal(outside);
    // From inside the panel, focus goes back to the button.
    el.show();
    await el.updateComplete;
    el.hide();
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal($(el, '[part=launcher]'));
  });

  it('the close button in the header closes it', async () => {
    const el = await fixture({ mode: 'launcher', open: '' });
    $(el, '.header .close')!.click();
    await el.updateComplete;
    expect(el.open).to.equal(false);
  });

  it('Escape stops a stream before it closes the panel', async () => {
    const el = await fixture({ mode: 'launcher', open: '', endpoint: mock({ lines: answer('x'), hang: true }) });
    await el.updateComplete;
    await ask(el, 'q');
    await waitFor(() => el.busy && el.messages.at(-1)?.content, 'streaming');
    const esc = () => $(el, 'textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    esc();
    await done(el);
    expect(el.open).to.equal(true);
    esc();
    await el.updateComplete;
    expect(el.open).to.equal(false);
  });

  it('fills a narrow viewport and follows the visual viewport (on-screen keyboard)', async () => {
    const el = await fixture({ mode: 'launcher', open: '' });
    await el.updateComplete;
    expect(el.style.getPropertyValue('--gc-vvh')).to.equal(`${visualViewport!.height}px`);
  });
});

import { expect } from '@esm-bundle/chai';
import { $, answer, ask, cleanup, done, fixture, mock, waitFor } from './helpers.js';

describe('launcher', () => {
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
    expect(el.opened).to.equal(false);
    expect($(el, '[part=panel]')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(launcher);
    expect(events).to.deep.equal(['open', 'close']);
  });

  it('open() and close() methods, the open attribute and the open property', async () => {
    const el = await fixture({ mode: 'launcher' });
    el.open();
    await el.updateComplete;
    expect(el.hasAttribute('open')).to.equal(true);
    el.close();
    await el.updateComplete;
    expect(el.hasAttribute('open')).to.equal(false);
    el.setAttribute('open', '');
    await el.updateComplete;
    expect(el.opened).to.equal(true);
    expect($(el, '[part=panel]')).to.not.equal(null);
    // Frameworks set `open` as a property (React 19, Vue 3): it maps to `opened`.
    (el as unknown as { open: boolean }).open = false;
    await el.updateComplete;
    expect(el.opened).to.equal(false);
    expect(typeof el.open).to.equal('function');
  });

  it('close() from the host does not take the focus away from the page', async () => {
    const el = await fixture({ mode: 'launcher' });
    const outside = document.createElement('input');
    outside.className = 'fixture';
    document.body.append(outside);
    el.open();
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal($(el, 'textarea'));
    outside.focus();
    el.close();
    await el.updateComplete;
    expect(document.activeElement).to.equal(outside);
    // From inside the panel, focus goes back to the button.
    el.open();
    await el.updateComplete;
    el.close();
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal($(el, '[part=launcher]'));
  });

  it('the close button in the header closes it', async () => {
    const el = await fixture({ mode: 'launcher', open: '' });
    $(el, '.header .close')!.click();
    await el.updateComplete;
    expect(el.opened).to.equal(false);
  });

  it('Escape stops a stream before it closes the panel', async () => {
    const el = await fixture({ mode: 'launcher', open: '', endpoint: mock({ lines: answer('x'), hang: true }) });
    await el.updateComplete;
    await ask(el, 'q');
    await waitFor(() => el.busy && el.messages.at(-1)?.content, 'streaming');
    const esc = () => $(el, 'textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    esc();
    await done(el);
    expect(el.opened).to.equal(true);
    esc();
    await el.updateComplete;
    expect(el.opened).to.equal(false);
  });

  it('fills a narrow viewport and follows the visual viewport (on-screen keyboard)', async () => {
    const el = await fixture({ mode: 'launcher', open: '' });
    await el.updateComplete;
    expect(el.style.getPropertyValue('--gc-vvh')).to.equal(`${visualViewport!.height}px`);
  });
});

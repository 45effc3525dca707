import { expect } from '@esm-bundle/chai';
import { $, answer, cleanup, done, fixture, mock, waitFor } from './helpers.js';
import type { ChatRequest, GroundedChatElement } from '../src/index.js';

const type = async (el: GroundedChatElement, text: string) => {
  const input = $<HTMLTextAreaElement>(el, 'textarea')!;
  input.value = text;
  input.dispatchEvent(new Event('input'));
  await el.updateComplete;
  return input;
};
const enter = (input: HTMLTextAreaElement) => input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));

describe('composer', () => {
  afterEach(cleanup);

  it('has no maxlength: a long paste stays whole in the input', async () => {
    const el = await fixture();
    const input = await type(el, 'x'.repeat(9_000) + ' the question at the end?');
    expect(input.hasAttribute('maxlength')).to.equal(false);
    expect(input.value.endsWith('the question at the end?')).to.equal(true);
  });

  it('shows a counter only near the limit', async () => {
    const el = await fixture();
    await type(el, 'x'.repeat(7_100));
    expect($(el, '[part=counter]')).to.equal(null);
    await type(el, 'x'.repeat(7_300));
    expect($(el, '[part=counter]')!.textContent).to.contain('Characters: 7300 of 8000');
    expect($(el, 'textarea')!.getAttribute('aria-describedby')).to.equal('counter');
    expect($<HTMLButtonElement>(el, '[part=send-button]')!.disabled).to.equal(false);
  });

  it('refuses a question past the limit in plain words, sends nothing and loses nothing', async () => {
    const requests: ChatRequest[] = [];
    const el = await fixture({ endpoint: mock({ lines: answer('ok') }) }, { fetch: (i, init) => (requests.push(JSON.parse(String(init!.body))), fetch(i, init)) });
    const text = 'x'.repeat(9_658) + ' and the question?';
    const input = await type(el, text);
    const counter = $(el, '[part=counter]')!;
    expect(counter.getAttribute('role')).to.equal('alert');
    expect(counter.textContent).to.contain('Too long to send: 9676 of 8000 characters. Remove 1676.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect($<HTMLButtonElement>(el, '[part=send-button]')!.disabled).to.equal(true);
    enter(input);
    await el.send(); // programmatic send of the draft is refused the same way
    await el.send(text);
    await el.updateComplete;
    expect(requests).to.deep.equal([]);
    expect(el.messages).to.deep.equal([]);
    expect(input.value).to.equal(text);
    // Shortened, it goes.
    await type(el, 'the question?');
    expect($(el, '[part=counter]')).to.equal(null);
    enter(input);
    await done(el);
    expect(requests.at(-1)!.messages.at(-1)!.content).to.equal('the question?');
  });

  it('the limit follows max-message-length', async () => {
    const el = await fixture({ 'max-message-length': '100' });
    await type(el, 'y'.repeat(101));
    expect($(el, '[part=counter]')!.textContent).to.contain('Remove 1.');
    await el.send();
    expect(el.messages).to.deep.equal([]);
  });

  for (const layout of ['flex', 'grid'] as const)
    it(`never grows a ${layout} parent sideways: a wide code block scrolls inside`, async () => {
      const el = await fixture({ endpoint: mock({ lines: answer('```\n' + 'wide'.repeat(300) + '\n```', {}, 200) }) });
      const box = el.parentElement!;
      const parent = document.createElement('div');
      parent.className = 'fixture';
      parent.style.cssText = `display:${layout};width:400px;${layout === 'grid' ? 'grid-template-columns:auto' : ''}`;
      parent.append(el);
      box.replaceWith(parent);
      el.style.height = '400px';
      await el.send('code please');
      await done(el);
      await el.updateComplete;
      const pre = await waitFor(() => el.shadowRoot!.querySelector('pre'), 'the code block');
      expect(parent.scrollWidth).to.be.at.most(400);
      expect(el.getBoundingClientRect().width).to.be.at.most(400);
      expect(pre!.scrollWidth).to.be.greaterThan(pre!.clientWidth);
    });
});

import { expect } from '@esm-bundle/chai';
import { $, answer, ask, cleanup, done, fixture, lastAnswer, mock, waitFor, loadMarkdownChunk } from './helpers.js';

const show = async (content: string, status: 'done' | 'streaming' = 'done') => {
  const el = await fixture();
  el.messages = [{ id: 'a', role: 'assistant', content, status }];
  await waitFor(() => $(el, '.bubble p:not(.plain), .bubble ul, .bubble ol, .bubble .code, .bubble .table, .bubble blockquote, .bubble [role=heading]'), 'markdown');
  await el.updateComplete;
  return $(el, '.msg.assistant .bubble')!;
};

describe('markdown', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  it('renders paragraphs, emphasis, lists, headings, quotes, tables and code', async () => {
    const b = await show(
      [
        '# Title',
        '',
        'Some *em*, **strong**, ~~del~~ and `code`.',
        '',
        '- one',
        '- two',
        '',
        '3. three',
        '4. four',
        '',
        '> quoted',
        '',
        '| Name | Value |',
        '|:-----|------:|',
        '| a | 1 |',
        '',
        '```js',
        'const a = 1 < 2;',
        '```',
      ].join('\n'),
    );
    const heading = b.querySelector('[role=heading]')!;
    expect(heading.textContent).to.equal('Title');
    expect(heading.getAttribute('aria-level')).to.equal('3'); // below the element's h2 title
    expect(b.querySelector('em')!.textContent).to.equal('em');
    expect(b.querySelector('strong')!.textContent).to.equal('strong');
    expect(b.querySelector('del')!.textContent).to.equal('del');
    expect([...b.querySelectorAll('ul li')].map((li) => li.textContent!.trim())).to.deep.equal(['one', 'two']);
    expect(b.querySelector('ol')!.getAttribute('start')).to.equal('3');
    expect(b.querySelector('blockquote')!.textContent!.trim()).to.equal('quoted');
    expect([...b.querySelectorAll('th')].map((t) => t.textContent!.trim())).to.deep.equal(['Name', 'Value']);
    expect(b.querySelector('td.right')!.textContent!.trim()).to.equal('1');
    expect(b.querySelector('pre code')!.textContent).to.equal('const a = 1 < 2;');
  });

  it('renders task lists as marks, not form controls', async () => {
    const b = await show('- [x] done\n- [ ] todo');
    expect([...b.querySelectorAll('li')].map((li) => li.textContent!.trim())).to.deep.equal(['☑ done', '☐ todo']);
    expect(b.querySelector('input')).to.equal(null);
  });

  it('copies a code block with its button', async () => {
    let copied = '';
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (t: string) => void (copied = t) } });
    const b = await show('```\nnpm start\n```');
    b.querySelector<HTMLButtonElement>('.copy-code')!.click();
    await waitFor(() => copied, 'the copy');
    expect(copied).to.equal('npm start');
    // The button says so (its label is what a screen reader hears on the focused button).
    await waitFor(() => b.querySelector('.copy-code')!.textContent!.trim() === 'Copied', 'the copied label');
    await waitFor(() => b.querySelector('.copy-code')!.textContent!.trim() === 'Copy code', 'the label back', 3000);
  });

  it('renders unterminated Markdown mid-stream sensibly', async () => {
    const el = await fixture({ endpoint: mock({ lines: [{ delta: { content: 'Start **bold and\n\n```js\nlet x = 1' } }], hang: true }) });
    await ask(el, 'q');
    await waitFor(() => lastAnswer(el)?.querySelector('pre code')?.textContent === 'let x = 1', 'the open code fence rendered as code');
    expect(lastAnswer(el)!.querySelector('p')!.textContent).to.contain('Start **bold and');
    el.stop();
    await done(el);
  });

  it('does not re-render earlier messages or finished blocks while streaming', async () => {
    const para = (i: number) => `Paragraph ${i} with **bold** text.\n\n`;
    const text = Array.from({ length: 30 }, (_, i) => para(i)).join('');
    const el = await fixture({ endpoint: mock({ lines: answer(text, {}, 20), delay: 5 }) });
    el.messages = [
      { id: 'u0', role: 'user', content: 'earlier' },
      { id: 'a0', role: 'assistant', content: 'Earlier **answer**.', status: 'done' },
    ];
    await waitFor(() => $(el, '.msg.assistant strong'), 'the earlier answer');
    const earlier = $(el, '.msg.assistant strong')!;
    const mutated = new Set<Node>();
    const obs = new MutationObserver((records) => records.forEach((r) => mutated.add(r.target)));
    await ask(el, 'go');
    await waitFor(() => lastAnswer(el)!.querySelectorAll('p').length > 3, 'paragraphs');
    const firstPara = lastAnswer(el)!.querySelector('p')!;
    obs.observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true, attributes: true });
    await done(el);
    obs.disconnect();
    expect(earlier.isConnected, 'earlier answer DOM kept').to.equal(true);
    expect(firstPara.isConnected, 'finished paragraph DOM kept').to.equal(true);
    for (const n of mutated) {
      expect(earlier.closest('.msg')!.contains(n), 'earlier message untouched').to.equal(false);
      expect(firstPara.contains(n), 'finished block untouched').to.equal(false);
    }
    expect(lastAnswer(el)!.querySelectorAll('p strong').length).to.equal(30);
  });
});

describe('markdown mid-stream', () => {
  afterEach(cleanup);

  const midStream = async (content: string) => {
    const el = await fixture({ endpoint: mock({ lines: [{ delta: { content } }], hang: true }) });
    await ask(el, 'q');
    await waitFor(() => el.messages.at(-1)?.content === content && lastAnswer(el)?.querySelector('.bubble p:not(.plain)'), 'rendered');
    await el.updateComplete;
    const bubble = lastAnswer(el)!.querySelector('.bubble')!;
    const html = bubble.cloneNode(true) as HTMLElement;
    el.stop();
    await done(el);
    return { el, bubble: html };
  };

  it('an open bold run renders bold, without stray asterisks', async () => {
    const { bubble } = await midStream('Start **bold and');
    expect(bubble.querySelector('strong')!.textContent).to.equal('bold and');
    expect(bubble.textContent).to.not.contain('*');
  });

  it('an open code span renders as code', async () => {
    const { bubble } = await midStream('Run `npm st');
    expect(bubble.querySelector('code')!.textContent).to.equal('npm st');
  });

  it('a link whose URL is still arriving shows its text, not a truncated link', async () => {
    const { bubble } = await midStream('See [the guide](https://docs.exa');
    expect(bubble.querySelector('a')).to.equal(null);
    expect(bubble.textContent).to.contain('See the guide');
    expect(bubble.textContent).to.not.contain('](');
  });

  it('the final render keeps the text as received', async () => {
    const { el } = await midStream('Literal **not closed');
    await el.updateComplete;
    await waitFor(() => lastAnswer(el)!.querySelector('.bubble p')!.textContent!.includes('**not closed'), 'literal asterisks after the stream');
  });
});

import { expect } from '@esm-bundle/chai';
import { $, cleanup, done, fixture, waitFor } from './helpers.js';

// Its own file, so its own page: the Markdown chunk (markdown.ts and render/answer-parts.ts) has not
// loaded when these tests start, and the first one presses Enter while it loads.
const chunkRequested = () => performance.getEntriesByType('resource').some((e) => /\/markdown\.(ts|js)\b/.test(e.name));

const answering = (asked: string[]) => async (_url: RequestInfo | URL, init?: RequestInit) => {
  asked.push(JSON.parse(String(init!.body)).messages.at(-1).content);
  return new Response(JSON.stringify({ delta: { content: 'A **bold** answer [1].', context: { citations: [{ id: '1', title: 'Doc', snippet: 'c' }] } } }) + '\n', {
    headers: { 'content-type': 'application/x-ndjson' },
  });
};

describe('the lazily loaded Markdown chunk', () => {
  afterEach(cleanup);

  it('Enter pressed while it loads sends the question; the answer renders as Markdown once it is in', async () => {
    expect(chunkRequested(), 'the chunk is not loaded before the test').to.equal(false);
    const asked: string[] = [];
    const el = await fixture({}, { fetch: answering(asked) });
    const input = $<HTMLTextAreaElement>(el, 'textarea')!;
    // Focus starts the load; the visitor types and presses Enter before it can have finished
    // (a dynamic import never resolves within the task that starts it).
    input.dispatchEvent(new FocusEvent('focus'));
    input.value = 'typed during the load';
    input.dispatchEvent(new Event('input'));
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true });
    input.dispatchEvent(enter);
    expect(enter.defaultPrevented, 'Enter handled, no newline typed').to.equal(true);
    expect(el.messages.map((m) => m.role), 'the question is taken at once').to.deep.equal(['user', 'assistant']);
    expect(el.messages[0]!.content).to.equal('typed during the load');
    await done(el);
    expect(asked).to.deep.equal(['typed during the load']);
    expect(el.messages[1]!.content).to.equal('A **bold** answer [1].');
    await waitFor(() => $(el, '.msg.assistant strong') && $(el, '.msg.assistant .cite'), 'the Markdown render', 20_000);
    await el.updateComplete;
    expect(input.value, 'the input is emptied').to.equal('');
  });

  it('a question sent by the send button during a render of the composer is not lost', async () => {
    const asked: string[] = [];
    const el = await fixture({}, { fetch: answering(asked) });
    const input = $<HTMLTextAreaElement>(el, 'textarea')!;
    input.dispatchEvent(new FocusEvent('focus'));
    input.value = 'first';
    input.dispatchEvent(new Event('input'));
    await el.updateComplete;
    $<HTMLButtonElement>(el, '.send')!.click();
    await done(el);
    expect(asked).to.deep.equal(['first']);
  });
});

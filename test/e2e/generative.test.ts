/**
 * A generative answer through the whole chain (`npm start`'s two processes, contract A in front):
 * the orchestrator answers with an OpenAI-compatible server (a stand-in on 127.0.0.1 speaking
 * `/v1/chat/completions` streaming) over the local index of docs/. Generative citations are
 * repaired from the answer and sent AFTER it (contract B allows both orders); this proves the
 * server kit relays that order to the browser as a context that resolves every `[n]`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startChain, streamChat, type RunningChain } from './helpers.js';

let chain: RunningChain;
let model: Server;
const prompts: string[] = [];

/** The model cites its second source first, in a form that needs repair, and one that points nowhere. */
const PIECES = ['To mount it, call the router【2】', ' and pass it to app.use [1, 2]', '. See also [42].'];

before(async () => {
  model = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const request = JSON.parse(body);
      prompts.push(request.messages[0].content);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'llama3.2', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      for (const p of PIECES) res.write(chunk({ content: p }));
      res.write(chunk({}, 'stop'));
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'llama3.2', choices: [], usage: { prompt_tokens: 800, completion_tokens: 30 } })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
  const { port } = model.address() as AddressInfo;
  chain = await startChain({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_MODEL: 'llama3.2', MODEL_FOLLOWUPS: 'false' });
});
after(async () => {
  await chain?.stop();
  await new Promise<void>((r) => model?.close(() => r()));
});

describe('generative answer through the chain', () => {
  it('relays citations sent after the answer, renumbered so every [n] resolves', async () => {
    const r = await streamChat(chain.url, [{ role: 'user', content: 'How do I mount the server kit in Express?' }]);
    assert.equal(r.status, 200);
    assert.ok(!r.lines.some((l) => l.error), JSON.stringify(r.lines.find((l) => l.error)));
    assert.equal(r.content, 'To mount it, call the router[1] and pass it to app.use [2][1]. See also .');
    assert.equal(r.context.mode, 'generative');
    const citations: { id: string; snippet: string }[] = r.context.citations;
    assert.equal(citations.length, 2, 'exactly the two sources the answer cites');
    // The prompt's source 2 became [1], its source 1 became [2].
    const sources = [...prompts[0]!.matchAll(/<source id="(\d+)" title="[^"]*" path="([^"]+)">\n([^\n]*)/g)];
    assert.ok(sources.length >= 2, prompts[0]);
    assert.ok(squashIncludes(sources[1]![3]!, citations[0]!.snippet), 'citation [1] is the prompt\'s source 2');
    assert.ok(squashIncludes(sources[0]![3]!, citations[1]!.snippet), 'citation [2] is the prompt\'s source 1');
    // The citations arrived after the last piece of text.
    const lastText = r.lines.findLastIndex((l) => typeof l.delta?.content === 'string' && l.delta.content.length > 0);
    const citationsAt = r.lines.findIndex((l) => l.delta?.context?.citations);
    assert.ok(citationsAt > lastText, `citations line ${citationsAt} after the last text line ${lastText}`);
  });
});

const squashIncludes = (line: string, snippet: string) => snippet.replace(/\s+/g, ' ').includes(line.replace(/\s+/g, ' ').slice(0, 60));

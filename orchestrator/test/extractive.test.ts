import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXTRACTIVE_INTRO,
  ExtractiveChatModel,
  NO_ANSWER_TEXT,
  planExtractive,
  splitPieces,
} from '../src/answer/extractive.js';
import { runFlow } from '../src/flow.js';
import { LocalIndex } from '../src/retrieval/local-index.js';
import type { Passage } from '../src/seams.js';
import { KIT_DOCS, makeCorpus } from './helpers.js';

const passage = (id: string, text: string, score = 1): Passage => ({
  id,
  title: id,
  headingPath: [],
  sourcePath: `${id}.md`,
  text,
  score,
});

/** `> sentence [n]` lines of an extractive answer. */
function quotes(answer: string): { sentence: string; n: number }[] {
  return [...answer.matchAll(/^> (.+) \[(\d+)\]$/gm)].map((m) => ({ sentence: m[1]!, n: Number(m[2]) }));
}

async function collect(pieces: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of pieces) out.push(p);
  return out;
}

describe('extractive answerer', () => {
  it('quotes the best sentences verbatim, each within its cited snippet', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    try {
      const retriever = new LocalIndex({ corpusDir: corpus.dir });
      const model = new ExtractiveChatModel({ delayMs: 0 });
      const flow = await runFlow({ retriever, model }, { question: 'How do I mount the server kit in Express?', chat_history: [] });
      const answer = (await collect(flow.pieces)).join('');
      assert.equal(flow.mode, 'extractive');
      assert.ok(answer.startsWith(EXTRACTIVE_INTRO), 'opens by saying no language model is configured');
      const qs = quotes(answer);
      assert.ok(qs.length >= 2 && qs.length <= 4, `${qs.length} quotes`);
      assert.ok(flow.citations.length >= 1);
      for (const q of qs) {
        assert.ok(q.n >= 1 && q.n <= flow.citations.length, `[${q.n}] is in range`);
        assert.ok(flow.citations[q.n - 1]!.snippet.includes(q.sentence), `"${q.sentence}" is in citation ${q.n}`);
      }
      // Every citation is actually quoted (extractive cites only what it quotes).
      assert.deepEqual([...new Set(qs.map((q) => q.n))].sort(), flow.citations.map((_, i) => i + 1));
      assert.equal(flow.citations[0]!.id, 'guides/server-kit.md#mounting-in-express');
      assert.ok(qs[0]!.sentence.includes('createChatRouter()'));
      assert.ok(!answer.includes('```'), 'code blocks are not quoted');
    } finally {
      await corpus.cleanup();
    }
  });

  it('answers "I don\'t know" with no citations when nothing is retrieved', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    try {
      const flow = await runFlow(
        { retriever: new LocalIndex({ corpusDir: corpus.dir }), model: new ExtractiveChatModel({ delayMs: 0 }) },
        { question: 'What is the boiling point of mercury?', chat_history: [] },
      );
      assert.deepEqual(flow.citations, []);
      assert.equal((await collect(flow.pieces)).join(''), NO_ANSWER_TEXT);
      assert.match(NO_ANSWER_TEXT, /don't know/);
    } finally {
      await corpus.cleanup();
    }
  });

  it('cites only the passages it quotes, numbered in citation order', () => {
    const passages = [
      passage('a', 'Bananas are yellow fruit from the tropics. Unrelated text about weather patterns.'),
      passage('b', 'Nothing here is about the question at all, only shoes and socks.'),
      passage('c', 'Yellow bananas ripen quickly in warm kitchens. Green bananas take longer to ripen.'),
    ];
    const plan = planExtractive('Why do yellow bananas ripen?', passages);
    assert.deepEqual(plan.citations.map((c) => c.passage.id), ['a', 'c']);
    for (const q of plan.quotes) {
      assert.ok(plan.citations[q.citation - 1]!.snippet.includes(q.text));
      assert.ok(passages.find((p) => p.id === plan.citations[q.citation - 1]!.passage.id)!.text.includes(q.text));
    }
    assert.ok(plan.quotes.length >= 2 && plan.quotes.length <= 4);
  });

  it('streams the same sentences from the selected passages as it planned', async () => {
    const passages = [
      passage('a', 'The index persists to disk. A restart with unchanged docs loads the saved index.'),
      passage('b', 'Unchanged docs are never re-indexed on restart. The manifest stores hashes.'),
    ];
    const model = new ExtractiveChatModel({ delayMs: 0 });
    const question = 'Does a restart re-index unchanged docs?';
    const selected = model.selectCitations({ question, passages });
    const text = (await collect(model.stream({ messages: [], question, grounding: selected.map((s) => s.passage) }))).join('');
    const plan = planExtractive(question, passages);
    assert.deepEqual(quotes(text).map((q) => q.sentence), plan.quotes.map((q) => q.text));
  });

  it('never quotes the same sentence twice, nor a sentence with brackets', () => {
    const same = 'The orchestrator retrieves passages before it answers.';
    const plan = planExtractive('How does the orchestrator retrieve passages?', [
      passage('a', `${same} It cites them.`),
      passage('b', `${same} The orchestrator passages [1] are numbered.`),
    ]);
    const texts = plan.quotes.map((q) => q.text);
    assert.equal(new Set(texts).size, texts.length);
    assert.ok(texts.includes(same));
    assert.ok(texts.every((t) => !/[[\]]/.test(t)));
  });

  it('trims long snippets to ~600 characters but keeps every quoted sentence', () => {
    const filler = Array.from({ length: 30 }, (_, i) => `Filler paragraph ${i} talks about nothing in particular at all.`);
    const text = [...filler.slice(0, 15), 'The magic word is xyzzy and it opens the cave.', ...filler.slice(15)].join('\n\n');
    const plan = planExtractive('What is the magic word xyzzy?', [passage('long', text)]);
    const snippet = plan.citations[0]!.snippet;
    assert.ok(snippet.length <= 600, `snippet of ${snippet.length} chars`);
    assert.ok(snippet.includes('The magic word is xyzzy and it opens the cave.'));
  });

  it('streams word-sized pieces with a delay and stops when aborted', async () => {
    const model = new ExtractiveChatModel({ delayMs: 20 });
    const grounding = [passage('a', 'The widget streams answers token by token. It lists citations under each answer.')];
    const controller = new AbortController();
    const got: string[] = [];
    const started = Date.now();
    await assert.rejects(async () => {
      for await (const piece of model.stream({ messages: [], question: 'How does the widget stream answers?', grounding }, { signal: controller.signal })) {
        got.push(piece);
        if (got.length === 5) controller.abort();
      }
    }, { name: 'AbortError' });
    assert.equal(got.length, 5);
    assert.ok(Date.now() - started >= 4 * 20 - 5, 'paced by the delay');
    const all = await collect(model.stream({ messages: [], question: 'How does the widget stream answers?', grounding }, { unpaced: true }));
    assert.ok(all.length > 10);
    assert.ok(all.every((p) => /^\S+\s*$/.test(p)), 'each piece is one word and its trailing space');
  });

  it('splitPieces keeps every character', () => {
    const text = 'One two\n\n> three [1]\n\nfour';
    assert.equal(splitPieces(text).join(''), text);
    assert.equal(splitPieces('  lead').join(''), '  lead');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CODE_SNIPPET_CHARS,
  EXTRACTIVE_INTRO,
  MEANING_WEIGHT,
  NEAR_IN_MEANING,
  ExtractiveChatModel,
  NO_ANSWER_TEXT,
  planExtractive,
  renderExtractive,
  splitPieces,
} from '../src/answer/extractive.js';
import { runFlow } from '../src/flow.js';
import { LocalIndex } from '../src/retrieval/local-index.js';
import type { Passage } from '../src/seams.js';
import { collectFlow, KIT_DOCS, makeCorpus, textParts } from './helpers.js';

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

const collect = textParts;

describe('extractive answerer', () => {
  it('quotes the best sentences verbatim, each within its cited snippet', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    try {
      const retriever = new LocalIndex({ corpusDir: corpus.dir });
      const model = new ExtractiveChatModel({ delayMs: 0 });
      const flow = await collectFlow(runFlow({ retriever, model }, { question: 'How do I mount the server kit in Express?', chat_history: [] }));
      const answer = flow.answer;
      assert.equal(flow.order[0], 'citations', 'extractive citations go first');
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
      // Asked how, the section's example is the answer: quoted verbatim, and in its citation.
      const fence = /```js\n[\s\S]*?\n```/.exec(answer)?.[0];
      assert.ok(fence?.includes("app.use('/api/chat', createChatRouter());"), `the example is quoted:\n${answer}`);
      assert.ok(flow.citations[0]!.snippet.includes(fence!), 'the quoted code is in the cited snippet');
    } finally {
      await corpus.cleanup();
    }
  });

  it('answers "I don\'t know" with no citations when nothing is retrieved', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    try {
      const flow = await collectFlow(runFlow(
        { retriever: new LocalIndex({ corpusDir: corpus.dir }), model: new ExtractiveChatModel({ delayMs: 0 }) },
        { question: 'What is the boiling point of mercury?', chat_history: [] },
      ));
      assert.deepEqual(flow.citations, []);
      assert.equal(flow.answer, NO_ANSWER_TEXT);
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

  it('between sections that share as many words, meaning decides; less than a term of distance changes nothing', () => {
    const question = 'How do I create a signed token for a user?';
    // Both openings share two of the question's terms: "token" and "user"; "token" and "sign" (heading).
    const sign = { ...passage('sign', 'Returns the token as a string. The payload may hold the user id.'), headingPath: ['jwt.sign(payload, secret)'] };
    const verify = { ...passage('verify', 'Checks the token of a user and returns its payload.'), headingPath: ['jwt.verify(token, secret)'] };
    const cited = (ps: Passage[]) => planExtractive(question, ps).citations.map((c) => c.passage.id);
    // By words alone (keyword retrieval sets no similarity): both, equally good.
    assert.deepEqual(cited([verify, sign]), ['verify', 'sign']);
    // Searched by meaning, sign nearer by a term and a half's worth: verify drops behind sign's
    // one-term sentence, out of the answer.
    assert.deepEqual(cited([{ ...verify, similarity: 0.6 - 1.5 / MEANING_WEIGHT }, { ...sign, similarity: 0.6 }]), ['sign']);
    // Nearer by half a term's worth: both still.
    assert.deepEqual(cited([{ ...verify, similarity: 0.6 - 0.5 / MEANING_WEIGHT }, { ...sign, similarity: 0.6 }]), ['verify', 'sign']);
    // A passage without a similarity pays nothing.
    assert.deepEqual(cited([verify, { ...sign, similarity: 0.6 }]), ['verify', 'sign']);
  });

  it('within a passage, meaning is judged window by window', () => {
    const question = 'How do I allow requests from every origin?';
    // Two sentences sharing three of the question's terms, and one sharing one ("origin").
    const [all, listed, other] = ['Every origin is allowed when no list is set.', 'Requests from a listed origin are allowed only.', 'An origin is a string.'];
    const text = `${all} ${listed} ${other}`;
    const quoted = (windows?: { text: string; similarity: number }[]) =>
      planExtractive(question, [{ ...passage('cors', text), similarity: 0.6, ...(windows ? { windows } : {}) }], { minSentences: 1 }).quotes.map((q) => q.text);
    const near = (a: number, b: number) => [
      { text: all, similarity: a },
      { text: listed, similarity: b },
      { text: other, similarity: 0.5 },
    ];
    // Without windows, or with windows equally near: both, in the passage's order.
    assert.deepEqual(quoted(), [all, listed]);
    assert.deepEqual(quoted(near(0.6, 0.6)), [all, listed]);
    // A window two and a half terms' worth further: its sentence falls behind the one-term
    // sentence, under the league (and far in meaning), out of the answer; either way round.
    assert.deepEqual(quoted(near(0.6, 0.6 - 2.5 / MEANING_WEIGHT)), [all]);
    assert.deepEqual(quoted(near(0.6 - 2.5 / MEANING_WEIGHT, 0.6)), [listed]);
    // Half a term's worth: both still.
    assert.deepEqual(quoted(near(0.6, 0.6 - 0.5 / MEANING_WEIGHT)), [all, listed]);
    // A sentence no window holds (most of its terms in none) is as near as its passage.
    assert.deepEqual(quoted([{ text: 'Unrelated words only here.', similarity: 0.1 }]), [all, listed]);
  });

  it('quotes a sentence with one of the question\'s words when it is nearly as near in meaning as the nearest window', () => {
    const question = 'How do I change the accent colour of the chat?';
    // "change", "accent" and "colour" in the first; only "accent" in the second, which is the answer.
    const [onAccent, accent] = ['Text you change on the accent colour goes here.', 'The accent variable sets buttons and links.'];
    const quoted = (windows?: { text: string; similarity: number }[], similarity: number | undefined = 0.6) =>
      planExtractive(question, [{ ...passage('theme', `${onAccent} ${accent}`), ...(similarity !== undefined ? { similarity } : {}), ...(windows ? { windows } : {}) }], {
        minSentences: 1,
      }).quotes.map((q) => q.text);
    const near = (gap: number) => [
      { text: onAccent, similarity: 0.6 },
      { text: accent, similarity: 0.6 - gap },
    ];
    // By words alone (no similarity, or no windows): the first, one term under the league's floor.
    assert.deepEqual(quoted(undefined, undefined), [onAccent]);
    assert.deepEqual(quoted(), [onAccent]);
    // Its window as near as the nearest, or within NEAR_IN_MEANING of it: both.
    assert.deepEqual(quoted(near(0)), [onAccent, accent]);
    assert.deepEqual(quoted(near(NEAR_IN_MEANING / 2)), [onAccent, accent]);
    // Further: the first alone.
    assert.deepEqual(quoted(near(NEAR_IN_MEANING * 2)), [onAccent]);
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

  it('quotes a table row or sentence whose reference link is defined elsewhere in the file, as its text', () => {
    // The README's link definitions ("[`store`]: #store") sit at its end, not in this passage.
    const table = [
      'All function options may be async.',
      '',
      '| Option | Type | Remarks |',
      '| --- | --- | --- |',
      '| [`windowMs`] | `number` | How long to remember requests for, in milliseconds. |',
      '| [`store`] | `Store` | Use a custom store to share hit counts across multiple nodes. |',
      '',
      'Pick a [data store][stores] that all your servers can reach; `merge([a], [b])` stays as it is.',
    ].join('\n');
    const plan = planExtractive('How do the servers share the hit counts in one data store?', [passage('limits', table)]);
    const texts = plan.quotes.map((q) => q.text);
    assert.ok(texts.includes('`store` | `Store` | Use a custom store to share hit counts across multiple nodes.'), JSON.stringify(texts));
    assert.ok(texts.includes('Pick a data store that all your servers can reach; `merge([a], [b])` stays as it is.'), JSON.stringify(texts));
    for (const q of plan.quotes) assert.ok(plan.citations[q.citation - 1]!.snippet.includes(q.text));
  });

  it('quotes an example in parts whole: the block right after a quoted block comes with it', () => {
    const tree = '```\ndir/\n├── .editorconfig\n└── package.json\n```';
    const call = "```js\nfg.sync('*', { dot: true }); // ['.editorconfig', 'package.json']\n```";
    const section = ['Allow patterns to match entries that begin with a period, like this:', '', tree, '', call, '', 'Other text.'].join('\n');
    const plan = planExtractive('How do I match entries that begin with a period?', [passage('dot', section)]);
    const quote = plan.quotes.find((q) => q.code);
    assert.equal(quote?.code, `${tree}\n\n${call}`);
    assert.ok(plan.citations[0]!.snippet.includes(`${tree}\n\n${call}`), plan.citations[0]!.snippet);
    // Not past the quoting limit: a long second block stays out.
    const long = '```js\n' + "fg.sync('*', { dot: true });\n".repeat(60) + '```';
    const capped = planExtractive('How do I match entries that begin with a period?', [passage('dot', section.replace(call, long))]);
    assert.equal(capped.quotes.find((q) => q.code)?.code, tree);
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
      for await (const part of model.stream({ messages: [], question: 'How does the widget stream answers?', grounding }, { signal: controller.signal })) {
        if (part.type === 'text-delta') got.push(part.text);
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

  describe('code after a colon', () => {
    const fence = "```js\nconst app = new Koa();\napp.use(chatRouter(['/api/chat']).routes());\n```";
    const intro = 'To mount the chat router in a Koa app, register its routes:';

    it('quotes the fenced block right after the sentence that introduces it, in the cited snippet', () => {
      const text = `${intro}\n\n${fence}\n\nThe router then answers every chat request on that path.`;
      const plan = planExtractive('How do I mount the chat router in Koa?', [passage('koa', text)]);
      const q = plan.quotes.find((x) => x.text === intro);
      assert.ok(q, `the introducing sentence is quoted: ${JSON.stringify(plan.quotes)}`);
      assert.equal(q.code, fence, 'the block follows verbatim, fences included');
      const answer = renderExtractive(plan);
      assert.ok(answer.includes(`> ${intro} [${q.citation}]\n\n${fence}\n\n`), `rendered after the quote line, outside the blockquote:\n${answer}`);
      const snippet = plan.citations[q.citation - 1]!.snippet;
      assert.ok(snippet.includes(intro) && snippet.includes(fence), `snippet holds quote and code: ${snippet}`);
      // Brackets inside the code do not read as citation markers.
      assert.deepEqual(quotes(answer).map((x) => x.n), plan.quotes.map((x) => x.citation));
    });

    it('keeps quote, code and some context in a long passage, within the raised snippet limit', () => {
      const filler = Array.from({ length: 30 }, (_, i) => `Filler paragraph ${i} talks about nothing in particular at all.`);
      const bigFence = ['```js', ...Array.from({ length: 12 }, (_, i) => `app.use(chatRouter({ path: '/api/chat/${i}', retries: ${i} }).routes());`), '```'].join('\n');
      const text = [...filler.slice(0, 15), intro, bigFence, ...filler.slice(15)].join('\n\n');
      const plan = planExtractive('How do I mount the chat router in Koa?', [passage('long', text)]);
      assert.equal(plan.quotes.find((x) => x.text === intro)?.code, bigFence);
      const snippet = plan.citations[0]!.snippet;
      assert.ok(`${intro}\n\n${bigFence}`.length > 600, 'quote and code alone exceed the default limit');
      assert.ok(snippet.length <= CODE_SNIPPET_CHARS, `snippet of ${snippet.length} chars`);
      assert.ok(snippet.includes(`${intro}\n\n${bigFence}`), snippet);
      assert.ok(snippet.includes('Filler paragraph 14'), `neighbouring paragraphs give context: ${snippet}`);
    });

    it('brings the example to a how-to question even without a colon, and none to other questions', () => {
      const text = `To mount the chat router in a Koa app, register its routes.\n\n${fence}`;
      const howTo = planExtractive('How do I mount the chat router in Koa?', [passage('a', text)]);
      assert.equal(howTo.quotes.filter((x) => x.code === fence).length, 1, JSON.stringify(howTo.quotes));
      assert.ok(howTo.citations[0]!.snippet.includes(fence), 'the quoted code is in the snippet');

      const what = planExtractive('Which framework is the chat router mounted in?', [passage('a', text)]);
      assert.ok(what.quotes.length > 0);
      assert.ok(what.quotes.every((x) => x.code === undefined), 'one shared term is not enough without "how"');
      assert.ok(!renderExtractive(what).includes('```'), 'no code in the answer');
    });

    it('shows the block right after a quoted paragraph in the snippet', () => {
      // node-fetch's README: the sentence answers, the command after its paragraph is the fact.
      const install = '```sh\nnpm install node-fetch@2\n```';
      const other = '```js\nconst fetch = (...args) => import(\'node-fetch\').then(({ default: f }) => f(...args));\n```';
      const filler = Array.from({ length: 12 }, (_, i) => `Filler paragraph ${i} talks about nothing in particular at all.`);
      const text = [
        ...filler.slice(0, 6),
        'If you cannot switch to ESM, please use v2 which remains compatible with CommonJS. Critical bug fixes will continue to be published for v2.',
        install,
        ...filler.slice(6),
        'Alternatively, load it asynchronously from CommonJS as well.',
        other,
      ].join('\n\n');
      const plan = planExtractive('Can I use the v2 release from CommonJS?', [passage('cjs', text)]);
      assert.ok(plan.quotes.some((q) => q.text.startsWith('If you cannot switch to ESM')), JSON.stringify(plan.quotes));
      assert.ok(plan.quotes.every((q) => q.code === undefined), 'the answer quotes no code');
      const snippet = plan.citations[0]!.snippet;
      assert.ok(snippet.length <= 600, `snippet of ${snippet.length} chars`);
      assert.ok(snippet.includes(`for v2.\n\n${install}`), `the block follows its paragraph: ${snippet}`);
      // Another paragraph's block comes only with its paragraph, here too far to fit.
      assert.ok(!snippet.includes('Alternatively') && !snippet.includes("import('node-fetch')"), snippet);
    });

    it('shows a paragraph with a block right after it only together with the block', () => {
      // cache-manager's README: the neighbour promises the call that answers ("…use the wrap
      // function:"); command-line-args': "For example." before each command.
      const wrap = '```js\nconst user = await cache.wrap(id, () => getUser(id));\n```';
      const filler = Array.from({ length: 12 }, (_, i) => `Filler paragraph ${i} talks about nothing in particular at all.`);
      const intro = 'Instead of writing that by hand every time, you can use the helper:';
      const text = [
        ...filler.slice(0, 6),
        intro,
        wrap,
        'That is shorter than caching a slow call by hand: a lookup, the call itself on a miss, and a store of its result.',
        ...filler.slice(6),
        'For example.',
        '```sh\n$ git commit --squash -m "message"\n```',
      ].join('\n\n');
      const plan = planExtractive('What does caching a slow call involve?', [passage('cache', text)]);
      assert.ok(plan.quotes.some((q) => q.text.startsWith('That is shorter')), JSON.stringify(plan.quotes));
      assert.ok(plan.quotes.every((q) => q.code === undefined), `the answer quotes no code: ${JSON.stringify(plan.quotes)}`);
      const snippet = plan.citations[0]!.snippet;
      assert.ok(snippet.length <= 600, `snippet of ${snippet.length} chars`);
      assert.ok(snippet.includes(`${intro}\n\n${wrap}`), `the introduced block comes with its paragraph: ${snippet}`);
      for (const at of [...snippet.matchAll(/For example\./g)].map((m) => m.index!)) {
        assert.ok(snippet.slice(at).startsWith('For example.\n\n```'), `"For example." is followed by its block: ${snippet}`);
      }

      // A block too long to fit leaves its paragraph out too: no promise of code without it.
      const big = ['```js', ...Array.from({ length: 14 }, (_, i) => `cache.wrap('key-${i}', () => getUser(${i}), { ttl: ${i * 1000} });`), '```'].join('\n');
      const long = planExtractive('What does caching a slow call involve?', [passage('long', text.replace(wrap, big))]);
      const shown = long.citations[0]!.snippet;
      assert.ok(shown.includes('That is shorter'), shown);
      assert.ok(!shown.includes(intro) && !shown.includes("cache.wrap('key-0'"), `neither the paragraph nor its block: ${shown}`);
      assert.ok(shown.includes('Filler paragraph 6'), `other neighbours still give context: ${shown}`);
    });

    it('does not score the words of URLs and file names inside an example', () => {
      const json = '```json\n{ "citations": [{ "id": "server-kit.md#mounting", "url": "/docs/server-kit.md" }] }\n```';
      const plan = planExtractive('How do I mount the server kit in Express?', [
        passage('guide', 'To mount the server kit in an Express app, create the router and use it.'),
        { ...passage('contract', json), headingPath: ['JSON response'] },
      ]);
      assert.ok(plan.quotes.every((q) => q.code !== json), JSON.stringify(plan.quotes));
      assert.deepEqual(plan.citations.map((c) => c.passage.id), ['guide']);
    });

    it('matches camelCase names in code to the words of the question', () => {
      const code = '```js\nconst wss = new WebSocketServer({ perMessageDeflate: true });\n```';
      const plan = planExtractive('How do I enable per-message compression?', [
        passage('ws', `The extension is off by default on the server.\n\n${code}`),
      ]);
      assert.ok(plan.quotes.some((q) => q.code === code), JSON.stringify(plan.quotes));
    });

    it('answers with the example alone when a section has no quotable prose', () => {
      const only = planExtractive('How do I mount the chat router in Koa?', [
        { ...passage('usage', fence), headingPath: ['Usage'] },
        passage('other', 'Koa is a small framework for web applications, by the Express team.'),
      ]);
      assert.deepEqual(only.quotes.map((q) => q.code), [fence]);
      const answer = renderExtractive(only);
      assert.ok(answer.includes(`${fence}\n\n[1]`), answer);
      assert.equal(only.citations[0]!.passage.id, 'usage');
      assert.ok(only.citations[0]!.snippet.includes(fence));
    });
  });

  it('skips navigation list items: label and link, or mostly link text', () => {
    const nav = passage(
      'nav',
      [
        '- Mount the server kit in your Express app: [server kit](server-kit.md).',
        '- [Mount the server kit in Express](server-kit.md#mounting)',
        '- The [server kit](server-kit.md) mounts in any Express app under one base path.',
      ].join('\n'),
    );
    const plan = planExtractive('How do I mount the server kit in Express?', [nav]);
    const texts = plan.quotes.map((q) => q.text);
    assert.ok(!texts.some((t) => t.startsWith('Mount the server kit')), `navigation items are not quoted: ${JSON.stringify(texts)}`);
    // A list item that says something, with a link inside the sentence, is still prose.
    assert.ok(texts.includes('The server kit mounts in any Express app under one base path.'), JSON.stringify(texts));
    // The same words as plain prose (no links) are quotable: the skip is about the links.
    const plain = planExtractive('How do I mount the server kit in Express?', [
      passage('plain', '- Mount the server kit in your Express app: see the server kit guide.'),
    ]);
    assert.deepEqual(plain.quotes.map((q) => q.text), ['Mount the server kit in your Express app: see the server kit guide.']);
  });

  it('brings the example a sentence points at ("The following code…"), though it shares no word', () => {
    const p: Passage = {
      ...passage('finished', 'The following code closes the file once the response finishes.\n\n```js\nonFinished(res, () => destroy(stream))\n```\n'),
      headingPath: ['on-finished', 'Example'],
    };
    const answer = renderExtractive(planExtractive('How do I run cleanup once the response is sent?', [p]));
    assert.match(answer, /^> The following code closes the file once the response finishes\. \[1\]\n\n```js\nonFinished\(res/m);
    // A sentence that does not point at it leaves a block that shares nothing with the question.
    const plain = { ...p, text: p.text.replace('The following code closes', 'It closes') };
    assert.doesNotMatch(renderExtractive(planExtractive('How do I run cleanup once the response is sent?', [plain])), /onFinished/);
  });

  it("judges which sentences are as good as the best by terms shared, not an example's half point", () => {
    const dotfiles: Passage = { ...passage('dotfiles', "- `'deny'` Send a 403 for any request for a dotfile.\n- `'allow'` No special treatment for them.\n"), headingPath: ['send', 'Dotfiles'] };
    const serve: Passage = {
      ...passage('serve', 'This serves one file.\n\n```js\nhttp.createServer(function onRequest (req, res) { send(req, \'/index.html\').pipe(res) })\n```\n'),
      headingPath: ['send', 'Serve a file'],
      sourcePath: 'dotfiles.md',
    };
    const answer = renderExtractive(planExtractive('How do I make requests for hidden files get a 403?', [dotfiles, serve]));
    // The example shares two terms ("file" in its heading, `onRequest`) and gets a half point; the
    // list item shares two as well, so it is quoted too.
    assert.match(answer, /onRequest/);
    assert.match(answer, /`'deny'` Send a 403 for any request for a dotfile\./);
  });

  it('quotes a table row whole, read under its header, within the snippet', () => {
    const table = [
      '#### List of all constructors',
      '',
      '|Status Code|Constructor Name |',
      '|-----------|-----------------|',
      '|404        |NotFound         |',
      '|429        |TooManyRequests  |',
      '|[500](https://example.com/500)|[InternalServerError](https://example.com/ise)|',
    ].join('\n');
    const other = passage('other', '- `status` - the corresponding status code for the error.\n');
    const rows: Passage = { ...passage('errors', table), headingPath: ['http-errors', 'List of all constructors'] };
    const plan = planExtractive('Which error constructor corresponds to status 429?', [rows, other]);
    const answer = renderExtractive(plan);
    // "429 | TooManyRequests" shares "429" and, through its header, "status" and "constructor".
    assert.match(answer, /^> 429 \| TooManyRequests \[1\]$/m);
    const cited = plan.citations[0]!;
    assert.ok(cited.snippet.includes('429 | TooManyRequests'), cited.snippet);
    assert.ok(cited.snippet.includes('404 | NotFound\n429 | TooManyRequests'), 'rows on their own lines');
    // A row that is all links is navigation, as a list item would be.
    assert.ok(!cited.snippet.includes('InternalServerError'));
  });

  it('skips a sentence whose terms are mostly in one already quoted', () => {
    const long = passage(
      'long',
      'The server kit is an Express router that speaks the chat protocol to browsers and relays each chat to the orchestrator.',
    );
    const short = passage('short', 'The server kit is an Express router. It keeps every secret on the server side of the kit.');
    const question = 'What is the server kit Express router?';
    const plan = planExtractive(question, [long, short]);
    const texts = plan.quotes.map((q) => q.text);
    assert.ok(texts.includes(long.text), JSON.stringify(texts));
    assert.ok(!texts.includes('The server kit is an Express router.'), `near-duplicate skipped: ${JSON.stringify(texts)}`);
    // On its own, the short sentence is the answer (the check compares with chosen quotes only).
    assert.ok(planExtractive(question, [short]).quotes.some((q) => q.text === 'The server kit is an Express router.'));
  });

  it('never ends a quote inside a code span', () => {
    const plan = planExtractive('What is the last line when the stream fails?', [
      passage('s', 'When the stream fails, the last line is `{"error":{"code":"...","message":"..."}}`. Nothing follows it.'),
    ]);
    assert.ok(plan.quotes.length > 0);
    for (const q of plan.quotes) assert.equal((q.text.match(/`/g)?.length ?? 0) % 2, 0, `balanced backticks: ${q.text}`);
    assert.ok(plan.quotes.some((q) => q.text.endsWith('"..."}}`.')));
  });

  it("scores a section's first sentence with its heading's words", () => {
    const section = { ...passage('w#add', 'One script and one tag:\n\n```html\n<grounded-chat></grounded-chat>\n```\n\nIt needs nothing else.'), headingPath: ['Widget', 'Add it to a page'] };
    const other = passage('arch', 'A site owner adds one script tag and one element to any page.');
    const plan = planExtractive('How do I add the widget to my page?', [other, section]);
    const first = plan.quotes.find((q) => q.text === 'One script and one tag:');
    assert.ok(first, JSON.stringify(plan.quotes));
    assert.equal(first.code, '```html\n<grounded-chat></grounded-chat>\n```');
    // A later part of a long section opens mid-topic: no heading bonus there.
    const later = planExtractive('How do I add the widget to my page?', [other, { ...section, id: 'w#add~2' }]);
    assert.ok(!later.quotes.some((q) => q.text === 'One script and one tag:'), JSON.stringify(later.quotes));
  });

  it('does not score words that only name files or folders in code spans', () => {
    const plan = planExtractive('What does the widget do?', [
      passage('dev', 'The browser tests in `widget/test/*.test.ts` and `bench/widget-size.bench.mjs` run against a stand-in server.'),
      passage('intro', 'The widget renders streamed answers with numbered citations. Package `@grounded-chat/widget` ships typed events.'),
    ]);
    const texts = plan.quotes.map((q) => q.text);
    assert.ok(!texts.some((t) => t.startsWith('The browser tests')), JSON.stringify(texts));
    assert.ok(texts.includes('The widget renders streamed answers with numbered citations.'));
    // Package names still count: they name what the sentence is about.
    assert.ok(texts.includes('Package `@grounded-chat/widget` ships typed events.'), JSON.stringify(texts));
  });
});

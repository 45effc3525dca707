import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalIndex } from '../src/retrieval/local-index.js';
import { LocalRetriever } from '../src/retrieval/local-retriever.js';
import { planExtractive, renderExtractive } from '../src/answer/extractive.js';
import { leadingFile } from '../src/leading-file.js';
import { makeCorpus } from './helpers.js';
import type { EmbedKind, Embedder } from '../src/retrieval/embedder.js';

/**
 * An embedder to which every text about versions or ranges means the same, and code means
 * nothing: searched by meaning, the prose sections all come before the Usage block.
 */
class ProseEmbedder implements Embedder {
  readonly id = 'prose-v1';
  async embed(texts: string[], _kind: EmbedKind): Promise<Float32Array[]> {
    return texts.map((t) => {
      const prose = /\b(?:versions?|ranges?)\b/i.test(t.replace(/^.*\n/, '')) && !t.includes('(');
      const v = new Float32Array([prose ? 1 : 0.05, prose ? 0.05 : 1]);
      const norm = Math.hypot(v[0]!, v[1]!);
      return v.map((x) => x / norm);
    });
  }
}

/**
 * A README-shaped corpus: `vers/README.md` answers "check a version against a range" in prose
 * under its API sections, and the call itself only in its code-only Usage section, which shares
 * one word with the question ("satisfies"): the gate (two of four terms) drops it on its own.
 */
const VERS = `# vers

A tiny version helper.

## Usage

\`\`\`js
const vers = require('vers')
vers.satisfies('1.2.3', '1.x') // true
\`\`\`

## API

### Ranges

A range is a set of comparators. Ranges may be joined with ||, and a version either falls in a range or not.

### Comparison

To check whether one version is newer than another, compare them. A range check is different from a comparison of two versions.

### Checking

Use the satisfies function to check a version against a range; it returns true or false.
`;

const OTHER = `# pinned

## Version ranges

A lock file pins a version for every range in the manifest, so a check of the installed version against a range always passes.

## Usage

\`\`\`js
pinned.satisfies(lock) // pinned versions
\`\`\`
`;

const SERVER = `# srv

## Options

\`\`\`js
createServer({ keepAliveTimeout: 5000, headersTimeout: 6000 })
\`\`\`
`;

describe('LocalIndex: the leading file\'s usage example (./local-candidates.ts)', () => {
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let index: LocalIndex;
  before(async () => {
    corpus = await makeCorpus({ 'vers/README.md': VERS, 'pinned/README.md': OTHER, 'srv/README.md': SERVER });
    index = new LocalIndex({ corpusDir: corpus.dir });
    await index.ready();
  });
  after(() => corpus.cleanup());

  const question = 'How do I check whether a version satisfies a range?';

  it('adds the usage section the gate dropped, last, within top', async () => {
    for (const top of [2, 3, 5]) {
      const hits = await index.retrieve(question, { top, namedSections: false });
      assert.ok(hits.length <= top, `at most ${top}`);
      assert.equal(hits[0]!.sourcePath, 'vers/README.md');
      assert.equal(hits.at(-1)!.id, 'vers/README.md#usage', `top ${top}: ${hits.map((h) => h.id).join(', ')}`);
      assert.equal(hits.filter((h) => h.headingPath.includes('Usage')).length, 1, 'one usage passage');
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i]!.score <= hits[i - 1]!.score, 'still best first');
    }
  });

  it('puts sections named for a term after the usage section, in the places left (./local-gate.ts)', async () => {
    const strict = await index.retrieve(question, { top: 5, namedSections: false });
    const hits = await index.retrieve(question, { top: 5 });
    assert.deepEqual(hits.slice(0, strict.length).map((h) => h.id), strict.map((h) => h.id), 'the full gate\'s passages and the usage section come first');
    const named = hits.slice(strict.length);
    // "Ranges" shares only "range" with the question (two of five terms are needed: one fewer than
    // the full gate's three), but its heading names it.
    assert.deepEqual(named.map((h) => h.id), ['vers/README.md#ranges']);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i]!.score <= hits[i - 1]!.score, 'still best first');
    // With no place left, no named section.
    assert.ok(!(await index.retrieve(question, { top: 3 })).some((h) => h.id === 'vers/README.md#ranges'));
  });

  it('so the offline answer quotes the call', async () => {
    const hits = await index.retrieve(question);
    const answer = renderExtractive(planExtractive(question, hits));
    assert.match(answer, /vers\.satisfies\('1\.2\.3', '1\.x'\)/);
  });

  it('adds nothing when the results are led by no file, or nothing matches', async () => {
    // Nothing passes the gate: no results, no companion.
    assert.deepEqual(await index.retrieve('How do I knit a scarf?'), []);
    // A question only one usage block matches a word of: the gate finds nothing to lead.
    assert.deepEqual(await index.retrieve('satisfies marmalade'), [], 'one word matched is not enough for the gate');
  });

  it('keeps the usage section last when the ranking is fused with semantic search', async () => {
    const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder: new ProseEmbedder() });
    try {
      for (const top of [2, 3, 5]) {
        const hits = await semantic.retrieve(question, { top, namedSections: false });
        assert.ok(hits.length <= top, `at most ${top}`);
        assert.equal(hits.at(-1)!.id, 'vers/README.md#usage', `top ${top}: ${hits.map((h) => h.id).join(', ')}`);
        assert.ok(hits.some((h) => h.similarity !== undefined), 'searched by meaning');
      }
      const answer = renderExtractive(planExtractive(question, await semantic.retrieve(question)));
      assert.match(answer, /vers\.satisfies\('1\.2\.3', '1\.x'\)/);
    } finally {
      semantic.close();
    }
  });

  it('takes the usage section of the leading file only', async () => {
    const hits = await index.retrieve('pinned lock file version range', { top: 3 });
    assert.equal(hits[0]!.sourcePath, 'pinned/README.md');
    assert.ok(!hits.some((h) => h.id === 'vers/README.md#usage'), hits.map((h) => h.id).join(', '));
  });
});

describe('LocalIndex: the usage example that calls what the question names', () => {
  const LIB = `# lib

## Usage

### Range objects

\`\`\`js
const r = lib.parseRange('1.x') // a range object; any version can be tested on it
\`\`\`

### Basic

\`\`\`js
lib.satisfies('1.2.3', '1.x')
\`\`\`

## API

### Checking versions

To check whether a version satisfies a range, use the satisfies function on the version and the range.

### Ranges

A range is a set of comparators: check a version against a range with the satisfies function.
`;
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  before(async () => {
    corpus = await makeCorpus({ 'lib/README.md': LIB });
  });
  after(() => corpus.cleanup());

  it('prefers the block that calls it over a better-scoring one that does not', async () => {
    const index = new LocalIndex({ corpusDir: corpus.dir });
    // "Range objects" shares more of the question's words ("version", "range" of parseRange);
    // "Basic" calls satisfies().
    const hits = await index.retrieve('How do I check whether a version satisfies a range?', { top: 2 });
    assert.deepEqual(hits.map((h) => h.id), ['lib/README.md#checking-versions', 'lib/README.md#basic']);
    index.close();
  });
});

describe('LocalIndex: the usage example is chosen by its code, not its heading', () => {
  const TOOL = `# tool

## Usage

### Setting the limit aside

\`\`\`js
const t = tool()
t.run(task)
\`\`\`

### Basic

\`\`\`js
tool({ limit: 5 })
\`\`\`

## API

### Limits

The limit option says how many jobs run at once; set the limit when jobs are heavy.

### Jobs

Each job runs once. A job over the limit waits; to set a limit per job, see below.
`;
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  before(async () => {
    corpus = await makeCorpus({ 'tool/README.md': TOOL });
  });
  after(() => corpus.cleanup());

  it('takes the section whose example uses the words, over one whose heading does', async () => {
    const index = new LocalIndex({ corpusDir: corpus.dir });
    const hits = await index.retrieve('How do I set the limit of jobs?', { top: 2 });
    assert.equal(hits.length, 2);
    assert.ok(hits[0]!.headingPath.includes('API'), hits[0]!.id);
    assert.equal(hits[1]!.id, 'tool/README.md#basic');
    index.close();
  });
});

describe('LocalIndex: camelCase identifiers in code (./local-terms.ts)', () => {
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  before(async () => {
    corpus = await makeCorpus({ 'srv/README.md': SERVER, 'vers/README.md': VERS });
  });
  after(() => corpus.cleanup());

  it('matches a question\'s words to the parts of an identifier', async () => {
    const index = new LocalIndex({ corpusDir: corpus.dir });
    const hits = await index.retrieve('How do I set the keep alive timeout?');
    assert.equal(hits[0]?.id, 'srv/README.md#options');
    // The identifier itself still finds it whole.
    assert.equal((await index.retrieve('keepAliveTimeout headersTimeout'))[0]?.id, 'srv/README.md#options');
    index.close();
  });
});

describe('the leading file is the one most results come from (../src/leading-file.ts)', () => {
  it('is the file holding at least half of the results, the earliest on a tie, else none', () => {
    assert.equal(leadingFile(['q.md', 'v.md', 'v.md', 'v.md', 'q.md']), 'v.md');
    assert.equal(leadingFile(['a.md', 'b.md', 'b.md', 'a.md']), 'a.md');
    assert.equal(leadingFile(['a.md', 'b.md', 'c.md', 'd.md', 'a.md']), undefined);
    assert.equal(leadingFile(['a.md']), 'a.md');
    assert.equal(leadingFile([]), undefined);
  });

  const VALID = `# vers

## Usage

\`\`\`js
vers.valid('1.2.3') // '1.2.3'
\`\`\`

## API

### valid(v)

Return the parsed version, or null if the version is not valid.

### clean(version)

Clean a string to be a valid version if possible.

### coerce(version)

Coerce a string into a valid version, checking it loosely.
`;
  const QUERY = `# query

## Checking valid strings

Checking that a query string is valid with one parser and reading it with another is unsafe.

The version of the parser that checks a string must be the one that reads it.
`;
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let index: LocalIndex;
  before(async () => {
    corpus = await makeCorpus({ 'vers/README.md': VALID, 'query/README.md': QUERY });
    index = new LocalIndex({ corpusDir: corpus.dir });
    await index.ready();
  });
  after(() => {
    index.close();
    return corpus.cleanup();
  });

  const question = 'How do I check that a version string is valid?';

  it('brings the usage example of the file most results come from, though another file comes first', async () => {
    const hits = await index.retrieve(question);
    assert.equal(hits[0]!.sourcePath, 'query/README.md', hits.map((h) => h.id).join(', '));
    assert.equal(hits.at(-1)!.id, 'vers/README.md#usage', hits.map((h) => h.id).join(', '));
  });

  it('and the offline answer gives that file the ties', async () => {
    // "Clean a string to be a valid version" and "Checking that a query string is valid …" share
    // as many of the question's words: the file most results come from wins.
    const plan = planExtractive(question, await index.retrieve(question), { maxSentences: 2, minSentences: 1 });
    const files = plan.citations.map((c) => c.passage.sourcePath);
    assert.ok(files.length >= 2 && files.every((f) => f === 'vers/README.md'), files.join(', '));
  });
});

describe('LocalRetriever: a message that opens with context (../src/retrieval/local-retriever.ts)', () => {
  const files = {
    // Shares the context's words (install, page, docs, command line) and none of the ask's.
    'setup/README.md': '# setup\n\n## Install\n\nAfter install, the command line tool prints the docs page and shows a tip.\n',
    'opener/README.md': "# opener\n\nOpen URLs, files and apps.\n\n## Usage\n\nOpen a URL in the default browser:\n\n```js\nawait opener('https://example.com')\n```\n",
  };
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let retriever: LocalRetriever;
  before(async () => {
    corpus = await makeCorpus(files);
    retriever = new LocalRetriever({ corpusDir: corpus.dir });
    await retriever.ready();
  });
  after(() => {
    retriever.index.close();
    return corpus.cleanup();
  });

  const message = "Our command line tool should show the docs page after install. How do I open a URL in the user's browser?";

  it('adds what the asking sentence finds after what the whole message finds', async () => {
    const whole = await retriever.index.retrieve(message);
    assert.ok(!whole.some((h) => h.sourcePath === 'opener/README.md'), `the whole message alone: ${whole.map((h) => h.id).join(', ')}`);
    const hits = await retriever.retrieve(message);
    assert.deepEqual(hits.slice(0, whole.length).map((h) => h.id), whole.map((h) => h.id), 'the whole message first');
    assert.ok(hits.some((h) => h.id === 'opener/README.md#usage'), hits.map((h) => h.id).join(', '));
    assert.equal(new Set(hits.map((h) => h.id)).size, hits.length, 'no passage twice');
    assert.ok((await retriever.retrieve(message, { top: 1 })).length <= 1);
  });

  it('searches a one-sentence question once, as it is', async () => {
    const q = 'How do I open a URL in the browser?';
    assert.deepEqual((await retriever.retrieve(q)).map((h) => h.id), (await retriever.index.retrieve(q)).map((h) => h.id));
  });
});

/**
 * The local index's semantic search (src/retrieval/local-vectors.ts, local-embedder.ts): with a
 * small deterministic embedder whose "meanings" the test controls, and with the real model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chmod, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LocalIndex } from '../src/retrieval/local-index.js';
import { fuseRanks, passageWindows, VectorSet, WINDOW_CHARS } from '../src/retrieval/local-vectors.js';
import Database from 'better-sqlite3';
import { EmbedderUnavailable, type EmbedKind, type Embedder } from '../src/retrieval/embedder.js';
import { DEFAULT_EMBEDDING_MODEL, DEFAULT_MODELS_DIR, loadLocalEmbedder, pool, verifyingFetch } from '../src/retrieval/local-embedder.js';
import { createHash } from 'node:crypto';
import { embeddingOptions, embeddingOptionsFromEnv, ConfigError } from '../src/config.js';
import { Writable } from 'node:stream';
import { main } from '../src/cli.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';
import { OFF_TOPIC, ON_TOPIC } from './recall-questions.js';

/**
 * Words mapped onto a few "meanings" (one dimension each): texts sharing a meaning are similar
 * whatever their words. Counts every text it embeds.
 */
class ConceptEmbedder implements Embedder {
  embedded: string[] = [];
  constructor(
    readonly id = 'concepts-v1',
    private readonly concepts: Record<string, string[]> = {
      extract: ['pull', 'params', 'extract', 'parameters'],
      weather: ['rain', 'umbrella', 'forecast'],
      limit: ['cap', 'limit', 'ceiling', 'maximum'],
    },
  ) {}
  async embed(texts: string[], kind: EmbedKind): Promise<Float32Array[]> {
    if (kind === 'passage') this.embedded.push(...texts);
    const names = Object.keys(this.concepts);
    return texts.map((t) => {
      const words = t.toLowerCase().match(/[a-z]+/g) ?? [];
      const v = new Float32Array(names.length + 1);
      names.forEach((n, i) => (v[i] = words.filter((w) => this.concepts[n]!.includes(w)).length));
      v[names.length] = 0.05; // a little of "anything", so no vector is zero
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
  }
}

const DOCS = {
  'routes.md': `# Routes

## Reading parameters

The matcher returns params for every named segment of the path, such as the user's number in /users/42.

## Compiling paths

Compile turns a pattern and values back into a path string.
`,
  'sizes.md': `# Sizes

## Body size

Set the maximum number of bytes a request body may have; a larger body is refused with 413.
`,
};

describe('local index with semantic search (deterministic embedder)', () => {
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let store: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    corpus = await makeCorpus(DOCS);
    store = await tempDir();
  });
  after(async () => {
    await corpus.cleanup();
    await store.cleanup();
  });

  it('finds a passage that shares the meaning but not the words, which keywords alone refuse', async () => {
    const question = 'How do I pull the id out of a URL?';
    const keywords = new LocalIndex({ corpusDir: corpus.dir });
    assert.deepEqual(await keywords.retrieve(question), [], 'the keyword gate refuses it');
    const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder: new ConceptEmbedder() });
    const hits = await semantic.retrieve(question);
    assert.equal(semantic.semantic, true);
    assert.deepEqual(hits.map((h) => h.headingPath.at(-1)), ['Reading parameters']);
    keywords.close();
    semantic.close();
  });

  it('refuses a question near no passage, and one whose only neighbour is weak', async () => {
    const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder: new ConceptEmbedder() });
    assert.deepEqual(await semantic.retrieve('Will it rain tomorrow, should I take an umbrella?'), []);
    // Shares one "extract" word among many "weather" ones: similarity about 0.3, under 0.45.
    assert.deepEqual(await semantic.retrieve('pull rain rain umbrella forecast'), []);
    semantic.close();
  });

  it('lets a nearer-than-0.40 passage answer alone when most of the question\'s words are the documents\'', async () => {
    const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder: new ConceptEmbedder() });
    const keywords = new LocalIndex({ corpusDir: corpus.dir });
    // Both about 0.447 from "Reading parameters" (one "extract" word, two "weather" ones): under
    // 0.45, over 0.40. No passage holds three of the five (or two of the four) words.
    const known = 'matcher params bytes rain forecast'; // matcher, params, bytes: 3 of 5 known
    const unknown = 'params rain forecast weather'; // params: 1 of 4 known
    for (const q of [known, unknown]) assert.deepEqual(await keywords.retrieve(q), [], `the keyword gate refuses "${q}"`);
    const hits = await semantic.retrieve(known);
    assert.deepEqual(hits.map((h) => h.headingPath.at(-1)), ['Reading parameters']);
    assert.ok(hits[0]!.similarity! > 0.4 && hits[0]!.similarity! < 0.45, `similarity ${hits[0]!.similarity}`);
    assert.deepEqual(await semantic.retrieve(unknown), [], 'mostly words the documents never use: 0.45 still');
    // A number the documents never use is the asker's case, not an unknown word.
    assert.deepEqual((await semantic.retrieve(`${known} 4711`)).map((h) => h.headingPath.at(-1)), ['Reading parameters']);
    keywords.close();
    semantic.close();
  });

  it('refuses a question the keyword gate lets through when it has a word the documents lack and no passage is near in meaning', async () => {
    const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder: new ConceptEmbedder() });
    const keywords = new LocalIndex({ corpusDir: corpus.dir });
    const body = (q: string) => semantic.retrieve(q).then((hits) => hits.map((h) => h.headingPath.at(-1)));
    // set, body, bytes known, umbrella not (a "weather" word): the gate passes "Body size" on the known words alone,
    // and nothing is about what the question asks (similarity about 0.05, under 0.38).
    const offTopic = 'How do I set the body bytes for my umbrella?';
    assert.ok((await keywords.retrieve(offTopic)).length > 0, 'keywords alone answer it');
    assert.deepEqual(await body(offTopic), []);
    // The same with every word known is answered as the gate says, near in meaning or not…
    assert.equal((await body('How do I set the body bytes?'))[0], 'Body size');
    // …and so is one whose unknown word is only a number the asker uses (its own case).
    assert.equal((await body('How do I set the body bytes to 4711?'))[0], 'Body size');
    // A word the documents lack, with a passage near in meaning ("maximum"): answered.
    assert.equal((await body('How do I set the maximum body bytes for my umbrella?'))[0], 'Body size');
    keywords.close();
    semantic.close();

    // Refused whole: not even the leading file's usage example, which the keyword matches bring.
    const withUsage = await makeCorpus({
      'limits.md': "# Limits\n\n## Body size\n\nSet the maximum number of bytes a request body may have.\n\n## Usage\n\n```js\napp.use(bodyLimit({ body: '1mb' }));\n```\n",
    });
    const index = new LocalIndex({ corpusDir: withUsage.dir, embedder: new ConceptEmbedder() });
    const headings = (q: string) => index.retrieve(q).then((hits) => hits.map((h) => h.headingPath.at(-1)));
    assert.deepEqual((await headings('How do I set the body bytes?')).sort(), ['Body size', 'Usage'], 'with the usage companion, as the gate says');
    assert.deepEqual(await headings(offTopic), []);
    index.close();
    await withUsage.cleanup();
  });

  it('fuses: keyword matches stay, and a semantic neighbour joins them', async () => {
    const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder: new ConceptEmbedder() });
    const hits = await semantic.retrieve('How do I cap the body size?');
    const headings = hits.map((h) => h.headingPath.at(-1));
    assert.equal(headings[0], 'Body size', 'in both rankings, so first');
    assert.ok(hits.every((h, i) => i === 0 || h.score < hits[i - 1]!.score), 'scores follow the fused order');
    semantic.close();
  });

  it('saves the vectors with the index; a restart embeds nothing, a changed file only its own passages', async () => {
    const first = new ConceptEmbedder();
    const a = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir, embedder: first });
    await a.ready();
    assert.equal(first.embedded.length, 3, "every passage once (a heading with no text of its own is no passage)");
    a.close();

    const second = new ConceptEmbedder();
    const b = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir, embedder: second });
    await b.ready();
    assert.equal(second.embedded.length, 0, 'loaded, not embedded again');
    assert.equal((await b.retrieve('How do I pull the id out of a URL?'))[0]?.headingPath.at(-1), 'Reading parameters');
    b.close();

    await writeFile(join(corpus.dir, 'sizes.md'), `# Sizes\n\n## Header size\n\nThe ceiling on header bytes is 16 KiB.\n`);
    const third = new ConceptEmbedder();
    const c = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir, embedder: third });
    const stats = await c.load();
    assert.equal(stats.source, 'updated');
    assert.equal(third.embedded.length, 1, 'only the changed file');
    assert.match(third.embedded[0]!, /Header size/);
    const hits = await c.retrieve('What is the maximum for headers?');
    assert.equal(hits[0]?.headingPath.at(-1), 'Header size');
    assert.ok(!hits.some((h) => h.headingPath.at(-1) === 'Body size'), 'the removed passage and its vector are gone');
    c.close();

    const other = new ConceptEmbedder('concepts-v2');
    const d = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir, embedder: other });
    await d.ready();
    assert.equal(other.embedded.length, 3, 'another model: everything again');
    d.close();
    await writeFile(join(corpus.dir, 'sizes.md'), DOCS['sizes.md']);
  });

  it('the same index loaded again after a change: embeds what was added, forgets what was removed', async () => {
    const dir = await makeCorpus(DOCS);
    const embedder = new ConceptEmbedder();
    const index = new LocalIndex({ corpusDir: dir.dir, embedder });
    await index.ready();
    assert.equal(embedder.embedded.length, 3);
    assert.equal((await index.load()).source, 'loaded');
    assert.equal(embedder.embedded.length, 3, 'nothing changed: nothing embedded');
    await writeFile(join(dir.dir, 'sizes.md'), `# Sizes\n\n## Header size\n\nThe ceiling on header bytes is 16 KiB.\n`);
    assert.equal((await index.load()).source, 'updated');
    assert.deepEqual(embedder.embedded.slice(3).map((t) => t.split('\n')[0]), ['Sizes > Header size']);
    const hits = await index.retrieve('What is the maximum for headers?');
    assert.equal(hits[0]?.headingPath.at(-1), 'Header size');
    assert.ok(!hits.some((h) => h.headingPath.at(-1) === 'Body size'));
    index.close();
    await dir.cleanup();
  });

  it('serves a read-only saved index, keeping the vectors in memory', async () => {
    const dir = (await tempDir()).dir;
    const built = new LocalIndex({ corpusDir: corpus.dir, indexDir: dir });
    await built.ready(); // no embedder: no vectors table yet
    built.close();
    const file = join(dir, 'local', 'index.sqlite');
    await chmod(file, 0o444);
    await chmod(join(dir, 'local'), 0o555);
    try {
      const embedder = new ConceptEmbedder();
      const ro = new LocalIndex({ corpusDir: corpus.dir, indexDir: dir, embedder });
      await ro.ready();
      // root ignores file modes: then the file was writable and the vectors were saved instead.
      assert.equal(embedder.embedded.length, 3);
      assert.equal((await ro.retrieve('How do I pull the id out of a URL?'))[0]?.headingPath.at(-1), 'Reading parameters');
      ro.close();
    } finally {
      await chmod(join(dir, 'local'), 0o755);
      await chmod(file, 0o644);
    }
  });

  it('without the model: logs once why, and answers with keywords alone', async () => {
    const lines: string[] = [];
    let calls = 0;
    const index = new LocalIndex({
      corpusDir: corpus.dir,
      log: (l) => lines.push(l),
      embedder: async () => {
        calls++;
        throw new EmbedderUnavailable('the optional package @huggingface/transformers is not installed');
      },
    });
    const plain = new LocalIndex({ corpusDir: corpus.dir });
    const question = 'How do I compile a pattern and values into a path?';
    assert.deepEqual(await index.retrieve(question), await plain.retrieve(question));
    await index.load();
    assert.equal(index.semantic, false);
    assert.equal(calls, 1, 'not retried at every load');
    assert.deepEqual(
      lines.filter((l) => l.includes('keyword search only')),
      ['local index: keyword search only: the optional package @huggingface/transformers is not installed (docs/orchestrator.md, "Semantic search")'],
    );
    index.close();
    plain.close();
  });

  it('serves keywords while the model is still loading, and switches to meaning once it has', async () => {
    let release!: () => void;
    const loaded = new Promise<void>((r) => (release = r));
    const lines: string[] = [];
    const index = new LocalIndex({
      corpusDir: corpus.dir,
      embedderWaitMs: 50,
      log: (l) => lines.push(l),
      embedder: async () => {
        await loaded; // a slow first download
        return new ConceptEmbedder();
      },
    });
    const question = 'How do I pull the id out of a URL?';
    await index.ready();
    assert.equal(index.semantic, false);
    assert.deepEqual(await index.retrieve(question), [], 'keywords alone meanwhile');
    assert.ok(lines.includes('local index: keyword search until the embedding model has loaded (not ready after 0 s; a first start downloads it)'), lines.join('\n'));
    release();
    for (let i = 0; i < 100 && !index.semantic; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(index.semantic, true);
    assert.equal(lines.at(-1), 'local index: semantic search on');
    assert.equal((await index.retrieve(question))[0]?.headingPath.at(-1), 'Reading parameters');
    index.close();
  });

  it('a model that turns out missing after the wait leaves it keyword-only, saying why', async () => {
    const lines: string[] = [];
    const index = new LocalIndex({
      corpusDir: corpus.dir,
      embedderWaitMs: 20,
      log: (l) => lines.push(l),
      embedder: async () => {
        await new Promise((r) => setTimeout(r, 100));
        throw new EmbedderUnavailable('model X could not be loaded from /m nor downloaded: fetch failed');
      },
    });
    await index.ready();
    for (let i = 0; i < 50 && !lines.some((l) => l.includes('keyword search only')); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(lines.at(-1)!, /^local index: keyword search only: model X could not be loaded/);
    assert.equal(index.semantic, false);
    index.close();
  });

  it('a failing embedder (not merely missing) fails the load, and a later load retries', async () => {
    let fail = true;
    const inner = new ConceptEmbedder();
    const index = new LocalIndex({
      corpusDir: corpus.dir,
      embedder: {
        id: 'flaky',
        embed: (texts, kind) => (fail ? Promise.reject(new Error('onnx runtime crashed')) : inner.embed(texts, kind)),
      },
    });
    await assert.rejects(index.ready(), /onnx runtime crashed/);
    fail = false;
    await index.ready();
    assert.equal(index.semantic, true);
    index.close();
  });
});

describe('VectorSet on a read-only index', () => {
  it('embeds into memory what the file lacks, reuses what it holds of the same model, ignores another model', async () => {
    const corpus = await makeCorpus(DOCS);
    const store = await tempDir();
    try {
      const index = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir });
      await index.ready(); // no vectors table yet
      index.close();
      const file = join(store.dir, 'local', 'index.sqlite');
      const question = (await new ConceptEmbedder().embed(['pull params'], 'query'))[0]!;

      const ro = new Database(file, { readonly: true });
      const first = new ConceptEmbedder();
      const fresh = new VectorSet(ro, first);
      assert.equal(await fresh.sync(), 3, 'every passage, in memory');
      assert.equal(fresh.size, 3);
      assert.equal(await fresh.sync(), 0, 'synced again: nothing embedded twice');
      assert.equal(fresh.size, 3);
      assert.ok(fresh.search(question, 1)[0]!.similarity > 0.9);
      ro.close();

      // The same model's vectors saved by a writable process, one of them then lost.
      const rw = new Database(file);
      await new VectorSet(rw, new ConceptEmbedder()).sync();
      rw.prepare('DELETE FROM vectors WHERE rowid = (SELECT max(rowid) FROM vectors)').run();
      rw.close();
      const ro2 = new Database(file, { readonly: true });
      const same = new ConceptEmbedder();
      const partly = new VectorSet(ro2, same);
      assert.equal(await partly.sync(), 1, 'only the passage without a vector');
      assert.equal(partly.size, 3);
      const other = new ConceptEmbedder('concepts-v9');
      const foreign = new VectorSet(ro2, other);
      assert.equal(await foreign.sync(), 3, "another model's vectors are not used");
      ro2.close();
    } finally {
      await corpus.cleanup();
      await store.cleanup();
    }
  });
});

describe('VectorSet.search', () => {
  it('ranks by the dot product, also when the dimensions are not a multiple of four', async () => {
    // Four concepts and "anything": five dimensions.
    const embedder = new ConceptEmbedder('five', { a: ['params', 'pull'], b: ['compile', 'pattern'], c: ['bytes', 'body'], d: ['rain'] });
    const db = new Database(':memory:');
    db.exec('CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TABLE passages(rowid INTEGER PRIMARY KEY, heading_path TEXT, text TEXT)');
    const texts = ['pull params', 'compile pattern', 'body bytes', 'rain', 'pull compile body'];
    texts.forEach((t) => db.prepare('INSERT INTO passages(heading_path, text) VALUES (?, ?)').run('[]', t));
    const set = new VectorSet(db, embedder);
    await set.sync();
    const [q] = await embedder.embed(['pull the params and compile'], 'query');
    const stored = await embedder.embed(texts.map((t) => `\n${t}`), 'passage');
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const expected = stored.map((v, i) => ({ rowid: i + 1, similarity: dot(q!, v) })).sort((x, y) => y.similarity - x.similarity);
    const got = set.search(q!, 3);
    assert.equal(q!.length, 5);
    assert.deepEqual(got.map((g) => g.rowid), expected.slice(0, 3).map((e) => e.rowid));
    got.forEach((g, i) => assert.ok(Math.abs(g.similarity - expected[i]!.similarity) < 1e-6));
    db.close();
  });
});

describe('passage windows', () => {
  it('gathers sentences and lines into windows of at most WINDOW_CHARS, each led by the heading path', () => {
    const sentence = (i: number) => `Sentence number ${i} says one thing about the topic at some length.`;
    const text = Array.from({ length: 20 }, (_, i) => sentence(i)).join(' ');
    const windows = passageWindows(['Guide', 'Setup'], text);
    assert.ok(windows.length >= 4, `${windows.length} windows`);
    for (const w of windows) {
      assert.ok(w.startsWith('Guide > Setup\n'));
      assert.ok(w.length - 'Guide > Setup\n'.length <= WINDOW_CHARS, `${w.length}`);
    }
    // Nothing lost, nothing repeated: the windows' bodies are the sentences in order.
    assert.equal(windows.map((w) => w.split('\n')[1]).join(' '), text);
  });

  it('keeps a sentence longer than a window whole, splits code at its lines, and gives an empty passage one window', () => {
    const long = `${'word '.repeat(100).trim()}.`;
    assert.deepEqual(passageWindows(['A'], `Short one. ${long} Tail.`), ['A\nShort one.', `A\n${long}`, 'A\nTail.']);
    const code = Array.from({ length: 30 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
    const windows = passageWindows(['A'], code);
    assert.ok(windows.length > 1 && windows.every((w) => w.length <= WINDOW_CHARS + 2));
    assert.deepEqual(passageWindows(['Only a heading'], ''), ['Only a heading\n']);
  });
});

describe('VectorSet with windows', () => {
  const setUp = async (texts: string[]) => {
    const embedder = new ConceptEmbedder();
    const db = new Database(':memory:');
    db.exec('CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TABLE passages(rowid INTEGER PRIMARY KEY, heading_path TEXT, text TEXT)');
    texts.forEach((t) => db.prepare('INSERT INTO passages(heading_path, text) VALUES (?, ?)').run('["Doc"]', t));
    const set = new VectorSet(db, embedder);
    await set.sync();
    return { db, set, embedder };
  };
  // A long passage about the weather with one sentence about the limit, deep inside.
  const walk =
    'Bring an umbrella when you go out for a long walk through the old town on a grey afternoon in late autumn, since the weather there changes quickly and without much warning to anyone who lives nearby.';
  const weather = Array.from({ length: 12 }, () => walk);
  const buried = [...weather.slice(0, 8), 'The maximum is a hard cap.', ...weather.slice(8)].join(' ');
  const mixed = 'The limit of the forecast: rain, rain and an umbrella.';

  it('finds a passage by the one window that answers, however much else the passage says', async () => {
    const { db, set, embedder } = await setUp([buried, mixed]);
    const [q] = await embedder.embed(['What is the cap?'], 'query');
    const hits = set.search(q!, 2);
    assert.deepEqual(hits.map((h) => h.rowid), [1, 2], 'the buried sentence outranks a passage that mixes the topics');
    assert.ok(hits[0]!.similarity > 0.85, `${hits[0]!.similarity}`);
    // The whole passage as one text is mostly weather: that is what windows avoid.
    const [whole] = await embedder.embed([`Doc\n${buried}`], 'passage');
    assert.ok(q!.reduce((s, x, i) => s + x * whole![i]!, 0) < 0.3);
    db.close();
  });

  it('returns each passage once, scored by its nearest window, and every similarity on request', async () => {
    const { db, set, embedder } = await setUp([buried, mixed, 'Pull the params out.']);
    assert.ok(embedder.embedded.length > 3, 'the long passage is several windows');
    assert.equal(set.size, 3, 'but one passage');
    const [q] = await embedder.embed(['umbrella'], 'query');
    const hits = set.search(q!, 10);
    assert.deepEqual(hits.map((h) => h.rowid).sort(), [1, 2, 3]);
    const all = set.similarities(q!);
    assert.equal(all.size, 3);
    for (const h of hits) assert.equal(all.of(h.rowid), h.similarity);
    assert.equal(all.of(99), undefined);
    assert.deepEqual(all.top(10, hits[1]!.similarity).map((h) => h.rowid), hits.slice(0, 2).map((h) => h.rowid), 'the floor is inclusive');
    db.close();
  });

  it('gives one passage\'s similarity window by window, its nearest window being the passage\'s', async () => {
    const { db, set, embedder } = await setUp([buried, mixed]);
    const [q] = await embedder.embed(['What is the cap?'], 'query');
    const all = set.similarities(q!);
    const perWindow = Array.from(all.windows(1)!);
    const texts = passageWindows(['Doc'], buried);
    assert.equal(perWindow.length, texts.length, 'one similarity a window, in passageWindows order');
    const vectors = await embedder.embed(texts, 'passage');
    perWindow.forEach((s, i) => assert.ok(Math.abs(s - vectors[i]!.reduce((t, x, d) => t + x * q![d]!, 0)) < 1e-6, `window ${i}`));
    assert.equal(Math.max(...perWindow), all.of(1));
    const cap = texts.findIndex((t) => t.includes('hard cap'));
    assert.equal(perWindow.indexOf(Math.max(...perWindow)), cap, 'the window with the cap sentence is the nearest');
    assert.equal(all.windows(2)!.length, 1);
    assert.equal(all.windows(99), undefined);
    db.close();
  });

  it('re-embeds vectors stored by the same model under another windowing (an index from before windows)', async () => {
    const { db, set, embedder } = await setUp([buried, mixed]);
    const id = db.prepare("SELECT value FROM meta WHERE key = 'embedder'").pluck().get() as string;
    assert.ok(id.startsWith(`${embedder.id};`) && id !== embedder.id, id);
    assert.equal(await set.sync(), 0);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'embedder'").run(embedder.id); // what an older release stored
    const again = new VectorSet(db, new ConceptEmbedder());
    assert.equal(await again.sync(), 2, 'embedded again, not read as one window each');
    const [q] = await embedder.embed(['cap'], 'query');
    assert.equal(again.search(q!, 1)[0]!.rowid, 1);
    db.close();
  });
});

describe('similarity on retrieved passages', () => {
  it('is set on each passage (and each of its windows) when searching by meaning, and absent with keywords alone', async () => {
    const corpus = await makeCorpus(DOCS);
    try {
      const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder: new ConceptEmbedder() });
      const hits = await semantic.retrieve('How do I cap the body size?');
      assert.ok(hits.length > 0);
      for (const h of hits) assert.equal(typeof h.similarity, 'number', h.id);
      assert.equal(hits[0]!.headingPath.at(-1), 'Body size');
      assert.ok(hits[0]!.similarity! > 0.9);
      // …with each window's, for the answerer: the window texts cover the passage's text.
      for (const h of hits) {
        assert.ok(h.windows?.length, h.id);
        assert.equal(Math.max(...h.windows.map((w) => w.similarity)), h.similarity);
        assert.equal(h.windows.map((w) => w.text).join(' ').replace(/\s+/g, ' '), h.text.trim().replace(/\s+/g, ' '));
      }
      semantic.close();
      const keyword = new LocalIndex({ corpusDir: corpus.dir });
      const plain = await keyword.retrieve('How do I set the body size?');
      assert.ok(plain.length > 0 && plain.every((h) => h.similarity === undefined && h.windows === undefined));
      keyword.close();
    } finally {
      await corpus.cleanup();
    }
  });
});

describe('fuseRanks', () => {
  it('puts what both lists rank first, then alternates, ties by the first list', () => {
    assert.deepEqual(fuseRanks([[1, 2, 3], [3, 4, 1]], 10), [1, 3, 2, 4]);
    assert.deepEqual(fuseRanks([[5, 6], [7, 8]], 3), [5, 7, 6]);
    assert.deepEqual(fuseRanks([[], [9]], 5), [9]);
  });

  it('weighs each list by its weight, 1 unless given', () => {
    assert.deepEqual(fuseRanks([[1, 2], [2, 1]], 2, [1, 0.5]), [1, 2]);
    assert.deepEqual(fuseRanks([[1, 2], [2, 1]], 2, [0.5]), [2, 1]);
    assert.deepEqual(fuseRanks([[1, 2], [2, 1], [2]], 2, [1, 1, 0]), [1, 2], 'a weight of 0 changes nothing');
  });
});

describe('the file a question means', () => {
  // Two READMEs whose sections answer in the same words; only the first one's opening says what
  // the question is about (a deadline), so its section comes first.
  const FILES = {
    'clock/README.md': '# clock\n\nGives up on a promise past its deadline.\n\n## Options\n\nThe promise rejects with an error.\n',
    'runner/README.md': '# runner\n\nRuns a command in a child process.\n\n## Errors\n\nThe promise rejects with an error when the command fails.\n',
  };
  const concepts = { time: ['deadline', 'late'], promise: ['promise', 'rejects'], process: ['command', 'process', 'child'] };

  it("ranks the section of the file whose opening is nearest in meaning first, among sections that match as well", async () => {
    const corpus = await makeCorpus(FILES);
    try {
      const index = new LocalIndex({ corpusDir: corpus.dir, embedder: new ConceptEmbedder('concepts-files', concepts) });
      const hits = await index.retrieve('Why does my promise reject with an error when it is late?');
      const sections = hits.filter((h) => h.headingPath.length > 1).map((h) => h.sourcePath);
      assert.deepEqual(sections, ['clock/README.md', 'runner/README.md'], JSON.stringify(hits.map((h) => h.id)));
      index.close();
    } finally {
      await corpus.cleanup();
    }
  });

  it('follows a file whose opening changed when the index is loaded again', async () => {
    const corpus = await makeCorpus(FILES);
    const saved = await tempDir();
    try {
      // A saved index, so the load updates the same database in place rather than building anew.
      await writeFile(join(corpus.dir, 'runner/README.md'), FILES['runner/README.md'].replace('Runs a command in a child process.', 'Gives up past a deadline, runs a command.'));
      const index = new LocalIndex({ corpusDir: corpus.dir, indexDir: saved.dir, embedder: new ConceptEmbedder('concepts-files', concepts) });
      const question = 'Why does my promise reject with an error when it is late?';
      const sectionFiles = async () => (await index.retrieve(question)).filter((h) => h.headingPath.length > 1).map((h) => h.sourcePath);
      assert.equal((await sectionFiles())[0], 'clock/README.md');
      // The runner's opening is half as near (a deadline, and a command); now the clock's says
      // nothing of deadlines, so the runner's section comes first. The clock's passages were
      // inserted anew: a map of openings kept from before the load would not know them, and would
      // rank the clock's section by its own nearness (0.7), above the runner's opening (0.5).
      await writeFile(join(corpus.dir, 'clock/README.md'), FILES['clock/README.md'].replace('Gives up on a promise past its deadline.', 'Runs a child process.'));
      assert.equal((await index.load()).source, 'updated');
      assert.equal((await sectionFiles())[0], 'runner/README.md');
      index.close();
    } finally {
      await corpus.cleanup();
      await saved.cleanup();
    }
  });
});

describe('verifyingFetch', () => {
  const good = new TextEncoder().encode('the pinned weights');
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const hub = (body: Uint8Array, status = 200) => (async () => new Response(body, { status, headers: { 'content-length': String(body.length) } })) as typeof fetch;
  const digests = { 'onnx/model.onnx': ['0'.repeat(64), sha(good)] };
  const url = 'https://hub.example/Xenova/m/resolve/751bff3/onnx/model.onnx';

  it('hands on a pinned file whose SHA-256 is one of its digests, bytes and headers as they came', async () => {
    const res = await verifyingFetch(hub(good), digests)(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(good.length));
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), good);
  });

  it('fails the download of a pinned file with any other SHA-256, naming the file and the digest', async () => {
    const other = new TextEncoder().encode('other weights');
    await assert.rejects(verifyingFetch(hub(other), digests)(url), new RegExp(`the downloaded onnx/model.onnx is not the pinned one \\(SHA-256 ${sha(other).slice(0, 12)}…\\)`));
  });

  it('passes through other files, errors, and range requests unread', async () => {
    const other = new TextEncoder().encode('{}');
    for (const [u, init, f] of [
      ['https://hub.example/Xenova/m/resolve/751bff3/config.json', undefined, hub(other)],
      [url, undefined, hub(other, 404)],
      [url, { headers: { Range: 'bytes=0-0' } }, hub(other, 200)],
    ] as [string, RequestInit | undefined, typeof fetch][]) {
      const res = await verifyingFetch(f, digests)(u, init);
      assert.equal(res.bodyUsed, false, u);
    }
  });
});

describe('pool', () => {
  it('means the tokens the mask keeps, or takes the first, and scales to unit length', () => {
    // 2 texts × 3 tokens × 2 dims
    const hidden = Float32Array.from([3, 0, 0, 4, 100, 100, /* text 2 */ 0, 2, 0, 2, 0, 2]);
    const mask = BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 1n]);
    const mean = pool(hidden, [2, 3, 2], mask, 'mean');
    assert.deepEqual([...mean[0]!].map((x) => +x.toFixed(3)), [0.6, 0.8], 'padding (100, 100) is left out');
    assert.deepEqual([...mean[1]!], [0, 1]);
    const cls = pool(hidden, [2, 3, 2], mask, 'cls');
    assert.deepEqual([...cls[0]!], [1, 0]);
  });
});

describe('embedding configuration', () => {
  it('reads LOCAL_EMBEDDINGS, LOCAL_MODELS_DIR and LOCAL_MODELS_DOWNLOAD', () => {
    assert.deepEqual(embeddingOptionsFromEnv({}), { download: true });
    assert.equal(embeddingOptionsFromEnv({ LOCAL_EMBEDDINGS: 'off' }), undefined);
    assert.equal(embeddingOptionsFromEnv({ LOCAL_EMBEDDINGS: 'OFF' }), undefined);
    assert.deepEqual(embeddingOptionsFromEnv({ LOCAL_EMBEDDINGS: 'Xenova/bge-small-en-v1.5', LOCAL_MODELS_DIR: '/srv/models', LOCAL_MODELS_DOWNLOAD: 'false' }), {
      model: 'Xenova/bge-small-en-v1.5',
      modelsDir: '/srv/models',
      download: false,
    });
    assert.throws(() => embeddingOptionsFromEnv({ LOCAL_MODELS_DOWNLOAD: 'perhaps' }), (err: unknown) => err instanceof ConfigError && /LOCAL_MODELS_DOWNLOAD/.test(err.message));
    assert.equal(embeddingOptions({ LOCAL_EMBEDDINGS: 'none', LOCAL_MODELS_DIR: undefined, LOCAL_MODELS_DOWNLOAD: true }), undefined);
  });

  it('says why when the model is missing and downloads are off', async () => {
    const empty = await tempDir();
    await assert.rejects(
      loadLocalEmbedder({ modelsDir: empty.dir, download: false }),
      (err: unknown) => err instanceof EmbedderUnavailable && err.message.includes(`model ${DEFAULT_EMBEDDING_MODEL} is not in ${empty.dir}`) && err.message.includes('fetch-embedding-model'),
    );
    await empty.cleanup();
  });
});

// The real model: scripts/fetch-embedding-model.mjs (run by .ci/run) puts it in the default folder.
const modelThere = existsSync(join(process.env.LOCAL_MODELS_DIR ?? DEFAULT_MODELS_DIR, DEFAULT_EMBEDDING_MODEL, 'onnx', 'model.onnx'));
const needModel = process.env.CI === 'true' || modelThere;
describe('all-MiniLM-L6-v2 (the default model)', { skip: needModel ? false : 'model not installed: node scripts/fetch-embedding-model.mjs' }, () => {
  let embedder: Embedder;
  before(async () => {
    embedder = await loadLocalEmbedder({ download: false, ...(process.env.LOCAL_MODELS_DIR ? { modelsDir: process.env.LOCAL_MODELS_DIR } : {}) });
  });

  it('embeds to unit vectors of 384 dimensions, a paraphrase nearer than an unrelated sentence', async () => {
    const [q, para, other] = await embedder.embed(
      ['How do I limit how many requests a visitor can make?', 'Rate limiting caps the number of chats per user per minute.', 'Bake the bread at 220 degrees for forty minutes.'],
      'passage',
    );
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    assert.equal(q!.length, 384);
    assert.ok(Math.abs(dot(q!, q!) - 1) < 1e-4);
    assert.ok(dot(q!, para!) > 0.45, `paraphrase similarity ${dot(q!, para!)}`);
    assert.ok(dot(q!, other!) < 0.2, `unrelated similarity ${dot(q!, other!)}`);
    assert.ok(embedder.id.startsWith(`${DEFAULT_EMBEDDING_MODEL};mean;256`));
  });

  it('answers a question in other words than the docs, and still refuses what they do not cover', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const keywords = new LocalIndex({ corpusDir: corpus.dir });
    const semantic = new LocalIndex({ corpusDir: corpus.dir, embedder });
    for (const [question, id] of [
      ['How do I plug the chat backend into my Node web app?', 'guides/server-kit.md#mounting-in-express'],
      ['Where do I tell the widget which backend to talk to?', 'guides/widget.md#attributes'],
    ]) {
      assert.deepEqual(await keywords.retrieve(question), [], `keywords alone refuse "${question}"`);
      assert.equal((await semantic.retrieve(question))[0]?.id, id, question);
    }
    for (const absent of ['What is the boiling point of mercury?', 'How do I bake sourdough bread?', 'Who won the 1998 World Cup?']) {
      assert.deepEqual(await semantic.retrieve(absent), [], absent);
    }
    keywords.close();
    semantic.close();
    await corpus.cleanup();
  });

  it('on the real docs/: every off-topic question of the recall test still retrieves nothing, and recall does not fall', async () => {
    const docs = join(import.meta.dirname, '..', '..', 'docs');
    const semantic = new LocalIndex({ corpusDir: docs, embedder });
    for (const question of OFF_TOPIC) assert.deepEqual((await semantic.retrieve(question)).map((h) => h.id), [], question);
    let found = 0;
    for (const [question, files] of ON_TOPIC) {
      const hits = await semantic.retrieve(question, { top: 3 });
      if (hits.some((h) => files.includes(h.sourcePath))) found++;
    }
    assert.ok(found >= Math.ceil(ON_TOPIC.length * 0.9), `${found}/${ON_TOPIC.length}`);
    semantic.close();
  });

  it('grounded-chat ingest embeds the passages after indexing the files, each phase with its progress, and only once', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    const saved = process.env.LOCAL_EMBEDDINGS;
    delete process.env.LOCAL_EMBEDDINGS; // the default model
    const run = async () => {
      let err = '';
      const sink = (add: (t: string) => void) => new Writable({ write: (c, _e, cb) => (add(String(c)), cb()) });
      const code = await main(['ingest', corpus.dir, '--index-dir', store.dir], sink(() => {}), sink((t) => (err += t)));
      return { code, err };
    };
    try {
      const first = await run();
      assert.equal(first.code, 0, first.err);
      assert.match(first.err, /^indexing: 4\/4 documents$/m);
      const embedded = /^embedding: (\d+)\/(\d+) passages$/m.exec(first.err.split('\n').filter((l) => l.startsWith('embedding:')).at(-1) ?? '');
      assert.ok(embedded && embedded[1] === embedded[2], first.err);
      assert.match(first.err, new RegExp(`local index: ${embedded![1]} passages embedded in \\d+ ms \\(Xenova/all-MiniLM-L6-v2\\)`));
      const second = await run();
      assert.equal(second.code, 0, second.err);
      assert.doesNotMatch(second.err, /embedding:|embedded/, 'the saved vectors are used');
    } finally {
      if (saved === undefined) delete process.env.LOCAL_EMBEDDINGS;
      else process.env.LOCAL_EMBEDDINGS = saved;
      await store.cleanup();
      await corpus.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LocalIndex } from '../src/retrieval/local-index.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

describe('LocalIndex retrieval', () => {
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let index: LocalIndex;
  before(async () => {
    corpus = await makeCorpus(KIT_DOCS);
    index = new LocalIndex({ corpusDir: corpus.dir, sourceUrlBase: '/docs/' });
    await index.ready();
  });
  after(() => corpus.cleanup());

  const known: [string, string][] = [
    ['How do I mount the server kit in Express?', 'guides/server-kit.md#mounting-in-express'],
    ['How do I set the endpoint attribute on the widget?', 'guides/widget.md#attributes'],
    ['Does it work offline without an Azure account?', 'architecture.md#offline-mode'],
    ['What do the health probes call on the online endpoint?', 'notes.txt'],
    ['How are requests rate limited per visitor?', 'guides/server-kit.md#rate-limits'],
  ];
  for (const [question, id] of known) {
    it(`ranks ${id} first for "${question}"`, async () => {
      const hits = await index.retrieve(question);
      assert.ok(hits.length > 0, 'something is retrieved');
      assert.equal(hits[0]!.id, id);
    });
  }

  for (const absent of [
    'What is the boiling point of mercury?',
    'Who won the 1998 World Cup?',
    'How do I bake sourdough bread?',
    'the of and is',
    '',
  ]) {
    it(`retrieves nothing for "${absent}"`, async () => {
      assert.deepEqual(await index.retrieve(absent), []);
    });
  }

  it('returns passages with title, heading path, source path, url and score', async () => {
    const [hit] = await index.retrieve('mount server kit express');
    assert.ok(hit);
    assert.equal(hit.title, 'Server kit');
    assert.deepEqual(hit.headingPath, ['Server kit', 'Mounting in Express']);
    assert.equal(hit.sourcePath, 'guides/server-kit.md');
    assert.equal(hit.url, '/docs/guides/server-kit.md#mounting-in-express');
    assert.ok(hit.score > 0);
    assert.ok(hit.text.includes('createChatRouter'));
  });

  it('honours top and forgives prefixes and a typo', async () => {
    assert.ok((await index.retrieve('server kit orchestrator widget', { top: 2 })).length <= 2);
    const [prefix] = await index.retrieve('mount router express');
    assert.equal(prefix?.sourcePath, 'guides/server-kit.md');
    const [typo] = await index.retrieve('orchestratr readiness probes');
    assert.equal(typo?.sourcePath, 'notes.txt');
  });

  it('applies the coverage threshold as a named option', async () => {
    // Two of four content terms match ("server", "kit"); "banana" and "pancakes" don't.
    const q = 'server kit banana pancakes';
    assert.ok((await index.retrieve(q)).length > 0, 'half the terms is enough by default');
    const strict = new LocalIndex({ corpusDir: corpus.dir, minTermCoverage: 0.75 });
    assert.deepEqual(await strict.retrieve(q, { namedSections: false }), [], 'three of four are required at 0.75');
    // A section whose own heading names one of the terms needs one fewer (./local-gate.ts).
    const named = await strict.retrieve(q);
    assert.ok(named.length > 0);
    for (const h of named) assert.match(h.headingPath.at(-1)!, /server|kit/i, h.id);
    assert.equal(strict.requiredMatches(4), 3);
    assert.equal(index.requiredMatches(1), 1);
    assert.equal(index.requiredMatches(2), 2, 'two-term questions need both (minMatchedTerms)');
    assert.equal(index.requiredMatches(5), 3);
  });

  it('no longer lets a two-term question through on its heading term alone', async () => {
    // "banana" is nowhere in the docs; "attributes" is a section's own heading. One generic or
    // absent word beside a heading word is how "apply for a passport" found "Passport" (below).
    assert.deepEqual(await index.retrieve('banana attributes'), []);
    assert.deepEqual(await index.retrieve('banana kit'), []);
    assert.deepEqual(await index.retrieve('banana visitor'), [], '"visitor" is only in running text');
  });

  it('stems query and documents alike ("limitations" finds "limits", "mounted" finds "mounting")', async () => {
    assert.equal((await index.retrieve('What are the request limitations?'))[0]?.id, 'guides/server-kit.md#rate-limits');
    assert.equal((await index.retrieve('Where is the router mounted?'))[0]?.id, 'guides/server-kit.md#mounting-in-express');
  });

  it('stems inflections away from query terms and skips question filler words', async () => {
    assert.equal((await index.retrieve('How are requests limited?'))[0]?.id, 'guides/server-kit.md#rate-limits');
    assert.equal((await index.retrieve('How does mounting work?'))[0]?.id, 'guides/server-kit.md#mounting-in-express');
    assert.deepEqual(await index.retrieve('What is the meaning of life?'), []);
  });

  it('rejects an already-aborted search', async () => {
    await assert.rejects(index.retrieve('server kit', { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});

describe('LocalIndex persistence', () => {
  it('still serves when the index folder cannot be written', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    try {
      const blocker = join(store.dir, 'a-file');
      await writeFile(blocker, 'not a folder');
      const lines: string[] = [];
      const index = new LocalIndex({ corpusDir: corpus.dir, indexDir: join(blocker, 'idx'), log: (l) => lines.push(l) });
      await index.ready();
      assert.equal(index.stats?.source, 'built');
      assert.ok((await index.retrieve('mount the server kit in Express')).length > 0);
      assert.ok(lines.some((l) => /could not save/.test(l)), lines.join('\n'));
    } finally {
      await corpus.cleanup();
      await store.cleanup();
    }
  });

  it('loads a saved index when docs are unchanged, updates only what changed', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    const open = () => new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir });
    const rowids = (path: string) => {
      const db = new Database(join(store.dir, 'local', 'index.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT rowid FROM passages WHERE path = ? ORDER BY rowid').pluck().all(path);
      } finally {
        db.close();
      }
    };
    const indexes: LocalIndex[] = [];
    const track = (i: LocalIndex) => (indexes.push(i), i);
    try {
      const first = track(open());
      const s1 = await first.load();
      assert.equal(s1.source, 'built');
      assert.equal(s1.files, 4);
      const db = new Database(join(store.dir, 'local', 'index.sqlite'), { readonly: true });
      const files = db.prepare('SELECT path, size, mtime, sha256 FROM files').all() as { sha256: string; size: number; mtime: number }[];
      db.close();
      assert.equal(files.length, 4);
      for (const f of files) {
        assert.match(f.sha256, /^[0-9a-f]{64}$/);
        assert.equal(typeof f.size, 'number');
        assert.equal(typeof f.mtime, 'number');
      }
      const summary = JSON.parse(await readFile(join(store.dir, 'local', 'manifest.json'), 'utf8'));
      assert.equal(summary.files, 4);
      assert.equal(summary.passages, s1.passages);
      assert.equal(typeof summary.chunkerVersion, 'number');
      const widgetRows = rowids('guides/widget.md');
      assert.ok(widgetRows.length > 0);

      // Restart, unchanged: loaded, and answers the same.
      const second = track(open());
      const s2 = await second.load();
      assert.equal(s2.source, 'loaded');
      assert.equal(s2.passages, s1.passages);
      assert.equal(second.size, s1.passages);
      assert.equal((await second.retrieve('mount the server kit in Express'))[0]?.id, 'guides/server-kit.md#mounting-in-express');

      // Touched but identical content: still loaded (only the hash decides).
      const future = new Date(Date.now() + 60_000);
      await utimes(join(corpus.dir, 'architecture.md'), future, future);
      assert.equal((await track(open()).load()).source, 'loaded');

      // A changed doc: updated in place; the new content is searchable, the old is gone, and the
      // other files' passages are the same rows as before (not rebuilt).
      await writeFile(join(corpus.dir, 'architecture.md'), '# Architecture\n\n## Quantum flux\n\nThe flux capacitor powers the quantum tachyon relay.\n');
      const third = track(open());
      const s3 = await third.load();
      assert.equal(s3.source, 'updated');
      assert.match(s3.reason ?? '', /changed: architecture\.md/);
      assert.equal((await third.retrieve('flux capacitor tachyon'))[0]?.sourcePath, 'architecture.md');
      assert.deepEqual(await third.retrieve('offline extractive answerer'), []);
      assert.deepEqual(rowids('guides/widget.md'), widgetRows);

      // An added doc, while serving: the same index picks it up on load().
      await writeFile(join(corpus.dir, 'faq.md'), '# FAQ\n\n## Pineapple pizza\n\nPineapple belongs on pizza, says the orchestrator.\n');
      const s4 = await third.load();
      assert.equal(s4.source, 'updated');
      assert.match(s4.reason ?? '', /added: faq\.md/);
      assert.equal((await third.retrieve('pineapple pizza'))[0]?.id, 'faq.md#pineapple-pizza');

      // A removed doc: updated too, its passages gone.
      await rm(join(corpus.dir, 'notes.txt'));
      const s5 = await track(open()).load();
      assert.equal(s5.source, 'updated');
      assert.match(s5.reason ?? '', /removed: notes\.txt/);
      assert.equal(s5.files, 4);
      assert.deepEqual(rowids('notes.txt'), []);
      assert.deepEqual(rowids('guides/widget.md'), widgetRows);

      // --force rebuilds.
      assert.equal((await track(open()).load({ force: true })).source, 'built');
    } finally {
      for (const i of indexes) i.close();
      await corpus.cleanup();
      await store.cleanup();
    }
  });

  it('rebuilds a corrupt or foreign saved index, and one of another format', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    const dbFile = join(store.dir, 'local', 'index.sqlite');
    try {
      const first = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir });
      await first.load();
      first.close();

      await writeFile(dbFile, 'SQLite format 3\0 but not really, just some bytes '.repeat(100));
      const s1 = await new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir }).load();
      assert.equal(s1.source, 'built');
      assert.match(s1.reason ?? '', /unreadable/);

      const db = new Database(dbFile);
      db.prepare("UPDATE meta SET value = '1' WHERE key = 'format'").run();
      db.close();
      const second = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir });
      const s2 = await second.load();
      assert.equal(s2.source, 'built');
      assert.match(s2.reason ?? '', /format/);
      assert.equal((await second.retrieve('mount the server kit in Express'))[0]?.id, 'guides/server-kit.md#mounting-in-express');
      second.close();

      // A build that died before its rename left a temp file: ignored, the saved index serves.
      await writeFile(`${dbFile}.99999.tmp`, 'half a database');
      const third = new LocalIndex({ corpusDir: corpus.dir, indexDir: store.dir });
      assert.equal((await third.load()).source, 'loaded');
      third.close();
    } finally {
      await corpus.cleanup();
      await store.cleanup();
    }
  });

  it('reports progress while building, and prepares files on worker threads alike', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    try {
      const progress: [number, number][] = [];
      const threaded = new LocalIndex({ corpusDir: corpus.dir, threads: 2, onProgress: (d, t) => progress.push([d, t]) });
      await threaded.load();
      assert.deepEqual(progress, [[1, 4], [2, 4], [3, 4], [4, 4]]);
      const inline = new LocalIndex({ corpusDir: corpus.dir, threads: 0 });
      for (const q of ['mount the server kit in Express', 'endpoint attribute', 'health probes readiness']) {
        assert.deepEqual(await threaded.retrieve(q), await inline.retrieve(q), q);
      }
      threaded.close();
      inline.close();
    } finally {
      await corpus.cleanup();
    }
  });
});

describe('LocalIndex gate for two-term questions', () => {
  // Mirrors docs/: "Passport" is a library there, and "applies" a word of another sentence.
  const DOCS = {
    'server-kit.md': `# Server kit

## Authentication

The kit authenticates the visitor with Easy Auth, an Entra bearer token, any Passport strategy, or a custom hook), validates the request with zod, applies a rate limit and relays the chat.

## Passport and passport-azure-ad

The BearerStrategy of passport-azure-ad works through fromMiddleware. It caches the tenant's signing keys and does not fetch them again.

## Rate limits

Each visitor gets sixty chats a minute. Limits apply to every route of the kit, and a refused chat gets the rate_limited error code.
`,
    'theming.md': `# Theming

Set custom properties on the element. Colours follow the page.

## Accent colour

The accent colour is a custom property; the widget reads it at start.
`,
  };
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let index: LocalIndex;
  before(async () => {
    corpus = await makeCorpus(DOCS);
    index = new LocalIndex({ corpusDir: corpus.dir });
    await index.ready();
  });
  after(() => corpus.cleanup());

  it('retrieves nothing when the two terms only meet far apart, or beside a section named after one of them', async () => {
    assert.deepEqual(await index.retrieve('How do I apply for a passport?'), []);
  });

  it('finds two terms used together, or one naming the section and the other in it', async () => {
    // Together: "Limits apply", "applies a rate limit" (one term between them once stop words are out).
    const together = (await index.retrieve('Where do limits apply?')).map((h) => h.id).sort();
    assert.deepEqual(together, ['server-kit.md#authentication', 'server-kit.md#rate-limits']);
    // Apart, but "passport" names the section and "keys" is in it.
    assert.equal((await index.retrieve('Which keys does passport cache?'))[0]?.id, 'server-kit.md#passport-and-passport-azure-ad');
    // One term in the section's heading, the other in its text, far apart: the heading says what it is about.
    assert.equal((await index.retrieve('accent start'))[0]?.id, 'theming.md#accent-colour');
  });
});

describe('LocalIndex candidates found without bm25()', () => {
  // A tier small enough to be taken whole is read without bm25() (./local-candidates.ts, addUnranked);
  // ties of the per-field score then keep rowid order only between identically indexed passages.
  // The same questions through the ranked path must give the same passages, scores and order.
  const section = (heading: string, text: string) => `## ${heading}\n\n${text}\n`;
  const copy = section('Proxy settings', 'Set the proxy with npm config set proxy and the https proxy alike.');
  const files: Record<string, string> = {
    'a.md': `# Network\n\n${copy}\n${section('Offline', 'Without a network the cache serves installs.')}`,
    'b.md': `# Network\n\n${copy}`, // the same section again: an identical passage, tied
    'c.md': `# Networking notes\n\n${section('Proxy', 'Set the proxy with npm config set proxy for plain http only.')}`,
    'd.md': `# Setup\n\n${section('Registry proxy', 'A proxy registry: set it with npm config, then install.')}`,
    'e.md': `# Other\n\n${section('Proxy settings', 'Set the proxy with npm config set proxy and the https proxy alike.')}`,
  };
  // The same per-field score, not the same bm25(): equal stems and distinct counts, but f.md's
  // text is longer (repeats), so bm25() puts g.md first although f.md was indexed first.
  files['f.md'] = `# Zoo\n\n${section('Marsupials', 'Quokka wombat numbat alpha alpha alpha alpha alpha beta.')}`;
  files['g.md'] = `# Zoo\n\n${section('Marsupials', 'Quokka wombat numbat alpha beta.')}`;
  for (let i = 0; i < 30; i++) files[`many/${i}.md`] = `# Page ${i}\n\n${section(`Part ${i}`, `npm config ${i % 3 ? 'set' : 'get'} value ${i} for the proxy cache.`)}`;
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  before(async () => {
    corpus = await makeCorpus(files);
  });
  after(() => corpus.cleanup());

  it('returns what ranking every tier with bm25() returns, ties included', async () => {
    const fast = new LocalIndex({ corpusDir: corpus.dir });
    const ranked = new LocalIndex({ corpusDir: corpus.dir });
    await fast.ready();
    await ranked.ready();
    let unrankedUsed = 0;
    // The collector (./local-candidates.ts) is made when the index is installed.
    type Collector = { addUnranked: (...a: unknown[]) => boolean };
    const collector = (index: LocalIndex) => (index as unknown as { candidates: Collector }).candidates;
    const original = collector(fast).addUnranked.bind(collector(fast));
    collector(fast).addUnranked = (...a: unknown[]) => {
      const used = original(...a);
      if (used) unrankedUsed++;
      return used;
    };
    collector(ranked).addUnranked = () => false;
    const questions = [
      'How do I set the npm proxy?',
      'npm config proxy settings',
      'https proxy npm config',
      'proxy cache value',
      'registry proxy install',
      'network cache installs offline',
      'set proxy',
    ];
    for (const q of questions) {
      for (const top of [1, 3, 10]) {
        const a = (await fast.retrieve(q, { top })).map((h) => `${h.id} ${h.score}`);
        const b = (await ranked.retrieve(q, { top })).map((h) => `${h.id} ${h.score}`);
        assert.deepEqual(a, b, `${q} (top ${top})`);
      }
    }
    assert.ok(unrankedUsed > 0, 'some tier was taken without bm25()');
    const zoo = await fast.retrieve('quokka wombat numbat');
    assert.deepEqual(zoo.map((h) => h.id), ['g.md#marsupials', 'f.md#marsupials'], 'a tie between different passages goes by bm25()');
    assert.equal(zoo[0]!.score, zoo[1]!.score, 'the per-field scores tie');
    const tied = await fast.retrieve('https proxy npm config', { top: 10 });
    const ids = tied.map((h) => h.id);
    assert.ok(ids.indexOf('a.md#proxy-settings') >= 0 && ids.indexOf('a.md#proxy-settings') < ids.indexOf('b.md#proxy-settings'), 'identical passages in index order');
    fast.close();
    ranked.close();
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkDocument, inlinePlain, MAX_BLOCK_CHARS, MAX_HEADING_CHARS, splitFrontMatter, splitLong } from '../src/ingest/chunk.js';
import { CODE_SNIPPET_CHARS, planExtractive } from '../src/answer/extractive.js';
import { chunkCorpus, readmeTitle } from '../src/ingest/corpus.js';
import { readDocuments } from '../src/ingest/read-documents.js';
import { LocalIndex } from '../src/retrieval/local-index.js';
import { makeCorpus } from './helpers.js';
import { words } from '../src/text.js';

describe('chunkDocument', () => {
  it('splits on headings with heading paths and GitHub-style ids', () => {
    const chunks = chunkDocument(
      'guides/server-kit.md',
      '# Server kit\n\nIntro.\n\n## Mounting in Express\n\nMount it.\n\n### Options\n\nSome options.\n\n## Rate limits\n\nLimits.\n',
    );
    assert.deepEqual(
      chunks.map((c) => [c.id, c.headingPath, c.text]),
      [
        ['guides/server-kit.md#server-kit', ['Server kit'], 'Intro.'],
        ['guides/server-kit.md#mounting-in-express', ['Server kit', 'Mounting in Express'], 'Mount it.'],
        ['guides/server-kit.md#options', ['Server kit', 'Mounting in Express', 'Options'], 'Some options.'],
        ['guides/server-kit.md#rate-limits', ['Server kit', 'Rate limits'], 'Limits.'],
      ],
    );
    for (const c of chunks) {
      assert.equal(c.title, 'Server kit');
      assert.equal(c.sourcePath, 'guides/server-kit.md');
    }
  });

  it('never treats # inside a code fence as a heading, and never splits a fence', () => {
    const fence = '```sh\n# install it\nnpm i grounded-chat\n# start it\nnpm start\n```';
    const chunks = chunkDocument('a.md', `# Title\n\nRun this:\n\n${fence}\n\nDone.\n`);
    assert.equal(chunks.length, 1);
    assert.ok(chunks[0]!.text.includes(fence), 'the fence is kept whole');
    assert.deepEqual(chunks[0]!.headingPath, ['Title']);
  });

  it('keeps a long code block whole even past the size cap', () => {
    const code = '```js\n' + Array.from({ length: 200 }, (_, i) => `const v${i} = ${i}; // value number ${i}`).join('\n') + '\n```';
    const chunks = chunkDocument('a.md', `# T\n\nBefore.\n\n${code}\n\nAfter.\n`, { maxWords: 100 });
    const holder = chunks.filter((c) => c.text.includes('```js'));
    assert.equal(holder.length, 1);
    assert.ok(holder[0]!.text.includes(code));
  });

  it('splits a long section between paragraphs into ~maxWords parts with ~n ids', () => {
    const para = (n: number) => Array.from({ length: 60 }, (_, i) => `word${n}x${i}`).join(' ') + '.';
    const body = Array.from({ length: 10 }, (_, i) => para(i)).join('\n\n');
    const chunks = chunkDocument('long.md', `# Long\n\n## Section\n\n${body}\n`, { minWords: 120, maxWords: 300 });
    assert.ok(chunks.length >= 2);
    assert.equal(chunks[0]!.id, 'long.md#section');
    assert.equal(chunks[1]!.id, 'long.md#section~2');
    for (const c of chunks) {
      const n = words(c.text).length;
      assert.ok(n <= 300 * 1.25, `part of ${n} words`);
      assert.ok(n >= 60, `part of ${n} words`);
      // paragraphs are never cut
      for (const p of c.text.split('\n\n')) assert.match(p, /^word\d+x0 .*\.$/);
    }
  });

  it('takes the title from front matter, else the first H1, else the file name', () => {
    const fm = chunkDocument('w.md', '---\ntitle: "The chat widget"\nauthor: x\n---\n# Widget element\n\nText.\n');
    assert.equal(fm[0]!.title, 'The chat widget');
    assert.ok(!fm[0]!.text.includes('author'), 'front matter is not passage text');
    assert.equal(chunkDocument('w.md', 'Intro.\n\n# Heading one\n\nText.\n')[0]!.title, 'Heading one');
    assert.equal(chunkDocument('dir/getting-started.md', 'Just text.\n')[0]!.title, 'getting-started');
    assert.deepEqual(splitFrontMatter('no front matter'), { body: 'no front matter' });
  });

  it('takes the title from an H1 only when it is the first heading; a README without one is named by its folder', () => {
    // A trailing "# License" names a section, not the document (it used to title all of koa's README).
    const koa = chunkDocument('notes/intro.md', 'Intro.\n\n## Installation\n\nnpm i.\n\n# License\n\nMIT.\n');
    assert.deepEqual(new Set(koa.map((c) => c.title)), new Set(['intro']));
    // A README whose heading is HTML (a logo, centred) or missing: the folder names it.
    const yargs = '<h1 align="center"> Yargs </h1>\n\nParses arguments.\n\n## Description\n\nText.\n';
    assert.deepEqual(new Set(chunkDocument('yargs/README.md', yargs).map((c) => c.title)), new Set(['yargs']));
    assert.equal(chunkDocument('pkgs/Readme.markdown', '## Usage\n\nText.\n')[0]!.title, 'pkgs');
    assert.equal(chunkDocument('README.md', 'Text.\n')[0]!.title, 'README');
    // The caller's name (a package.json beside it) wins over the folder; a text H1 over both.
    assert.equal(chunkDocument('x/README.md', '## Usage\n\nText.\n', {}, '@scope/lib')[0]!.title, '@scope/lib');
    assert.equal(chunkDocument('x/README.md', '# My lib\n\nText.\n', {}, '@scope/lib')[0]!.title, 'My lib');
    assert.equal(chunkDocument('x/README.txt', 'Text.\n', {}, 'lib')[0]!.title, 'lib');
    // An H1 that is only an image without alt text is no title either.
    assert.equal(chunkDocument('y/README.md', '# ![](logo.svg)\n\nText.\n')[0]!.title, 'y');
  });

  it('names a README by its package.json, else its folder, the same way for the local index and ingest', async () => {
    const readme = '<p align="center"><img src="logo.svg"></p>\n\n## Define commands\n\nCall `.command()` with a name.\n';
    const { dir, cleanup } = await makeCorpus({
      'packages/cli/README.md': readme,
      'packages/cli/package.json': JSON.stringify({ name: '@acme/argparse' }),
      'vendor/yargs/README.md': readme,
      'vendor/broken/README.md': readme,
      'vendor/broken/package.json': '{ not json',
      'guide.md': '## Setup\n\nText.\n',
    });
    try {
      assert.equal(readmeTitle(dir, 'packages/cli/README.md'), '@acme/argparse');
      assert.equal(readmeTitle(dir, 'vendor/yargs/README.md'), 'yargs');
      assert.equal(readmeTitle(dir, 'vendor/broken/README.md'), 'broken');
      assert.equal(readmeTitle(dir, 'guide.md'), undefined);
      const expected = { 'packages/cli/README.md': '@acme/argparse', 'vendor/yargs/README.md': 'yargs', 'vendor/broken/README.md': 'broken', 'guide.md': 'guide' };
      const titles = (chunks: { sourcePath: string; title: string }[]) => Object.fromEntries(chunks.map((c) => [c.sourcePath, c.title]));
      assert.deepEqual(titles((await chunkCorpus(dir)).chunks), expected);
      assert.deepEqual(titles((await readDocuments(dir)).chunks), expected);
      const index = new LocalIndex({ corpusDir: dir });
      try {
        await index.ready();
        // The question names the package, the README's text never does: only the title can match.
        const [hit] = await index.retrieve('How do I define commands with yargs?');
        assert.equal(hit?.sourcePath, 'vendor/yargs/README.md');
        assert.equal(hit?.title, 'yargs');
      } finally {
        index.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('gives repeated headings distinct ids and content before any heading the bare path', () => {
    const chunks = chunkDocument('r.md', 'Preface.\n\n## Usage\n\nA.\n\n## Usage\n\nB.\n');
    assert.deepEqual(
      chunks.map((c) => c.id),
      ['r.md', 'r.md#usage', 'r.md#usage-1'],
    );
    assert.equal(chunks[0]!.anchor, undefined);
    assert.equal(chunks[2]!.anchor, 'usage-1');
  });

  it('recognises setext headings and ignores empty sections', () => {
    const chunks = chunkDocument('s.md', 'Title\n=====\n\nIntro.\n\nPart\n----\n\nPart body.\n\n## Empty\n\n## Full\n\nBody.\n');
    assert.deepEqual(
      chunks.map((c) => c.id),
      ['s.md#title', 's.md#part', 's.md#full'],
    );
  });

  it('chunks plain text by paragraphs with the file name as title', () => {
    const chunks = chunkDocument('notes.txt', 'First para.\n\n# not a heading in text\n');
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]!.title, 'notes');
    assert.ok(chunks[0]!.text.includes('# not a heading in text'));
  });

  it('chunkCorpus walks folders with POSIX relative paths and skips dot folders', async () => {
    const { dir, cleanup } = await makeCorpus({
      'a.md': '# A\n\nText.',
      'sub/deeper/b.md': '# B\n\nText.',
      '.hidden/c.md': '# C\n\nText.',
      'image.png': 'not text',
    });
    try {
      const { files, chunks } = await chunkCorpus(dir);
      assert.deepEqual(files.map((f) => f.path), ['a.md', 'sub/deeper/b.md']);
      assert.deepEqual(chunks.map((c) => c.id), ['a.md#a', 'sub/deeper/b.md#b']);
      assert.match(files[0]!.sha256, /^[0-9a-f]{64}$/);
    } finally {
      await cleanup();
    }
  });
});

describe('headings with inline code, and bounds', () => {
  it('keeps the code of a heading, tags included, and slugs it as GitHub does', () => {
    const [first, second] = chunkDocument('widget.md', '# The `<grounded-chat>` widget\n\nIt chats.\n\n## Use `app.use()` and *more*\n\nMount it.\n');
    assert.deepEqual(first!.headingPath, ['The <grounded-chat> widget']);
    assert.equal(first!.title, 'The <grounded-chat> widget');
    assert.equal(first!.id, 'widget.md#the-grounded-chat-widget');
    assert.deepEqual(second!.headingPath, ['The <grounded-chat> widget', 'Use app.use() and more']);
    assert.equal(inlinePlain('Hello <b>bold</b> [link](x.md) `<x-y>`'), 'Hello bold link <x-y>');
  });

  it("leaves a title's badges out, inline, by reference or in <sup>, and keeps a logo's alt text when it is all there is", () => {
    const doc = '# mri [![CI](https://github.com/lukeed/mri/workflows/CI/badge.svg)](https://github.com/lukeed/mri/actions) ![npm](https://img.shields.io/npm/v/mri.svg)\n\nQuickly scan for flags.\n';
    const [first] = chunkDocument('mri/readme.md', doc);
    assert.equal(first!.title, 'mri');
    assert.deepEqual(first!.headingPath, ['mri']);
    assert.equal(first!.id, 'mri/readme.md#mri');
    assert.equal(inlinePlain('buffer [![travis][travis-image]][travis-url] [![npm][npm-image]][npm-url]'), 'buffer');
    assert.equal(inlinePlain('call-bound <sup>[![Version Badge][npm-version-svg]][package-url]</sup>'), 'call-bound');
    assert.equal(inlinePlain('![Koa](logo.png)'), 'Koa');
    assert.equal(inlinePlain('[![Koa logo](logo.png)](https://koajs.com)'), 'Koa logo');
    assert.equal(inlinePlain('See [the docs](a.md) and [the API][api]'), 'See the docs and the API');
    assert.equal(inlinePlain('The `![x](y)` syntax'), 'The ![x](y) syntax');
  });

  it('bounds a heading over 1 MiB, and passages, and the snippets that cite them', () => {
    const huge = 'word '.repeat(300_000); // 1.5 MB
    const doc = `# ${huge}\n\nThe giant heading section explains giant headings.\n\n## Next\n\n${'para '.repeat(5_000)}\n`;
    const chunks = chunkDocument('giant.md', doc);
    for (const c of chunks) {
      for (const h of c.headingPath) assert.ok(h.length <= MAX_HEADING_CHARS, `heading of ${h.length} chars`);
      assert.ok(c.title.length <= MAX_HEADING_CHARS);
      assert.ok(c.id.length <= MAX_HEADING_CHARS + 20, `id of ${c.id.length} chars`);
      assert.ok(c.text.length <= MAX_BLOCK_CHARS, `passage of ${c.text.length} chars`);
    }
    assert.ok(chunks[0]!.headingPath[0]!.endsWith('…'));
    assert.ok(chunks.filter((c) => c.headingPath.at(-1) === 'Next').length >= 3, 'a 25 KB paragraph is split');
    const passages = chunks.map((c) => ({ ...c, score: 1 }));
    const plan = planExtractive('What does the giant heading section explain?', passages);
    assert.ok(plan.citations.length > 0);
    for (const c of plan.citations) assert.ok(c.snippet.length <= CODE_SNIPPET_CHARS, `snippet of ${c.snippet.length}`);
    assert.ok(JSON.stringify(plan).length < 20_000, 'the plan, citations included, stays small');
  });

  it('splits an over-long block at whitespace, losing nothing', () => {
    const raw = Array.from({ length: 3_000 }, (_, i) => `w${i}`).join(' ');
    const pieces = splitLong(raw);
    assert.ok(pieces.length >= 2 && pieces.every((p) => p.length <= MAX_BLOCK_CHARS));
    assert.equal(pieces.join(' '), raw);
    assert.deepEqual(splitLong('short'), ['short']);
  });
});

/**
 * The local index's ranking (src/retrieval/local-rank.ts): candidates found by FTS5 are ordered
 * field by field, as MiniSearch did, so a short section whose heading names the question wins
 * over a long passage that merely uses every word of it; the statistics it relies on stay right
 * through incremental updates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalIndex } from '../src/retrieval/local-index.js';
import { readVarint } from '../src/retrieval/local-rank.js';
import type { Store } from '../src/retrieval/local-store.js';
import { makeCorpus, tempDir } from './helpers.js';

/** A changelog: long entries, each using the question's words in passing. */
function changelog(): string {
  const entries: string[] = ['# Changelog', ''];
  for (let v = 40; v > 0; v--) {
    entries.push(`## 1.${v}.0`, '');
    entries.push(
      `- Fixed the widget theme configuration being ignored when configured twice (widget theme, configuration, theme again).`,
      `- The widget now reads its theme configuration from attributes; configure the widget theme before it connects.`,
      `- Internal: renamed helpers, updated dependencies, faster builds, smaller bundles, clearer errors, better logs.`,
      '',
    );
  }
  return entries.join('\n');
}

const FILES: Record<string, string> = {
  'CHANGELOG.md': changelog(),
  'guide.md': [
    '# Guide',
    '',
    '## Installing',
    '',
    'Install the package with npm and import it once on the page.',
    '',
    '## Widget theme',
    '',
    'Set CSS custom properties on the element to configure its colours, fonts and corner radius.',
    '',
    '## Events',
    '',
    'The element dispatches events when a question is sent and when an answer arrives.',
    '',
  ].join('\n'),
};

const storeOf = (index: LocalIndex) => (index as unknown as { store: Store }).store;

describe('LocalIndex ranking', () => {
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let index: LocalIndex;
  before(async () => {
    corpus = await makeCorpus(FILES);
    index = new LocalIndex({ corpusDir: corpus.dir, threads: 0 });
    await index.ready();
  });
  after(() => corpus.cleanup());

  it('puts the section whose heading names the question above long passages that use every word', async () => {
    const hits = await index.retrieve('How do I configure the widget theme?');
    assert.ok(hits.length > 1, 'the changelog passages are retrieved too');
    assert.equal(hits[0]!.id, 'guide.md#widget-theme');
    assert.ok(hits.slice(1).some((h) => h.sourcePath === 'CHANGELOG.md'));
    assert.ok(hits[0]!.score > hits[1]!.score, 'scores are in rank order');
  });

  it('still ranks a passage that matches more of the question above one that matches fewer', async () => {
    const hits = await index.retrieve('Which events does the element dispatch when an answer arrives?');
    assert.equal(hits[0]!.id, 'guide.md#events');
  });
});

describe('LocalIndex ranking: a question that names a document', () => {
  // Two argument parsers; the question names one, whose README never says its own name in the
  // section that answers (its title comes from its folder, see src/ingest/chunk.ts).
  const parsers: Record<string, string> = {
    'commander/README.md': [
      '# Commander',
      '',
      '## Command-specific options',
      '',
      'You can attach options to a command: each command has its own options.',
      '',
      '## Option parsing',
      '',
      'Options are declared with the option method.',
    ].join('\n'),
    'yargs/README.md': [
      '<h1 align="center">Yargs</h1>',
      '',
      '## Complex example',
      '',
      'Define a command and its options in the builder:',
      '',
      '```js',
      "argv.command('serve [port]', 'start the server', (y) => y.positional('port', {}))",
      '```',
      '',
      '## Install',
      '',
      'npm i yargs',
    ].join('\n'),
    'configuration.md': ['---', 'title: Configuration', '---', '## Environment', '', 'The router is configured from environment variables such as PORT.'].join('\n'),
    'server.md': ['# Server', '', '## Mounting the router', '', 'Mount the router; it reads the environment variables it is configured by (PORT, HOST) once, when mounted, and is configured by nothing else.'].join('\n'),
    // Other tools whose READMEs talk about commands and options, as a real corpus's do.
    ...Object.fromEntries(
      ['lint', 'fmt', 'test', 'bundle', 'serve', 'deploy'].map((t) => [`${t}/README.md`, `# ${t}\n\nRun the ${t} command with its options.\n\n## Options\n\nEvery option of the command.\n`]),
    ),
  };
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let index: LocalIndex;
  before(async () => {
    corpus = await makeCorpus(parsers);
    index = new LocalIndex({ corpusDir: corpus.dir });
    await index.ready();
  });
  after(async () => {
    index.close();
    await corpus.cleanup();
  });

  it('ranks the named document first, over a heading that shares more of the question', async () => {
    const hits = await index.retrieve('How do I define a command with its own options in yargs?');
    assert.equal(hits[0]?.sourcePath, 'yargs/README.md');
    // Without the name, the heading wins as before.
    const plain = await index.retrieve('How do I define a command with its own options?');
    assert.equal(plain[0]?.id, 'commander/README.md#command-specific-options');
  });

  it('does not take a common word for a title ("configured" does not name "Configuration")', async () => {
    const hits = await index.retrieve('How is the router mounted and configured by environment variables?');
    assert.equal(hits[0]?.id, 'server.md#mounting-the-router');
  });
});

describe('LocalIndex ranking statistics', () => {
  it('keeps the passages’ total length the same through an in-place update as a full build gives', async () => {
    const corpus = await makeCorpus(FILES);
    const dirs = [await tempDir(), await tempDir()];
    try {
      const updated = new LocalIndex({ corpusDir: corpus.dir, indexDir: dirs[0]!.dir, threads: 0 });
      await updated.ready();
      const before = storeOf(updated).distinctTotal;
      assert.ok(before > 0);
      await writeFile(join(corpus.dir, 'guide.md'), `${FILES['guide.md']}\n## Keyboard\n\nEvery control is reachable with Tab, and Escape closes the panel.\n`);
      const stats = await updated.load();
      assert.equal(stats.source, 'updated');
      assert.ok(storeOf(updated).distinctTotal > before, 'the new section adds its stems');
      // Its stems are new to the vocabulary (no counts from the build): ranked from FTS5's own.
      const hits = await updated.retrieve('Which key closes the panel from the keyboard?');
      assert.equal(hits[0]?.id, 'guide.md#keyboard');
      assert.ok(Number.isFinite(hits[0]!.score) && hits[0]!.score > 0);
      const built = new LocalIndex({ corpusDir: corpus.dir, indexDir: dirs[1]!.dir, threads: 0 });
      await built.ready();
      assert.equal(storeOf(updated).distinctTotal, storeOf(built).distinctTotal);
      updated.close();
      // …and it is saved: a restart reads the same figure.
      const reopened = new LocalIndex({ corpusDir: corpus.dir, indexDir: dirs[0]!.dir, threads: 0 });
      assert.equal((await reopened.load()).source, 'loaded');
      assert.equal(storeOf(reopened).distinctTotal, storeOf(built).distinctTotal);
      reopened.close();
      built.close();
    } finally {
      await Promise.all([corpus.cleanup(), ...dirs.map((d) => d.cleanup())]);
    }
  });

  it('reads SQLite varints as FTS5 writes them', () => {
    assert.deepEqual(readVarint(Uint8Array.from([0x05]), 0), [5, 1]);
    assert.deepEqual(readVarint(Uint8Array.from([0x81, 0x00]), 0), [128, 2]);
    assert.deepEqual(readVarint(Uint8Array.from([0x00, 0x82, 0x80, 0x01]), 1), [32769, 4]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk;
      cb();
    },
  });
  return { stream, text: () => text };
}

async function cli(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

describe('grounded-chat CLI', () => {
  it('ingest builds the local index, then reports it up to date; --force rebuilds', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    try {
      const first = await cli(['ingest', corpus.dir, '--index-dir', store.dir]);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /^indexed 4 files into \d+ passages in \d+ ms → /);
      // Not a terminal: progress as plain lines on stderr, ending with every file done.
      assert.match(first.err, /^indexing: 1\/4 documents$/m);
      assert.match(first.err, /^indexing: 4\/4 documents$/m);
      assert.ok(existsSync(join(store.dir, 'local', 'manifest.json')));
      const again = await cli(['ingest', corpus.dir, '--index-dir', store.dir, '--target', 'local']);
      assert.match(again.out, /^up to date: 4 files/);
      const forced = await cli(['ingest', corpus.dir, '--index-dir', store.dir, '--force']);
      assert.match(forced.out, /^indexed 4 files .*\(forced\)/);
    } finally {
      await corpus.cleanup();
      await store.cleanup();
    }
  });

  it('--target azure without its variables exits 2 naming them (the Azure runs: ingest-azure.test.ts)', async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (/^AZURE_/.test(k)) delete process.env[k];
    try {
      const r = await cli(['ingest', '.', '--target', 'azure']);
      assert.equal(r.code, 2);
      assert.match(r.err, /AZURE_SEARCH_ENDPOINT: is required for --target azure/);
      assert.doesNotMatch(r.err, /\n\s+at /);
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it('--dry-run is refused for the local target', async () => {
    const r = await cli(['ingest', '.', '--dry-run']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--dry-run applies to --target azure/);
  });

  it('eval is dispatched to the evaluator with its own options', async () => {
    const usage = await cli(['eval', '--no-such-option']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /no-such-option/);
    assert.doesNotMatch(usage.err, /ingest takes exactly one folder/);
  });

  it('prints help, and exits 2 on usage errors', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: grounded-chat/);
    assert.equal((await cli([])).code, 2);
    assert.equal((await cli(['ingest'])).code, 2);
    assert.equal((await cli(['frobnicate'])).code, 2);
    assert.equal((await cli(['ingest', '.', '--target', 'cloud'])).code, 2);
    assert.equal((await cli(['ingest', '.', '--bogus'])).code, 2);
    assert.equal((await cli(['ingest', '/nonexistent/folder'])).code, 1);
  });
});

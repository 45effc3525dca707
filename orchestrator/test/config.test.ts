import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_EMBEDDING_MODEL, DEFAULT_MODELS_DIR } from '../src/retrieval/local-embedder.js';
import { ConfigError, configWarnings, defaultCorpusDir, defaultIndexDir, loadConfig } from '../src/config.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

const PKG = resolve(import.meta.dirname, '..');

describe('loadConfig', () => {
  it('has defaults: port 8080, docs/ and .grounded-chat/ of the working directory, no keys, loopback, 12 ms', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.deepEqual(c.keys, []);
    // Installed from npm the package is in node_modules: the user's docs/ is where they run it.
    assert.equal(c.corpusDir, resolve(process.cwd(), 'docs'));
    assert.equal(c.corpusDir, defaultCorpusDir());
    assert.equal(c.indexDir, defaultIndexDir());
    assert.equal(c.host, '127.0.0.1', 'without keys: loopback only');
    assert.equal(loadConfig({ ORCHESTRATOR_KEYS: 'k' }).host, '0.0.0.0', 'with keys: all interfaces');
    assert.equal(loadConfig({ HOST: '10.1.2.3' }).host, '10.1.2.3', 'where it is told');
    assert.equal(c.extractiveDelayMs, 12);
    assert.equal(c.sourceUrlBase, undefined);
    assert.match(configWarnings(c).join('\n'), /ORCHESTRATOR_KEYS is not set/);
  });

  it('parses values; relative paths resolve against the working directory; empty = unset', () => {
    const c = loadConfig({
      PORT: '0',
      ORCHESTRATOR_KEYS: ' a , b,,',
      LOCAL_CORPUS_DIR: 'some/docs',
      LOCAL_INDEX_DIR: '/abs/idx',
      LOCAL_SOURCE_URL_BASE: '/docs/',
      EXTRACTIVE_DELAY_MS: '',
    });
    assert.equal(c.port, 0);
    assert.deepEqual(c.keys, ['a', 'b']);
    assert.equal(c.corpusDir, resolve(process.cwd(), 'some/docs'));
    assert.equal(c.indexDir, '/abs/idx');
    assert.equal(c.sourceUrlBase, '/docs/');
    assert.equal(c.extractiveDelayMs, 12);
    assert.match(configWarnings(c).join('\n'), /^$/);
  });

  it('reports every bad variable by name', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', EXTRACTIVE_DELAY_MS: '-5', AZURE_OPENAI_ENDPOINT: 'not a url' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 3);
        assert.match(err.problems[0]!, /^PORT: must be a whole number from 0 to 65535 \(got "eighty"\)$/);
        assert.match(err.problems.join('\n'), /EXTRACTIVE_DELAY_MS: /);
        assert.match(err.problems.join('\n'), /AZURE_OPENAI_ENDPOINT: must be an absolute URL/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
  });
});

/** Runs `node --import tsx src/server.ts` with an environment; resolves on exit or on `until`. */
function runServer(env: Record<string, string>, until?: RegExp, whileUp?: (stdout: string) => Promise<void>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: PKG,
      env: { PATH: process.env.PATH, LOCAL_EMBEDDINGS: 'off', ...(process.env.LOCAL_MODELS_DIR ? { LOCAL_MODELS_DIR: process.env.LOCAL_MODELS_DIR } : {}), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`timed out; stdout: ${stdout} stderr: ${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (until?.test(stdout) && !signalled) {
        signalled = true; // once: a second SIGTERM would not be the graceful one
        const up = whileUp ? whileUp(stdout) : Promise.resolve();
        up.then(
          () => child.kill('SIGTERM'),
          (err: unknown) => {
            child.kill();
            fail(err);
          },
        );
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const modelInstalled = existsSync(join(process.env.LOCAL_MODELS_DIR ?? DEFAULT_MODELS_DIR, DEFAULT_EMBEDDING_MODEL, 'onnx', 'model.onnx'));

describe('server entry', () => {
  it('exits 1 with one clear line per bad variable and no stack trace', async () => {
    const r = await runServer({ PORT: 'abc', EXTRACTIVE_DELAY_MS: 'fast' });
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.deepEqual(lines, [
      'orchestrator: invalid environment variable PORT: must be a whole number from 0 to 65535 (got "abc")',
      'orchestrator: invalid environment variable EXTRACTIVE_DELAY_MS: must be a whole number from 0 to 10000 (got "fast")',
    ]);
  });

  it('exits 1 with one line when the corpus folder is missing', async () => {
    const r = await runServer({ PORT: '0', LOCAL_CORPUS_DIR: '/nonexistent/gc-docs' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'orchestrator: the corpus folder /nonexistent/gc-docs does not exist (set LOCAL_CORPUS_DIR)');
  });

  it('logs its listening line with the passage count, warning first when no key is set', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    try {
      const line = /orchestrator listening on http:\/\/127\.0\.0\.1:(\d+) \(retriever: local, (\d+) passages; model: extractive\)/;
      const r = await runServer({ PORT: '0', LOCAL_CORPUS_DIR: corpus.dir, LOCAL_INDEX_DIR: store.dir }, line);
      const m = line.exec(r.stdout);
      assert.ok(m, r.stdout + r.stderr);
      assert.ok(Number(m[1]) > 0, 'port 0 picked a real port');
      assert.ok(Number(m[2]) > 5);
      assert.match(r.stdout, /warning: ORCHESTRATOR_KEYS is not set/);
      assert.equal(r.code, 0, 'SIGTERM closes cleanly');
    } finally {
      await corpus.cleanup();
      await store.cleanup();
    }
  });

  it('with LOCAL_EMBEDDINGS, loads the model, says so in its listening line, and answers a question put in other words', { skip: modelInstalled || process.env.CI === 'true' ? false : 'model not installed: node scripts/fetch-embedding-model.mjs' }, async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    try {
      const line = /orchestrator listening on (http:\/\/127\.0\.0\.1:\d+) \(retriever: local, \d+ passages, semantic search; model: extractive\)/;
      let answered: unknown;
      const r = await runServer({ PORT: '0', LOCAL_CORPUS_DIR: corpus.dir, LOCAL_INDEX_DIR: store.dir, LOCAL_EMBEDDINGS: 'Xenova/all-MiniLM-L6-v2', LOCAL_MODELS_DOWNLOAD: 'false' }, line, async (stdout) => {
        const url = line.exec(stdout)![1]!;
        const res = await fetch(`${url}/score`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: 'How do I plug the chat backend into my Node web app?', chat_history: [] }),
        });
        answered = await res.json();
      });
      assert.match(r.stdout, line, r.stdout + r.stderr);
      assert.match(r.stdout, /local index: \d+ passages embedded in \d+ ms \(Xenova\/all-MiniLM-L6-v2\)/);
      const citations = (answered as { citations?: { url?: string; filepath?: string; title?: string }[] }).citations ?? [];
      assert.ok(JSON.stringify(citations).includes('mounting-in-express'), JSON.stringify(answered));
    } finally {
      await corpus.cleanup();
      await store.cleanup();
    }
  });
});

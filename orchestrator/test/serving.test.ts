/**
 * Serving: where it binds (loopback without keys, all interfaces with keys, where it is told),
 * readiness per provider, no question text in logs unless configured, and a graceful SIGTERM
 * (open answers finish, new connections are refused, the grace deadline is kept).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.js';
import { startScoringServer } from '../src/scoring-server.js';
import type { ChatModel, Retriever } from '../src/seams.js';
import { parseSse, startOrchestrator } from './azure-standins.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

const PASSAGE = { id: 'a.md#a', title: 'A', headingPath: ['A'], sourcePath: 'a.md', text: 'Grounding.', score: 1 };
const ok: Retriever = { name: 'ok', ready: async () => {}, retrieve: async () => [PASSAGE] };
const echo: ChatModel = {
  name: 'echo',
  mode: 'generative',
  async *stream() {
    yield { type: 'text-delta', text: 'Answer [1].' };
    yield { type: 'finish', reason: 'stop', usage: { promptTokens: 1, completionTokens: 1, model: 'echo' } };
  },
};

describe('binding', () => {
  for (const [env, address, says] of [
    [{}, '127.0.0.1', /listening on http:\/\/127\.0\.0\.1:\d+ \(/],
    [{ ORCHESTRATOR_KEYS: 'k' }, '0.0.0.0', /listening on http:\/\/127\.0\.0\.1:\d+, all interfaces/],
    [{ HOST: '127.0.0.1', ORCHESTRATOR_KEYS: 'k' }, '127.0.0.1', /listening on http:\/\/127\.0\.0\.1:\d+ \(/],
  ] as const) {
    it(`${JSON.stringify(env)} → binds ${address} and says so`, async () => {
      const lines: string[] = [];
      const s = await startScoringServer({ port: 0, config: loadConfig(env), retriever: ok, model: echo, log: (l) => lines.push(l) });
      try {
        await s.ready;
        assert.equal((s.server.address() as { address: string }).address, address);
        assert.match(lines.join('\n'), says);
        if (!('ORCHESTRATOR_KEYS' in env)) assert.match(lines.join('\n'), /listens on loopback only/);
      } finally {
        await s.close();
      }
    });
  }
});

describe('readiness and logs', () => {
  it('reports each provider until all are ready', async () => {
    let release!: () => void;
    const slow: Retriever = { ...ok, name: 'slow', ready: () => new Promise<void>((r) => (release = r)) };
    const s = await startScoringServer({ port: 0, host: '127.0.0.1', config: loadConfig({}), retriever: slow, model: echo, log: () => {} });
    try {
      const waiting = await fetch(`${s.url}/health/ready`);
      assert.equal(waiting.status, 503);
      assert.deepEqual(await waiting.json(), { error: { code: 'not_ready', message: 'not ready: retriever:slow starting' } });
      release();
      await s.ready;
      const ready = await fetch(`${s.url}/health/ready`);
      assert.deepEqual(await ready.json(), { status: 'ready', retriever: 'slow', model: 'echo', providers: { 'retriever:slow': 'ready', 'model:echo': 'ready' } });
    } finally {
      await s.close();
    }
  });

  it('logs no question text unless LOG_QUESTIONS is on', async () => {
    for (const [flag, logged] of [['', false], ['true', true]] as const) {
      const lines: string[] = [];
      const s = await startScoringServer({ port: 0, host: '127.0.0.1', config: loadConfig({ LOG_QUESTIONS: flag }), retriever: ok, model: echo, log: (l) => lines.push(l), logError: (l) => lines.push(l) });
      try {
        await s.ready;
        await (await fetch(`${s.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'my-private-question' }) })).text();
        assert.equal(lines.some((l) => l.includes('my-private-question')), logged, lines.join('\n'));
      } finally {
        await s.close();
      }
    }
  });
});

describe('SIGTERM', () => {
  async function withServer(env: Record<string, string>, run: (url: string, child: Awaited<ReturnType<typeof startOrchestrator>>) => Promise<void>) {
    const corpus = await makeCorpus(KIT_DOCS);
    const store = await tempDir();
    const child = await startOrchestrator({ LOCAL_CORPUS_DIR: corpus.dir, LOCAL_INDEX_DIR: store.dir, ...env }, '/dev/null');
    // fetch's socket does not keep the test's event loop alive while a body is read slowly.
    const keepAlive = setInterval(() => {}, 1_000);
    try {
      await run(child.url, child);
    } finally {
      clearInterval(keepAlive);
      await child.stop('SIGKILL');
      await corpus.cleanup();
      await store.cleanup();
    }
  }
  const ask = (url: string) => fetch(`${url}/score`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question: 'How do I mount the server kit in Express?' }) });
  const refused = (url: string) =>
    new Promise<boolean>((resolve) => {
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('connect', () => (socket.destroy(), resolve(false)));
      socket.on('error', () => resolve(true));
    });
  const waitFor = async (child: { stdout: () => string }, re: RegExp) => {
    while (!re.test(child.stdout())) await new Promise((r) => setTimeout(r, 10));
  };

  it('lets an open answer finish, refuses new connections, exits 0', async () => {
    await withServer({ EXTRACTIVE_DELAY_MS: '10', SHUTDOWN_GRACE_MS: '60000' }, async (url, child) => {
      const res = await ask(url);
      const reader = res.body!.getReader();
      const first = await reader.read(); // the answer has begun
      child.process.kill('SIGTERM');
      await waitFor(child, /SIGTERM, finishing open answers/);
      assert.equal(await refused(url), true, 'no new connections');
      let text = new TextDecoder().decode(first.value);
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
      const events = parseSse(text);
      assert.ok('usage' in events.at(-1)!, 'the answer ran to its end');
      assert.equal(await child.exited, 0);
    });
  });

  it('cuts what is still open at the grace deadline', async () => {
    await withServer({ EXTRACTIVE_DELAY_MS: '400', SHUTDOWN_GRACE_MS: '100' }, async (url, child) => {
      const res = await ask(url);
      const reader = res.body!.getReader();
      await reader.read();
      child.process.kill('SIGTERM');
      let text = '';
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
      } catch {
        // the connection was closed under the reader: expected
      }
      assert.ok(!text.includes('"usage"'), 'the answer did not finish');
      assert.equal(await child.exited, 0);
    });
  });
});

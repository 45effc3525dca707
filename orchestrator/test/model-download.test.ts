/**
 * The embedding model's first download (src/retrieval/local-embedder.ts), as a user's first
 * `npm start` does it: the orchestrator, started as a process, fetches the model from a Hugging
 * Face hub stand-in on 127.0.0.1 over HTTPS (HF_ENDPOINT, a test-made certificate), serving the
 * model files this machine has, at the pinned commit only. A download cut midway, or weights whose
 * SHA-256 is not the pinned one, leave the service keyword-only and
 * leaves nothing half-written behind; the next start downloads it whole; a start after that needs
 * no hub at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EMBEDDING_MODEL, DEFAULT_EMBEDDING_REVISION, DEFAULT_MODELS_DIR } from '../src/retrieval/local-embedder.js';
import { makeCertificate, startOrchestrator } from './azure-standins.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

const installed = join(process.env.LOCAL_MODELS_DIR ?? DEFAULT_MODELS_DIR, DEFAULT_EMBEDDING_MODEL);
const skip = existsSync(join(installed, 'onnx', 'model.onnx')) || process.env.CI === 'true' ? false : 'model not installed: node scripts/fetch-embedding-model.mjs';

describe('downloading the embedding model from the hub', { skip }, () => {
  let cert: Awaited<ReturnType<typeof makeCertificate>>;
  let hub: Server;
  let hubUrl: string;
  const requests: string[] = [];
  /** When set, model.onnx is sent only this far, then the connection is cut. */
  let cutAt: number | undefined;
  /** When set, model.onnx is sent whole but with one byte changed (a mirror serving other weights). */
  let tampered = false;
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let models: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    cert = await makeCertificate();
    corpus = await makeCorpus(KIT_DOCS);
    models = await tempDir();
    hub = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'https://127.0.0.1').pathname);
      requests.push(path);
      // Only the pinned commit is served: a request for `main` would fetch whatever is newest.
      const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
      const file = m && m[1] === DEFAULT_EMBEDDING_MODEL && m[2] === DEFAULT_EMBEDDING_REVISION ? join(installed, m[3]!) : undefined;
      if (!file || m![3]!.includes('..') || !existsSync(file)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
        return;
      }
      const size = statSync(file).size;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      if (tampered && file.endsWith('model.onnx')) {
        const bytes = readFileSync(file);
        bytes[bytes.length >> 1] ^= 0xff;
        res.end(bytes);
        return;
      }
      if (cutAt !== undefined && file.endsWith('model.onnx')) {
        createReadStream(file, { end: cutAt - 1 })
          .on('data', (c) => res.write(c))
          .on('end', () => res.destroy());
        return;
      }
      createReadStream(file).pipe(res);
    });
    hub.listen(0, '127.0.0.1');
    await once(hub, 'listening');
    hubUrl = `https://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  });
  after(async () => {
    hub.closeAllConnections();
    hub.close();
    await corpus.cleanup();
    await models.cleanup();
    await cert.cleanup();
  });

  const start = (extra: Record<string, string> = {}) =>
    startOrchestrator({ LOCAL_CORPUS_DIR: corpus.dir, LOCAL_EMBEDDINGS: DEFAULT_EMBEDDING_MODEL, LOCAL_MODELS_DIR: models.dir, HF_ENDPOINT: hubUrl, ...extra }, cert.certPath);
  const ask = async (url: string, question: string) => {
    const res = await fetch(`${url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question, chat_history: [] }) });
    return (await res.json()) as { answer?: string; citations?: { id?: string; filepath?: string; url?: string }[] };
  };
  const question = 'Where do I tell the widget which backend to talk to?';

  it('a download cut midway: the service starts keyword-only, says why, and keeps no half file', async () => {
    cutAt = 1 << 20;
    const child = await start();
    try {
      const out = child.stdout() + child.stderr();
      assert.match(out, /local index: keyword search only: model Xenova\/all-MiniLM-L6-v2 could not be loaded from .* nor downloaded/);
      assert.doesNotMatch(out, /semantic search;/);
      for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
        assert.ok(requests.includes(`/${DEFAULT_EMBEDDING_MODEL}/resolve/${DEFAULT_EMBEDDING_REVISION}/${f}`), `asked the hub for ${f} at the pinned commit: ${requests.join(', ')}`);
      }
      assert.deepEqual((await ask(child.url, question)).citations ?? [], [], 'keywords alone do not find it');
      const onnx = join(models.dir, DEFAULT_EMBEDDING_MODEL, 'onnx', 'model.onnx');
      assert.ok(!existsSync(onnx) || statSync(onnx).size === statSync(join(installed, 'onnx', 'model.onnx')).size, 'no truncated weights left to load next time');
    } finally {
      await child.stop();
    }
  });

  it('weights whose SHA-256 is not the pinned one are not used: keyword-only, saying why, nothing kept', async () => {
    cutAt = undefined;
    tampered = true;
    requests.length = 0;
    const child = await start();
    try {
      const out = child.stdout() + child.stderr();
      assert.match(out, /keyword search only: .*the downloaded onnx\/model\.onnx is not the pinned one \(SHA-256 [0-9a-f]{12}…\)/, out);
      assert.doesNotMatch(out, /semantic search;/);
      assert.ok(requests.includes(`/${DEFAULT_EMBEDDING_MODEL}/resolve/${DEFAULT_EMBEDDING_REVISION}/onnx/model.onnx`), requests.join(', '));
      assert.ok(!existsSync(join(models.dir, DEFAULT_EMBEDDING_MODEL, 'onnx', 'model.onnx')), 'the tampered weights were not written');
    } finally {
      tampered = false;
      await child.stop();
    }
  });

  it('the next start downloads it whole into LOCAL_MODELS_DIR and searches by meaning', async () => {
    cutAt = undefined;
    requests.length = 0;
    const child = await start();
    try {
      assert.match(child.stdout(), /semantic search; model: extractive/, child.stdout() + child.stderr());
      // The small files came whole the first time and were kept; only the weights are asked again.
      assert.deepEqual(requests, [`/${DEFAULT_EMBEDDING_MODEL}/resolve/${DEFAULT_EMBEDDING_REVISION}/onnx/model.onnx`]);
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
        assert.equal(statSync(join(models.dir, DEFAULT_EMBEDDING_MODEL, f)).size, statSync(join(installed, f)).size, f);
      }
      const answer = await ask(child.url, question);
      assert.ok(JSON.stringify(answer.citations).includes('guides/widget.md'), JSON.stringify(answer));
    } finally {
      await child.stop();
    }
  });

  it('a start after that needs no hub', async () => {
    requests.length = 0;
    const child = await start({ HF_ENDPOINT: 'https://127.0.0.1:9/', LOCAL_MODELS_DOWNLOAD: 'false' });
    try {
      assert.match(child.stdout(), /semantic search; model: extractive/, child.stdout() + child.stderr());
      assert.deepEqual(requests, []);
    } finally {
      await child.stop();
    }
  });
});

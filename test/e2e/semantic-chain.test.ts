/**
 * The chain as `npm start` runs it, with the local index's semantic search on (the test runner
 * turns it off elsewhere): the orchestrator loads the embedding model, embeds the corpus, says so
 * when it starts listening, and a visitor's question put in other words than the documents' is
 * answered from the right section. docs/orchestrator.md, "Semantic search".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChain, streamChat, type RunningChain } from './helpers.js';

const MODEL = 'Xenova/all-MiniLM-L6-v2';
const modelInstalled = existsSync(join(process.env.LOCAL_MODELS_DIR ?? join(homedir(), '.cache', 'grounded-chat', 'models'), MODEL, 'onnx', 'model.onnx'));
const skip = modelInstalled || process.env.CI === 'true' ? false : 'model not installed: node scripts/fetch-embedding-model.mjs';

describe('npm start chain with semantic search', { skip }, () => {
  let chain: RunningChain;
  let corpus: string;
  before(async () => {
    corpus = mkdtempSync(join(tmpdir(), 'gc-e2e-semantic-'));
    writeFileSync(
      join(corpus, 'widget.md'),
      '# Widget\n\n## Attributes\n\nSet the `endpoint` attribute to the URL of your server kit, for example `<grounded-chat endpoint="/api/chat">`.\n',
    );
    writeFileSync(join(corpus, 'limits.md'), '# Limits\n\n## Rate limits\n\nEach visitor may send 20 chats a minute; more get HTTP 429.\n');
    chain = await startChain({ LOCAL_CORPUS_DIR: corpus, LOCAL_EMBEDDINGS: MODEL, LOCAL_MODELS_DOWNLOAD: 'false' });
  });
  after(async () => {
    await chain?.stop();
    rmSync(corpus, { recursive: true, force: true });
  });

  it('says it searches by meaning, and answers a question that shares no content word with the answer', async () => {
    assert.match(chain.output(), /retriever: local, 2 passages, semantic search/);
    const r = await streamChat(chain.url, [{ role: 'user', content: 'Where do I tell the chat box which backend to talk to?' }]);
    assert.equal(r.status, 200);
    const ids = (r.context.citations as { id: string }[]).map((c) => c.id);
    assert.equal(ids[0], 'widget.md#attributes', r.content);
    assert.match(r.content, /endpoint/);
  });

  it('still refuses what the documents do not cover', async () => {
    const r = await streamChat(chain.url, [{ role: 'user', content: 'How do I bake sourdough bread?' }]);
    assert.equal(r.status, 200);
    assert.deepEqual(r.context.citations ?? [], []);
  });
});

/**
 * `grounded-chat ingest <folder> --target azure` end to end: the real CLI in a child process, the
 * real SDKs (@azure/search-documents' SearchIndexClient and buffered sender, openai's AzureOpenAI
 * embeddings) over HTTPS to in-memory stand-ins (test/azure-standins.ts) trusted through
 * NODE_EXTRA_CA_CERTS. Covers the created index, all four formats, a 429 mid-run, the unchanged
 * second run, dry-run, changed and removed files, an interrupted run completed by the next, and a
 * bring-your-own index missing a field.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchEmbedding, json, makeCertificate, memoryIndex, runCli, startStandIn, type MemoryIndex, type StandIn } from './azure-standins.js';
import { tempDir } from './helpers.js';
import { passageIdOf } from '../src/ingest/azure-plan.js';

const DIMS = 8;
let cert: Awaited<ReturnType<typeof makeCertificate>>;
let standIn: StandIn;
let index: MemoryIndex;
let embedCalls: number;

/** A one-page PDF whose text is `text` (hand-made: objects, xref offsets, trailer). */
function pdf(text: string): Buffer {
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

async function corpus(): Promise<string> {
  const { dir } = await tempDir();
  await writeFile(join(dir, 'guide.md'), '# Guide\n\n## Install\n\nRun npm install grounded-chat.\n\n## Configure\n\nSet AZURE_SEARCH_ENDPOINT to your service.\n');
  await writeFile(join(dir, 'page.html'), '<html><head><title>Web page</title></head><body><h1>Web page</h1><h2>Billing</h2><p>Invoices are sent monthly.</p></body></html>');
  await writeFile(join(dir, 'notes.txt'), 'Plain notes about the office.\n\nThe office opens at nine.');
  await mkdir(join(dir, 'reports'));
  await writeFile(join(dir, 'reports', 'q3.pdf'), pdf('Quarterly revenue grew by twelve percent.'));
  return dir;
}

const env = (extra: Record<string, string> = {}) => ({
  AZURE_SEARCH_ENDPOINT: standIn.url,
  AZURE_SEARCH_INDEX: 'kb',
  AZURE_SEARCH_API_KEY: 'search-key',
  AZURE_OPENAI_ENDPOINT: standIn.url,
  AZURE_OPENAI_API_KEY: 'aoai-key',
  AZURE_OPENAI_EMBEDDING_DEPLOYMENT: 'embed-dep',
  INGEST_URL_BASE: 'https://docs.example/',
  ...extra,
});
const ingest = (dir: string, extra: Record<string, string> = {}, flags: string[] = []) => runCli(['ingest', dir, '--target', 'azure', ...flags], env(extra), cert.certPath);
const indexCalls = () => standIn.requests.filter((r) => r.path.endsWith('/docs/search.index'));
const uploadedKeys = () => indexCalls().flatMap((r) => (r.body.value as { '@search.action': string; id: string }[]).filter((a) => a['@search.action'] !== 'delete').map((a) => a.id));

before(async () => {
  cert = await makeCertificate();
  standIn = await startStandIn(cert, { search: (_q, res) => json(res, 500, {}), chat: (_q, res) => json(res, 404, {}), embeddings: (_q, res) => json(res, 500, {}), token: (_q, res) => json(res, 404, {}) });
});
after(async () => {
  await standIn.close();
  await cert.cleanup();
});
beforeEach(() => {
  standIn.reset();
  index = memoryIndex('kb');
  embedCalls = 0;
  Object.assign(standIn.handlers, index.handlers, {
    embeddings: (req: { body: { input: string[] } }, res: Parameters<typeof json>[0]) => {
      embedCalls++;
      batchEmbedding(res, req.body.input, DIMS);
    },
  });
});

describe('ingest --target azure', () => {
  it('creates the index sized from the first embedding, uploads all four formats, survives a 429, and a second run uploads nothing', async () => {
    const dir = await corpus();
    let calls = 0;
    standIn.handlers.embeddings = (req, res) => {
      calls++;
      if (calls === 2) return json(res, 429, { error: { code: '429', message: 'Rate limit' } }, { 'retry-after-ms': '20', 'retry-after': '1' });
      batchEmbedding(res, req.body.input, DIMS);
    };
    const first = await ingest(dir, { INGEST_EMBED_BATCH: '2' }).done;
    assert.equal(first.code, 0, first.stderr);
    const def = index.definition as unknown as { fields: { name: string; type: string; key?: boolean; dimensions?: number; vectorSearchProfile?: string }[]; vectorSearch: { algorithms: { kind: string }[]; profiles: { name: string }[] }; semantic: { configurations: { name: string }[] } };
    const byName = Object.fromEntries(def.fields.map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(byName).sort(), ['content', 'contentHash', 'contentVector', 'filepath', 'heading', 'id', 'title', 'url']);
    assert.equal(byName.id!.key, true);
    assert.equal(byName.contentVector!.dimensions, DIMS);
    assert.equal(def.vectorSearch.algorithms[0]!.kind, 'hnsw');
    assert.equal(byName.contentVector!.vectorSearchProfile, def.vectorSearch.profiles[0]!.name);
    assert.equal(def.semantic.configurations[0]!.name, 'default');
    // the 429 was retried by the SDK after retry-after-ms, once: 5 passages in 3 batches + 1 retry
    assert.equal(calls, 4);
    const docs = [...index.docs.values()];
    const ids = docs.map((d) => passageIdOf(String(d.id))).sort();
    assert.deepEqual(ids, ['guide.md#configure', 'guide.md#install', 'notes.txt', 'page.html#billing', 'reports/q3.pdf']);
    const pdfDoc = docs.find((d) => d.filepath === 'reports/q3.pdf')!;
    assert.match(String(pdfDoc.content), /Quarterly revenue grew by twelve percent/);
    const html = docs.find((d) => passageIdOf(String(d.id)) === 'page.html#billing')!;
    assert.equal(html.title, 'Web page');
    assert.deepEqual(html.heading, ['Web page', 'Billing']);
    assert.equal(html.url, 'https://docs.example/page.html#billing');
    assert.match(String(html.content), /Invoices are sent monthly/);
    for (const d of docs) {
      assert.match(String(d.id), /^[A-Za-z0-9=-][\w=-]*$/);
      assert.equal((d.contentVector as number[]).length, DIMS);
    }
    assert.match(first.stdout, new RegExp(`4 files, passages ${docs.length} added, 0 changed, 0 deleted, 0 unchanged; \\d+ tokens embedded`));
    assert.doesNotMatch(first.stdout + first.stderr, /aoai-key|search-key/);

    standIn.requests.length = 0;
    calls = 0;
    const second = await ingest(dir).done;
    assert.equal(second.code, 0, second.stderr);
    assert.equal(calls, 0, 'nothing embedded');
    assert.equal(indexCalls().length, 0, 'nothing uploaded');
    assert.match(second.stdout, new RegExp(`0 added, 0 changed, 0 deleted, ${docs.length} unchanged; 0 tokens embedded`));
  });

  it('--dry-run prints the changes and changes nothing; the run then uploads the changed passage and deletes those of removed files', async () => {
    const dir = await corpus();
    assert.equal((await ingest(dir).done).code, 0);
    const before = new Map(index.docs);
    await writeFile(join(dir, 'guide.md'), '# Guide\n\n## Install\n\nRun npm install grounded-chat@2.\n\n## Configure\n\nSet AZURE_SEARCH_ENDPOINT to your service.\n');
    await rm(join(dir, 'notes.txt'));
    await writeFile(join(dir, 'new.md'), '# New\n\nA new page.\n');
    standIn.requests.length = 0;
    embedCalls = 0;

    const dry = await ingest(dir, {}, ['--dry-run']).done;
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.stdout.split('\n').filter((l) => /^[+~-] /.test(l)), ['+ new.md#new', '~ guide.md#install', '- notes.txt']);
    assert.match(dry.stdout, /would change "kb": 4 files, passages 1 added, 1 changed, 1 deleted, \d+ unchanged; 0 tokens embedded/);
    assert.equal(indexCalls().length, 0);
    assert.equal(embedCalls, 0);
    assert.deepEqual(index.docs, before);

    const run = await ingest(dir).done;
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(uploadedKeys().map(passageIdOf).sort(), ['guide.md#install', 'new.md#new']);
    const ids = [...index.docs.keys()].map(passageIdOf);
    assert.ok(!ids.includes('notes.txt'));
    assert.match(String([...index.docs.values()].find((d) => passageIdOf(String(d.id)) === 'guide.md#install')!.content), /grounded-chat@2/);
  });

  it('a run killed mid-upload is completed by the next run, which uploads only what is missing', async () => {
    const dir = await corpus();
    for (let i = 0; i < 6; i++) await writeFile(join(dir, `extra-${i}.md`), `# Extra ${i}\n\nPage number ${i}.\n`);
    let batches = 0;
    const apply = index.handlers.docsIndex;
    const first = ingest(dir, { INGEST_UPLOAD_BATCH: '3', INGEST_EMBED_BATCH: '3' });
    standIn.handlers.docsIndex = async (req, res) => {
      batches++;
      if (batches === 2) {
        await first.stop('SIGKILL'); // the process dies while its second batch is in flight
        res.destroy();
        return;
      }
      await apply(req, res);
    };
    const killed = await first.done;
    assert.equal(killed.code, null);
    const stored = index.docs.size;
    assert.equal(stored, 3, 'one batch of three made it');

    standIn.handlers.docsIndex = apply;
    standIn.requests.length = 0;
    const second = await ingest(dir).done;
    assert.equal(second.code, 0, second.stderr);
    const total = index.docs.size;
    assert.ok(total > stored);
    assert.equal(uploadedKeys().length, total - stored, 'only the passages the first run did not store');
    assert.match(second.stdout, new RegExp(`passages ${total - stored} added, 0 changed, 0 deleted, ${stored} unchanged`));
  });

  it('a bring-your-own index missing a configured field is refused with exit 2, naming the field and its variable', async () => {
    const dir = await corpus();
    index.definition = { name: 'kb', fields: [{ name: 'chunk_id', type: 'Edm.String', key: true }, { name: 'chunk', type: 'Edm.String' }, { name: 'doc_title', type: 'Edm.String' }] } as never;
    const run = await ingest(dir, { AZURE_SEARCH_FIELD_KEY: 'chunk_id', AZURE_SEARCH_FIELD_CONTENT: 'chunk', AZURE_SEARCH_FIELD_TITLE: 'doc_title' }).done;
    assert.equal(run.code, 2);
    assert.match(run.stderr, /index "kb" has no field "url" \(the url field; set AZURE_SEARCH_FIELD_URL/);
    assert.match(run.stderr, /no field "contentVector"/);
    assert.equal(indexCalls().length, 0);
    assert.equal(embedCalls, 0);
  });

  it('missing configuration exits 2 with every missing variable named', async () => {
    const dir = await corpus();
    const run = await runCli(['ingest', dir, '--target', 'azure'], {}, cert.certPath).done;
    assert.equal(run.code, 2);
    for (const v of ['AZURE_SEARCH_ENDPOINT', 'AZURE_SEARCH_INDEX', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_EMBEDDING_DEPLOYMENT']) assert.match(run.stderr, new RegExp(v));
  });

  it('a search service failing exits 1 with a status, not its body', async () => {
    const dir = await corpus();
    standIn.handlers.index = (_q, res) => json(res, 400, { error: { code: 'InvalidRequest', message: 'secret-ish upstream detail' } });
    const run = await ingest(dir, { AZURE_SEARCH_MAX_RETRIES: '0' }).done;
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Azure AI Search failed: HTTP 400/);
    assert.doesNotMatch(run.stderr, /upstream detail|at .*\.js/);
  });
});

/**
 * `grounded-chat ingest <folder> --target azure` (docs/ingestion.md): read and chunk the folder,
 * compare with the index, embed what changed in batches, upload with the SDK's buffered sender,
 * delete what went away.
 *
 * Retries are the SDKs' own, configured once, never stacked: the openai client retries 429 and
 * 5xx honouring `retry-after-ms`/`retry-after` (INGEST_MAX_RETRIES); the search client's pipeline
 * retries throttling with Retry-After (AZURE_SEARCH_MAX_RETRIES) and the buffered sender retries
 * 409/422/503 per batch. Embeddings go before their upload batch, batch by batch, so a run killed
 * midway has stored whole passages (text, vector, hash) and the next run uploads only the rest.
 */
import { AzureKeyCredential, SearchClient, SearchIndexClient, SearchIndexingBufferedSender, type SearchIndex } from '@azure/search-documents';
import type { TokenCredential } from '@azure/identity';
import type { AzureOpenAI } from 'openai';
import { buildIndex, checkIndex, headingIsCollection, vectorDimensions } from './azure-index-schema.js';
import type { AzureIngestConfig } from './azure-ingest-config.js';
import { planChanges, toDocs, type Existing, type PassageDoc, type Plan } from './azure-plan.js';
import { readDocuments, type ReadResult } from './read-documents.js';

/** Stable codes; the CLI maps them to exit codes (docs/ingestion.md#exit-codes). */
export type IngestErrorCode = 'config' | 'schema' | 'search_failed' | 'embedding_failed' | 'upload_failed' | 'aborted';

export class IngestError extends Error {
  constructor(readonly code: IngestErrorCode, message: string) {
    super(message);
    this.name = 'IngestError';
  }
}

export interface IngestProgress {
  /** A phase with a known amount of work begins (`embed+upload`, `delete`), counted in `unit` (default documents). */
  begin(phase: string, total: number, unit?: string): void;
  advance(done: number): void;
  end(): void;
  line(text: string): void;
}

export interface IngestSummary {
  files: number;
  failedFiles: ReadResult['failed'];
  added: number;
  changed: number;
  deleted: number;
  unchanged: number;
  tokens: number;
  ms: number;
  createdIndex: boolean;
  dryRun: boolean;
  plan: Plan;
}

export interface IngestDeps {
  openai: AzureOpenAI;
  credential: AzureKeyCredential | TokenCredential;
  progress: IngestProgress;
  signal?: AbortSignal;
  now?: () => number;
}

export async function ingestToAzure(folder: string, config: AzureIngestConfig, deps: IngestDeps, options: { dryRun?: boolean } = {}): Promise<IngestSummary> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const f = config.fields;
  const read = await readDocuments(folder);
  const docs = toDocs(read.chunks, `${config.embeddingDeployment}:${config.dimensions ?? ''}`, config.urlBase);

  const indexClient = new SearchIndexClient(config.searchEndpoint, deps.credential, { retryOptions: { maxRetries: config.searchMaxRetries } });
  const index = await searchCall(() => getIndexOrUndefined(indexClient, config.indexName, deps.signal));
  if (index) {
    const problems = checkIndex(index, f, config.dimensions);
    if (problems.length) throw new IngestError('schema', problems.join('\n'));
  }
  const search = indexClient.getSearchClient<Record<string, unknown>>(config.indexName);
  const existing = index ? await searchCall(() => listExisting(search, config, deps.signal)) : [];
  const plan = planChanges(docs, existing);
  const summary: IngestSummary = {
    files: read.files.length,
    failedFiles: read.failed,
    added: plan.add.length,
    changed: plan.change.length,
    deleted: plan.remove.length,
    unchanged: plan.unchanged,
    tokens: 0,
    ms: 0,
    createdIndex: false,
    dryRun: Boolean(options.dryRun),
    plan,
  };
  if (options.dryRun) {
    summary.createdIndex = !index;
    summary.ms = now() - started;
    return summary;
  }

  const uploads = [...plan.add, ...plan.change];
  let dimensions = config.dimensions ?? (index ? vectorDimensions(index, f) : undefined);
  const embedded = new Map<string, number[]>();
  const embedBatch = async (batch: PassageDoc[]) => {
    const input = batch.map(embeddingInput);
    const response = await embeddingCall(() =>
      deps.openai.embeddings.create(
        { model: config.embeddingDeployment, input, encoding_format: 'float', ...(config.dimensions ? { dimensions: config.dimensions } : {}) },
        { signal: deps.signal },
      ),
    );
    summary.tokens += response.usage?.prompt_tokens ?? 0;
    for (const item of response.data) {
      const doc = batch[item.index];
      if (!doc) continue;
      if (dimensions !== undefined && item.embedding.length !== dimensions) {
        throw new IngestError('embedding_failed', `the embedding deployment "${config.embeddingDeployment}" returned ${item.embedding.length} dimensions, the index's field "${f.vector}" holds ${dimensions}`);
      }
      dimensions ??= item.embedding.length;
      embedded.set(doc.key, item.embedding);
    }
    if (batch.some((d) => !embedded.has(d.key))) throw new IngestError('embedding_failed', 'the embeddings response lacks some inputs');
  };

  let target: SearchIndex | undefined = index;
  const batches = chunked(uploads, config.embedBatch);
  if (!target) {
    // A new index is sized from the deployment: configured, or learnt from the first batch.
    if (dimensions === undefined && batches.length) await embedBatch(batches[0]!);
    if (dimensions === undefined) throw new IngestError('config', 'nothing to embed, so the vector size is unknown: set AZURE_OPENAI_EMBEDDING_DIMENSIONS');
    target = buildIndex(config.indexName, f, dimensions, { semanticConfiguration: config.semanticConfiguration, ...(config.vectorizer ? { vectorizer: config.vectorizer } : {}) });
    await searchCall(() => indexClient.createOrUpdateIndex(target!, { abortSignal: deps.signal }));
    summary.createdIndex = true;
    deps.progress.line(`created index "${config.indexName}" (${dimensions} dimensions, semantic configuration "${config.semanticConfiguration}"${config.vectorizer ? ', Azure OpenAI vectorizer' : ''})`);
  }
  const collection = headingIsCollection(target, f);

  const sender = new SearchIndexingBufferedSender<Record<string, unknown>>(search, (d) => String(d[f.key]), {
    autoFlush: true,
    initialBatchActionCount: config.uploadBatch,
  });
  const failures: string[] = [];
  let sent = 0;
  sender.on('batchSucceeded', (result) => {
    for (const r of result.results) if (!r.succeeded) failures.push(`${r.key}: ${r.statusCode} ${(r.errorMessage ?? '').slice(0, 200)}`);
    sent += result.results.length;
    deps.progress.advance(sent);
  });
  try {
    deps.progress.begin('upload', uploads.length + plan.remove.length);
    for (const batch of batches) {
      if (deps.signal?.aborted) throw new IngestError('aborted', 'interrupted');
      if (batch.some((d) => !embedded.has(d.key))) await embedBatch(batch);
      const documents = batch.map((d) => toDocument(d, embedded.get(d.key)!, config, collection));
      await uploadCall(() => sender.mergeOrUploadDocuments(documents, { abortSignal: deps.signal }));
      for (const d of batch) embedded.delete(d.key);
    }
    if (plan.remove.length) await uploadCall(() => sender.deleteDocuments(plan.remove.map((e) => ({ [f.key]: e.key })), { abortSignal: deps.signal }));
    await uploadCall(() => sender.flush({ abortSignal: deps.signal }));
  } finally {
    await sender.dispose().catch(() => undefined);
    deps.progress.end();
  }
  if (failures.length) throw new IngestError('upload_failed', `the index refused ${failures.length} document(s):\n${failures.slice(0, 10).join('\n')}`);
  summary.ms = now() - started;
  return summary;
}

/** What is embedded: the passage with its title and headings, which carry meaning the text assumes. */
export const embeddingInput = (d: PassageDoc): string => {
  const head = [d.chunk.title, ...d.chunk.headingPath.filter((h) => h !== d.chunk.title)].join(' › ');
  return `${head}\n\n${d.chunk.text}`;
};

function toDocument(d: PassageDoc, vector: number[], config: AzureIngestConfig, collection: boolean): Record<string, unknown> {
  const f = config.fields;
  const headings = d.chunk.headingPath;
  return {
    [f.key]: d.key,
    [f.content]: d.chunk.text,
    [f.title]: d.chunk.title,
    [f.url]: d.url ?? null,
    [f.sourcePath]: d.chunk.sourcePath,
    [f.heading]: collection ? headings : headings.join(' › '),
    [f.vector]: vector,
    [f.hash]: d.hash,
  };
}

async function getIndexOrUndefined(client: SearchIndexClient, name: string, signal?: AbortSignal): Promise<SearchIndex | undefined> {
  try {
    return await client.getIndex(name, { abortSignal: signal });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** Every passage in the index: key, hash, source path (the SDK follows the service's paging). */
async function listExisting(search: SearchClient<Record<string, unknown>>, config: AzureIngestConfig, signal?: AbortSignal): Promise<Existing[]> {
  const f = config.fields;
  const response = await search.search('*', { select: [f.key, f.hash, f.sourcePath], abortSignal: signal } as never);
  const out: Existing[] = [];
  for await (const result of response.results) {
    const doc = result.document as Record<string, unknown>;
    const str = (name: string) => (typeof doc[name] === 'string' ? (doc[name] as string) : undefined);
    out.push({ key: String(doc[f.key]), ...(str(f.hash) ? { hash: str(f.hash) } : {}), ...(str(f.sourcePath) ? { sourcePath: str(f.sourcePath) } : {}) });
  }
  return out;
}

function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// One exit point per service for errors: a status and a code, never an upstream body or a key.
const describe = (e: unknown): string => {
  const err = e as { statusCode?: number; status?: number; code?: string; name?: string };
  const status = err.statusCode ?? err.status;
  if (err.name === 'AbortError' || err.name === 'APIUserAbortError') return 'interrupted';
  return [status ? `HTTP ${status}` : undefined, err.code && err.code !== String(status) ? err.code : undefined].filter(Boolean).join(' ') || (err.code ?? 'network error');
};
const wrap = (code: IngestErrorCode, what: string) => async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (e) {
    if (e instanceof IngestError) throw e;
    const why = describe(e);
    throw new IngestError(why === 'interrupted' ? 'aborted' : code, why === 'interrupted' ? 'interrupted' : `${what} failed: ${why}`);
  }
};
const searchCall = wrap('search_failed', 'Azure AI Search');
const embeddingCall = wrap('embedding_failed', 'Azure OpenAI embeddings');
const uploadCall = wrap('upload_failed', 'uploading to Azure AI Search');

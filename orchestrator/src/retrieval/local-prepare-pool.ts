/**
 * Prepares many corpus files (./local-prepare.ts) on worker threads, yielding them in input order.
 *
 * Why threads: chunking (marked's lexer) and stemming are pure CPU work, and at 50,000 passages
 * they cost more than writing the index; the main thread only writes rows while workers prepare
 * the next files. One worker per core (the main thread's SQLite writes take turns with them): on 2
 * cores, one worker left a core idle whenever the main thread waited for it. A small corpus (this
 * repository's docs/) is prepared in-process: starting a worker and loading marked into it costs
 * more than the whole job.
 *
 * Rejected: child processes (costlier to start, and the results would be serialised as JSON
 * rather than structured-cloned).
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChunkOptions } from '../ingest/chunk.js';
import type { CorpusFile } from '../ingest/corpus.js';
import { prepareFile, type PreparedFile } from './local-prepare.js';

/** Below this many bytes of documents, threads are not worth starting. */
export const THREADED_MIN_BYTES = 4 * 1024 * 1024;
const BATCH_BYTES = 256 * 1024;

export interface PrepareOptions {
  chunk: ChunkOptions;
  /** Worker threads; default: one per core, at most 4; 0 = in-process. */
  threads?: number;
}

export async function* prepareFiles(corpusDir: string, files: CorpusFile[], options: PrepareOptions): AsyncGenerator<PreparedFile> {
  const total = files.reduce((n, f) => n + f.size, 0);
  const threads = options.threads ?? (total < THREADED_MIN_BYTES ? 0 : Math.min(4, availableParallelism()));
  if (threads === 0) {
    for (const f of files) yield await prepareFile(corpusDir, f, options.chunk);
    return;
  }
  yield* threaded(corpusDir, batches(files), options.chunk, threads);
}

function batches(files: CorpusFile[]): CorpusFile[][] {
  const out: CorpusFile[][] = [];
  let batch: CorpusFile[] = [];
  let bytes = 0;
  for (const f of files) {
    batch.push(f);
    bytes += f.size;
    if (bytes >= BATCH_BYTES) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length) out.push(batch);
  return out;
}

// The worker is the sibling module, compiled (.js), or run from source under tsx (.ts: the tests),
// where the worker needs tsx's loader registered before it can import TypeScript.
const FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';
const WORKER_URL = new URL(`./local-prepare-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
const startWorker = () =>
  FROM_SOURCE
    ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(WORKER_URL.href)}, ${JSON.stringify(WORKER_URL.href)}))`, { eval: true })
    : new Worker(WORKER_URL);

type Reply = { seq: number; prepared?: PreparedFile[]; error?: { message: string; code?: string } };

/**
 * Batches sent ahead to each worker. The main thread writes rows synchronously and only sees a
 * worker's reply when it runs out of work, so a worker is handed its next batches when the main
 * thread *takes* a reply, not when the reply arrives; with several batches queued it never waits
 * for the main thread. Bounded, so prepared passages cannot pile up faster than they are written.
 */
const AHEAD = 4;

async function* threaded(corpusDir: string, jobs: CorpusFile[][], chunk: ChunkOptions, threads: number): AsyncGenerator<PreparedFile> {
  const workers = Array.from({ length: Math.min(threads, jobs.length) }, startWorker);
  const done = new Map<number, Reply>();
  const owner = new Map<number, Worker>();
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let next = 0;
  const send = (w: Worker) => {
    if (next >= jobs.length) return;
    owner.set(next, w);
    w.postMessage({ seq: next, corpusDir, files: jobs[next++], options: chunk });
  };
  for (const w of workers) {
    w.on('message', (reply: Reply) => {
      done.set(reply.seq, reply);
      wake?.();
    });
    w.on('error', (err) => {
      failure ??= err;
      wake?.();
    });
  }
  // Round-robin, so every worker starts at once.
  for (let i = 0; i < AHEAD; i++) for (const w of workers) send(w);
  try {
    for (let seq = 0; seq < jobs.length; seq++) {
      while (!done.has(seq)) {
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
      }
      const reply = done.get(seq)!;
      done.delete(seq);
      send(owner.get(seq)!);
      owner.delete(seq);
      if (reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
      yield* reply.prepared!;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

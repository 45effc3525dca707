/**
 * A full build of the local index (./local-index.ts decides when: no saved index, a new chunker or
 * format, or a change to most of the corpus). Every file is chunked (in worker threads for a large
 * corpus, ./local-prepare-pool.ts) and written in batches into a new database beside the saved one,
 * which then replaces it by rename, so a crash at any point leaves the old index or the new one,
 * never half of either. With no index directory, or one that cannot be written (a read-only image),
 * the index lives in memory and is rebuilt at the next start.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkOptions } from '../ingest/chunk.js';
import { listCorpusFiles } from '../ingest/corpus.js';
import { fsyncFile } from './local-manifest.js';
import { prepareFiles } from './local-prepare-pool.js';
import { Store } from './local-store.js';

export const DB_FILE = 'index.sqlite';

/**
 * Files per transaction in a full build. Measured at 64,000 passages: 512 was no faster (FTS5's
 * segments are merged once at the end anyway, see Store.create), and a long write keeps the
 * main thread from handing the workers their next files.
 */
const BUILD_BATCH_FILES = 64;

export interface BuildOptions {
  corpusDir: string;
  indexDir?: string;
  chunk: Required<ChunkOptions>;
  threads?: number;
  log?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
  /** What the index records about itself (format, chunker, corpus folder). */
  meta: Record<string, string>;
  /** Called with the saved index once it is in place (the human-readable summary). */
  saved?: (store: Store) => Promise<void>;
}

/** Builds the index from every file of the corpus; the store is open, and saved when it could be. */
export async function buildStore(opts: BuildOptions): Promise<{ store: Store; files: number }> {
  const { indexDir, log } = opts;
  const files = await listCorpusFiles(opts.corpusDir);
  let target = ':memory:';
  let dir: string | undefined;
  if (indexDir) {
    dir = join(indexDir, 'local');
    try {
      await mkdir(dir, { recursive: true });
      target = join(dir, `${DB_FILE}.${process.pid}.tmp`);
      await rm(target, { force: true });
    } catch (err) {
      // A read-only file system must not stop the service: it then just re-indexes at each start.
      log?.(`local index: warning: could not save to ${indexDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it will be rebuilt at the next start`);
      dir = undefined;
    }
  }
  let store: Store;
  try {
    store = Store.create(target);
  } catch (err) {
    if (target === ':memory:') throw err;
    log?.(`local index: warning: could not save to ${indexDir} (${(err as Error).message}); it will be rebuilt at the next start`);
    dir = undefined;
    store = Store.create((target = ':memory:'));
  }
  try {
    let done = 0;
    const batch: Parameters<Store['put']>[0][] = [];
    const flush = () => store.transaction(() => batch.splice(0).forEach((p) => store.put(p, { bulk: true })));
    for await (const p of prepareFiles(opts.corpusDir, files, { chunk: opts.chunk, threads: opts.threads })) {
      batch.push(p);
      if (batch.length >= BUILD_BATCH_FILES) flush();
      opts.onProgress?.(++done, files.length);
    }
    flush();
    store.transaction(() => {
      store.putVocabulary();
      store.saveCounts();
      store.setMeta({ ...opts.meta, builtAt: new Date().toISOString() });
    });
    store.finishBuild();
  } catch (err) {
    store.close();
    if (target !== ':memory:') await rm(target, { force: true });
    throw err;
  }
  if (dir) {
    store.close();
    const final = join(dir, DB_FILE);
    await fsyncFile(target);
    await rename(target, final);
    await fsyncFile(dir).catch(() => {}); // the rename itself (not supported on every platform)
    store = Store.open(final);
    await opts.saved?.(store).catch(() => {});
    await Promise.all(['index.json', 'passages.json'].map((f) => rm(join(dir!, f), { force: true }))).catch(() => {});
  }
  return { store, files: files.length };
}

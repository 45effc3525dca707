/**
 * The local index's manifest on disk (./local-index.ts "Persistence"): which corpus files changed
 * since the saved index was built, and the human-readable `manifest.json` beside the database.
 * Split out of ./local-index.ts, which keeps the decisions (update in place or rebuild); this
 * module only compares and writes.
 */
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listCorpusFiles, sha256, type CorpusFile } from '../ingest/corpus.js';
import type { ChunkOptions } from '../ingest/chunk.js';
import type { Store, StoredFile } from './local-store.js';

export interface Diff {
  /** Files to (re)index: added or changed. */
  put: CorpusFile[];
  removed: string[];
  /** Unchanged content under a new size/mtime. */
  touched: CorpusFile[];
  reasons: string[];
  listed: CorpusFile[];
}

/**
 * The corpus folder against the saved manifest. A file whose size and mtime match is trusted
 * without being read; any other is hashed, and only a real content change counts (a `touch` or
 * a checkout must not re-index).
 */
export async function diffCorpus(corpusDir: string, savedFiles: StoredFile[]): Promise<Diff> {
  const listed = await listCorpusFiles(corpusDir);
  const saved = new Map(savedFiles.map((f) => [f.path, f]));
  const diff: Diff = { put: [], removed: [], touched: [], reasons: [], listed };
  for (const file of listed) {
    const old = saved.get(file.path);
    saved.delete(file.path);
    if (!old) {
      diff.put.push(file);
      diff.reasons.push(`added: ${file.path}`);
      continue;
    }
    if (old.size === file.size && old.mtimeMs === file.mtimeMs) continue;
    const buf = await readFile(join(corpusDir, ...file.path.split('/')));
    if (sha256(buf) === old.sha256) {
      diff.touched.push(file);
    } else {
      diff.put.push(file);
      diff.reasons.push(`changed: ${file.path}`);
    }
  }
  for (const path of saved.keys()) {
    diff.removed.push(path);
    diff.reasons.push(`removed: ${path}`);
  }
  return diff;
}

export interface SummaryInfo {
  database: string;
  indexFormat: number;
  chunkerVersion: number;
  chunkOptions: Required<ChunkOptions>;
  corpusDir: string;
}

/** `<indexDir>/local/manifest.json`: what the folder holds, for people; the database is the source of truth. */
export async function writeSummary(indexDir: string, store: Store, info: SummaryInfo): Promise<void> {
  const files: StoredFile[] = store.files();
  const summary = {
    ...info,
    builtAt: store.meta('builtAt'),
    updatedAt: new Date().toISOString(),
    passages: store.passageCount,
    files: files.length,
  };
  const file = join(indexDir, 'local', 'manifest.json');
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(summary, null, 1));
  await rename(tmp, file);
}

export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

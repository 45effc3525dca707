/**
 * Finds a corpus's documents and chunks them. Kept apart from the chunker so the chunker stays a
 * pure function of (path, text) and can be tested without a file system.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { chunkDocument, isReadme, MARKDOWN_EXTENSIONS, TEXT_EXTENSIONS, type Chunk, type ChunkOptions } from './chunk.js';

export interface CorpusFile {
  /** Relative to the corpus root, POSIX separators. */
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Every indexable document under `dir`, sorted, skipping dot-folders and node_modules.
 *
 * Synchronous on purpose: a restart lists and stats every file to see that nothing changed, and
 * for a 4,000-file corpus the sync calls take about 50 ms where the async ones (a thread-pool hop
 * per directory and per file) took 200–400 ms, most of the restart. It blocks the event loop that
 * long, at start or when the index is brought up to date.
 */
export async function listCorpusFiles(dir: string): Promise<CorpusFile[]> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  const files: CorpusFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const ext = extname(entry.name).toLowerCase();
    if (!MARKDOWN_EXTENSIONS.has(ext) && !TEXT_EXTENSIONS.has(ext)) continue;
    const full = join(entry.parentPath, entry.name);
    const rel = relative(dir, full).split(sep).join('/');
    if (rel.split('/').some((part) => part.startsWith('.') || part === 'node_modules')) continue;
    const s = statSync(full);
    files.push({ path: rel, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export interface ChunkedCorpus {
  files: (CorpusFile & { sha256: string })[];
  chunks: Chunk[];
}

/** Reads and chunks every document of a corpus. */
export async function chunkCorpus(dir: string, options?: ChunkOptions): Promise<ChunkedCorpus> {
  const listed = await listCorpusFiles(dir);
  const files: ChunkedCorpus['files'] = [];
  const chunks: Chunk[] = [];
  for (const file of listed) {
    const buf = await readFile(join(dir, ...file.path.split('/')));
    files.push({ ...file, size: buf.length, sha256: sha256(buf) });
    chunks.push(...chunkDocument(file.path, buf.toString('utf8'), options, readmeTitle(dir, file.path)));
  }
  return { files, chunks };
}

/**
 * The title for a README that names none (../ingest/chunk.ts, `fallbackTitle`): the `name` of a
 * package.json beside it, else the name of the folder it is in (the corpus folder's own name for a
 * README at the top). Undefined for any other file. Read here, not in the chunker, which sees only
 * the path relative to the corpus; every reader (local index, `ingest`, this file) calls it, so
 * the local index and Azure get the same title. A package.json that changes while its README does
 * not changes no title until the README is re-read.
 */
export function readmeTitle(corpusDir: string, relPath: string): string | undefined {
  if (!isReadme(relPath)) return undefined;
  const folder = dirname(join(resolve(corpusDir), ...relPath.split('/')));
  try {
    const name = (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: unknown }).name;
    if (typeof name === 'string' && name.trim()) return name.trim();
  } catch {
    // No package.json, or not one we can read: the folder's name will do.
  }
  return basename(folder) || undefined;
}

/**
 * Turns one corpus file into the rows the local index stores: reads it, hashes it, chunks it, and
 * normalises each passage's fields into the terms the index searches (stop words out, Porter
 * stems, see ../text.ts). Pure CPU work with no shared state, so a large build runs it in worker
 * threads (./local-prepare-pool.ts) while the main thread only writes rows to SQLite.
 *
 * Why the terms are computed here rather than by an SQLite tokenizer: the relevance gate, the
 * extractive answerer and the index must see the same terms (text.ts says why), and SQLite's own
 * `porter` tokenizer has neither our stop words nor our fixed-point stemming. So the index gets
 * the stems already made, separated by spaces, and FTS5's `unicode61` tokenizer only splits them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chunkDocument, type Chunk, type ChunkOptions } from '../ingest/chunk.js';
import { sha256, type CorpusFile } from '../ingest/corpus.js';
import { normalizeTerm, words } from '../text.js';

/** A passage with its searchable fields as space-separated stems (repeats kept: BM25 counts them). */
export interface PreparedPassage {
  chunk: Chunk;
  title: string;
  headings: string;
  body: string;
  /** Stems of the passage's own (last) heading, for the gate's heading exception. */
  own: string;
  /** Every distinct stem of title, headings and body, space-separated. */
  distinct: string;
}

export interface PreparedFile {
  file: CorpusFile & { sha256: string };
  passages: PreparedPassage[];
}

/**
 * normalizeTerm's own memo is small (sized for questions); a build sees hundreds of thousands of
 * distinct words, so a preparing thread keeps a larger one.
 */
const MEMO_MAX = 400_000;
const memo = new Map<string, string | null>();
function normalize(word: string): string | null {
  let t = memo.get(word);
  if (t === undefined) {
    t = normalizeTerm(word);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(word, t);
  }
  return t;
}

/** Stems of `text` in order, repeats kept, joined by spaces. */
export function stems(text: string, into?: Set<string>): string {
  const out: string[] = [];
  for (const w of words(text)) {
    const t = normalize(w);
    if (t) {
      out.push(t);
      into?.add(t);
    }
  }
  return out.join(' ');
}

export function preparePassages(chunks: Chunk[]): PreparedPassage[] {
  let titleOf: string | undefined;
  let titleStems = '';
  return chunks.map((chunk) => {
    const distinct = new Set<string>();
    if (chunk.title !== titleOf) {
      titleOf = chunk.title;
      titleStems = stems(chunk.title);
    }
    for (const t of titleStems.split(' ')) if (t) distinct.add(t);
    const headings = stems(chunk.headingPath.join('\n'), distinct);
    const own = [...new Set(stems(chunk.headingPath.at(-1) ?? '').split(' '))].filter(Boolean).join(' ');
    const body = stems(chunk.text, distinct);
    return { chunk, title: titleStems, headings, body, own, distinct: [...distinct].join(' ') };
  });
}

export async function prepareFile(corpusDir: string, file: CorpusFile, options: ChunkOptions): Promise<PreparedFile> {
  const buf = await readFile(join(corpusDir, ...file.path.split('/')));
  const chunks = chunkDocument(file.path, buf.toString('utf8'), options);
  return { file: { ...file, size: buf.length, sha256: sha256(buf) }, passages: preparePassages(chunks) };
}

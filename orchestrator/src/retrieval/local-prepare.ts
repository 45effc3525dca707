/**
 * Turns one corpus file into the rows the local index stores: reads it, hashes it, chunks it, and
 * normalises each passage's fields into the terms the index searches (stop words out, Porter
 * stems, see ../text.ts). Pure CPU work with no shared state, so a large build runs it in worker
 * threads (./local-prepare-pool.ts) while the main thread only writes rows to SQLite.
 *
 * Why the terms are computed here rather than by an SQLite tokenizer: the relevance gate, the
 * extractive answerer and the index must see the same terms (text.ts says why), and SQLite's own
 * `porter` tokenizer has neither our stop words nor our fixed-point stemming. So the index gets
 * the stems already made, separated by spaces, and FTS5's `ascii` tokenizer only splits them (at
 * spaces: a stem is letters and digits only; cheaper than `unicode61`, and it keeps a non-ASCII stem
 * exactly as text.ts made it, with no second opinion on case or on what a letter is).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chunkDocument, type Chunk, type ChunkOptions } from '../ingest/chunk.js';
import { readmeTitle, sha256, type CorpusFile } from '../ingest/corpus.js';
import { ByteSink, TermScanner } from './local-terms.js';

/**
 * A passage with its searchable fields as UTF-8 stems, each followed by a space (repeats kept: BM25
 * counts them). Bytes rather than strings: a build makes 60+ MB of them, and as bytes they cost no
 * string per word, no join, a plain copy to the main thread, and no re-encoding for SQLite.
 */
export interface PreparedPassage {
  chunk: Chunk;
  title: Uint8Array;
  headings: Uint8Array;
  body: Uint8Array;
  /** Distinct stems of the passage's own (last) heading, for the gate's heading exception. */
  own: Uint8Array;
  /** Every distinct stem of title, headings and body. */
  distinct: Uint8Array;
}

export interface PreparedFile {
  file: CorpusFile & { sha256: string };
  passages: PreparedPassage[];
}

/** One scanner per thread: its table of words seen grows to the corpus's vocabulary. */
const scanner = new TermScanner();
const fields = new ByteSink();
const sets = new ByteSink();
const scratch = new ByteSink();

/** Stems of `text` in order, repeats kept (as the index gets them; for tests). */
export function stems(text: string): string[] {
  return scanner.terms(text);
}

export function preparePassages(chunks: Chunk[]): PreparedPassage[] {
  fields.length = 0;
  sets.length = 0;
  // Offsets first: the sinks may grow (and move) while a file is scanned.
  const at: number[][] = [];
  for (const chunk of chunks) {
    scratch.length = 0;
    const headings = chunk.headingPath.join('\n');
    const o = [sets.length];
    scanner.newDistinctSet();
    scanner.scan(chunk.headingPath.at(-1) ?? '', scratch, sets);
    o.push(sets.length, fields.length);
    scanner.newDistinctSet();
    scanner.scan(chunk.title, fields, sets);
    o.push(fields.length);
    scanner.scan(headings, fields, sets);
    o.push(fields.length);
    scanner.scan(chunk.text, fields, sets);
    o.push(fields.length, sets.length);
    at.push(o);
  }
  const f = fields.bytes.slice(0, fields.length);
  const d = sets.bytes.slice(0, sets.length);
  return chunks.map((chunk, i) => {
    const [o0, o1, t0, t1, h1, b1, d1] = at[i]!;
    return {
      chunk,
      title: f.subarray(t0, t1),
      headings: f.subarray(t1, h1),
      body: f.subarray(h1, b1),
      own: d.subarray(o0, o1),
      distinct: d.subarray(o1, d1),
    };
  });
}

export async function prepareFile(corpusDir: string, file: CorpusFile, options: ChunkOptions): Promise<PreparedFile> {
  const buf = await readFile(join(corpusDir, ...file.path.split('/')));
  const chunks = chunkDocument(file.path, buf.toString('utf8'), options, readmeTitle(corpusDir, file.path));
  return { file: { ...file, size: buf.length, sha256: sha256(buf) }, passages: preparePassages(chunks) };
}

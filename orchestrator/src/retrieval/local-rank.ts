/**
 * Orders the local index's candidates the way the MiniSearch index did (before SQLite), field by
 * field. FTS5 only finds the candidates (./local-query.ts: the relevance gate as a MATCH
 * expression, best by bm25() first); this module scores them again.
 *
 * Why not bm25() alone: FTS5 scores a passage as one document, its column weights multiplying
 * term frequencies and its length normalisation counting every column. So a long passage that
 * uses every word of the question (a changelog, a long reference section) beat a short section
 * whose heading names the question's words: on docs/ hit@1 was 0.71 where MiniSearch's was 0.79.
 * MiniSearch scored each field as its own BM25+ document (its own document frequency and average
 * length), multiplied by the field's boost (headings 2, title 1.5, text 1), summed, and
 * multiplied the sum by the number of the question's terms matched. That is what this module
 * computes, on the candidates only, so the cost stays that of a few dozen passages.
 *
 * Data, all cheap at query time: a candidate's fields are its stems as the full-text index got
 * them, stored beside the passage (re-stemming 50 passages cost ~2 ms a query; searching the
 * stored bytes with indexOf, ~0.1 ms); document frequencies per field are FTS5's own (fts5vocab
 * `col`), counted at build into the `terms` table and cached per stem (LocalIndex makes a new
 * Ranker whenever the index changes); the average title and heading lengths come from FTS5's
 * totals record, which every insert and delete keeps current, the text's from the store's count
 * of distinct stems (MiniSearch counted a field's distinct words: repeats do not lengthen it).
 */
import { countTerms, type Store } from './local-store.js';
import type { Group } from './local-query.js';
import { PREFIX_MIN_LENGTH } from '../text.js';

/** The fields scored, in the FTS table's column order, with their boosts (MiniSearch's). */
export const FIELDS = ['title', 'headings', 'body'] as const;
export type Field = (typeof FIELDS)[number];
export const FIELD_BOOSTS: Record<Field, number> = { title: 1.5, headings: 2, body: 1 };

/** MiniSearch's BM25+ parameters (k1, b, and d, the floor every match earns). */
const K = 1.2;
const B = 0.7;
const D = 0.5;
/** MiniSearch's weights for a prefix and a typo expansion of a query term. */
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;

/**
 * A candidate's fields as the index got them: UTF-8 stems, each followed by a space, in order,
 * repeats kept (stored beside the passage at build; see ./local-prepare.ts).
 */
export type FieldStems = Record<Field, Uint8Array>;

/** Per-field document frequency of a stem. */
type Df = Record<Field, number>;

const DF_CACHE_MAX = 50_000;

export class Ranker {
  private readonly saved;
  private readonly dfOf;
  private readonly totals;
  private readonly df = new Map<string, Df>();
  private stats?: { rows: number; avg: Record<Field, number> };

  constructor(private readonly store: Store) {
    const { db } = store;
    db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab_col USING fts5vocab(main, fts, col)');
    this.saved = db.prepare<[string], [number, number, number]>('SELECT df_title, df_headings, df_body FROM terms WHERE term = ?').raw();
    this.dfOf = db.prepare<[string], { col: string; doc: number }>('SELECT col, doc FROM temp.vocab_col WHERE term = ?');
    this.totals = db.prepare<[], Buffer | undefined>('SELECT block FROM fts_data WHERE id = 1').pluck();
  }

  /**
   * The MiniSearch score of a candidate for the query's groups: per group, its exact stem and its
   * prefix (4+ letters) and typo (6+ letters) expansions found in the passage, each expansion
   * weighted down as MiniSearch did; per field a BM25+ term; the sum times the groups matched.
   */
  score(groups: Group[], fields: FieldStems, distinct: Uint8Array): number {
    const stats = this.corpusStats();
    const lengths = { title: countTerms(fields.title), headings: countTerms(fields.headings), body: countTerms(distinct) };
    let total = 0;
    let matchedGroups = 0;
    for (const g of groups) {
      let groupScore = 0;
      for (const [stem, { weight, tf }] of derived(g, fields)) {
        const df = this.docFreq(stem);
        for (const f of FIELDS) {
          if (tf[f] === 0) continue;
          const n = Math.max(df[f], 1);
          const idf = Math.log(1 + (stats.rows - n + 0.5) / (n + 0.5));
          const norm = 1 - B + (B * lengths[f]) / stats.avg[f];
          groupScore += FIELD_BOOSTS[f] * weight * idf * (D + (tf[f] * (K + 1)) / (tf[f] + K * norm));
        }
      }
      if (groupScore > 0) {
        matchedGroups++;
        total += groupScore;
      }
    }
    return total * matchedGroups * (this.namesTitle(groups, fields.title) ? 2 : 1);
  }

  /**
   * Does the question name the passage's document: is every stem of its title one of the
   * question's terms, and a name rather than a word (a stem that more passages carry in their
   * title than in their text: `yarg`, but not `configur` of a page titled "Configuration", which
   * "How is it configured?" does not name)? Such a passage scores double: the question said
   * which document it is about, as a person adds "in yargs" to be understood.
   */
  private namesTitle(groups: Group[], title: Uint8Array): boolean {
    if (!title.length) return false;
    for (let at = 0; at < title.length; ) {
      let end = indexOf(title, SPACE, at);
      if (end < 0) end = title.length;
      const stem = decoder.decode(title.subarray(at, end));
      if (!groups.some((g) => g.term === stem) || !this.isTitleName(stem)) return false;
      at = end + 1;
    }
    return true;
  }

  /** A title's stem is a name, not a word, when no more passages carry it in their text than in their title. */
  isTitleName(stem: string): boolean {
    const df = this.docFreq(stem);
    return df.body <= df.title;
  }

  private docFreq(stem: string): Df {
    let df = this.df.get(stem);
    if (df) return df;
    // Counted at build (a lookup); a stem added since is counted now (its posting list is short).
    const row = this.saved.get(stem);
    if (row && row[0] + row[1] + row[2] > 0) df = { title: row[0], headings: row[1], body: row[2] };
    else {
      df = { title: 0, headings: 0, body: 0 };
      for (const { col, doc } of this.dfOf.all(stem)) if (col in df) df[col as Field] = doc;
    }
    if (this.df.size >= DF_CACHE_MAX) this.df.clear();
    this.df.set(stem, df);
    return df;
  }

  /** Rows and average field lengths, from FTS5's totals record (varints: rows, then tokens per column). */
  private corpusStats(): { rows: number; avg: Record<Field, number> } {
    if (this.stats) return this.stats;
    const block = this.totals.get();
    const values: number[] = [];
    if (block) {
      let i = 0;
      while (i < block.length && values.length < 1 + FIELDS.length) {
        const [v, next] = readVarint(block, i);
        values.push(v);
        i = next;
      }
    }
    const rows = Math.max(values[0] ?? 1, 1);
    const avg = { title: 1, headings: 1, body: 1 };
    FIELDS.forEach((f, i) => (avg[f] = Math.max((values[i + 1] ?? rows) / rows, 1)));
    // The text's length is its number of distinct stems (of the whole passage: title and headings
    // add a few), as MiniSearch counted distinct words: repeats do not make a passage longer.
    avg.body = Math.max(this.store.distinctTotal / rows, 1);
    return (this.stats = { rows, avg });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SPACE = 32;

interface Derived {
  weight: number;
  tf: Record<Field, number>;
}

/**
 * The stems of the passage that match group `g`, with MiniSearch's weight for each and their
 * count per field: the term itself (1), a longer stem it begins (4+ letters; less the longer the
 * rest), and the typo alternatives the planner found (./local-query.ts). Found with indexOf on
 * the stored bytes, so a candidate costs no decoding.
 */
function derived(g: Group, fields: FieldStems): Map<string, Derived> {
  const out = new Map<string, Derived>();
  const add = (stem: string, weight: number, f: Field) => {
    let d = out.get(stem);
    if (!d) out.set(stem, (d = { weight, tf: { title: 0, headings: 0, body: 0 } }));
    d.tf[f]++;
  };
  const t = g.term;
  const needle = encoder.encode(t);
  const prefix = t.length >= PREFIX_MIN_LENGTH;
  for (const f of FIELDS) {
    const buf = fields[f];
    for (let at = indexOf(buf, needle, 0); at >= 0; at = indexOf(buf, needle, at + 1)) {
      if (at > 0 && buf[at - 1] !== SPACE) continue;
      const end = indexOf(buf, SPACE, at + needle.length);
      const len = (end < 0 ? buf.length : end) - at;
      if (len === needle.length) add(t, 1, f);
      else if (prefix) {
        const s = decoder.decode(buf.subarray(at, at + len));
        add(s, (PREFIX_WEIGHT * s.length) / (s.length + 0.3 * (s.length - t.length)), f);
      }
    }
    for (const alt of g.fuzzy) {
      const bytes = encoder.encode(alt);
      for (let at = indexOf(buf, bytes, 0); at >= 0; at = indexOf(buf, bytes, at + 1)) {
        if ((at === 0 || buf[at - 1] === SPACE) && (at + bytes.length === buf.length || buf[at + bytes.length] === SPACE)) {
          add(alt, (FUZZY_WEIGHT * alt.length) / (alt.length + 1), f);
        }
      }
    }
  }
  return out;
}

/** Buffer's native search on any Uint8Array (SQLite hands BLOBs over as Buffers). */
function indexOf(buf: Uint8Array, needle: Uint8Array | number, from: number): number {
  return Buffer.prototype.indexOf.call(buf, needle, from);
}

/** SQLite's varint (big-endian, 7 bits a byte, the 9th byte whole), as FTS5 writes it. */
export function readVarint(buf: Uint8Array, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 9 && at + i < buf.length; i++) {
    const b = buf[at + i]!;
    if (i === 8) return [v * 256 + b, at + 9];
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) return [v, at + i + 1];
  }
  return [v, buf.length];
}

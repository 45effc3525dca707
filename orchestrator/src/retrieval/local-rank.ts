/**
 * Orders the local index's candidates the way the MiniSearch index did (before SQLite), field by
 * field. FTS5 only finds the candidates (./local-query.ts: the relevance gate as a MATCH
 * expression, best by bm25() first); this module scores them again.
 *
 * Why not bm25() alone: FTS5 scores a passage as one document, its column weights multiplying
 * term frequencies and its length normalisation counting every column. So a long passage that
 * uses every word of the question (a changelog, a long reference section) beat a short section
 * whose heading names the question's words, and on docs/ hit@1 fell from 0.94 to 0.71. MiniSearch
 * scored each field as its own BM25 document (its own document frequency and average length),
 * multiplied by the field's boost (headings 2, title 1.5, text 1), summed, and multiplied the sum
 * by the number of the question's terms matched. That is what this module computes, on the
 * candidates only, so the ranking is back and the cost stays that of a few dozen passages.
 *
 * Data: a candidate's fields are re-stemmed from the stored passage with the build's own scanner
 * (the index gets exactly these stems); document frequencies per field come from FTS5's own
 * vocabulary (fts5vocab `col`, cached per term until the index changes); field lengths averaged
 * over the corpus from FTS5's totals record, which every insert and delete keeps current.
 */
import type { Db } from './local-store.js';
import { withinOneEdit, type Group } from './local-query.js';
import { FUZZY_MIN_LENGTH, PREFIX_MIN_LENGTH } from '../text.js';

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

/** A candidate's fields as stems, in order, repeats kept. */
export type FieldStems = Record<Field, string[]>;

/** Per-field document frequency of a stem. */
type Df = Record<Field, number>;

const DF_CACHE_MAX = 50_000;

export class Ranker {
  private readonly dfOf;
  private readonly totals;
  private readonly df = new Map<string, Df>();
  private stats?: { rows: number; avg: Record<Field, number> };

  constructor(db: Db) {
    db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab_col USING fts5vocab(main, fts, col)');
    this.dfOf = db.prepare<[string], { col: string; doc: number }>('SELECT col, doc FROM temp.vocab_col WHERE term = ?');
    this.totals = db.prepare<[], Buffer | undefined>('SELECT block FROM fts_data WHERE id = 1').pluck();
  }

  /** Forget cached statistics (call after the index changed). */
  reset(): void {
    this.df.clear();
    this.stats = undefined;
  }

  /**
   * The MiniSearch score of a candidate for the query's groups: per group, its exact stem and its
   * prefix (4+ letters) and typo (6+ letters) expansions found in the passage, each expansion
   * weighted down as MiniSearch did; per field a BM25+ term; the sum times the groups matched.
   */
  score(groups: Group[], fields: FieldStems): number {
    const stats = this.corpusStats();
    let total = 0;
    let matchedGroups = 0;
    for (const g of groups) {
      let groupScore = 0;
      for (const [stem, weight] of this.derived(g, fields)) {
        const df = this.docFreq(stem);
        for (const f of FIELDS) {
          const tf = count(fields[f], stem);
          if (tf === 0) continue;
          const n = Math.max(df[f], 1);
          const idf = Math.log(1 + (stats.rows - n + 0.5) / (n + 0.5));
          const norm = 1 - B + (B * fields[f].length) / stats.avg[f];
          groupScore += FIELD_BOOSTS[f] * weight * idf * (D + (tf * (K + 1)) / (tf + K * norm));
        }
      }
      if (groupScore > 0) {
        matchedGroups++;
        total += groupScore;
      }
    }
    return total * matchedGroups;
  }

  /** The stems of the passage that match group `g`, with MiniSearch's weight for each. */
  private derived(g: Group, fields: FieldStems): Map<string, number> {
    const out = new Map<string, number>();
    const t = g.term;
    for (const f of FIELDS) {
      for (const s of fields[f]) {
        if (out.has(s)) continue;
        if (s === t) out.set(s, 1);
        else if (t.length >= PREFIX_MIN_LENGTH && s.startsWith(t)) {
          out.set(s, (PREFIX_WEIGHT * s.length) / (s.length + 0.3 * (s.length - t.length)));
        } else if (t.length >= FUZZY_MIN_LENGTH && Math.abs(s.length - t.length) <= 1 && (g.fuzzy.includes(s) || withinOneEdit(t, s))) {
          out.set(s, (FUZZY_WEIGHT * s.length) / (s.length + 1));
        }
      }
    }
    return out;
  }

  private docFreq(stem: string): Df {
    let df = this.df.get(stem);
    if (df) return df;
    df = { title: 0, headings: 0, body: 0 };
    for (const { col, doc } of this.dfOf.all(stem)) if (col in df) df[col as Field] = doc;
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
    return (this.stats = { rows, avg });
  }
}

function count(stems: string[], stem: string): number {
  let n = 0;
  for (const s of stems) if (s === stem) n++;
  return n;
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

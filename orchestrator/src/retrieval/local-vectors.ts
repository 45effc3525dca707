/**
 * The local index's semantic half: each passage embedded in windows of a few sentences
 * (`passageWindows`), kept beside the passages in the same SQLite file, searched by brute force in
 * memory, and fused with the keyword ranking.
 *
 * - Storage: table `vectors(rowid, v)`, rowid = the passage's rowid, v = its windows' float32
 *   vectors end to end; the embedder's id and the windowing in `meta` (with the vectors' length). A
 *   trigger deletes a passage's vectors with the passage, so an in-place update (./local-index.ts)
 *   re-embeds only the passages it added, and a rowid SQLite reuses never inherits stale vectors.
 *   A different embedder or windowing re-embeds everything. A read-only index (baked into an image
 *   by another user) keeps the vectors in memory for the life of the process. A later sync of the
 *   same database (the index loaded again) reads and embeds only what changed.
 * - Search: a dot product with every window's vector (unit length, so cosine similarity); a
 *   passage is as similar as its nearest window. At 384 dimensions that is about 2 ms per 5,000
 *   vectors here (23 ms at 64,000); an approximate index (HNSW) would pay only past the corpus
 *   sizes the local index is for (docs/orchestrator.md says when to move to Azure AI Search).
 * - Fusion: reciprocal rank fusion (Cormack et al., 2009) of the keyword ranking and the semantic
 *   one. Rank-based, so the two scores' scales never meet; a passage both rank high comes first.
 */
import type { Embedder } from './embedder.js';
import type { Db } from './local-store.js';

/** RRF's constant: the usual 60 lets neither list's top rank swamp the other's. */
const RRF_K = 60;
/** Passages embedded per transaction while syncing. */
const SYNC_BATCH = 64;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS vectors(rowid INTEGER PRIMARY KEY, v BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS passages_drop_vector AFTER DELETE ON passages BEGIN DELETE FROM vectors WHERE rowid = old.rowid; END;`;

export interface Similar {
  rowid: number;
  similarity: number;
}

/** Longest window (characters) of a passage embedded on its own; see `passageWindows`. */
export const WINDOW_CHARS = 320;
/** Names the windowing in the stored embedder id: another scheme re-embeds the corpus. */
const SCHEME = `win${WINDOW_CHARS}`;

/**
 * The texts a passage is embedded from: its sentences and lines, gathered into windows of at
 * most `WINDOW_CHARS` (a longer sentence is a window of its own), each led by where the passage
 * sits. A passage is as near to a query as its nearest window.
 *
 * Why windows, not the passage whole: the model reads 256 tokens at most and averages what it
 * reads, so a long passage's vector says little of any one thing it holds. Measured (dense search
 * alone, the passage holding the fact; MRR whole → windows): tune 0.628 → 0.671, tune2 0.623 →
 * 0.666, docs eval 0.616 → 0.768, for 1.8× the embedding time on docs/, as every word is now read,
 * not only the first 256 tokens (orchestrator/eval/TUNING.md).
 */
export function passageWindows(headingPath: string[], text: string): string[] {
  const lead = `${headingPath.join(' > ')}\n`;
  return windowTexts(text).map((w) => lead + w);
}

/** A passage's windows without the heading path that leads each (`passageWindows`). */
export function windowTexts(text: string): string[] {
  const windows: string[] = [];
  let current = '';
  for (const piece of text.split(/(?<=[.!?])\s+|\n+/)) {
    if (!piece.trim()) continue;
    if (current && current.length + 1 + piece.length > WINDOW_CHARS) {
      windows.push(current);
      current = '';
    }
    current += (current ? ' ' : '') + piece;
  }
  if (current || !windows.length) windows.push(current);
  return windows;
}

export class VectorSet {
  /** Each passage's rowid and the row past its last window vector (its windows are side by side). */
  private rowids = new Int32Array(0);
  private ends = new Int32Array(0);
  /** Rowid → position in `rowids`, built on first need after each load. */
  private indexOf?: Map<number, number>;
  private matrix = new Float32Array(0);
  private dims = 0;
  /** Vectors the database could not take (read-only), kept for the life of this set. */
  private readonly held = new Map<number, Float32Array>();

  constructor(
    readonly db: Db,
    readonly embedder: Embedder,
  ) {}

  /** Passages with vectors. */
  get size(): number {
    return this.rowids.length;
  }

  /** What the stored vectors were made with: the embedder and the windowing. */
  private get id(): string {
    return `${this.embedder.id};${SCHEME}`;
  }

  /**
   * Embeds the passages that have no vector yet (all of them for a new embedder) and loads every
   * vector into memory. Returns how many passages were embedded.
   */
  async sync({ signal, onProgress }: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<number> {
    const writable = this.prepareTable();
    // Stored vectors count only if they are this embedder's (a read-only index may hold another's).
    const reuse = this.tableExists() && this.db.prepare("SELECT value FROM meta WHERE key = 'embedder'").pluck().get() === this.id;
    const missing = (
      this.db.prepare(`SELECT rowid, heading_path, text FROM passages${reuse ? ' WHERE rowid NOT IN (SELECT rowid FROM vectors)' : ''}`).raw().all() as [number, string, string][]
    ).filter(([rowid]) => !this.held.has(rowid));
    // Nothing added and nothing removed since the last sync: the vectors in memory are current.
    const stored = reuse ? (this.db.prepare('SELECT count(*) FROM vectors').pluck().get() as number) : 0;
    if (!missing.length && this.size > 0 && this.size === stored + this.held.size) return 0;
    const insert = writable ? this.db.prepare('INSERT OR REPLACE INTO vectors(rowid, v) VALUES (?, ?)') : undefined;
    const saveDims = writable ? this.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('vector_dims', ?)") : undefined;
    for (let i = 0; i < missing.length; i += SYNC_BATCH) {
      const batch = missing.slice(i, i + SYNC_BATCH);
      const vectors = await this.embedWindows(batch.map(([, h, t]) => passageWindows(JSON.parse(h) as string[], t)), signal);
      // With each batch, how long one window's vector is: a later load tells a row's windows
      // apart by it, so it is saved in the same transaction as the rows (a cut sync keeps both).
      if (insert)
        this.db.transaction(() => {
          batch.forEach(([rowid], j) => insert.run(rowid, Buffer.from(vectors[j]!.buffer, vectors[j]!.byteOffset, vectors[j]!.byteLength)));
          saveDims!.run(String(this.dims));
        })();
      else batch.forEach(([rowid], j) => this.held.set(rowid, vectors[j]!));
      onProgress?.(Math.min(i + SYNC_BATCH, missing.length), missing.length);
    }
    this.loadMatrix([...(reuse ? this.storedVectors() : []), ...this.held]);
    return missing.length;
  }

  /** The `k` passages most similar to a query vector, most similar first. */
  search(query: Float32Array, k: number): Similar[] {
    return this.similarities(query).top(k);
  }

  /** Every passage's similarity to a query vector: that of its nearest window. */
  similarities(query: Float32Array): Similarities {
    const { dims, matrix, rowids, ends } = this;
    const nearest = new Float32Array(query.length === dims ? rowids.length : 0);
    const perWindow = new Float32Array(nearest.length ? ends[nearest.length - 1]! : 0);
    const tail = dims - (dims % 4);
    for (let p = 0, r = 0, o = 0; p < nearest.length; p++) {
      let best = -Infinity;
      for (const end = ends[p]!; r < end; r++, o += dims) {
        // Four running sums: 1.5× as fast as one here (5,000 vectors: 1.7–2.0 ms against 3.0).
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let d = 0;
        for (; d < tail; d += 4) {
          s0 += query[d]! * matrix[o + d]!;
          s1 += query[d + 1]! * matrix[o + d + 1]!;
          s2 += query[d + 2]! * matrix[o + d + 2]!;
          s3 += query[d + 3]! * matrix[o + d + 3]!;
        }
        for (; d < dims; d++) s0 += query[d]! * matrix[o + d]!;
        const s = s0 + s1 + s2 + s3;
        perWindow[r] = s;
        if (s > best) best = s;
      }
      nearest[p] = best;
    }
    return new Similarities(rowids, nearest, (this.indexOf ??= new Map(Array.from(rowids, (r, p) => [r, p]))), ends, perWindow);
  }

  /**
   * One vector per passage: its windows' vectors end to end. Windows are embedded shortest
   * first, since a run is padded to its longest text (docs/ embedded in 15 s unsorted, 5.6 s
   * sorted, bench/local-semantic.bench.mjs).
   */
  private async embedWindows(passages: string[][], signal?: AbortSignal): Promise<Float32Array[]> {
    const windows = passages.flatMap((texts, p) => texts.map((text, w) => ({ text, p, w })));
    windows.sort((a, b) => a.text.length - b.text.length);
    const vectors = await this.embedder.embed(
      windows.map((w) => w.text),
      'passage',
      signal,
    );
    const dims = vectors[0]?.length ?? 0;
    if (dims) this.dims = dims;
    const out = passages.map((texts) => new Float32Array(texts.length * dims));
    windows.forEach(({ p, w }, i) => out[p]!.set(vectors[i]!, w * dims));
    return out;
  }

  /**
   * Creates the vectors table (and its trigger) and empties it when another embedder filled it.
   * False when the index is read-only: vectors are then kept in memory.
   */
  private prepareTable(): boolean {
    if (this.db.readonly) return false;
    try {
      this.db.exec(SCHEMA);
      if (this.db.prepare("SELECT value FROM meta WHERE key = 'embedder'").pluck().get() !== this.id) {
        this.db.transaction(() => {
          this.db.exec('DELETE FROM vectors');
          this.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('embedder', ?)").run(this.id);
        })();
      }
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_READONLY') return false;
      throw err;
    }
  }

  private tableExists(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vectors'").pluck().get() === 1;
  }

  private storedVectors(): [number, Float32Array][] {
    const rows = this.db.prepare('SELECT rowid, v FROM vectors').raw().all() as [number, Buffer][];
    return rows.map(([rowid, v]) => [rowid, new Float32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))]);
  }

  private loadMatrix(rows: [number, Float32Array][]): void {
    // A stored vector is its windows end to end; the embedder's dimensions tell them apart.
    const dims = (this.dims ||= Number(this.db.prepare("SELECT value FROM meta WHERE key = 'vector_dims'").pluck().get() ?? 0));
    if (!dims) rows = [];
    this.matrix = new Float32Array(rows.reduce((n, [, v]) => n + v.length, 0));
    this.rowids = new Int32Array(rows.length);
    this.ends = new Int32Array(rows.length);
    this.indexOf = undefined;
    let at = 0;
    rows.forEach(([rowid, v], p) => {
      this.matrix.set(v, at);
      at += v.length;
      this.rowids[p] = rowid;
      this.ends[p] = at / dims;
    });
  }
}

/** Each passage's similarity to one query: the nearest `top`, or one passage's by its rowid. */
export class Similarities {
  constructor(
    private readonly rowids: Int32Array,
    private readonly values: Float32Array,
    private readonly indexOf: ReadonlyMap<number, number>,
    /** The row past each passage's last window, and every window's similarity, in row order. */
    private readonly ends: Int32Array,
    private readonly perWindow: Float32Array,
  ) {}

  /**
   * One passage's similarity window by window (in `passageWindows` order); undefined for a
   * passage without vectors.
   */
  windows(rowid: number): Float32Array | undefined {
    const p = this.indexOf.get(rowid);
    if (p === undefined || !this.perWindow.length) return undefined;
    return this.perWindow.subarray(p ? this.ends[p - 1]! : 0, this.ends[p]!);
  }

  /** The `k` most similar passages at `floor` or above, most similar first. */
  top(k: number, floor = -Infinity): Similar[] {
    const best: Similar[] = [];
    if (k <= 0) return best;
    let least = floor;
    for (let p = 0; p < this.values.length; p++) {
      const similarity = this.values[p]!;
      if (similarity < least || (best.length >= k && similarity === least)) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.similarity < similarity) at--;
      best.splice(at, 0, { rowid: this.rowids[p]!, similarity });
      if (best.length > k) best.pop();
      if (best.length >= k) least = best[best.length - 1]!.similarity;
    }
    return best;
  }

  /** One passage's similarity, or undefined for a passage without vectors. */
  of(rowid: number): number | undefined {
    const p = this.indexOf.get(rowid);
    return p === undefined ? undefined : this.values[p];
  }

  get size(): number {
    return this.values.length;
  }
}

/**
 * Reciprocal rank fusion of ranked rowid lists: each list adds its weight (1 unless `weights`
 * says otherwise) / (60 + rank) to a passage's score. Ties keep the first list's order.
 */
export function fuseRanks(lists: number[][], top: number, weights: readonly number[] = []): number[] {
  const score = new Map<number, number>();
  lists.forEach((list, l) => {
    const weight = weights[l] ?? 1;
    list.forEach((rowid, rank) => score.set(rowid, (score.get(rowid) ?? 0) + weight / (RRF_K + rank + 1)));
  });
  return [...score.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([rowid]) => rowid);
}

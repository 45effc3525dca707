/**
 * The local index's storage: one SQLite database (better-sqlite3) holding the passages, an FTS5
 * full-text index of their stems, the vocabulary (for typo tolerance) and the corpus manifest.
 *
 * Why SQLite FTS5 (measured by `npm run bench`, bench/retrieval-scale.bench.mjs, against MiniSearch
 * as it was and tuned, at 50,000+ passages; figures in docs/orchestrator.md):
 *  - The index lives on disk and is paged in on demand, so a restart opens a file instead of
 *    parsing hundreds of MB of JSON, and resident memory is SQLite's page cache (bounded by
 *    CACHE_KIB), not the whole corpus on the JS heap.
 *  - Transactions make updates crash-safe and incremental: one file's passages are replaced in
 *    one transaction, the rest of the index is untouched.
 *  - BM25 with per-column weights is built in (bm25()), so title and heading boosts carry over.
 *
 * Tables: `meta` (formats, chunk options, corpus folder, ranking totals), `files` (path, size,
 * mtime, SHA-256: the manifest), `passages` (what a hit returns, each field's stems for the
 * ranking, see ./local-rank.ts, and whether it is a usage section, see ./local-candidates.ts), `fts` (contentless FTS5 over title, headings, body and
 * own-heading stems; rowid = passages.rowid), `terms` (every stem, with its reverse and length,
 * indexed, for edit-distance-1 lookups, see ./local-query.ts; and its document frequency per
 * field, for the ranking).
 *
 * A full build writes a new database beside the old one and renames it into place (a crash
 * leaves the old one whole); an incremental update is one transaction in place.
 */
import Database from 'better-sqlite3';
import type { Chunk } from '../ingest/chunk.js';
import type { CorpusFile } from '../ingest/corpus.js';
import type { PreparedFile } from './local-prepare.js';
import { decodeTerms } from './local-terms.js';
import { isUsagePassage } from './local-candidates.js';
import type { FieldStems } from './local-rank.js';

export type Db = Database.Database;

/** SQLite page cache per open index, KiB. The rest of the database stays on disk (or in the OS cache). */
export const CACHE_KIB = 16 * 1024;

export interface StoredFile extends CorpusFile {
  sha256: string;
}

export interface StoredPassage {
  rowid: number;
  chunk: Chunk;
}

const SCHEMA = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, sha256 TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE passages(rowid INTEGER PRIMARY KEY, path TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,
  heading_path TEXT NOT NULL, anchor TEXT, text TEXT NOT NULL, distinct_terms BLOB NOT NULL,
  title_terms BLOB NOT NULL, heading_terms BLOB NOT NULL, body_terms BLOB NOT NULL, usage INTEGER NOT NULL DEFAULT 0);
CREATE INDEX passages_path ON passages(path);
CREATE INDEX passages_usage ON passages(path) WHERE usage = 1;
CREATE VIRTUAL TABLE fts USING fts5(title, headings, body, own, content='', contentless_delete=1,
  tokenize='ascii');
CREATE TABLE terms(term TEXT PRIMARY KEY, rev TEXT NOT NULL, len INTEGER NOT NULL,
  df_title INTEGER NOT NULL DEFAULT 0, df_headings INTEGER NOT NULL DEFAULT 0, df_body INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
`;
/*
 * No FTS5 prefix index (`prefix='4'` until now): it served only prefix queries of exactly four
 * letters (a four-letter query term the index lacks), yet every token of every passage was written
 * to it, a third of a build's SQLite time at 64,000 passages. Such a query now reads the main
 * index's range of terms, measured no slower. An index saved with it still works as before.
 */
/** Made after a build's bulk insert of the vocabulary (sorting once beats inserting in order). */
const TERM_INDEXES = `
CREATE INDEX terms_len_term ON terms(len, term);
CREATE INDEX terms_len_rev ON terms(len, rev);
`;

/** Stems in a `TermScanner` byte list: one space after each. */
export function countTerms(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 32) n++;
  return n;
}

const reverse = (s: string) => [...s].reverse().join('');

export class Store {
  readonly db: Db;
  private readonly stmts;
  /**
   * Sum over passages of their distinct stems (the ranking's length of a passage's text, see
   * ./local-rank.ts), kept current by put and remove; saved in `meta` by `saveCounts`.
   */
  distinctTotal = 0;

  private constructor(db: Db) {
    this.db = db;
    this.stmts = {
      insertPassage: db.prepare(
        'INSERT INTO passages(path, id, title, heading_path, anchor, text, distinct_terms, title_terms, heading_terms, body_terms, usage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertFts: db.prepare('INSERT INTO fts(rowid, title, headings, body, own) VALUES (?, ?, ?, ?, ?)'),
      insertTerm: db.prepare('INSERT OR IGNORE INTO terms(term, rev, len) VALUES (?, ?, ?)'),
      insertTermDf: db.prepare('INSERT INTO terms(term, rev, len, df_title, df_headings, df_body) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertFile: db.prepare('INSERT OR REPLACE INTO files(path, size, mtime, sha256) VALUES (?, ?, ?, ?)'),
      rowidsOf: db.prepare('SELECT rowid FROM passages WHERE path = ?').pluck(),
      usageOf: db.prepare('SELECT rowid FROM passages WHERE path = ? AND usage = 1 ORDER BY rowid LIMIT ?').pluck(),
      headingsOf: db.prepare('SELECT rowid, heading_path FROM passages WHERE path = ? ORDER BY rowid').raw(),
      distinctOf: db.prepare(
        "SELECT total(length(CAST(distinct_terms AS TEXT)) - length(replace(CAST(distinct_terms AS TEXT), ' ', ''))) FROM passages WHERE path = ?",
      ).pluck(),
      deleteFts: db.prepare('DELETE FROM fts WHERE rowid = ?'),
      deletePassages: db.prepare('DELETE FROM passages WHERE path = ?'),
      deleteFile: db.prepare('DELETE FROM files WHERE path = ?'),
      count: db.prepare('SELECT count(*) FROM passages').pluck(),
      files: db.prepare('SELECT path, size, mtime AS mtimeMs, sha256 FROM files ORDER BY path'),
      touch: db.prepare('UPDATE files SET size = ?, mtime = ? WHERE path = ?'),
      // Many rows in one statement (a query's candidates): one step into SQLite instead of fifty.
      rankFieldsMany: db.prepare(
        'SELECT rowid, distinct_terms, title_terms, heading_terms, body_terms, heading_path FROM passages WHERE rowid IN (SELECT value FROM json_each(?))',
      ).raw(),
      pathsMany: db.prepare('SELECT rowid, path FROM passages WHERE rowid IN (SELECT value FROM json_each(?))').raw(),
      gateFieldsMany: db.prepare('SELECT rowid, distinct_terms, heading_path FROM passages WHERE rowid IN (SELECT value FROM json_each(?))').raw(),
      passage: db.prepare('SELECT rowid, path, id, title, heading_path, anchor, text FROM passages WHERE rowid = ?'),
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)'),
    };
  }

  /** Opens an existing index (throws if the file is missing, not a database, or has no schema). */
  static open(file: string, { readonly = false } = {}): Store {
    const db = new Database(file, { fileMustExist: true, readonly });
    try {
      db.pragma(`cache_size = -${CACHE_KIB}`);
      const store = new Store(db);
      store.meta('format'); // touches the schema: a foreign or corrupt file fails here
      store.distinctTotal = Number(store.meta('distinctTerms') ?? 0);
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Creates a fresh index at `file` (`:memory:` for none); bulk-loading settings until `finishBuild`. */
  static create(file: string): Store {
    const db = new Database(file);
    db.pragma('journal_mode = OFF'); // a half-written new file is discarded, never opened
    db.pragma('synchronous = OFF');
    db.pragma(`cache_size = -${CACHE_KIB * 4}`);
    db.exec(SCHEMA);
    // FTS5 writes a segment whenever its in-memory table of pending terms is full or a transaction
    // ends, and merges segments as they pile up; a build merges once, at the end ('optimize'), and
    // not along the way (measured: a quarter less insert time at 64,000 passages; finishBuild
    // restores the default for later in-place updates).
    db.exec(`INSERT INTO fts(fts, rank) VALUES ('automerge', 0)`);
    return new Store(db);
  }

  meta(key: string): string | undefined {
    return this.stmts.meta.get(key) as string | undefined;
  }

  setMeta(values: Record<string, string>): void {
    for (const [k, v] of Object.entries(values)) this.stmts.setMeta.run(k, v);
  }

  get passageCount(): number {
    return this.stmts.count.get() as number;
  }

  files(): StoredFile[] {
    return this.stmts.files.all() as StoredFile[];
  }

  /** Records a new size/mtime for a file whose content turned out unchanged. */
  touch(file: CorpusFile): void {
    this.stmts.touch.run(file.size, file.mtimeMs, file.path);
  }

  /**
   * Adds (or replaces) one file's passages. Call inside a transaction. A bulk build passes
   * `bulk` and writes the vocabulary once at the end (`putVocabulary`). The passages go in together
   * and in order, so a file's opening passage has its least rowid (`fileOpenings`).
   */
  put({ file, passages }: PreparedFile, { bulk = false } = {}): void {
    this.remove(file.path, { keepFile: true });
    this.stmts.upsertFile.run(file.path, file.size, file.mtimeMs, file.sha256);
    for (const p of passages) {
      const c = p.chunk;
      const { lastInsertRowid } = this.stmts.insertPassage.run(
        c.sourcePath, c.id, c.title, JSON.stringify(c.headingPath), c.anchor ?? null, c.text, p.distinct, p.title, p.headings, p.body,
        isUsagePassage(c.headingPath) ? 1 : 0,
      );
      this.stmts.insertFts.run(lastInsertRowid, p.title, p.headings, p.body, p.own);
      this.distinctTotal += countTerms(p.distinct);
      if (!bulk) for (const t of decodeTerms(p.distinct)) this.stmts.insertTerm.run(t, reverse(t), t.length);
    }
  }

  /**
   * Ends a bulk build's inserts: fills `terms` from the full-text index's own vocabulary (FTS5's
   * fts5vocab reads it in C, cheaper than collecting a Set of millions of strings in JS), with
   * each stem's document frequency per field for the ranking (./local-rank.ts), then indexes it.
   * An in-place update adds new stems with no frequencies (the ranking then asks FTS5) and leaves
   * the others as the build counted them: a few files more or less barely move a frequency.
   */
  putVocabulary(): void {
    this.db.exec('CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, fts, col)');
    // fts5vocab gives one row per (term, column) in term order: summed here as they come rather
    // than by GROUP BY, which sorted all of them again.
    const rows = this.db.prepare('SELECT term, col, doc FROM temp.vocab').raw().all() as [string, string, number][];
    const COL: Record<string, number> = { title: 1, headings: 2, body: 3 };
    let row: [string, number, number, number] | undefined;
    const write = (r: [string, number, number, number]) => this.stmts.insertTermDf.run(r[0], reverse(r[0]), r[0].length, r[1], r[2], r[3]);
    for (const [term, col, doc] of rows) {
      if (row?.[0] !== term) {
        if (row) write(row);
        row = [term, 0, 0, 0];
      }
      const i = COL[col];
      if (i !== undefined) row[i] = doc;
    }
    if (row) write(row);
    this.db.exec('DROP TABLE temp.vocab');
    this.db.exec(TERM_INDEXES);
  }

  /**
   * Removes one file's passages. Its terms stay in `terms`: a stale vocabulary entry only costs a
   * lookup that matches nothing, and the next full build drops it.
   */
  remove(path: string, { keepFile = false } = {}): void {
    this.distinctTotal -= this.stmts.distinctOf.get(path) as number;
    for (const rowid of this.stmts.rowidsOf.all(path) as number[]) this.stmts.deleteFts.run(rowid);
    this.stmts.deletePassages.run(path);
    if (!keepFile) this.stmts.deleteFile.run(path);
  }

  passage(rowid: number): StoredPassage | undefined {
    const row = this.stmts.passage.get(rowid) as
      | { rowid: number; path: string; id: string; title: string; heading_path: string; anchor: string | null; text: string }
      | undefined;
    if (!row) return undefined;
    const chunk: Chunk = {
      id: row.id,
      title: row.title,
      headingPath: JSON.parse(row.heading_path) as string[],
      sourcePath: row.path,
      text: row.text,
      ...(row.anchor ? { anchor: row.anchor } : {}),
    };
    return { rowid: row.rowid, chunk };
  }

  /** Every passage of one file, in document order: rowid and heading path. */
  headingsOf(path: string): { rowid: number; headingPath: string[] }[] {
    return (this.stmts.headingsOf.all(path) as [number, string][]).map(([rowid, h]) => ({ rowid, headingPath: JSON.parse(h) as string[] }));
  }

  /** The first `limit` usage passages of one file (./local-candidates.ts), in document order. */
  usageOf(path: string, limit: number): number[] {
    return this.stmts.usageOf.all(path, limit) as number[];
  }

  /** The source path of each of many rows. */
  pathsOf(rowids: number[]): Map<number, string> {
    return new Map(this.stmts.pathsMany.all(JSON.stringify(rowids)) as [number, string][]);
  }

  /** Saves `distinctTotal` (call in the transaction that changed it). */
  saveCounts(): void {
    this.setMeta({ distinctTerms: String(this.distinctTotal) });
  }

  /**
   * What ranking the candidates needs, in one statement (rows missing from the index are missing
   * from the map): the stems of each one's title, headings and text as the full-text index got
   * them (UTF-8, each followed by a space, repeats kept), its distinct stems, and its heading path
   * as stored (JSON), which with the fields fixes what FTS5 indexed.
   */
  rankDataMany(rowids: number[]): Map<number, { fields: FieldStems; distinct: Uint8Array; headingPath: string }> {
    const out = new Map<number, { fields: FieldStems; distinct: Uint8Array; headingPath: string }>();
    if (!rowids.length) return out;
    for (const row of this.stmts.rankFieldsMany.all(JSON.stringify(rowids)) as [number, Uint8Array, Uint8Array, Uint8Array, Uint8Array, string][]) {
      out.set(row[0], { distinct: row[1], fields: { title: row[2], headings: row[3], body: row[4] }, headingPath: row[5] });
    }
    return out;
  }

  /** What the relevance gate in JS reads of many rows: distinct stems and the heading path. */
  gateDataMany(rowids: number[]): Map<number, { distinct: Uint8Array; headingPath: string[] }> {
    const out = new Map<number, { distinct: Uint8Array; headingPath: string[] }>();
    if (!rowids.length) return out;
    for (const [rowid, distinct, headingPath] of this.stmts.gateFieldsMany.all(JSON.stringify(rowids)) as [number, Uint8Array, string][]) {
      out.set(rowid, { distinct, headingPath: JSON.parse(headingPath) as string[] });
    }
    return out;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Ends a bulk build: merges the FTS segments and makes the file durable. */
  finishBuild(): void {
    this.db.exec("INSERT INTO fts(fts) VALUES ('optimize')");
    this.db.exec("INSERT INTO fts(fts, rank) VALUES ('automerge', 4)"); // FTS5's default, for updates
    this.db.pragma('synchronous = FULL');
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * A lookup of each given passage's file's opening passage (the file's first chunk: under its
 * title, before the first section; a README's description), for ./local-semantic.ts. A file's
 * passages are inserted together and in order (`Store.put`), so its opening passage has the least
 * rowid. Asked per query for the candidates only, through the `path` index: nothing to build at
 * load time, and an index updated in place is answered as it is now.
 */
export function fileOpenings(db: Db): (rowids: readonly number[]) => Map<number, number> {
  const query = db
    .prepare('SELECT p.rowid, (SELECT min(q.rowid) FROM passages q WHERE q.path = p.path) FROM passages p WHERE p.rowid IN (SELECT value FROM json_each(?))')
    .raw();
  return (rowids) => new Map(query.all(JSON.stringify(rowids)) as [number, number][]);
}

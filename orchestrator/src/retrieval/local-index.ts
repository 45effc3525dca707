/**
 * The local retriever: an embedded BM25 full-text index over the chunked corpus, in one SQLite
 * database on disk (FTS5 through better-sqlite3; ./local-store.ts says why, bench/retrieval-scale
 * measured it against MiniSearch). The public API is what the orchestrator's retriever adapter
 * uses: `new LocalIndex(options)`, `ready()`, `load({ force })`, `retrieve(query, { top, signal })`,
 * `size`, and the exported defaults.
 *
 * Search semantics (unchanged from the MiniSearch version, see docs/orchestrator.md): terms are
 * Porter stems without stop words (../text.ts); a term of 4+ letters also matches as a prefix,
 * one of 6+ letters also with one typo; headings weigh 2, the title 1.5, running text 1, each
 * field scored as MiniSearch did (./local-rank.ts: FTS5 finds the candidates, that module orders
 * them); and the relevance gate (./local-gate.ts) returns nothing for a question the docs do not cover.
 *
 * Persistence: `<indexDir>/local/index.sqlite` holds the passages, the full-text index and the
 * manifest (every source file's path, size, mtime and SHA-256). On start, files whose size and
 * mtime match are trusted without being read; any other file is hashed, and only a real content
 * change counts. Changed, added and removed files are applied in one transaction, leaving the
 * rest of the index as it is; a new chunker or index format, or a change to most of the corpus,
 * rebuilds into a new file that replaces the old one by rename (./local-build.ts). A crash at any point leaves a
 * consistent index. `<indexDir>/local/manifest.json` is a human-readable summary, nothing reads it
 * (./local-manifest.ts compares the corpus with the saved manifest and writes that summary).
 */
import { join } from 'node:path';
import type { Passage, RetrieveOptions, Retriever } from '../seams.js';
import { CHUNKER_VERSION, DEFAULT_CHUNK_OPTIONS, type Chunk, type ChunkOptions } from '../ingest/chunk.js';
import { queryTerms } from '../text.js';
import { paraphrases } from '../paraphrase.js';
import type { PreparedFile } from './local-prepare.js';
import { prepareFiles } from './local-prepare-pool.js';
import { buildStore, DB_FILE } from './local-build.js';
import { CandidateCollector } from './local-candidates.js';
import { matchExpressions, QueryPlanner } from './local-query.js';
import { gateRule, knownShare, requiredMatches } from './local-gate.js';
import { Store } from './local-store.js';
import { diffCorpus, writeSummary, type Diff } from './local-manifest.js';
import { Ranker } from './local-rank.js';
import { NamedDocuments } from './local-named.js';
import type { Embedder } from './embedder.js';
import { SemanticSearch } from './local-semantic.js';
import { windowTexts, type Similarities } from './local-vectors.js';

export { DEFAULT_MIN_MATCHED_TERMS, DEFAULT_MIN_TERM_COVERAGE, NEAR_WINDOW } from './local-gate.js';
export const DEFAULT_TOP = 5;

/** Bump when the index's fields, boosts or term processing change: persisted indexes rebuild. */
export const INDEX_FORMAT_VERSION = 8;

/** Column weights of bm25() in the order of the fts table's columns: title, headings, body, own. */
const BM25_WEIGHTS = '1.5, 2, 1, 0';

/** An update touching more than this share of the corpus's bytes rebuilds instead (faster in bulk). */
const REBUILD_SHARE = 0.5;

export interface LocalIndexOptions {
  /** Folder of Markdown/text documents. */
  corpusDir: string;
  /** Where to persist the index; omit to keep it in memory only. */
  indexDir?: string;
  /** When set, a passage's url = base + sourcePath (+ `#heading-slug`). */
  sourceUrlBase?: string;
  /** Relevance gate: share of the query's content terms a passage must match (0–1). */
  minTermCoverage?: number;
  /** Relevance gate: least number of matched terms (capped at the query's term count). */
  minMatchedTerms?: number;
  chunk?: ChunkOptions;
  log?: (line: string) => void;
  /**
   * Called as files are indexed during a build or an update (`done` of `total` files to index),
   * e.g. for a progress bar; not called when the saved index is current.
   */
  onProgress?: (done: number, total: number) => void;
  /** Called as passages are embedded (`done` of `total` without a vector yet), after the files. */
  onEmbedProgress?: (done: number, total: number) => void;
  /** Worker threads for chunking a large build; default: one per core (at most 4); 0 = none. */
  threads?: number;
  /**
   * Semantic search beside the keywords (./local-semantic.ts): an embedder, or a function that
   * loads one when the index first loads (EmbedderUnavailable: logged once, keyword-only).
   */
  embedder?: Embedder | (() => Promise<Embedder>);
  /** How long a load waits for the embedder before serving keywords alone meanwhile; default 20 s. */
  embedderWaitMs?: number;
}

export interface LocalIndexStats {
  /** `loaded` from disk as saved, `updated` in place for changed files, or `built` from the corpus. */
  source: 'built' | 'loaded' | 'updated';
  /** Why it was built or updated (`no saved index`, `changed: guide.md`, `forced`, …). */
  reason?: string;
  files: number;
  passages: number;
  ms: number;
}

export class LocalIndex implements Retriever {
  readonly name = 'local';
  private readonly opts: LocalIndexOptions & { chunk: Required<ChunkOptions> };
  private store?: Store;
  private planner?: QueryPlanner;
  private candidates?: CandidateCollector;
  private named?: NamedDocuments;
  private count = 0;
  private loading?: Promise<void>;
  private readonly semanticSearch?: SemanticSearch;
  stats?: LocalIndexStats;

  constructor(options: LocalIndexOptions) {
    this.opts = { ...options, chunk: { ...DEFAULT_CHUNK_OPTIONS, ...options.chunk } };
    if (options.embedder) {
      const { log, onEmbedProgress: onProgress, embedderWaitMs: waitMs } = options;
      this.semanticSearch = new SemanticSearch(options.embedder, { log, onProgress, waitMs });
    }
  }

  get size(): number {
    return this.count;
  }

  /** Loads the saved index when it matches the corpus, else updates or builds it. Memoised. */
  ready(): Promise<void> {
    const loading = (this.loading ??= this.load().then(
      () => undefined,
      (err: unknown) => {
        this.loading = undefined; // let a later call retry
        throw err;
      },
    ));
    return loading;
  }

  /**
   * Brings the index up to date with the corpus now: applies changed, added and removed files
   * (also while serving: call it again after the docs change); `force` rebuilds everything.
   */
  async load({ force = false }: { force?: boolean } = {}): Promise<LocalIndexStats> {
    const stats = await this.loadPassages(force);
    if (this.store) await this.semanticSearch?.attach(this.store.db);
    return stats;
  }

  private async loadPassages(force: boolean): Promise<LocalIndexStats> {
    const started = performance.now();
    const { indexDir } = this.opts;
    let reason = force ? 'forced' : 'no index directory configured';
    if (!force) {
      const opened = this.store ?? (indexDir ? this.openSaved(indexDir) : undefined);
      if (opened instanceof Store) {
        try {
          const diff = await diffCorpus(this.opts.corpusDir, opened.files());
          const stats = await this.applyDiff(opened, diff, started);
          if (stats) return stats;
          reason = `${diff.reasons.slice(0, 3).join(', ')}${diff.reasons.length > 3 ? `, and ${diff.reasons.length - 3} more` : ''}`;
        } catch (err) {
          reason = `saved index unusable (${(err as Error).message})`;
        }
      } else if (typeof opened === 'string') {
        reason = opened;
      }
    }
    return this.build(reason, started);
  }

  /** Closes the database. `retrieve` and `load` reopen it. */
  close(): void {
    this.store?.close();
    this.store = undefined;
    this.planner = undefined;
    this.candidates = undefined;
    this.named = undefined;
    this.semanticSearch?.detach();
    this.loading = undefined;
  }

  /** Whether semantic search is on (the embedder loaded and the passages embedded). */
  get semantic(): boolean {
    return this.semanticSearch?.on ?? false;
  }

  /** How many of `n` distinct query terms a passage must match to be relevant (./local-gate.ts). */
  requiredMatches(n: number): number {
    return requiredMatches(n, this.opts);
  }

  /**
   * `namedSections: false` leaves out the gate's last tier (./local-gate.ts), for a search whose
   * words are partly context (./local-retriever.ts): a section named for a context word is not
   * what is asked.
   */
  async retrieve(query: string, options: RetrieveOptions & { namedSections?: boolean } = {}): Promise<Passage[]> {
    options.signal?.throwIfAborted();
    if (!this.store) await this.ready();
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    // The relevance gate (./local-gate.ts): enough of the terms, or of a section's own heading.
    const also = paraphrases(query);
    const groups = terms.map((t) => this.planner!.group(t, also.get(t)));
    const rule = gateRule(groups, { ...this.opts, namedSections: options.namedSections });
    const top = options.top ?? DEFAULT_TOP;
    const live = groups.filter((g) => g.live);
    const match = top > 0 ? matchExpressions(live, rule) : undefined;
    // Candidates (./local-candidates.ts): the best that pass the gate, ordered by the per-field
    // score, and the leading file's usage example when the gate or the ranking left it out.
    let picked: { rowid: number; score: number; companion?: boolean }[] = match ? this.candidates!.collect(live, match, rule, top, options.signal) : [];
    let similarity: Similarities | undefined;
    if (this.semanticSearch?.on && top > 0) {
      // Fused: a passage's score is its reciprocal rank in the fused order.
      const fused = await this.semanticSearch.fuse(query, picked.map((c) => c.rowid), top, { signal: options.signal, knownShare: knownShare(groups) });
      const rowids = fused.rowids;
      // The usage companion is placed, not ranked (./local-candidates.ts): ranked by fusion, it
      // would lose its place to any passage near in meaning, and with it the call a how-to
      // answer quotes (`semver.satisfies(…)`). It keeps the last place.
      // Nothing fused from keyword matches: refused by meaning (./local-semantic.ts), companion too.
      const companion = rowids.length ? picked.find((c) => c.companion)?.rowid : undefined;
      if (companion !== undefined && !rowids.includes(companion)) {
        if (rowids.length >= top) rowids.pop();
        rowids.push(companion);
      }
      picked = rowids.map((rowid, rank) => ({ rowid, score: 1 / (rank + 1) }));
      similarity = fused.similarity;
    }
    const out: Passage[] = [];
    for (const { rowid, score } of picked) {
      const stored = this.store!.passage(rowid);
      if (stored) out.push(this.toPassage(stored.chunk, score, similarity?.of(rowid), similarity?.windows(rowid)));
    }
    // A question that names its document is answered from it (./local-named.ts).
    return this.named!.keep(out, terms);
  }

  private toPassage(chunk: Chunk, score: number, similarity?: number, perWindow?: Float32Array): Passage {
    const { anchor, ...rest } = chunk;
    const base = this.opts.sourceUrlBase;
    const url = base ? `${base}${chunk.sourcePath}${anchor ? `#${anchor}` : ''}` : undefined;
    const texts = perWindow ? windowTexts(chunk.text) : [];
    const windows = perWindow && texts.length === perWindow.length ? texts.map((text, i) => ({ text, similarity: perWindow[i]! })) : undefined;
    return { ...rest, ...(url ? { url } : {}), score, ...(similarity !== undefined ? { similarity } : {}), ...(windows ? { windows } : {}) };
  }

  private install(store: Store): void {
    if (this.store !== store) this.store?.close();
    this.store = store;
    this.planner = new QueryPlanner(store.db);
    const ranker = new Ranker(store);
    this.named = new NamedDocuments(store.db, (stem) => ranker.isTitleName(stem));
    // bm25() called directly, not FTS5's `rank` column: ORDER BY rank makes FTS5 run the query
    // through a second, internal statement, which measured about twice the cost at 64,000
    // passages. Same function and weights, so the same order; ties go by rowid, as they did.
    this.candidates = new CandidateCollector(
      store,
      ranker,
      store.db.prepare<[string, number], { rowid: number; score: number }>(
        `SELECT rowid, bm25(fts, ${BM25_WEIGHTS}) AS score FROM fts WHERE fts MATCH ? ORDER BY score, rowid LIMIT ?`,
      ),
      store.db.prepare<[string, number], number>('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid LIMIT ?').pluck(),
    );
    this.count = store.passageCount;
  }

  /** The saved index if it can serve this corpus, else why not. */
  private openSaved(indexDir: string): Store | string {
    let store: Store;
    try {
      store = Store.open(join(indexDir, 'local', DB_FILE));
    } catch (err) {
      const code = (err as { code?: string }).code;
      return code === 'SQLITE_CANTOPEN' || /does not exist/.test((err as Error).message) ? 'no saved index' : 'saved index unreadable';
    }
    const expected = this.metaValues();
    for (const key of ['format', 'chunker', 'chunkOptions'] as const) {
      if (store.meta(key) !== expected[key]) {
        store.close();
        return 'index format or chunker changed';
      }
    }
    if (store.meta('corpusDir') !== expected.corpusDir) {
      store.close();
      return 'different corpus folder';
    }
    return store;
  }

  private metaValues() {
    return {
      format: String(INDEX_FORMAT_VERSION),
      chunker: String(CHUNKER_VERSION),
      chunkOptions: JSON.stringify(this.opts.chunk),
      corpusDir: this.opts.corpusDir,
    };
  }

  /** Applies a diff in place; `undefined` when a full build is the better (or only) way. */
  private async applyDiff(store: Store, diff: Diff, started: number): Promise<LocalIndexStats | undefined> {
    const changedBytes = diff.put.reduce((n, f) => n + f.size, 0);
    const totalBytes = diff.listed.reduce((n, f) => n + f.size, 0);
    if (diff.put.length && changedBytes > totalBytes * REBUILD_SHARE && diff.put.length > 1) return undefined;
    const changes = diff.put.length + diff.removed.length;
    if (diff.touched.length) {
      // Remember the new mtimes so the next start needn't hash again; best effort, as the index may
      // have been baked into a read-only image (the container runs as another user than built it).
      try {
        store.transaction(() => diff.touched.forEach((f) => store.touch(f)));
      } catch {}
    }
    if (changes) {
      const prepared: PreparedFile[] = [];
      let done = 0;
      for await (const p of prepareFiles(this.opts.corpusDir, diff.put, { chunk: this.opts.chunk, threads: this.opts.threads })) {
        prepared.push(p);
        this.opts.onProgress?.(++done, diff.put.length);
      }
      try {
        store.transaction(() => {
          for (const path of diff.removed) store.remove(path);
          for (const p of prepared) store.put(p);
          store.saveCounts();
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'SQLITE_READONLY') return undefined; // read-only image: rebuild into memory
        throw err;
      }
    }
    this.install(store);
    const source = changes ? 'updated' : 'loaded';
    this.stats = {
      source,
      ...(changes ? { reason: diff.reasons.slice(0, 3).join(', ') + (diff.reasons.length > 3 ? `, and ${diff.reasons.length - 3} more` : '') } : {}),
      files: diff.listed.length,
      passages: this.count,
      ms: performance.now() - started,
    };
    if (changes) {
      this.opts.log?.(`local index updated (${this.stats.reason}): ${this.stats.files} files, ${this.count} passages`);
      if (this.opts.indexDir) await this.writeSummary(this.opts.indexDir, store).catch(() => {});
    }
    return this.stats;
  }

  private async build(reason: string, started: number): Promise<LocalIndexStats> {
    const { corpusDir, indexDir, chunk, threads, log, onProgress } = this.opts;
    const { store, files } = await buildStore({
      corpusDir,
      indexDir,
      chunk,
      threads,
      log,
      onProgress,
      meta: this.metaValues(),
      saved: (s) => this.writeSummary(indexDir!, s),
    });
    this.install(store);
    this.stats = { source: 'built', reason, files, passages: this.count, ms: performance.now() - started };
    this.opts.log?.(`local index built (${reason}): ${files} files, ${this.count} passages`);
    return this.stats;
  }

  private writeSummary(indexDir: string, store: Store): Promise<void> {
    const { corpusDir, chunk } = this.opts;
    return writeSummary(indexDir, store, { database: DB_FILE, indexFormat: INDEX_FORMAT_VERSION, chunkerVersion: CHUNKER_VERSION, chunkOptions: chunk, corpusDir });
  }
}

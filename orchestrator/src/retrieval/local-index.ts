/**
 * The local retriever: an embedded BM25 full-text index over the chunked corpus, persisted on disk.
 *
 * Why MiniSearch rather than Orama (both maintained, both BM25; measured by
 * `node bench/retrieval.bench.mjs` on this repository's docs/ — figures in the orchestrator README):
 *  - Relevance gate. We must return NOTHING for a question the docs don't cover, which means
 *    knowing which of the question's terms each hit matched. MiniSearch reports that per result
 *    (`queryTerms`, after prefix/fuzzy expansion); Orama only offers a global `threshold`
 *    (all terms vs. any term), so we'd have to re-tokenise every hit ourselves.
 *  - Per-term prefix and fuzzy control (callbacks by term length): "mount" finds "mounting",
 *    a typo in "configuration" is forgiven, but "cup" does not fuzzily become "cap".
 *  - Persistence is plain `JSON.stringify(index)` / `MiniSearch.loadJSON`, synchronous, no plugin.
 *  - Zero dependencies, synchronous API, smaller install; both are far faster than we need on a
 *    docs-sized corpus (the bench prints build time and query p50/p99 for both, with the ratio).
 *
 * Persistence: `<indexDir>/local/` holds `manifest.json` (every source file's path, size, mtime and
 * SHA-256, the chunker version and the index options), `passages.json` and `index.json`. On start,
 * files whose size and mtime match the manifest are trusted without being read; any other file is
 * hashed, and only a real content change (or an added/removed file, or a new chunker version)
 * triggers a rebuild. So a restart with unchanged docs loads in milliseconds instead of re-indexing.
 */
import MiniSearch, { type SearchResult } from 'minisearch';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Passage, RetrieveOptions, Retriever } from '../seams.js';
import { CHUNKER_VERSION, DEFAULT_CHUNK_OPTIONS, type Chunk, type ChunkOptions } from '../ingest/chunk.js';
import { chunkCorpus, listCorpusFiles, sha256, type CorpusFile } from '../ingest/corpus.js';
import { contentTerms, FUZZY_MIN_LENGTH, normalizeTerm, PREFIX_MIN_LENGTH, queryTerms, words } from '../text.js';

/** A passage must match at least this share (rounded up) of the query's distinct content terms. */
export const DEFAULT_MIN_TERM_COVERAGE = 0.5;
/**
 * …and at least this many of them (capped at the query's term count). Without it a two-term
 * question ("speed of light", "meaning of life") passes on one generic word that the docs
 * happen to use ("lightweight" by prefix, a "meaning" table header).
 */
export const DEFAULT_MIN_MATCHED_TERMS = 2;
export const DEFAULT_TOP = 5;

/** Bump when the index's fields, boosts or term processing change: persisted indexes rebuild. */
export const INDEX_FORMAT_VERSION = 4;

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
}

export interface LocalIndexStats {
  /** `loaded` from disk, or `built` from the corpus. */
  source: 'built' | 'loaded';
  /** Why it was built (`no saved index`, `changed: guide.md`, `forced`, …). */
  reason?: string;
  files: number;
  passages: number;
  ms: number;
}

interface ManifestFile extends CorpusFile {
  sha256: string;
}

interface Manifest {
  format: number;
  chunkerVersion: number;
  indexFormat: number;
  chunkOptions: Required<ChunkOptions>;
  corpusDir: string;
  buildId: string;
  builtAt: string;
  passages: number;
  files: ManifestFile[];
}

const MANIFEST_FORMAT = 1;

interface IndexedDoc {
  id: string;
  title: string;
  headings: string;
  text: string;
}

/** MiniSearch options; must be identical when building and when loading a saved index. */
const MINISEARCH_OPTIONS = {
  idField: 'id',
  fields: ['title', 'headings', 'text'],
  storeFields: [] as string[],
  tokenize: (text: string) => words(text),
  processTerm: (term: string) => normalizeTerm(term),
  searchOptions: {
    // Headings name a passage's topic and the title names the document's: a match there is
    // worth more than one in running text.
    boost: { headings: 2, title: 1.5 },
    prefix: (term: string) => term.length >= PREFIX_MIN_LENGTH,
    fuzzy: (term: string) => (term.length >= FUZZY_MIN_LENGTH ? 1 : false),
    combineWith: 'OR' as const,
  },
};

/** Search options for query terms that are already normalised stems. */
const AS_IS = { tokenize: (q: string) => q.split(' '), processTerm: (t: string) => t };

export class LocalIndex implements Retriever {
  readonly name = 'local';
  private readonly opts: LocalIndexOptions & { chunk: Required<ChunkOptions> };
  private search?: MiniSearch<IndexedDoc>;
  private passages = new Map<string, Chunk>();
  /** Content terms of each passage's own heading, computed on first need. */
  private headingTerms = new Map<string, Set<string>>();
  private loading?: Promise<void>;
  stats?: LocalIndexStats;

  constructor(options: LocalIndexOptions) {
    this.opts = { ...options, chunk: { ...DEFAULT_CHUNK_OPTIONS, ...options.chunk } };
  }

  get size(): number {
    return this.passages.size;
  }

  /** Loads the saved index when it matches the corpus, else builds (and saves) it. Memoised. */
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

  /** Loads or builds now; `force` rebuilds even when the saved index is current. */
  async load({ force = false }: { force?: boolean } = {}): Promise<LocalIndexStats> {
    const started = performance.now();
    const { indexDir } = this.opts;
    let reason = force ? 'forced' : 'no index directory configured';
    if (indexDir && !force) {
      const verdict = await this.checkSaved(indexDir);
      if (verdict.ok) {
        try {
          const [passagesJson, indexJson] = await Promise.all([
            readFile(join(indexDir, 'local', 'passages.json'), 'utf8'),
            readFile(join(indexDir, 'local', 'index.json'), 'utf8'),
          ]);
          const saved = JSON.parse(passagesJson) as { buildId: string; passages: Chunk[] };
          if (saved.buildId !== verdict.manifest.buildId) throw new Error('passages do not match manifest');
          this.install(MiniSearch.loadJSON<IndexedDoc>(indexJson, MINISEARCH_OPTIONS), saved.passages);
          this.stats = {
            source: 'loaded',
            files: verdict.manifest.files.length,
            passages: this.passages.size,
            ms: performance.now() - started,
          };
          return this.stats;
        } catch {
          reason = 'saved index unreadable';
        }
      } else {
        reason = verdict.reason;
      }
    }

    const corpus = await chunkCorpus(this.opts.corpusDir, this.opts.chunk);
    const search = new MiniSearch<IndexedDoc>(MINISEARCH_OPTIONS);
    search.addAll(corpus.chunks.map(toIndexedDoc));
    this.install(search, corpus.chunks);
    if (indexDir) {
      // A read-only file system must not stop the service: it then just re-indexes at each start.
      await this.save(indexDir, corpus.files, corpus.chunks, search).catch((err: NodeJS.ErrnoException) =>
        this.opts.log?.(`local index: warning: could not save to ${indexDir} (${err.code ?? err.message}); it will be rebuilt at the next start`),
      );
    }
    this.stats = {
      source: 'built',
      reason,
      files: corpus.files.length,
      passages: corpus.chunks.length,
      ms: performance.now() - started,
    };
    this.opts.log?.(`local index built (${reason}): ${corpus.files.length} files, ${corpus.chunks.length} passages`);
    return this.stats;
  }

  /** How many of `n` distinct query terms a passage must match to be relevant. */
  requiredMatches(n: number): number {
    const floor = this.opts.minMatchedTerms ?? DEFAULT_MIN_MATCHED_TERMS;
    return Math.min(n, Math.max(floor, Math.ceil(n * this.coverage)));
  }

  private get coverage(): number {
    return this.opts.minTermCoverage ?? DEFAULT_MIN_TERM_COVERAGE;
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<Passage[]> {
    options.signal?.throwIfAborted();
    if (!this.search) await this.ready();
    const search = this.search!;
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const required = this.requiredMatches(terms.length);
    // A passage whose own heading names one of the terms is about it, so the share alone suffices
    // there: "How is authentication configured?" finds the "Authentication" section even if that
    // section never says "configure". Only its own (last) heading: a parent heading groups
    // subsections and says little about each ("recipe for lasagna" must not find "Recipes ›
    // React 19" on "recipe" alone).
    const onTopicRequired = Math.min(terms.length, Math.ceil(terms.length * this.coverage));
    const top = options.top ?? DEFAULT_TOP;
    const out: Passage[] = [];
    // The terms are already normalised (stop words out, stemmed): search them as they are, not
    // through processTerm again (a stem is not always a word: "uses" → "us" is a stop word).
    for (const hit of search.search(terms.join(' '), AS_IS)) {
      const matched = distinctCount(hit);
      const chunk = this.passages.get(String(hit.id));
      if (!chunk) continue;
      if (matched < required && !(matched >= onTopicRequired && this.matchesOwnHeading(hit, chunk))) continue;
      out.push(this.toPassage(chunk, hit.score));
      if (out.length >= top) break;
    }
    return out;
  }

  /** Did the hit match, in the headings field, a term of the passage's own (last) heading? */
  private matchesOwnHeading(hit: SearchResult, chunk: Chunk): boolean {
    let own = this.headingTerms.get(chunk.id);
    if (!own) {
      own = new Set(contentTerms(chunk.headingPath.at(-1) ?? ''));
      this.headingTerms.set(chunk.id, own);
    }
    for (const [docTerm, fields] of Object.entries(hit.match)) {
      if (fields.includes('headings') && own.has(docTerm)) return true;
    }
    return false;
  }

  private toPassage(chunk: Chunk, score: number): Passage {
    const { anchor, ...rest } = chunk;
    const base = this.opts.sourceUrlBase;
    const url = base ? `${base}${chunk.sourcePath}${anchor ? `#${anchor}` : ''}` : undefined;
    return { ...rest, ...(url ? { url } : {}), score };
  }

  private install(search: MiniSearch<IndexedDoc>, chunks: Chunk[]): void {
    this.search = search;
    this.passages = new Map(chunks.map((c) => [c.id, c]));
    this.headingTerms.clear();
  }

  private async checkSaved(indexDir: string): Promise<{ ok: true; manifest: Manifest } | { ok: false; reason: string }> {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(indexDir, 'local', 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      return { ok: false, reason: 'no saved index' };
    }
    if (
      manifest.format !== MANIFEST_FORMAT ||
      manifest.chunkerVersion !== CHUNKER_VERSION ||
      manifest.indexFormat !== INDEX_FORMAT_VERSION ||
      JSON.stringify(manifest.chunkOptions) !== JSON.stringify(this.opts.chunk)
    ) {
      return { ok: false, reason: 'index format or chunker changed' };
    }
    if (manifest.corpusDir !== this.opts.corpusDir) return { ok: false, reason: 'different corpus folder' };
    const current = await listCorpusFiles(this.opts.corpusDir);
    const saved = new Map(manifest.files.map((f) => [f.path, f]));
    if (current.length !== saved.size) return { ok: false, reason: 'files added or removed' };
    let touched = false;
    for (const file of current) {
      const old = saved.get(file.path);
      if (!old) return { ok: false, reason: `added: ${file.path}` };
      if (old.size === file.size && old.mtimeMs === file.mtimeMs) continue;
      // Size or mtime moved: only the content decides (a `touch` or a checkout must not re-index).
      const buf = await readFile(join(this.opts.corpusDir, ...file.path.split('/')));
      if (sha256(buf) !== old.sha256) return { ok: false, reason: `changed: ${file.path}` };
      old.size = file.size;
      old.mtimeMs = file.mtimeMs;
      touched = true;
    }
    // Remember the new mtimes so the next start needn't hash again; best effort, as the index may
    // have been baked into a read-only image (the container runs as another user than built it).
    if (touched) await writeAtomic(join(indexDir, 'local', 'manifest.json'), JSON.stringify(manifest)).catch(() => {});
    return { ok: true, manifest };
  }

  private async save(indexDir: string, files: ManifestFile[], chunks: Chunk[], search: MiniSearch<IndexedDoc>) {
    const dir = join(indexDir, 'local');
    await mkdir(dir, { recursive: true });
    const buildId = `${Date.now().toString(36)}-${sha256(files.map((f) => f.sha256).join()).slice(0, 12)}`;
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      chunkerVersion: CHUNKER_VERSION,
      indexFormat: INDEX_FORMAT_VERSION,
      chunkOptions: this.opts.chunk,
      corpusDir: this.opts.corpusDir,
      buildId,
      builtAt: new Date().toISOString(),
      passages: chunks.length,
      files,
    };
    // Data first, manifest last: a crash in between leaves a manifest whose buildId does not match
    // the data, which the next start detects and rebuilds.
    await writeAtomic(join(dir, 'passages.json'), JSON.stringify({ buildId, passages: chunks }));
    await writeAtomic(join(dir, 'index.json'), JSON.stringify(search));
    await writeAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  }
}

function toIndexedDoc(chunk: Chunk): IndexedDoc {
  return { id: chunk.id, title: chunk.title, headings: chunk.headingPath.join('\n'), text: chunk.text };
}

function distinctCount(hit: SearchResult): number {
  return new Set(hit.queryTerms).size;
}

async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

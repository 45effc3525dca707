/**
 * The local index's semantic search as a whole (docs/orchestrator.md, "Semantic search"): getting
 * the embedder, keeping the index's vectors in step (./local-vectors.ts), and fusing the nearest
 * passages with the keyword candidates. ./local-index.ts holds one and asks it two things: `attach`
 * after each load, `fuse` for each query.
 *
 * A first start downloads the model, which on a slow network takes minutes. The index does not
 * wait that long to serve: past `waitMs` it answers with keywords alone, and switches to semantic
 * search by itself once the model has loaded and the passages are embedded (both logged).
 * Rejected: waiting without limit (the demo would not start on a bad network), giving up at the
 * deadline (a slow first download would never be used).
 */
import { EmbedderUnavailable, type Embedder } from './embedder.js';
import { fileOpenings, type Db } from './local-store.js';
import { fuseRanks, VectorSet, type Similarities } from './local-vectors.js';

/*
 * Fusion settings, chosen on the tuning sets only (tune, tune2 and the docs eval;
 * orchestrator/eval/TUNING.md has the sweep): twice `top` semantic candidates are fused with `top` keyword
 * ones. With passages embedded in windows (all-MiniLM-L6-v2), the off-topic questions the keyword
 * gate refused came no closer than 0.37 to any passage on the READMEs and 0.447 on docs/ (the docs
 * eval's off-10), and the answerable ones it refused that 0.45 still answers reach 0.454 to 0.54:
 * the margin is thin, and measured (orchestrator/eval/TUNING.md). The floor keeps the barely related out of
 * a keyword answer.
 */
/** Least cosine similarity for a semantic candidate beside keyword matches. */
const DENSE_FLOOR = 0.25;
/** Least cosine similarity for a semantic candidate when no passage passed the keyword gate. */
const DENSE_ALONE = 0.45;
/**
 * …and when most of the question's words are words the documents use (`FuseOptions.knownShare`
 * over a half). A question in the documents' own vocabulary whose words no one passage holds
 * half of ("cap how big an incoming body is allowed to be": `limit`, "larger than this limit") is
 * about them more likely than one in other words; an off-topic question is mostly words the
 * documents never use ("voice input with speech recognition"). Measured on the tuning sets
 * (orchestrator/eval/TUNING.md): the off-topic questions the gate refuses with most of their words known
 * come no closer than 0.367 (drywall); at 0.35 that one is answered, from 0.36 to 0.40 none is.
 */
const DENSE_ALONE_KNOWN = 0.4;
/**
 * Least cosine similarity of the nearest passage for a question the keyword gate let through that
 * has a word the documents never use (`FuseOptions.knownShare` under 1; a number does not count).
 * Its known words can all be generic ("How often should I rotate the tyres on my car?": `often`
 * and `rotate`, in a log-rotation section), and what it is about is then the words the documents
 * lack; an answerable question with a word the documents lack is still near in meaning to what
 * answers it. Measured on the tuning sets (orchestrator/eval/TUNING.md): the off-topic questions it lets
 * through come no nearer than 0.259 to 0.355 (three of them; two more reach 0.418 and 0.440 and
 * are still answered), the answerable ones that pass from 0.408. Rejected: a floor for every
 * question (one passing answerable question reaches only 0.269, with all its words known).
 */
const NEAR_FOR_UNKNOWN = 0.38;
/**
 * Weight of the third ranking fused, the candidates ordered by how near in meaning their file's
 * opening passage is (`fuse`). Swept on the tuning sets (orchestrator/eval/TUNING.md): 0.15 to 0.35 gave
 * the same answers on the READMEs; 0.5 and 1 lost docs-eval questions.
 */
const FILE_WEIGHT = 0.25;
/** How long a load waits for the embedder before serving keywords alone meanwhile. */
export const DEFAULT_EMBEDDER_WAIT_MS = 20_000;

export interface FuseOptions {
  signal?: AbortSignal;
  /** Share of the question's words the index has (or a variant of), 0–1 (see DENSE_ALONE_KNOWN). */
  knownShare?: number;
}

export interface SemanticOptions {
  log?: (line: string) => void;
  /** Passages embedded so far (`done` of `total` without a vector yet). */
  onProgress?: (done: number, total: number) => void;
  waitMs?: number;
}

export class SemanticSearch {
  private embedder?: Promise<Embedder | undefined>;
  private vectors?: VectorSet;
  /** Each candidate's file's opening passage, looked up in the loaded database (`fileOpenings`). */
  private openingsOf?: ReturnType<typeof fileOpenings>;
  private waiting?: Promise<void>;

  constructor(
    private readonly source: Embedder | (() => Promise<Embedder>),
    private readonly opts: SemanticOptions = {},
  ) {}

  /** Whether queries are searched by meaning (the model loaded, the passages embedded). */
  get on(): boolean {
    return (this.vectors?.size ?? 0) > 0;
  }

  /**
   * Embeds the passages of `db` that have no vector yet and searches them from then on. Waits
   * for the embedder at most `waitMs`; past that it returns, and finishes in the background.
   */
  async attach(db: Db): Promise<void> {
    this.embedder ??= (typeof this.source === 'function' ? this.source() : Promise.resolve(this.source)).catch((err: unknown) => {
      if (!(err instanceof EmbedderUnavailable)) {
        this.embedder = undefined; // not merely missing: a later load tries again
        throw err;
      }
      this.opts.log?.(`local index: keyword search only: ${err.message} (docs/orchestrator.md, "Semantic search")`);
      return undefined;
    });
    const pending = this.embedder;
    const waitMs = this.opts.waitMs ?? DEFAULT_EMBEDDER_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = Symbol('late');
    const embedder = await Promise.race([pending, new Promise<typeof late>((r) => (timer = setTimeout(() => r(late), waitMs)))]).finally(() => clearTimeout(timer));
    if (embedder !== late) {
      if (embedder) await this.embed(db, embedder);
      return;
    }
    this.opts.log?.(`local index: keyword search until the embedding model has loaded (not ready after ${Math.round(waitMs / 1000)} s; a first start downloads it)`);
    this.waiting ??= pending
      .then(async (e) => {
        if (!e || !db.open) return;
        await this.embed(db, e);
        this.opts.log?.('local index: semantic search on');
      })
      .catch((err: unknown) => this.opts.log?.(`local index: keyword search only: ${(err as Error).message}`))
      .finally(() => (this.waiting = undefined));
  }

  /** Forgets the vectors (the index closed its database). */
  detach(): void {
    this.vectors = undefined;
    this.openingsOf = undefined;
  }

  /**
   * The keyword candidates fused with the passages nearest in meaning, and how near in meaning
   * each passage is (`similarity`, for the answerer: ../answer/extractive.ts). The keyword gate
   * still decides whether the corpus covers the question at all: when it refused (`keyword`
   * empty), only a passage at least DENSE_ALONE similar answers (DENSE_ALONE_KNOWN when most of
   * the question's words are the documents'); otherwise passages under DENSE_FLOOR take no part,
   * and a question with a word the documents never use gets nothing unless a passage is at least
   * NEAR_FOR_UNKNOWN similar.
   *
   * A third ranking joins at FILE_WEIGHT: the same candidates ordered by how near in meaning their
   * file's opening passage is (its title and what it says it is for: a README's "Timeout a promise
   * after a specified amount of time"). A question that does not name the package it is about
   * ("make a promise reject if it takes too long") shares words with several READMEs, and the file
   * whose opening is nearest is more often the one meant. Rejected: a prior by how many results a
   * file holds (orchestrator/eval/TUNING.md), which follows the words, not the meaning.
   */
  async fuse(query: string, keyword: number[], top: number, { signal, knownShare }: FuseOptions = {}): Promise<{ rowids: number[]; similarity?: Similarities }> {
    const vectors = this.vectors;
    if (!vectors || top <= 0) return { rowids: keyword };
    const [vector] = await vectors.embedder.embed([query], 'query', signal);
    const similarity = vectors.similarities(vector!);
    const floor = keyword.length ? DENSE_FLOOR : (knownShare ?? 0) > 0.5 ? DENSE_ALONE_KNOWN : DENSE_ALONE;
    const nearest = similarity.top(top * 2, floor);
    // Words the documents lack and nothing near in meaning: about something else (NEAR_FOR_UNKNOWN,
    // above DENSE_FLOOR, so the nearest passage of all is the first of these if it counts).
    if (keyword.length && knownShare !== undefined && knownShare < 1 && (nearest[0]?.similarity ?? 0) < NEAR_FOR_UNKNOWN) {
      return { rowids: [], similarity };
    }
    const near = nearest.map((s) => s.rowid);
    if (!near.length) return { rowids: keyword, similarity };
    const candidates = [...new Set([...keyword, ...near])];
    const openings = this.openingsOf?.(candidates);
    const of = (rowid: number) => similarity.of(rowid) ?? 0;
    const opening = (rowid: number) => of(openings?.get(rowid) ?? rowid);
    const byFile = candidates.sort((a, b) => opening(b) - opening(a) || of(b) - of(a));
    return { rowids: fuseRanks([keyword, near, byFile], top, [1, 1, FILE_WEIGHT]), similarity };
  }

  private async embed(db: Db, embedder: Embedder): Promise<void> {
    const started = performance.now();
    // The same database loaded again: its set syncs only what changed.
    const vectors = this.vectors?.db === db ? this.vectors : new VectorSet(db, embedder);
    const embedded = await vectors.sync({ onProgress: this.opts.onProgress });
    this.openingsOf = fileOpenings(db);
    this.vectors = vectors;
    if (embedded) this.opts.log?.(`local index: ${embedded} passages embedded in ${Math.round(performance.now() - started)} ms (${embedder.id.split(';')[0]})`);
  }
}

/**
 * Which passages a local search returns, once ./local-query.ts has made the gated FTS5 query:
 * the best candidates that pass the relevance gate, ordered again by the per-field score
 * (./local-rank.ts), and — when one file leads the results — that file's usage example.
 *
 * Candidates: the best RERANK_CANDIDATES passages that pass the gate, by bm25() within each tier
 * (see ./local-query.ts); then ordered by the per-field score. A lower tier is only searched
 * while there are fewer than `top`: on a large corpus a tier of fewer terms matches thousands of
 * passages, and FTS5 scores them all to sort them.
 *
 * The usage companion: a README's Usage, Example or Quick start section is often only code, and
 * its heading shares no word with a question ("How do I check whether a version satisfies a
 * range?" is answered by `semver.satisfies(…)` under "Usage"), so it ranks low or the gate drops
 * it, while the prose around the API it calls ranks first. When one file holds at least half of
 * the results (../leading-file.ts; not always the first result's), the passage of that file's usage sections (any heading below the
 * title named Usage, Example(s), Quick start, Getting started or Synopsis) whose text scores best
 * on the question (its headings left out), among those not returned yet, takes the last place (or a free one) if it matches at
 * least one of the question's terms; one whose code calls a function the question names
 * ("satisfies" → `semver.satisfies(…)`) goes before any that calls none. The answerer can then quote the call (../answer/code-choice.ts).
 * With semantic search on, the fused ranking keeps it in the last place (./local-index.ts).
 * One passage at most, and from the leading file only: a question the gate finds nothing for
 * never gets one, as it has no results to lead.
 */
import type { Statement } from 'better-sqlite3';
import { leadingFile } from '../leading-file.js';
import { callsStem } from '../code-calls.js';
import { contentTerms } from '../text.js';
import { gateLevel, MAX_CANDIDATES, type Group, type Match } from './local-query.js';
import type { GateRule } from './local-gate.js';
import type { FieldStems, Ranker } from './local-rank.js';
import type { Store } from './local-store.js';
import { decodeTerms } from './local-terms.js';

/**
 * How many gated candidates (bm25() order) are scored again field by field (./local-rank.ts).
 * Enough that the section whose heading names the question is among them; few enough that
 * reading and scoring them costs well under a millisecond.
 */
export const RERANK_CANDIDATES = 50;

/** Headings (below a document's title) of the sections that show how a package is used. */
export const USAGE_HEADING = /\b(?:usage|examples?|quick ?start|getting started|synopsis)\b/i;
const NO_STEMS = new Uint8Array(0);
/** Most usage passages of one file looked at (a long file's first ones). */
const MAX_USAGE_PASSAGES = 32;

/** Is a passage with this heading path a usage section? Flagged in the store when indexed. */
export function isUsagePassage(headingPath: string[]): boolean {
  return headingPath.slice(1).some((h) => USAGE_HEADING.test(h));
}

export interface Candidate {
  rowid: number;
  score: number;
  /** Order found (bm25() within tiers): breaks ties of the score. */
  order: number;
  /** Found only as a named section (GateRule.named): ranks after every other candidate. */
  late?: boolean;
  /** The usage companion (see the header): placed, not ranked. */
  companion?: boolean;
}

export class CandidateCollector {
  constructor(
    private readonly store: Store,
    private readonly ranker: Ranker,
    /** Ranked: `rowid, bm25()` of a MATCH expression, best first, with a limit. */
    private readonly search: Statement<[string, number], { rowid: number; score: number }>,
    /** Unranked: the rowids of a MATCH expression in rowid order, with a limit. */
    private readonly unranked: Statement<[string, number], number>,
  ) {}

  /** The passages to return, best first: at most `top`. */
  collect(live: Group[], match: Match, rule: GateRule, top: number, signal?: AbortSignal): Candidate[] {
    const candidates: Candidate[] = [];
    const seen = new Set<number>();
    const want = Math.max(top, RERANK_CANDIDATES);
    for (const [t, tier] of match.tiers.entries()) {
      // The late tier (named sections) only fills places the others left.
      if (candidates.filter((c) => !c.late).length >= top) break;
      signal?.throwIfAborted();
      const late = match.late !== undefined && t >= match.late;
      const limit = match.gated ? want - candidates.length + seen.size : MAX_CANDIDATES;
      // A tier often matches fewer passages than the limit (every term of four, say): then which
      // ones is known without bm25() (whose IDF costs a scan of every term's postings, once per
      // occurrence in the expression), and their order only breaks ties of the per-field score.
      if (match.gated && this.addUnranked(tier, limit, want, live, candidates, seen, late)) continue;
      const rowids = this.search.all(tier, limit).map((r) => r.rowid);
      const gate = match.gated ? undefined : this.store.gateDataMany(rowids);
      const accepted: { rowid: number; late: boolean }[] = [];
      for (const rowid of rowids) {
        if (seen.has(rowid)) continue;
        seen.add(rowid);
        let level = late ? 2 : 1;
        if (gate) {
          const g = gate.get(rowid);
          level = g ? gateLevel(live, rule, decodeTerms(g.distinct), contentTerms(g.headingPath.at(-1) ?? '')) : 0;
          if (level === 0) continue;
        }
        accepted.push({ rowid, late: level === 2 });
        if (candidates.length + accepted.length >= want) break;
      }
      const data = this.store.rankDataMany(accepted.map((a) => a.rowid));
      for (const { rowid, late } of accepted) {
        const d = data.get(rowid);
        if (d) candidates.push({ rowid, order: candidates.length, score: this.ranker.score(live, d.fields, d.distinct), ...(late ? { late } : {}) });
      }
    }
    candidates.sort((a, b) => b.score - a.score || a.order - b.order);
    // Named sections (GateRule.named) only fill the places left after the usage companion, and
    // the leading file is judged without them, unless there is nothing else.
    const strict = candidates.filter((c) => !c.late);
    const picked = strict.slice(0, top);
    const usage = this.usageCompanion(picked.length ? picked : candidates.slice(0, top), live);
    if (usage) {
      if (picked.length >= top) picked.pop();
      picked.push(usage);
    }
    for (const c of candidates) {
      if (picked.length >= top) break;
      if (c.late && c.rowid !== usage?.rowid) picked.push(c);
    }
    // Results stay best first: an added passage scores no higher than the one before it.
    for (let i = 1; i < picked.length; i++) picked[i]!.score = Math.min(picked[i]!.score, picked[i - 1]!.score);
    return picked;
  }

  /** The leading file's best usage passage not among `picked` (see the header), if any. */
  private usageCompanion(picked: Candidate[], live: Group[]): Candidate | undefined {
    if (!picked.length) return undefined;
    const paths = this.store.pathsOf(picked.map((c) => c.rowid));
    const lead = leadingFile(picked.map((c) => paths.get(c.rowid)));
    if (lead === undefined) return undefined;
    const taken = new Set(picked.map((c) => c.rowid));
    const usage = this.store.usageOf(lead, MAX_USAGE_PASSAGES).filter((rowid) => !taken.has(rowid));
    const data = this.store.rankDataMany(usage);
    let best: (Candidate & { calls: number }) | undefined;
    for (const rowid of usage) {
      const d = data.get(rowid);
      if (!d) continue;
      // Its text alone: a usage section is there for its example, and a subsection's heading
      // ("Setting `this`") says what else it shows, not what the example does.
      const score = this.ranker.score(live, { title: NO_STEMS, headings: NO_STEMS, body: d.fields.body }, d.distinct);
      if (score <= 0) continue;
      // A block that calls a function the question names (`vers.satisfies(…)` for "satisfies")
      // is the example asked for, whatever else the section's score.
      const text = this.store.passage(rowid)?.chunk.text ?? '';
      const calls = live.filter((g) => callsStem(text, g.term)).length;
      if (!best || calls > best.calls || (calls === best.calls && score > best.score)) best = { rowid, score, order: picked.length, calls };
    }
    return best && { rowid: best.rowid, score: best.score, order: best.order, companion: true };
  }

  /**
   * Adds a tier's passages found without ranking, when that is the same as ranking them: all of
   * them fit under `limit` (so the ranked query would return them all) and the ranked loop would
   * have taken them all; their bm25() order then only breaks ties of the per-field score. Such a
   * tie is (on a corpus with repeated sections, often) between passages that FTS5 indexed
   * identically: the same bm25(), so rowid order, which is the order found here. Any other tie, and
   * the answer is false, having added nothing: the caller ranks with bm25() as before.
   */
  private addUnranked(tier: string, limit: number, want: number, live: Group[], candidates: Candidate[], seen: Set<number>, late: boolean): boolean {
    const found = this.unranked.all(tier, limit);
    if (found.length >= limit) return false;
    const rowids = found.filter((r) => !seen.has(r));
    if (candidates.length + rowids.length > want) return false; // the ranked loop would stop part-way
    const data = this.store.rankDataMany(rowids);
    const scored: { rowid: number; score: number }[] = [];
    const byScore = new Map<number, number>();
    for (const rowid of rowids) {
      const d = data.get(rowid);
      if (!d) continue;
      const score = this.ranker.score(live, d.fields, d.distinct);
      const twin = byScore.get(score);
      if (twin === undefined) byScore.set(score, rowid);
      else if (!sameIndexedContent(d, data.get(twin)!)) return false;
      scored.push({ rowid, score });
    }
    for (const rowid of rowids) seen.add(rowid);
    for (const c of scored) candidates.push({ ...c, order: candidates.length, ...(late ? { late } : {}) });
    return true;
  }
}

/** Did FTS5 index two passages identically (title, headings and text stems, own heading)? */
function sameIndexedContent(a: { fields: FieldStems; headingPath: string }, b: { fields: FieldStems; headingPath: string }): boolean {
  const same = (x: Uint8Array, y: Uint8Array) => Buffer.compare(x, y) === 0;
  return a.headingPath === b.headingPath && same(a.fields.title, b.fields.title) && same(a.fields.headings, b.fields.headings) && same(a.fields.body, b.fields.body);
}

/**
 * Turns a question's terms into an FTS5 query that applies the relevance gate itself, so SQLite
 * returns only passages that pass it, best first (see ./local-index.ts for the gate's rules).
 *
 * Each query term becomes a group of alternatives: the stem itself and, when the index lacks that
 * stem (a typo or a truncated word is a word the docs do not use), for 4+ letters every indexed
 * stem it is a prefix of (`"term"*`) and for 6+ letters every indexed stem one edit away (looked
 * up in the `terms` table: an edit at one position leaves either the first or the second half
 * intact, so the candidates are a range scan on the stem or on its reverse, then checked).
 * MiniSearch expanded every term (with lower weights for expansions); measured at 50,000
 * passages, expanding terms the index has cost most of the query time and changed few answers.
 *
 * The gate "at least k of the n terms" becomes the OR of every k-combination of groups (ANDed);
 * the heading exception is `{own}: (any group) AND (every e-combination)`. Each group appears
 * equally often in such an expression, so BM25 scales every row's score by the same factor and
 * the order is that of a plain OR query (see matchExpressions for the tiers). Groups with no indexed alternative are left out (they match
 * nothing), which makes a question about absent topics cost a few vocabulary lookups and no
 * full-text query at all. Past MAX_COMBINATIONS the expression would grow too large: the query
 * is then a plain OR, and the gate is applied to the best MAX_CANDIDATES rows in JS instead.
 *
 * A two-term question (GateRule.near) is stricter: NEAR(a b, window), or the heading exception
 * with both terms in the passage (see ./local-index.ts for why).
 *
 * Rejected: one FTS query per term and intersecting rowid sets in JS (a common term's set is tens
 * of thousands of rows); SQLite's spellfix1 (not in better-sqlite3's build).
 */
import type { Db } from './local-store.js';
import type { GateRule } from './local-gate.js';
import { FUZZY_MIN_LENGTH, PREFIX_MIN_LENGTH } from '../text.js';

export const MAX_COMBINATIONS = 64;
export const MAX_CANDIDATES = 400;

export interface Group {
  term: string;
  prefix: boolean;
  /** Indexed stems one edit away (not already covered by the prefix). */
  fuzzy: string[];
  /** Does any indexed stem match this group? */
  live: boolean;
}

/** The expressions to run in turn (see `matchExpressions`). */
export interface Match {
  tiers: string[];
  /** False when the only tier is a plain OR and the caller applies the gate (`gateLevel`). */
  gated: boolean;
  /** Index of the first tier whose passages rank after all the earlier tiers' passages. */
  late?: number;
}

/** The code point after the last one of `s`: `[s, next(s))` is the range of strings starting with `s`. */
function next(s: string): string {
  const cps = [...s];
  const last = cps.pop()!.codePointAt(0)!;
  return cps.join('') + String.fromCodePoint(last + 1);
}

const reverse = (s: string) => [...s].reverse().join('');

/** Levenshtein distance between a and b is at most 1. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) return a.slice(i + 1) === b.slice(i + 1);
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

export class QueryPlanner {
  private readonly byPrefix;
  private readonly byReverse;
  private readonly exists;
  private readonly anyWithPrefix;

  constructor(private readonly db: Db) {
    this.byPrefix = db.prepare('SELECT term FROM terms WHERE len IN (?, ?, ?) AND term >= ? AND term < ?').pluck();
    this.byReverse = db.prepare('SELECT term FROM terms WHERE len IN (?, ?, ?) AND rev >= ? AND rev < ?').pluck();
    this.exists = db.prepare('SELECT 1 FROM terms WHERE term = ?').pluck();
    this.anyWithPrefix = db.prepare('SELECT 1 FROM terms WHERE term >= ? AND term < ? LIMIT 1').pluck();
  }

  /**
   * `also`: the documents' words for this question word (../paraphrase.ts), searched as its
   * alternatives when the index has them, as a typo's corrections are.
   */
  group(term: string, also: readonly string[] = []): Group {
    const exact = this.exists.get(term) !== undefined;
    // Prefix and typo expansion only where they pay: for a term the index does not have as such
    // ("config" finds "configur", "orchestratr" finds "orchestr"). A stem the docs use is searched
    // as it is: stemming already folds its inflections, and an expansion costs a full scan of the
    // expanded terms' postings in every query (FTS5 computes BM25's IDF per phrase).
    const prefix = !exact && term.length >= PREFIX_MIN_LENGTH;
    const fuzzy: string[] = [];
    if (!exact && term.length >= FUZZY_MIN_LENGTH) {
      const len = term.length;
      const half = Math.floor(len / 2);
      const head = term.slice(0, half);
      const tail = reverse(term.slice(half));
      const found = new Set<string>([
        ...(this.byPrefix.all(len - 1, len, len + 1, head, next(head)) as string[]),
        ...(this.byReverse.all(len - 1, len, len + 1, tail, next(tail)) as string[]),
      ]);
      for (const t of found) if (!t.startsWith(term) && withinOneEdit(term, t)) fuzzy.push(t);
      fuzzy.sort();
    }
    // A word the index lacks may be an inflection the stemmer leaves whole ("smaller", "bigger")
    // or a negation ("uncompressed"): its base form is searched as a typo would be.
    if (!exact) for (const v of baseForms(term)) if (!fuzzy.includes(v) && this.exists.get(v) !== undefined) fuzzy.push(v);
    for (const v of also) if (v !== term && !fuzzy.includes(v) && this.exists.get(v) !== undefined) fuzzy.push(v);
    const live = exact || fuzzy.length > 0 || (prefix && this.anyWithPrefix.get(term, next(term)) !== undefined);
    return { term, prefix, fuzzy, live };
  }
}

/**
 * Base forms of a stem that Porter leaves inflected: a comparative or superlative ("smaller" →
 * small, "bigger" → big, "easier" → easi, as Porter stems "easy") and a negation ("uncompressed"
 * → compress). Only looked up for a term the index does not have.
 */
export function baseForms(term: string): string[] {
  const out: string[] = [];
  const m = /^(.{3,}?)(?:i?er|i?est)$/.exec(term);
  if (m) {
    const base = m[1]!;
    out.push(term.replace(/(?:er|est)$/, ''));
    if (/([bdgmnpt])\1$/.test(base)) out.push(base.slice(0, -1)); // big → bigger, thin → thinner
  }
  const neg = /^(?:un|non|dis)(.{4,})$/.exec(term);
  if (neg) out.push(neg[1]!);
  return [...new Set(out)].filter((v) => v !== term);
}

const quote = (t: string) => `"${t.replace(/"/g, '""')}"`;

function alternatives(g: Group): string[] {
  const alts = [quote(g.term)];
  if (g.prefix) alts.push(`${quote(g.term)}*`);
  for (const f of g.fuzzy) alts.push(quote(f));
  return alts;
}

export function groupExpression(g: Group): string {
  const alts = alternatives(g);
  return alts.length === 1 ? alts[0]! : `(${alts.join(' OR ')})`;
}

/** Two groups within `window` terms of each other (FTS5's NEAR takes phrases, not ORs: one per pair). */
export function nearExpression(a: Group, b: Group, window: number): string {
  const pairs = alternatives(a).flatMap((x) => alternatives(b).map((y) => `NEAR(${x} ${y}, ${window})`));
  return pairs.length === 1 ? pairs[0]! : pairs.join(' OR ');
}

export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

function* combinations<T>(items: T[], k: number, start = 0, acc: T[] = []): Generator<T[]> {
  if (acc.length === k) {
    yield acc;
    return;
  }
  for (let i = start; i <= items.length - (k - acc.length); i++) yield* combinations(items, k, i + 1, [...acc, items[i]!]);
}

const atLeast = (exprs: string[], k: number) =>
  [...combinations(exprs, k)].map((c) => (c.length === 1 ? c[0]! : `(${c.join(' AND ')})`)).join(' OR ');

/**
 * The MATCH expressions for live groups under a gate, in tiers: passages matching all the live
 * groups first, then at least one fewer, down to the gate's minimum, then the heading exception,
 * then the named sections (GateRule.named; `late` marks that tier, whose passages rank after all
 * others'), when it fits under MAX_COMBINATIONS.
 * The caller runs them in turn and stops once it has enough passages, so a question whose terms
 * are common never ranks the thousands of passages that share only two of them. (So, as in most
 * engines' coordination rule, a passage matching more of the question's terms ranks above one
 * matching fewer; BM25 orders passages within a tier.) `undefined` when no passage can pass
 * (fewer live groups than the gate needs). `gated` is false when the single expression is a plain
 * OR and the caller must apply the gate itself.
 */
export function matchExpressions(live: Group[], rule: GateRule): Match | undefined {
  const m = live.length;
  const least = Math.min(rule.onTopicRequired, rule.named ?? Infinity);
  if (m < least || m === 0) return undefined;
  const exprs = live.map(groupExpression);
  if (rule.near !== undefined) {
    // A two-term question: the pair must be used together, or be about the section (see GateRule).
    if (m < 2) return undefined;
    const near = nearExpression(live[0]!, live[1]!, rule.near);
    return { tiers: [near, `{own} : (${exprs.join(' OR ')}) AND (${exprs.join(' AND ')})`], gated: true };
  }
  const plainFrom = Math.max(rule.required, 1);
  let total = 0;
  for (let k = m; k >= plainFrom; k--) total += binomial(m, k);
  const own = rule.onTopicRequired < rule.required && m >= rule.onTopicRequired;
  if (own) total += binomial(m, rule.onTopicRequired);
  if (total > MAX_COMBINATIONS) return { tiers: [exprs.join(' OR ')], gated: false };
  // The named-section tier only where it fits: it must not turn a gated query into a plain OR
  // (which ranks every passage using any of the words).
  let named = rule.named !== undefined && rule.named < Math.min(rule.required, rule.onTopicRequired) ? rule.named : undefined;
  if (named !== undefined && total + binomial(m, named) > MAX_COMBINATIONS) named = undefined;
  const tiers: string[] = [];
  for (let k = m; k >= plainFrom; k--) tiers.push(atLeast(exprs, k));
  if (own) tiers.push(`{own} : (${exprs.join(' OR ')}) AND (${atLeast(exprs, rule.onTopicRequired)})`);
  if (named === undefined) return { tiers, gated: true };
  tiers.push(`{own} : (${exprs.join(' OR ')}) AND (${atLeast(exprs, named)})`);
  return { tiers, gated: true, late: tiers.length - 1 };
}

/**
 * The gate in JS, for a query with too many terms to express it in SQL: 1 when the passage
 * passes, 2 when it passes only as a named section (GateRule.named: it ranks after the others),
 * 0 when it does not.
 */
export function gateLevel(groups: Group[], rule: GateRule, stems: string[], ownHeading: string[]): 0 | 1 | 2 {
  let matched = 0;
  for (const g of groups) if (stems.some((s) => groupMatches(g, s))) matched++;
  if (matched >= rule.required) return 1;
  if (matched < Math.min(rule.onTopicRequired, rule.named ?? Infinity)) return 0;
  if (!groups.some((g) => ownHeading.some((s) => groupMatches(g, s)))) return 0;
  return matched >= rule.onTopicRequired ? 1 : 2;
}

/** For the JS gate: does a stem match a group? */
export function groupMatches(g: Group, stem: string): boolean {
  return stem === g.term || (g.prefix && stem.startsWith(g.term)) || g.fuzzy.includes(stem);
}

/**
 * The local index's relevance gate: how many of a question's terms a passage must match to be
 * returned at all, so that a question the documents do not cover gets nothing (and the answerer
 * says "I don't know"). ./local-query.ts turns the rule into FTS5 expressions; this module only
 * decides the numbers. Rules and their measured effect: docs/orchestrator.md ("Relevance gate").
 *
 * Kept apart from ./local-index.ts (which re-exports the defaults) and free of the store's types:
 * the index's declarations are part of the package's public types, and must not pull in
 * better-sqlite3's (the packaging test type-checks a consumer without them).
 */

/** A passage must match at least this share (rounded up) of the query's distinct content terms. */
export const DEFAULT_MIN_TERM_COVERAGE = 0.5;
/**
 * …and at least this many of them (capped at the query's term count). Without it a two-term
 * question ("speed of light", "meaning of life") passes on one generic word that the docs
 * happen to use ("lightweight" by prefix, a "meaning" table header).
 */
export const DEFAULT_MIN_MATCHED_TERMS = 2;
/**
 * Most terms between the two terms of a two-term question in a passage (stop words are not
 * counted: "configure the server kit" has none between "configur" and "server").
 */
export const NEAR_WINDOW = 5;

export interface GateRule {
  /** Least number of matched groups. */
  required: number;
  /** Least number when a matched term is in the passage's own heading. */
  onTopicRequired: number;
  /**
   * For a two-term question: both terms within this many terms of each other, unless one of them
   * is in the passage's own heading (then both anywhere in the passage).
   */
  near?: number;
  /**
   * Least number when a matched term is in the passage's own heading, for a last tier whose
   * passages rank after every other one's and only fill the places left (./local-candidates.ts):
   * a section named for what the question asks that says the rest in other words.
   */
  named?: number;
}

export interface GateOptions {
  minTermCoverage?: number;
  minMatchedTerms?: number;
  /** Add the named-section tier (GateRule.named); default true. */
  namedSections?: boolean;
}

/** A query term as the gate sees it: does the index have it (or a variant of it) at all? */
export interface GateTerm {
  term: string;
  live: boolean;
}

/**
 * A number the index never saw: a value from the asker's own case ("/users/42", "port 8080"),
 * not a topic. It does not count toward the share a passage must match (a word the docs never
 * use still does: that is how a question about an absent topic is refused).
 */
export function isAbsentNumber(t: GateTerm): boolean {
  return !t.live && /\d/.test(t.term);
}

/**
 * The share of a question's terms the index has (or a variant of), 0–1; a number it never saw is
 * the asker's case, not a word, and is not counted. Semantic search answers a question mostly in
 * the documents' words from a lower similarity (./local-semantic.ts, DENSE_ALONE_KNOWN).
 */
export function knownShare(terms: GateTerm[]): number {
  const counted = terms.filter((t) => !isAbsentNumber(t)).length;
  return counted ? terms.filter((t) => t.live).length / counted : 0;
}

/** How many of `n` distinct query terms a passage must match, `counted` of them toward the share. */
export function requiredMatches(n: number, options: GateOptions = {}, counted = n): number {
  const floor = options.minMatchedTerms ?? DEFAULT_MIN_MATCHED_TERMS;
  const coverage = options.minTermCoverage ?? DEFAULT_MIN_TERM_COVERAGE;
  return Math.min(n, Math.max(floor, Math.ceil(counted * coverage)));
}

/**
 * The gate for a question's terms.
 *
 * A passage whose own heading names one of the terms is about it, so the share alone suffices
 * there: "How is authentication configured?" finds the "Authentication" section even if that
 * section never says "configure". Only its own (last) heading: a parent heading groups
 * subsections and says little about each ("recipe for lasagna" must not find "Recipes ›
 * React 19" on "recipe" alone).
 *
 * A two-term question is close to a phrase, and its gate (both terms) is the weakest: two common
 * words meet somewhere in any large corpus. So both must be used together, within NEAR_WINDOW
 * terms of each other, or one must name the passage's own section and the other appear in it:
 * "How do I apply for a passport?" must not find "any Passport strategy … applies a rate
 * limit", nor the "Passport and passport-azure-ad" section, which never says "apply".
 *
 * Named sections: a long question says more than its answer's section does ("How do I create a
 * signed token that carries a user id?" and `jwt.sign(…)`), so a section whose own heading names
 * one of its terms also passes with one term fewer than the share (never fewer than the floor),
 * in a last tier that only fills places the others left: it never displaces a passage that
 * passes the full gate, and a question that matches nothing else gets only sections named for
 * its words.
 */
export function gateRule(terms: GateTerm[], options: GateOptions = {}): GateRule {
  const n = terms.length;
  const counted = terms.filter((t) => !isAbsentNumber(t)).length;
  const coverage = options.minTermCoverage ?? DEFAULT_MIN_TERM_COVERAGE;
  const floor = options.minMatchedTerms ?? DEFAULT_MIN_MATCHED_TERMS;
  const rule: GateRule = {
    required: requiredMatches(n, options, counted),
    onTopicRequired: Math.min(n, Math.ceil(counted * coverage)),
  };
  if (n === 2 && requiredMatches(2, options) === 2) rule.near = NEAR_WINDOW;
  if (options.namedSections !== false) rule.named = Math.min(n, Math.max(floor, Math.ceil(counted * coverage) - 1));
  return rule;
}

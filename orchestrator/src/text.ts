/**
 * Term handling shared by the index, the relevance gate, the flow and the extractive answerer.
 *
 * Why one module: the relevance gate ("a passage must match enough of the question's content
 * terms") and the extractive sentence scorer only agree with the index when all three see the
 * same terms. If the index dropped "the" but the gate counted it, a question about something
 * absent would be let through on stop words alone.
 */
import { eng } from 'stopword';

/**
 * English stop words from the `stopword` package (a maintained list), plus the words that make a
 * question a question ("does", "tell me", "explain") and carry no topic. Kept small on purpose:
 * every word here can never make a passage relevant.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  ...eng,
  'does', 'doesn', 'don', 'isn', 'aren', 'wasn', 'not', 'no', 'yes', 'whom', 'whose', 'why',
  'when', 'please', 'tell', 'explain', 'describe', 'know', 'want', 'need', 'say', 'says',
  'give', 'show', 'let', 'us', 'it', 'its', 'i', 'm', 's', 't', 're', 've', 'll', 'd',
  'will', 'shall', 'may', 'one', 'ones', 'thing', 'things', 'something', 'anything',
  'e', 'g', 'ie', 'eg', 'etc', 'via', 'per', 'just', 'also', 'there', 'here', 'able',
  // Question phrasing that names no topic: "how does X work", "what is the meaning of X",
  // "what's the best way to X". Left in, they'd either block a real question (the docs never say
  // "work") or let an off-topic one through on a table header ("meaning").
  'work', 'works', 'mean', 'means', 'meaning', 'happen', 'happens', 'example', 'examples', 'way',
  'ways', 'best', 'good', 'kind', 'really', 'actually', 'exactly', 'stuff',
]);

/**
 * Splits text into raw lower-cased words. Unicode-aware so that "café" or "Größe" stay whole;
 * apostrophes split ("server's" → "server", "s") and the stop list then drops the tail.
 */
const WORD = /[\p{L}\p{N}]+/gu;
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Normalises one token for indexing and querying; `null` drops it (stop word). */
export function normalizeTerm(term: string): string | null {
  const t = term.toLowerCase();
  if (t.length === 0 || STOP_WORDS.has(t)) return null;
  return stemPlural(t);
}

/**
 * A deliberately tiny stemmer: English plurals only ("variables" → "variable", "queries" →
 * "query"), so a question's "answers" finds a doc's "answer". Full stemmers (Porter, Snowball)
 * conflate far more ("organization" → "organ") and make prefix matching unpredictable; prefix
 * search already covers "mount" → "mounting".
 */
export function stemPlural(t: string): string {
  if (t.length <= 3 || !t.endsWith('s') || /(?:ss|us|is|\d)$/.test(t)) return t;
  if (t.endsWith('ies') && t.length > 4) return `${t.slice(0, -3)}y`;
  if (/(?:ches|shes|xes|sses|zes)$/.test(t)) return t.slice(0, -2);
  return t.slice(0, -1);
}

/** The distinct content terms of a text, in first-seen order. */
export function contentTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const w of words(text)) {
    const t = normalizeTerm(w);
    if (t) seen.add(t);
  }
  return [...seen];
}

/**
 * The terms a question is searched with: its content terms, with `-ed`/`-ing` trimmed when at
 * least 4 letters remain (and a final `-e` from words of 6+ letters). Query terms are matched as prefixes (see `termMatches`), so the trimmed
 * "configured" → "configur" finds "configure", "configured" and "configuration", and "mounting"
 * finds "mount". Only the query side is trimmed: trimming documents too would make "configure"
 * (query) miss "configur" (document).
 */
export function queryTerms(text: string): string[] {
  return [...new Set(contentTerms(text).map(trimQuerySuffix))];
}

export function trimQuerySuffix(term: string): string {
  const m = /^(.+?)(?:ing|ed)$/.exec(term);
  if (m && m[1]!.length >= PREFIX_MIN_LENGTH) return m[1]!;
  // A silent final e: "configure" → "configur" also finds "configuration", "validate" "validation".
  if (term.length >= 6 && term.endsWith('e')) return term.slice(0, -1);
  return term;
}

/**
 * Does `term` (from a query) match `candidate` (from a document)? Exact, or a light prefix match
 * for terms of 4+ letters so that "mount" finds "mounting" and "config" finds "configuration".
 * Mirrors the index's prefix option so the sentence scorer and the index agree.
 */
export function termMatches(term: string, candidate: string): boolean {
  return candidate === term || (term.length >= PREFIX_MIN_LENGTH && candidate.startsWith(term));
}

/** Shortest query term that is also searched as a prefix. */
export const PREFIX_MIN_LENGTH = 4;
/** Shortest query term that is also searched fuzzily (edit distance 1): typos in long words. */
export const FUZZY_MIN_LENGTH = 6;

/** Rough token count (≈ 4 characters a token for English). Good enough for a budget. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

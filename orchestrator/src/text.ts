/**
 * Term handling shared by the index, the relevance gate, the flow and the extractive answerer.
 *
 * Why one module: the relevance gate ("a passage must match enough of the question's content
 * terms") and the extractive sentence scorer only agree with the index when all three see the
 * same terms. If the index dropped "the" but the gate counted it, a question about something
 * absent would be let through on stop words alone.
 */
import { eng } from 'stopword';
import { stemmer as porter } from 'stemmer';

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
  // "Is X supported?" asks whether the docs cover X; the noun ("browser support") stays a term.
  'supported',
]);

/**
 * Splits text into raw lower-cased words. Unicode-aware so that "café" or "Größe" stay whole;
 * apostrophes split ("server's" → "server", "s") and the stop list then drops the tail.
 */
const WORD = /[\p{L}\p{N}]+/gu;
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * The words a document is indexed by: `words(text)`, each camelCase identifier followed by its
 * parts (`keepAliveTimeout` → keepalivetimeout, keep, alive, timeout), split where an ASCII small
 * letter meets an ASCII capital. Code names things in camelCase, questions in words. Only where
 * lower-casing keeps the text's length (else positions in the two would not line up; such text
 * is rarely code). The local index's term scanner gives these terms (retrieval/local-terms.ts).
 */
export function indexWords(text: string): string[] {
  const lower = text.toLowerCase();
  if (lower.length !== text.length || !/[a-z][A-Z]/.test(text)) return words(text);
  const out: string[] = [];
  for (const m of lower.matchAll(WORD)) {
    out.push(m[0]);
    const written = text.slice(m.index, m.index + m[0].length);
    if (/[a-z][A-Z]/.test(written)) out.push(...written.replace(/([a-z])(?=[A-Z])/g, '$1 ').toLowerCase().split(' '));
  }
  return out;
}

const NON_ASCII = /[^\x00-\x7f]/;
/**
 * `words(text).length` without building the array (the chunker counts every block's words). ASCII
 * text is counted by char code; anything else goes through `words`, since lower-casing can change
 * where non-ASCII words split ("İ" lower-cases to "i" plus a combining dot).
 */
export function countWords(text: string): number {
  if (NON_ASCII.test(text)) return words(text).length;
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const w = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
    if (w && !inWord) n++;
    inWord = w;
  }
  return n;
}

/**
 * Normalises one token for indexing and querying; `null` drops it (stop word). The stop list is
 * checked on the word as written ("them" is a stop word, "theming" is not), then the word is
 * stemmed, so "theme", "themes" and "theming" all become "theme", and "configure", "configured"
 * and "configuration" all become "configur".
 */
export function normalizeTerm(term: string): string | null {
  const t = term.toLowerCase();
  if (t.length === 0 || STOP_WORDS.has(t)) return null;
  return stem(t);
}

/** Longest word that is stemmed; longer tokens (hashes, long identifiers) are kept as they are. */
const STEM_MAX_LENGTH = 30;
const STEM_CACHE_MAX = 20_000;
const stems = new Map<string, string>();

/**
 * The Porter stemmer (`stemmer`, wooorm's maintained implementation), applied until the word stops
 * changing. Porter is not idempotent on its own ("customised" → "customis" → "customi"); the
 * fixed point is, so a stem handed back in (the flow appends a previous question's content terms
 * to a follow-up) normalises to itself. Words containing digits are left alone ("es2022", "v3"),
 * as are very short ones. Memoised: a docs-sized vocabulary is a few thousand words.
 */
export function stem(word: string): string {
  if (word.length <= 2 || word.length > STEM_MAX_LENGTH || /\d/.test(word)) return word;
  let out = stems.get(word);
  if (out === undefined) {
    out = word;
    for (let i = 0; i < 4; i++) {
      const next = porter(out);
      if (next === out) break;
      out = next;
    }
    // Bounded: visitors' questions bring words the docs never use.
    if (stems.size >= STEM_CACHE_MAX) stems.clear();
    stems.set(word, out);
  }
  return out;
}

/** The distinct content terms (stems) of a text, in first-seen order. */
export function contentTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const w of words(text)) {
    const t = normalizeTerm(w);
    if (t) seen.add(t);
  }
  return [...seen];
}

/**
 * The terms a question is searched with: its distinct content terms, stemmed exactly as the index
 * stems documents. (Before stemming this trimmed -ed/-ing/-e from the query side only; the stemmer
 * now folds those inflections on both sides.)
 */
export function queryTerms(text: string): string[] {
  return contentTerms(text);
}

/**
 * Does `term` (from a query) match `candidate` (from a document)? Both are stems. Exact, or a
 * prefix match for terms of 4+ letters, for what stemming does not fold: "config" finds
 * "configur" (configuration), "auth" finds "authent" (authentication).
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

const QUESTION_SEGMENTER = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * The part of a visitor's message that asks: "We deploy behind a proxy. How do I turn on the
 * security headers?" → "How do I turn on the security headers?". A realistic question often
 * opens with context whose words dilute the relevance gate (it needs half of the content terms);
 * its short form finds the answer. Returns the last sentence ending in `?` when the message has
 * more than one sentence and that sentence still has 2+ content terms, else the message as is.
 * For the flow's search step (a retry when the whole message retrieves nothing).
 */
export function questionFocus(message: string): string {
  const sentences = [...QUESTION_SEGMENTER.segment(message.trim())].map((s) => s.segment.trim()).filter(Boolean);
  if (sentences.length < 2) return message;
  const asking = sentences.filter((s) => s.endsWith('?')).at(-1);
  return asking && contentTerms(asking).length >= 2 ? asking : message;
}

/**
 * A follow-up chip for a section heading, reading as a visitor would ask it: "Tell me about the
 * widget." for `The <grounded-chat> widget:` — no trailing colon or full stop doubled, a leading
 * article lower-cased, inline markup already gone (the chunker's headings are plain text).
 */
export function followupQuestion(heading: string): string {
  let topic = heading.replace(/\s+/g, ' ').trim().replace(/[\s:;,.!?—–-]+$/u, '');
  topic = topic.replace(/^(The|A|An)\b/, (a) => a.toLowerCase());
  return `Tell me about ${topic}.`;
}

/**
 * How much a sentence or an example of a passage speaks to the question, for the offline answerer
 * (./extractive.ts): the number of the question's distinct content terms it contains, matched as
 * the index matches them (stems, prefixes). What a passage says where something is (a file
 * name, a URL) does not count; what code calls does, in words (`perMessageDeflate` → per message
 * deflate). When the retriever searched by meaning, a sentence further from the question than the
 * nearest window retrieved costs a share of a term (`meaningGap`, MEANING_WEIGHT), and one nearly
 * as near joins the answer with fewer words (NEAR_IN_MEANING).
 */
import type { Passage } from '../seams.js';
import { contentTerms, termMatches } from '../text.js';

/**
 * URLs and file names (with an optional #anchor) inside a code block: a JSON example that mentions
 * `"/docs/server-kit.md#mounting"` is not about mounting the server kit, so their words don't score.
 * A call is no file name: `body.json()` and `res.html(…)` keep their words ("as JSON").
 */
export const CODE_PATH = /\bhttps?:\/\/\S+|[\w./-]*\.(?:md|html?|json|ya?ml|txt)(?:#[\w-]*)?\b(?!\s*\()/g;

/** `perMessageDeflate` → `per Message Deflate`: code names things in camelCase, questions in words. */
export function splitIdentifiers(code: string): string {
  return code.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2');
}

/**
 * A code span naming a file or folder (`widget/test/*.test.ts`, `bench/size.bench.mjs`, `dist/`):
 * its words say where something is, not what the sentence is about, so they don't score.
 * Package names (`@grounded-chat/widget`), routes (`/api/chat`) and identifiers still do.
 */
const FILE_SPAN = /`(?:[\w.*-]+\/[\w.*/-]*|[\w*-]+(?:\.[\w*-]+)*\.(?:[cm]?[jt]sx?|json|md|html?|css|ya?ml|sh))`/g;

/**
 * Distinct question terms the sentence contains (prefix-aware, as the index matches); `also` gives
 * a term the documents' words for it (../paraphrase.ts), which count as the term.
 */
export function scoreSentence(sentence: string, terms: string[], also?: ReadonlyMap<string, readonly string[]>): number {
  const sentenceWords = contentTerms(sentence.replace(FILE_SPAN, ' '));
  let score = 0;
  for (const term of terms) {
    const alts = also?.get(term);
    for (const w of sentenceWords) {
      if (termMatches(term, w) || alts?.some((a) => w === a)) {
        score++;
        break;
      }
    }
  }
  return score;
}

/**
 * What a sentence's distance in meaning from the question costs it, in question terms shared,
 * per unit of cosine similarity below the nearest window retrieved: a sentence 0.1 less similar
 * needs a third of a term more to win. Words still decide most answers; meaning decides between
 * sentences that share as many of them ("create a signed token": the `jwt.sign` section over
 * `jwt.verify`'s; "enable all CORS requests": that section's example over a single route's).
 * Chosen on the tuning sets only (orchestrator/eval/TUNING.md has the sweep, 2 to 20): 3.5 did best on
 * tune2 and the docs eval; from 10 up, meaning overrode words and every set lost answers.
 */
export const MEANING_WEIGHT = 3.5;

/** Least share of a text's terms (or of a window's, if fewer) that a window holding it has. */
const IN_WINDOW_SHARE = 0.6;

/**
 * A sentence whose own window is nearly as near in meaning as the nearest window retrieved (within
 * this much cosine similarity) joins the answer with one of the question's words, after the
 * league of words (./extractive.ts): the nearest window holds what the question is about, in
 * other words than the asker's ("accent colour": the `--gc-accent` row beside
 * `--gc-on-accent`'s). Chosen on the tuning sets only (orchestrator/eval/TUNING.md has the sweep, 0 to
 * 0.1): every value from 0 gained questions, each wider one by quoting more; past 0.03, answers
 * grew longer for little more.
 */
export const NEAR_IN_MEANING = 0.03;

/** How far in meaning a text is from the question (see meaningGap). */
export interface MeaningGap {
  /** How much less similar than the nearest window retrieved. */
  gap: number;
  /** Measured on the text's own window; false when it is its passage's similarity. */
  window: boolean;
}

/**
 * How far in meaning each sentence or example of the retrieved passages is from the question:
 * `gap(p, terms)` says how much less similar the window of passage `p` that holds a text (its
 * distinct content terms) is than the nearest window retrieved. A text is held by the window with the largest share of its terms (a
 * long example spans several; the nearest counts); one no window holds most of is as near as its
 * passage. Undefined when the retriever did not search by meaning, and for a passage without a
 * similarity. A sentence pays MEANING_WEIGHT question terms per unit of gap.
 */
export function meaningGap(passages: Pick<Passage, 'similarity' | 'windows'>[]): (passage: number, terms: readonly string[]) => MeaningGap | undefined {
  const nearest = Math.max(...passages.map((p) => p.similarity ?? -Infinity));
  const windows = passages.map((p) => p.windows?.map((w) => ({ terms: new Set(contentTerms(w.text)), similarity: w.similarity })));
  return (passage, terms) => {
    const own = passages[passage]?.similarity;
    if (own === undefined) return undefined;
    const held = nearestHolding(windows[passage], terms);
    return held === undefined ? { gap: nearest - own, window: false } : { gap: nearest - held, window: true };
  };
}

/**
 * The similarity of the window that holds most of `terms` (the largest share; the nearest of
 * those that tie, as a long example's windows do), or undefined when none holds most of them.
 */
function nearestHolding(windows: { terms: Set<string>; similarity: number }[] | undefined, terms: readonly string[]): number | undefined {
  if (!windows || !terms.length) return undefined;
  let best: { share: number; similarity: number } | undefined;
  for (const w of windows) {
    const shared = terms.filter((t) => w.terms.has(t)).length;
    const share = shared / Math.min(terms.length, w.terms.size || 1);
    if (share < IN_WINDOW_SHARE) continue;
    if (!best || share > best.share || (share === best.share && w.similarity > best.similarity)) best = { share, similarity: w.similarity };
  }
  return best?.similarity;
}

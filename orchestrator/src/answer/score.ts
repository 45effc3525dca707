/**
 * How much a sentence or an example of a passage speaks to the question, for the offline answerer
 * (./extractive.ts): the number of the question's distinct content terms it contains, matched as
 * the index matches them (stems, prefixes). What a passage says where something is (a file
 * name, a URL) does not count; what code calls does, in words (`perMessageDeflate` → per message
 * deflate). When the retriever searched by meaning, a passage further from the question than the
 * nearest retrieved costs its sentences a share of a term (`meaningCost`).
 */
import type { Passage } from '../seams.js';
import { normalizeTerm, termMatches, words } from '../text.js';

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

/** Distinct question terms the sentence contains (prefix-aware, as the index matches). */
export function scoreSentence(sentence: string, terms: string[]): number {
  const sentenceWords = new Set<string>();
  for (const w of words(sentence.replace(FILE_SPAN, ' '))) {
    const t = normalizeTerm(w);
    if (t) sentenceWords.add(t);
  }
  let score = 0;
  for (const term of terms) {
    for (const w of sentenceWords) {
      if (termMatches(term, w)) {
        score++;
        break;
      }
    }
  }
  return score;
}

/**
 * What a passage's distance in meaning from the question costs its sentences, in question terms
 * shared, per unit of cosine similarity below the passage nearest in meaning: a passage 0.1 less
 * similar than the nearest needs a third of a term more to win. Words still decide most answers;
 * meaning decides between sections that share as many of them ("create a signed token": the
 * `jwt.sign` section over `jwt.verify`'s). Chosen on the tuning sets only (docs/evaluation.md has
 * the sweep, 2 to 20): 3.5 did best on tune2 and the docs eval; from 10 up, meaning overrode words
 * and every set lost answers.
 */
export const MEANING_WEIGHT = 3.5;

/**
 * Each passage's cost in question terms for being further in meaning from the question than the
 * nearest one retrieved; 0 for all when the retriever did not search by meaning, and for a
 * passage without a similarity.
 */
export function meaningCost(passages: Pick<Passage, 'similarity'>[]): number[] {
  const nearest = Math.max(...passages.map((p) => p.similarity ?? -Infinity));
  return passages.map((p) => (p.similarity === undefined ? 0 : MEANING_WEIGHT * (nearest - p.similarity)));
}

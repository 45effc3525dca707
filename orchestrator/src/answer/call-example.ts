/**
 * Examples brought from elsewhere in the file. An API reference section rarely carries its own
 * example (./api-name.ts): the README's example that uses its name is brought (`apiExample`).
 *
 * The example that calls what the answer talks about. Asked how to do something, an answer that
 * quotes "use the `satisfies(version, range)` function" or "Use the satisfies function to check
 * a version against a range" is right but leaves out the line a reader copies:
 * `semver.satisfies('1.2.3', '1.x')`, which a README keeps in its code-only Usage section (the
 * local index adds that section when one file leads the results, ../retrieval/local-candidates.ts).
 *
 * So when a how-to answer carries no code yet, the first code block (short enough to quote) in
 * the retrieved passages of the first quote's file, best-ranked passage first, that calls a name
 * the answer or the question uses is brought along: the names are the functions the chosen
 * quotes show in code spans (`name(…)`), then the question's own words that the quotes also use
 * ("satisfies"). Only calls (`name(` or `.name(`, ../code-calls.ts), never a word in a comment: a
 * block that merely mentions a word is not an example of it.
 */
import type { Passage } from '../seams.js';
import { STOP_WORDS, words } from '../text.js';
import { passageApiName, usesIdentifier, type ApiName } from './api-name.js';
import { MAX_QUOTED_CODE_CHARS } from './code-choice.js';
import type { PassageProse, Sentence } from './prose.js';
import { callsName } from '../code-calls.js';


/** A function named in a code span: `satisfies(version, range)`, `ig.filter(paths)`. */
const CALL_SPAN = /`(?:new\s+)?(?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)\s*\(/g;

/** Shortest question word taken for a function name ("get", "set" and "run" are too common). */
export const MIN_NAME_CHARS = 4;

/** The question's words that could name a function ("filter", "satisfies"; not "how", "get"). */
export function questionNames(question: string): string[] {
  return [...new Set(words(question).filter((w) => w.length >= MIN_NAME_CHARS && !STOP_WORDS.has(w)))];
}

/** The names a how-to answer's example should call, best first. */
export function calledNames(question: string, quotes: string[]): string[] {
  const names: string[] = [];
  for (const q of quotes) for (const m of q.matchAll(CALL_SPAN)) names.push(m[1]!);
  const quoted = new Set(quotes.flatMap((q) => words(q)));
  for (const w of questionNames(question)) if (quoted.has(w)) names.push(w);
  return [...new Set(names)];
}

/**
 * The example for a how-to answer with no code: a code-only pick (placed after the sentence
 * before the block), or `undefined` after attaching the block to a chosen sentence of its passage
 * (mutating `chosen`), or when there is none.
 */
export function callExample(
  question: string,
  sourcePaths: string[],
  prose: PassageProse[],
  chosen: Sentence[],
): Sentence | undefined {
  const first = chosen.find((s) => s.text);
  if (!first) return undefined;
  const names = calledNames(question, chosen.map((s) => s.text));
  if (!names.length) return undefined;
  const file = sourcePaths[first.passage];
  for (const name of names) {
    const found = exampleIn(sourcePaths, prose, chosen, file, (code) => callsName(code, name));
    if (found !== NONE) return found;
  }
  return undefined;
}

/** The API item a passage documents; a document's top heading (its title) never counts. */
export function apiOf(p: Passage): ApiName | undefined {
  return p.headingPath.length > 1 ? passageApiName(p.headingPath) : undefined;
}

/**
 * For the first chosen passage that documents an API item: the first code block, in the
 * best-ranked passage of the same file, that uses the item's name. Returned as a code-only pick
 * of that passage (placed after the sentence before it), or attached to a chosen sentence of it.
 */
export function apiExample(passages: Passage[], prose: PassageProse[], chosen: Sentence[]): Sentence | undefined {
  for (const first of chosen) {
    const api = apiOf(passages[first.passage]!);
    if (!api) continue;
    const sourcePaths = passages.map((p) => p.sourcePath);
    const found = exampleIn(sourcePaths, prose, chosen, sourcePaths[first.passage], (code) => usesIdentifier(code, api.identifier));
    return found === NONE ? undefined : found;
  }
  return undefined;
}

const NONE = Symbol('none');

/**
 * The first code block short enough to quote, in `file`'s passages in rank order, that `uses`:
 * attached to a chosen sentence of its passage (before the block) and `undefined` returned, or
 * returned as a code-only pick; NONE when no block qualifies.
 */
function exampleIn(
  sourcePaths: string[],
  prose: PassageProse[],
  chosen: Sentence[],
  file: string | undefined,
  uses: (code: string) => boolean,
): Sentence | undefined | typeof NONE {
  for (let p = 0; p < prose.length; p++) {
    if (sourcePaths[p] !== file) continue;
    const unit = prose[p]!.units.findIndex((u) => u.kind === 'code' && u.text.length <= MAX_QUOTED_CODE_CHARS && uses(u.text));
    if (unit < 0) continue;
    const before = prose[p]!.sentences.filter((x) => x.unit < unit).at(-1);
    const host = chosen.findIndex((c) => c.passage === p && c.text && c.code === undefined && (!before || c.position <= before.position));
    if (host >= 0) {
      chosen[host] = { ...chosen[host]!, code: unit };
      return undefined;
    }
    return { passage: p, unit, position: (before?.position ?? -1) + 0.5, text: '', score: 0, code: unit, terms: [] };
  }
  return NONE;
}

/**
 * The lines of a long example that answer the question. A README's usage block often runs to
 * 2,000 characters and holds the call asked about in one step (`cache.clear() // empty the
 * cache`); such a block is too long to quote whole (`MAX_QUOTED_CODE_CHARS`), so the answer
 * quotes the contiguous steps that share the question's terms, inside the block's own fences (so
 * it renders with the same language). The citation's snippet shows the same excerpt. Blank lines
 * between steps are kept as one; indentation common to the excerpt is removed.
 */
import { SHORT_CODE_CHARS } from './code-choice.js';

/**
 * Longest excerpt body grown around its best step (a step longer than this is still taken
 * alone): a short example's length, so an excerpt competes with sentences as one (./code-choice.ts).
 */
export const EXCERPT_CHARS = SHORT_CODE_CHARS;
/** Longer blocks are not searched (a generated listing, a data dump). */
const MAX_SEARCHED_CHARS = 20_000;

/**
 * An excerpt of a fenced block (fences included), or undefined when no step shares a question
 * term, the block has no fences, or the excerpt would be as long as `maxChars`.
 *
 * README examples are written as steps separated by blank lines, each with its comment
 * ("// Index all documents" / `miniSearch.addAll(documents)`), so the unit is a step: the one
 * sharing the most question terms (on a tie the shorter, then the earlier), then its neighbours
 * that share any and start at the same depth (not into or out of a nested block), better-scoring
 * first, while the excerpt stays under `EXCERPT_CHARS`.
 */
export function excerptCode(block: string, score: (text: string) => number, maxChars: number): string | undefined {
  if (block.length > MAX_SEARCHED_CHARS) return undefined;
  const lines = block.split('\n');
  const open = /^(`{3,}|~{3,})/.exec(lines[0] ?? '')?.[1];
  if (!open || lines.length < 3 || !lines.at(-1)!.trim().startsWith(open)) return undefined;
  const steps = paragraphs(lines.slice(1, -1));
  const scored = steps.map((text) => ({ text, score: score(text) }));
  let best = -1;
  scored.forEach((s, i) => {
    const b = scored[best];
    if (s.score > 0 && (!b || s.score > b.score || (s.score === b.score && s.text.length < b.text.length))) best = i;
  });
  if (best < 0) return undefined;
  let [from, to] = [best, best];
  const size = (a: number, b: number) => scored.slice(a, b + 1).reduce((n, s) => n + s.text.length + 2, 0);
  for (;;) {
    const options = [from - 1, to + 1].filter(
      (i) => i >= 0 && i < scored.length && scored[i]!.score > 0 && indent(scored[i]!.text) === indent(scored[best]!.text),
    );
    const fits = options.filter((i) => size(Math.min(from, i), Math.max(to, i)) <= EXCERPT_CHARS);
    if (!fits.length) break;
    const next = fits.sort((a, b) => scored[b]!.score - scored[a]!.score || scored[a]!.text.length - scored[b]!.text.length)[0]!;
    if (next < from) from = next;
    else to = next;
  }
  const body = dedent(steps.slice(from, to + 1).join('\n\n').split('\n'));
  const excerpt = [lines[0]!, ...body, lines.at(-1)!].join('\n');
  return excerpt.length < maxChars ? excerpt : undefined;
}

const indent = (text: string) => /^[ \t]*/.exec(text)![0].length;

/** The block's body cut at blank lines, each step's lines as written. */
function paragraphs(body: string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of body) {
    if (line.trim()) current.push(line);
    else if (current.length) {
      out.push(current.join('\n'));
      current = [];
    }
  }
  if (current.length) out.push(current.join('\n'));
  return out;
}

/**
 * Lines with their common indentation removed: an excerpt from inside a function reads at the
 * left margin. (Only leading whitespace goes; every line's text stays as written.)
 */
function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(cut, /^[ \t]*/.exec(l)![0].length)));
}

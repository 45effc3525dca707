/**
 * The snippet a citation shows for a quoted passage (see ./extractive.ts): built from the same
 * prose units the sentences come from, so every quoted sentence is a substring of it.
 */
import { codeRun, codeRunText, type PassageProse, type Sentence, type Unit } from './prose.js';

/** Snippet limit for a passage whose quote brings a code block (the default limit otherwise). */
export const CODE_SNIPPET_CHARS = 1_200;

/**
 * The citation's snippet: the passage's prose when short; else the units holding the quoted
 * sentences plus neighbours while under the limit; else just the quoted sentences. Always
 * contains every quoted sentence verbatim, and the code block a quoted sentence introduces
 * (such a snippet may run to `CODE_SNIPPET_CHARS`). The block right after a quoted paragraph is
 * a neighbour like prose (shown while under the limit); so is any block right after a shown
 * paragraph, which comes with it or not at all: the paragraph leads into it ("… you can instead
 * use the `wrap` function:", "For example."), shown alone it promises code the snippet leaves
 * out, and the code is often what answers (command-line-args' "first create a list of option
 * definitions …" and the definitions with `multiple: true`). Other code blocks are left out.
 */
export function buildSnippet(prose: PassageProse, quoted: Sentence[], defaultLimit: number): string {
  const { units } = prose;
  const quotedCode = new Set(quoted.flatMap((s) => (s.code !== undefined ? codeRun(units, s.code) : [])));
  const limit = quotedCode.size ? Math.max(defaultLimit, CODE_SNIPPET_CHARS) : defaultLimit;
  // A paragraph and the code right after it (its run) go together: a neighbour the snippet may
  // grow to whole, as prose is. After a quoted paragraph it is what the quote most often goes on
  // to ("please use v2 …" and `npm install node-fetch@2`).
  const partners = pairedCode(units);
  // The units a snippet may show, in order; "neighbours" and gaps are counted in this list.
  const shown = units.flatMap((unit, u) => (unit.kind === 'prose' || quotedCode.has(u) || partners.has(u) ? [u] : []));
  const render = (keep: Iterable<number>) => {
    const at = [...keep].map((u) => shown.indexOf(u)).sort((a, b) => a - b);
    let out = '';
    at.forEach((pos, i) => {
      const unit = units[shown[pos]!]!;
      if (i > 0) {
        const prev = units[shown[at[i - 1]!]!]!;
        out += prev.kind === 'code' || unit.kind === 'code' ? '\n\n' : prev.row && unit.row ? '\n' : ' ';
        if (pos !== at[i - 1]! + 1) out += '… ';
      }
      out += unit.text;
    });
    return out;
  };
  const whole = render(shown);
  if (whole.length <= limit) return whole;
  const keep = new Set([...quoted.map((s) => s.unit), ...quotedCode]);
  // A unit and its partners join together; a kept (quoted) paragraph's code joins if it fits.
  const withPartners = (u: number) => [u, ...(partners.get(u) ?? [])].filter((x) => !keep.has(x));
  if (render(keep).length > limit) {
    let out = '';
    for (const s of [...quoted].sort((a, b) => a.position - b.position)) {
      if (out) out += out.endsWith('```') || out.endsWith('~~~') ? '\n\n… ' : ' … ';
      const code = s.code === undefined ? '' : codeRunText(units, s.code);
      out += s.text ? s.text + (code ? `\n\n${code}` : '') : code;
    }
    return out;
  }
  // Grow around the quoted units, following text first (it usually explains what was quoted).
  for (let grew = true; grew; ) {
    grew = false;
    for (const pos of [...keep].map((u) => shown.indexOf(u)).sort((a, b) => a - b)) {
      for (const n of [pos, pos + 1, pos - 1]) {
        if (n < 0 || n >= shown.length) continue;
        const group = withPartners(shown[n]!);
        if (!group.length) continue;
        for (const u of group) keep.add(u);
        if (render(keep).length > limit) for (const u of group) keep.delete(u);
        else grew = true;
      }
    }
  }
  return render(keep);
}

/**
 * Each paragraph with a code block right after it (`Unit.codeAfter`), and that block's run, mapped
 * to one another: unit → the other units of its pair. A snippet shows a pair whole or not at all.
 * Measured against pairing only paragraphs that introduce their block (a colon, "following"):
 * one more tuning question carried its fact and none lost one (orchestrator/eval/TUNING.md).
 */
function pairedCode(units: Unit[]): Map<number, number[]> {
  const pairs = new Map<number, number[]>();
  units.forEach((unit, u) => {
    if (unit.kind !== 'prose' || unit.row || unit.codeAfter === undefined) return;
    const run = codeRun(units, unit.codeAfter);
    pairs.set(u, run);
    for (const c of run) pairs.set(c, [u, ...run.filter((x) => x !== c)]);
  });
  return pairs;
}

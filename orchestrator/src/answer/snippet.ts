/**
 * The snippet a citation shows for a quoted passage (see ./extractive.ts): built from the same
 * prose units the sentences come from, so every quoted sentence is a substring of it.
 */
import { codeRun, codeRunText, type PassageProse, type Sentence } from './prose.js';

/** Snippet limit for a passage whose quote brings a code block (the default limit otherwise). */
export const CODE_SNIPPET_CHARS = 1_200;

/**
 * The citation's snippet: the passage's prose when short; else the units holding the quoted
 * sentences plus neighbours while under the limit; else just the quoted sentences. Always
 * contains every quoted sentence verbatim, and the code block a quoted sentence introduces
 * (such a snippet may run to `CODE_SNIPPET_CHARS`). The block right after a quoted paragraph is
 * a neighbour like prose (shown while under the limit); other code blocks are left out.
 */
export function buildSnippet(prose: PassageProse, quoted: Sentence[], defaultLimit: number): string {
  const { units } = prose;
  const quotedCode = new Set(quoted.flatMap((s) => (s.code !== undefined ? codeRun(units, s.code) : [])));
  const limit = quotedCode.size ? Math.max(defaultLimit, CODE_SNIPPET_CHARS) : defaultLimit;
  // The code block right after a quoted paragraph is what it most often goes on to ("please use
  // v2 …" and `npm install node-fetch@2`): a neighbour the snippet may grow to, as prose is.
  const followingCode = new Set(quoted.flatMap((s) => units[s.unit]?.codeAfter ?? []));
  // The units a snippet may show, in order; "neighbours" and gaps are counted in this list.
  const shown = units.flatMap((unit, u) => (unit.kind === 'prose' || quotedCode.has(u) || followingCode.has(u) ? [u] : []));
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
      for (const n of [pos + 1, pos - 1]) {
        if (n < 0 || n >= shown.length || keep.has(shown[n]!)) continue;
        keep.add(shown[n]!);
        if (render(keep).length > limit) keep.delete(shown[n]!);
        else grew = true;
      }
    }
  }
  return render(keep);
}

/**
 * Which fenced code blocks an extractive answer carries. Asked how to do something, the answer is
 * usually the call in the example, not the prose around it ("How do I parse a Cookie header?" →
 * `cookie.parse('foo=bar')`), so a quoted passage brings its code block along when the block
 * speaks to the question: it shares the question's terms, and the question asks how (or the block
 * shares two or more terms). A block that directly follows a quoted sentence ending with `:` is
 * always brought ("mount it like this:"); a passage with no quotable prose at all (a README whose
 * section is only an example) is answered with its best block alone.
 *
 * Pure functions of the passages' units and the chosen sentences, so the flow's two calls (select
 * citations, then stream over the selected passages) pick the same blocks.
 */

/** Longest code block quoted; a longer one is left to the source. */
export const MAX_QUOTED_CODE_CHARS = 1_000;
/** Most code blocks one answer carries. */
export const MAX_CODE_BLOCKS = 2;

/** "How do I…", "how to…", "what's the command for…", "show me an example of…". */
const PROCEDURAL = /\b(?:how\s+(?:do|can|could|should|would|to|does\s+one)|what(?:'s| is)\s+the\s+(?:command|call|syntax|code|api|function|method)|example|usage|syntax|snippet)\b/i;

export function isProcedural(question: string): boolean {
  return PROCEDURAL.test(question);
}

export interface CodeUnit {
  kind: 'prose' | 'code';
  text: string;
}

export interface ChosenSentence {
  passage: number;
  unit: number;
  position: number;
  code?: number;
}

/**
 * For each passage with chosen sentences (best passages first), the code unit to bring and the
 * chosen sentence it follows. Mutates nothing; returns `sentence index → code unit`.
 */
export function chooseCode(
  question: string,
  chosen: ChosenSentence[],
  unitsOf: (passage: number) => CodeUnit[],
  score: (text: string) => number,
): Map<number, number> {
  const out = new Map<number, number>();
  const procedural = isProcedural(question);
  let blocks = chosen.filter((s) => s.code !== undefined).length;
  const passages = [...new Set(chosen.map((s) => s.passage))];
  for (const p of passages) {
    if (blocks >= MAX_CODE_BLOCKS) break;
    const mine = chosen.map((s, i) => ({ s, i })).filter(({ s }) => s.passage === p);
    if (mine.some(({ s }) => s.code !== undefined)) continue;
    const units = unitsOf(p);
    let best: { unit: number; score: number } | undefined;
    units.forEach((u, i) => {
      if (u.kind !== 'code' || u.text.length > MAX_QUOTED_CODE_CHARS) return;
      const sc = score(u.text);
      if (sc > (best?.score ?? 0)) best = { unit: i, score: sc };
    });
    if (!best || (!procedural && best.score < 2)) continue;
    // Attach to the last chosen sentence before the block, else to the passage's first quote.
    const before = mine.filter(({ s }) => s.unit < best!.unit).at(-1) ?? mine[0]!;
    out.set(before.i, best.unit);
    blocks++;
  }
  return out;
}

/** The best code unit over all passages when none has quotable prose: `[passage, unit]`. */
export function bestCodeOnly(
  passages: CodeUnit[][],
  score: (text: string) => number,
): [number, number] | undefined {
  let best: { p: number; u: number; score: number } | undefined;
  passages.forEach((units, p) =>
    units.forEach((unit, u) => {
      if (unit.kind !== 'code' || unit.text.length > MAX_QUOTED_CODE_CHARS) return;
      const sc = score(unit.text);
      if (sc > (best?.score ?? 0)) best = { p, u, score: sc };
    }),
  );
  return best && [best.p, best.u];
}

/**
 * The code units of one passage that share a question term, as candidates ranked with its
 * sentences: scored by the terms they share, plus a half for a short example (on a tie it beats
 * the prose about it: `short`, which the answerer weighs after the passage's own merits, see
 * ../answer/extractive.ts) or minus a half for a long one (a long listing shares many words by
 * chance, so it must share more than the best sentence), placed in reading order just after the
 * sentence before them.
 */
export const SHORT_CODE_CHARS = 400;

export function codeCandidates(
  units: CodeUnit[],
  sentences: { unit: number; position: number }[],
  score: (text: string) => number,
): { unit: number; position: number; score: number; code: number; short: boolean }[] {
  const out: { unit: number; position: number; score: number; code: number; short: boolean }[] = [];
  units.forEach((u, i) => {
    if (u.kind !== 'code' || u.text.length > MAX_QUOTED_CODE_CHARS) return;
    const sc = score(u.text);
    if (sc <= 0) return;
    const before = sentences.filter((s) => s.unit < i).at(-1);
    const short = u.text.length <= SHORT_CODE_CHARS;
    out.push({ unit: i, position: (before?.position ?? -1) + 0.5, score: sc + (short ? 0.5 : -0.5), code: i, short });
  });
  return out;
}

/**
 * The sentences of the retrieved passages as the offline answerer (./extractive.ts) weighs them:
 * each passage's prose parsed (./prose.ts) and every sentence scored, a section's opening sentence
 * with its heading's words; a long example replaced by its excerpt for a how-to question
 * (./code-excerpt.ts); and the test that keeps a sentence out of an answer that already says it.
 */
import type { Passage } from '../seams.js';
import { parseProse, type PassageProse, type Sentence } from './prose.js';
import { excerptCode } from './code-excerpt.js';
import { MAX_QUOTED_CODE_CHARS } from './code-choice.js';

/**
 * A sentence is a near-duplicate of a chosen one when at least this share of its content terms
 * occur in that one: it would repeat what the answer already says.
 */
export const NEAR_DUPLICATE_SHARE = 0.8;

/** The passage with each example too long to quote replaced by its excerpt for this question. */
export function withExcerpts(pp: PassageProse, scoreCode: (code: string) => number): PassageProse {
  if (!pp.units.some((u) => u.kind === 'code' && u.text.length > MAX_QUOTED_CODE_CHARS)) return pp;
  const units = pp.units.map((u) => {
    if (u.kind !== 'code' || u.text.length <= MAX_QUOTED_CODE_CHARS) return u;
    const excerpt = excerptCode(u.text, scoreCode, MAX_QUOTED_CODE_CHARS);
    return excerpt ? { kind: 'code' as const, text: excerpt } : u;
  });
  return { ...pp, units };
}

/** The sentence without the code block it brings (the block is already in the answer). */
export function withoutCode(s: Sentence): Sentence {
  const { code: _code, ...rest } = s;
  return rest;
}

/** Most of `s`'s content terms already occur in one chosen sentence. */
export function isNearDuplicate(s: Sentence, chosen: Sentence[]): boolean {
  if (s.terms.length === 0) return false;
  return chosen.some((c) => {
    const shared = s.terms.filter((t) => c.terms.includes(t)).length;
    return shared / s.terms.length >= NEAR_DUPLICATE_SHARE;
  });
}

/**
 * The heading a passage's first sentence answers: a section's opening sentence usually reads
 * under its heading ("## Add it to a page" — "One script and one tag:"), so it is scored with the
 * heading's words too. Not for a long section's later parts (`~2`), which open mid-topic.
 */
export function leadHeading(p: Passage): string | undefined {
  return /~\d+$/.test(p.id) ? undefined : p.headingPath.at(-1);
}

/** A passage's prose units and its sentences, each scored by `score` (the heading's words with the opening one). */
export function passageProse(markdown: string, passage: number, score: (text: string) => number, heading?: string): PassageProse {
  const { units, sentences } = parseProse(markdown);
  return {
    units,
    sentences: sentences.map((s, position) => ({
      passage,
      unit: s.unit,
      position,
      text: s.text,
      score: score([s.lead ? heading : undefined, s.header, s.text].filter(Boolean).join(' ')),
      terms: s.terms,
      ...(s.code !== undefined ? { code: s.code } : {}),
    })),
  };
}

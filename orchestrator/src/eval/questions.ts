/**
 * The question file: JSON Lines, one question per line, validated with zod so a typo names its
 * line instead of silently scoring zero. Format and meaning of each field: docs/evaluation.md.
 *
 *   {"id":"theme","question":"How do I theme the widget?","expected":["widget.md#theming"],"phrase":"--gc-accent"}
 *   {"id":"off-egg","question":"How long should I boil an egg?","answerable":false}
 *
 * `expected` names passages: a passage id (`widget.md#theming`, which also matches the section's
 * later parts `widget.md#theming~2`) or a source path (`widget.md`, any passage of that file).
 * `phrase` is what a correct answer must carry (any one of several when it is a list), matched
 * case-insensitively with whitespace collapsed. Why JSONL rather than one JSON array: a team's
 * question set grows line by line and diffs line by line.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export const MAX_QUESTIONS = 5_000;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

const questionSchema = z
  .object({
    id: text(200).optional(),
    question: text(8_000),
    answerable: z.boolean().optional(),
    expected: z.array(text(1_000)).max(50).optional(),
    phrase: z.union([text(1_000), z.array(text(1_000)).min(1).max(20)]).optional(),
    /** Free label, e.g. `tune` / `check` for a held-out split. */
    split: text(50).optional(),
    /** Free notes (where the fact is, why it is asked); ignored by the scorer. */
    note: z.string().max(2_000).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    const answerable = q.answerable ?? true;
    if (answerable && !q.expected?.length) ctx.addIssue({ code: 'custom', message: 'an answerable question needs "expected" passages' });
    if (answerable && !q.phrase) ctx.addIssue({ code: 'custom', message: 'an answerable question needs a "phrase"' });
    if (!answerable && (q.expected?.length || q.phrase)) {
      ctx.addIssue({ code: 'custom', message: 'an unanswerable question ("answerable": false) takes no "expected" or "phrase"' });
    }
  });

export interface EvalQuestion {
  id: string;
  question: string;
  answerable: boolean;
  /** Passage ids or source paths that answer it (empty when unanswerable). */
  expected: string[];
  /** Any one of these must occur in the answer (empty when unanswerable). */
  phrases: string[];
  split?: string;
}

/** A question file that cannot be used; `message` names the file and line. */
export class QuestionFileError extends Error {
  readonly code = 'bad_questions';
  constructor(message: string) {
    super(message);
    this.name = 'QuestionFileError';
  }
}

/** Parses JSONL text (blank lines and `//` comment lines are skipped). */
export function parseQuestions(source: string, name = 'questions'): EvalQuestion[] {
  const out: EvalQuestion[] = [];
  const ids = new Set<string>();
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const at = `${name}:${i + 1}`;
    if (!line.trim() || line.trim().startsWith('//')) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new QuestionFileError(`${at}: not valid JSON`);
    }
    const parsed = questionSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length ? `"${issue.path.join('.')}" ` : '';
      throw new QuestionFileError(`${at}: ${field}${issue.message}`);
    }
    const q = parsed.data;
    const id = q.id ?? `q${out.length + 1}`;
    if (ids.has(id)) throw new QuestionFileError(`${at}: duplicate id "${id}"`);
    ids.add(id);
    if (out.length >= MAX_QUESTIONS) throw new QuestionFileError(`${name}: more than ${MAX_QUESTIONS} questions`);
    out.push({
      id,
      question: q.question,
      answerable: q.answerable ?? true,
      expected: q.expected ?? [],
      phrases: q.phrase === undefined ? [] : Array.isArray(q.phrase) ? q.phrase : [q.phrase],
      ...(q.split ? { split: q.split } : {}),
    });
  });
  if (out.length === 0) throw new QuestionFileError(`${name}: no questions`);
  return out;
}

export async function loadQuestions(file: string): Promise<EvalQuestion[]> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    throw new QuestionFileError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseQuestions(source, file);
}

/** Does a cited or retrieved passage match one of the expected ids or paths? */
export function matchesExpected(passage: { id: string; sourcePath?: string }, expected: string[]): boolean {
  const path = passage.sourcePath ?? passage.id.split('#', 1)[0]!;
  return expected.some((e) => {
    if (!e.includes('#')) return path === e;
    return passage.id === e || passage.id.startsWith(`${e}~`);
  });
}

/** Whitespace-collapsed, lower-cased, so a phrase matches across line breaks and case. */
export const normalizeForMatch = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** The phrases found in `text`. */
export function carriesPhrase(text: string, phrases: string[]): boolean {
  const hay = normalizeForMatch(text);
  return phrases.some((p) => hay.includes(normalizeForMatch(p)));
}

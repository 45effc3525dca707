/**
 * Per-question results and the metrics over them. What each metric means, and how to read it:
 * docs/evaluation.md. Every rate is a share in 0–1 over the questions it applies to, `null` when
 * none do (an unanswerable-only file has no hit@1), so a report never shows a made-up 0.
 */
import type { Citation } from '../contract.js';
import { carriesPhrase, matchesExpected, type EvalQuestion } from './questions.js';
import type { TargetAnswer } from './target.js';

export interface JudgeScores {
  /** 1–5, or null when the judge failed for this question. */
  groundedness: number | null;
  relevance: number | null;
  /** A judge failure code (e.g. `judge_unavailable`, `judge_unparseable`). */
  error?: string;
}

export interface QuestionResult {
  id: string;
  question: string;
  answerable: boolean;
  split?: string;
  expected: string[];
  phrases: string[];
  answer: string;
  citations: Citation[];
  ranked: { id: string; sourcePath?: string }[];
  latencyMs: number;
  error?: string;
  /** 1-based rank of the first expected passage among the ranked ones, or null. */
  rank: number | null;
  /** Cited passages that are among the expected ones. */
  citedExpected: number;
  /** A citation is among the expected. */
  citedRight: boolean;
  /** The answer text carries a phrase. */
  phraseInAnswer: boolean;
  /** The answer or a cited snippet carries a phrase. */
  phraseInAnswerOrCitations: boolean;
  /** No citations: the answer says it doesn't know. */
  refused: boolean;
  /** Answerable: right citation and the phrase in the answer or its citations. Unanswerable: refused. */
  pass: boolean;
  judge?: JudgeScores;
}

export function scoreQuestion(q: EvalQuestion, got: TargetAnswer): QuestionResult {
  const rankIndex = got.ranked.findIndex((p) => matchesExpected(p, q.expected));
  const cited = got.citations.map((c) => ({ id: c.id, ...(c.filepath ? { sourcePath: c.filepath } : {}) }));
  const citedExpected = q.answerable ? cited.filter((c) => matchesExpected(c, q.expected)).length : 0;
  const phraseInAnswer = q.answerable && carriesPhrase(got.answer, q.phrases);
  const phraseInAnswerOrCitations =
    phraseInAnswer || (q.answerable && got.citations.some((c) => carriesPhrase(c.snippet, q.phrases)));
  const refused = !got.error && got.citations.length === 0;
  const citedRight = citedExpected > 0;
  return {
    id: q.id,
    question: q.question,
    answerable: q.answerable,
    ...(q.split ? { split: q.split } : {}),
    expected: q.expected,
    phrases: q.phrases,
    answer: got.answer,
    citations: got.citations,
    ranked: got.ranked,
    latencyMs: got.latencyMs,
    ...(got.error ? { error: got.error } : {}),
    rank: q.answerable && rankIndex >= 0 ? rankIndex + 1 : null,
    citedExpected,
    citedRight,
    phraseInAnswer,
    phraseInAnswerOrCitations,
    refused,
    pass: !got.error && (q.answerable ? citedRight && phraseInAnswerOrCitations : refused),
  };
}

export interface Metrics {
  questions: number;
  answerable: number;
  unanswerable: number;
  errors: number;
  hitAt1: number | null;
  hitAt5: number | null;
  mrr: number | null;
  citationPrecision: number | null;
  citedRight: number | null;
  phraseRecall: number | null;
  factRecall: number | null;
  refusalRate: number | null;
  falseRefusalRate: number | null;
  passRate: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  groundedness: number | null;
  relevance: number | null;
}

/** The metrics, in report order, with labels and their direction. */
export const METRICS: { key: keyof Metrics; label: string; kind: 'rate' | 'ms' | 'scale'; higherIsBetter: boolean }[] = [
  { key: 'hitAt1', label: 'retrieval hit@1', kind: 'rate', higherIsBetter: true },
  { key: 'hitAt5', label: 'retrieval hit@5', kind: 'rate', higherIsBetter: true },
  { key: 'mrr', label: 'retrieval MRR', kind: 'rate', higherIsBetter: true },
  { key: 'citationPrecision', label: 'citation precision', kind: 'rate', higherIsBetter: true },
  { key: 'citedRight', label: 'right source cited', kind: 'rate', higherIsBetter: true },
  { key: 'phraseRecall', label: 'phrase recall (answer)', kind: 'rate', higherIsBetter: true },
  { key: 'factRecall', label: 'fact in answer or citations', kind: 'rate', higherIsBetter: true },
  { key: 'refusalRate', label: 'refusal on unanswerable', kind: 'rate', higherIsBetter: true },
  { key: 'falseRefusalRate', label: 'refusal on answerable', kind: 'rate', higherIsBetter: false },
  { key: 'passRate', label: 'questions passed', kind: 'rate', higherIsBetter: true },
  { key: 'groundedness', label: 'groundedness (judge, 1–5)', kind: 'scale', higherIsBetter: true },
  { key: 'relevance', label: 'relevance (judge, 1–5)', kind: 'scale', higherIsBetter: true },
  { key: 'latencyP50Ms', label: 'latency p50', kind: 'ms', higherIsBetter: false },
  { key: 'latencyP95Ms', label: 'latency p95', kind: 'ms', higherIsBetter: false },
];

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Nearest-rank percentile (p in 0–100) of unsorted values. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The rates that are a share of questions: how many of how many (`RATE_SHARES`). */
export type ShareKey = 'hitAt1' | 'hitAt5' | 'citedRight' | 'phraseRecall' | 'factRecall' | 'refusalRate' | 'falseRefusalRate' | 'passRate';

/**
 * Each share: the questions it is over (of the answered ones, failed requests left out, except
 * for the pass rate, where a failed request fails its question) and which of them count.
 */
const RATE_SHARES: Record<ShareKey, { over: 'answerable' | 'unanswerable' | 'all'; ok: (r: QuestionResult) => boolean }> = {
  hitAt1: { over: 'answerable', ok: (r) => r.rank === 1 },
  hitAt5: { over: 'answerable', ok: (r) => r.rank !== null && r.rank <= 5 },
  citedRight: { over: 'answerable', ok: (r) => r.citedRight },
  phraseRecall: { over: 'answerable', ok: (r) => r.phraseInAnswer },
  factRecall: { over: 'answerable', ok: (r) => r.phraseInAnswerOrCitations },
  refusalRate: { over: 'unanswerable', ok: (r) => r.refused },
  falseRefusalRate: { over: 'answerable', ok: (r) => r.refused },
  passRate: { over: 'all', ok: (r) => r.pass },
};

function shareCounts(results: QuestionResult[]): Record<ShareKey, { k: number; n: number }> {
  const ok = results.filter((r) => !r.error);
  const groups = { answerable: ok.filter((r) => r.answerable), unanswerable: ok.filter((r) => !r.answerable), all: results };
  const out = {} as Record<ShareKey, { k: number; n: number }>;
  for (const [key, { over, ok: counts }] of Object.entries(RATE_SHARES) as [ShareKey, (typeof RATE_SHARES)[ShareKey]][]) {
    out[key] = { k: groups[over].filter(counts).length, n: groups[over].length };
  }
  return out;
}

/** A rate's 95% confidence interval, and how many questions it is a share of. */
export interface Interval {
  low: number;
  high: number;
  n: number;
}

/**
 * The Wilson score interval of `k` successes in `n` (95% with the default z). Chosen over the
 * textbook normal interval, which collapses to a point at 0 of n or n of n and runs past 0 and
 * 1 on the few dozen questions an evaluation has; Wilson's stays inside, and is the interval
 * usually recommended for small samples. `null` for no questions.
 */
export function wilson(k: number, n: number, z = 1.96): Interval | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}

/** Each share's interval, by its metric's key (`rateIntervals`). */
export type Intervals = Partial<Record<keyof Metrics, Interval>>;

/**
 * How far each share of questions could move by chance (docs/evaluation.md, "Read the report"):
 * with 33 questions, one question is 0.03 of a rate, and 25 of 33 (0.758) reads 0.59–0.87.
 */
export function rateIntervals(results: QuestionResult[]): Intervals {
  const out: Intervals = {};
  for (const [key, { k, n }] of Object.entries(shareCounts(results)) as [ShareKey, { k: number; n: number }][]) {
    const interval = wilson(k, n);
    if (interval) out[key] = interval;
  }
  return out;
}

export function summarize(results: QuestionResult[]): Metrics {
  const ok = results.filter((r) => !r.error);
  const answerable = ok.filter((r) => r.answerable);
  const citedCount = answerable.reduce((n, r) => n + r.citations.length, 0);
  const judged = results.filter((r) => r.judge);
  const scores = (k: 'groundedness' | 'relevance') =>
    mean(judged.flatMap((r) => (typeof r.judge![k] === 'number' ? [r.judge![k] as number] : [])));
  const counts = shareCounts(results);
  const share = (key: ShareKey) => (counts[key].n ? counts[key].k / counts[key].n : null);
  return {
    questions: results.length,
    answerable: results.filter((r) => r.answerable).length,
    unanswerable: results.filter((r) => !r.answerable).length,
    errors: results.length - ok.length,
    hitAt1: share('hitAt1'),
    hitAt5: share('hitAt5'),
    mrr: mean(answerable.map((r) => (r.rank ? 1 / r.rank : 0))),
    citationPrecision: citedCount ? answerable.reduce((n, r) => n + r.citedExpected, 0) / citedCount : null,
    citedRight: share('citedRight'),
    phraseRecall: share('phraseRecall'),
    factRecall: share('factRecall'),
    refusalRate: share('refusalRate'),
    falseRefusalRate: share('falseRefusalRate'),
    passRate: share('passRate'),
    latencyP50Ms: percentile(ok.map((r) => r.latencyMs), 50),
    latencyP95Ms: percentile(ok.map((r) => r.latencyMs), 95),
    groundedness: judged.length ? scores('groundedness') : null,
    relevance: judged.length ? scores('relevance') : null,
  };
}

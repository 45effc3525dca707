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
const share = <T>(xs: T[], ok: (x: T) => boolean): number | null => (xs.length ? xs.filter(ok).length / xs.length : null);

/** Nearest-rank percentile (p in 0–100) of unsorted values. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function summarize(results: QuestionResult[]): Metrics {
  const ok = results.filter((r) => !r.error);
  const answerable = ok.filter((r) => r.answerable);
  const unanswerable = ok.filter((r) => !r.answerable);
  const citedCount = answerable.reduce((n, r) => n + r.citations.length, 0);
  const judged = results.filter((r) => r.judge);
  const scores = (k: 'groundedness' | 'relevance') =>
    mean(judged.flatMap((r) => (typeof r.judge![k] === 'number' ? [r.judge![k] as number] : [])));
  return {
    questions: results.length,
    answerable: results.filter((r) => r.answerable).length,
    unanswerable: results.filter((r) => !r.answerable).length,
    errors: results.length - ok.length,
    hitAt1: share(answerable, (r) => r.rank === 1),
    hitAt5: share(answerable, (r) => r.rank !== null && r.rank <= 5),
    mrr: mean(answerable.map((r) => (r.rank ? 1 / r.rank : 0))),
    citationPrecision: citedCount ? answerable.reduce((n, r) => n + r.citedExpected, 0) / citedCount : null,
    citedRight: share(answerable, (r) => r.citedRight),
    phraseRecall: share(answerable, (r) => r.phraseInAnswer),
    factRecall: share(answerable, (r) => r.phraseInAnswerOrCitations),
    refusalRate: share(unanswerable, (r) => r.refused),
    falseRefusalRate: share(answerable, (r) => r.refused),
    passRate: share(results, (r) => r.pass),
    latencyP50Ms: percentile(ok.map((r) => r.latencyMs), 50),
    latencyP95Ms: percentile(ok.map((r) => r.latencyMs), 95),
    groundedness: judged.length ? scores('groundedness') : null,
    relevance: judged.length ? scores('relevance') : null,
  };
}

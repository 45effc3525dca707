/** The JSON report: what CI keeps as an artifact and what `--compare` reads back. */
import type { Intervals, Metrics, QuestionResult } from './metrics.js';

export const REPORT_FORMAT = 1;

export interface EvalReport {
  format: number;
  createdAt: string;
  target: string;
  /** `retriever`: hit@k and MRR over the retriever's top 5; `citations`: over the citation order. */
  ranking: 'retriever' | 'citations';
  questionsFile: string;
  judge?: { model: string };
  metrics: Metrics;
  /** 95% confidence intervals of the rates that are shares of questions (absent in reports before them). */
  intervals?: Intervals;
  questions: QuestionResult[];
}

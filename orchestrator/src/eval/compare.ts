/**
 * `--compare baseline.json`: a previous run's JSON report against this one. A metric regresses
 * when it is worse than the baseline by more than its tolerance: rates by more than
 * `rateTolerance` (absolute), judge scales by more than `scaleTolerance`, latency when p50/p95
 * grow by more than `latencyFactor` AND by more than `latencyMinMs` (two machines, or one busy
 * machine, differ by a few milliseconds; that is not a regression). Questions that passed in the
 * baseline and fail now are listed too; they regress the run as well, since a per-question flip
 * is what a reviewer needs to see first.
 */
import { readFile } from 'node:fs/promises';
import { METRICS, type Metrics } from './metrics.js';
import type { EvalReport } from './report-json.js';

export interface CompareOptions {
  rateTolerance?: number;
  scaleTolerance?: number;
  latencyFactor?: number;
  latencyMinMs?: number;
}

export interface Regression {
  metric: keyof Metrics;
  baseline: number;
  current: number;
}

export interface Comparison {
  regressions: Regression[];
  /** Question ids that passed in the baseline and fail now. */
  newlyFailing: string[];
  /** Question ids that failed in the baseline and pass now. */
  newlyPassing: string[];
}

export class BaselineError extends Error {
  readonly code = 'bad_baseline';
}

export async function loadBaseline(file: string): Promise<EvalReport> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BaselineError(`cannot read baseline ${file} (${code ?? 'not valid JSON'})`);
  }
  const metrics = (json as { metrics?: unknown })?.metrics;
  if (typeof metrics !== 'object' || metrics === null || !Array.isArray((json as { questions?: unknown }).questions)) {
    throw new BaselineError(`baseline ${file} is not an eval JSON report (no "metrics" and "questions")`);
  }
  return json as EvalReport;
}

export function compare(baseline: EvalReport, current: EvalReport, options: CompareOptions = {}): Comparison {
  const { rateTolerance = 0.02, scaleTolerance = 0.25, latencyFactor = 1.5, latencyMinMs = 25 } = options;
  const regressions: Regression[] = [];
  for (const m of METRICS) {
    const b = baseline.metrics[m.key];
    const c = current.metrics[m.key];
    if (typeof b !== 'number' || typeof c !== 'number') continue;
    let worse: boolean;
    if (m.kind === 'ms') worse = c > b * latencyFactor && c - b > latencyMinMs;
    else {
      const tol = m.kind === 'scale' ? scaleTolerance : rateTolerance;
      worse = m.higherIsBetter ? c < b - tol : c > b + tol;
    }
    if (worse) regressions.push({ metric: m.key, baseline: b, current: c });
  }
  const before = new Map(baseline.questions.map((q) => [q.id, q.pass]));
  const newlyFailing = current.questions.filter((q) => before.get(q.id) === true && !q.pass).map((q) => q.id);
  const newlyPassing = current.questions.filter((q) => before.get(q.id) === false && q.pass).map((q) => q.id);
  return { regressions, newlyFailing, newlyPassing };
}

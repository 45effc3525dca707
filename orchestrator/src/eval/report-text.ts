/** The terminal table: one line per metric, then the failed questions, one line each. */
import { METRICS, type Interval, type Intervals, type Metrics, type QuestionResult } from './metrics.js';
import type { Regression } from './compare.js';

export function formatValue(kind: 'rate' | 'ms' | 'scale', v: number | null): string {
  if (v === null) return '—';
  if (kind === 'ms') return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;
  if (kind === 'scale') return v.toFixed(2);
  return v.toFixed(3);
}

/** A rate's interval as the reports show it: `0.590–0.872 of 33`. */
export function formatInterval(interval: Interval | undefined): string {
  return interval ? `${interval.low.toFixed(3)}–${interval.high.toFixed(3)} of ${interval.n}` : '';
}

/**
 * `intervals`: the rates' 95% confidence intervals (./metrics.ts `rateIntervals`), shown beside
 * them; a report written before them has none.
 */
export function renderTable(
  metrics: Metrics,
  results: QuestionResult[],
  regressions: Regression[] = [],
  title = 'evaluation',
  intervals: Intervals = {},
): string {
  const rows = METRICS.filter((m) => metrics[m.key] !== null || m.kind !== 'scale').map((m) => {
    const reg = regressions.find((r) => r.metric === m.key);
    return [m.label, formatValue(m.kind, metrics[m.key] as number | null), formatInterval(intervals[m.key]), reg ? `REGRESSED (was ${formatValue(m.kind, reg.baseline)})` : ''];
  });
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const spread = Math.max(0, ...rows.map((r) => r[2]!.length));
  const lines = [
    `${title}: ${metrics.questions} questions (${metrics.answerable} answerable, ${metrics.unanswerable} unanswerable)${metrics.errors ? `, ${metrics.errors} failed requests` : ''}` +
      (spread ? '; beside each share of questions, its 95% confidence interval' : ''),
    ...rows.map(([label, value, interval, note]) =>
      `  ${label!.padEnd(width)}  ${value!.padStart(8)}${spread ? `  ${interval!.padEnd(spread)}` : ''}${note ? `  ${note}` : ''}`.trimEnd(),
    ),
  ];
  const failed = results.filter((r) => !r.pass);
  if (failed.length) {
    lines.push(`failed (${failed.length}):`);
    for (const r of failed) lines.push(`  ✗ ${r.id}: ${why(r)} — ${oneLine(r.question, 80)}`);
  }
  return lines.join('\n') + '\n';
}

/** Why a question failed, in a few words. */
export function why(r: QuestionResult): string {
  if (r.error) return `request failed (${r.error})`;
  if (!r.answerable) return `answered with ${r.citations.length} citation${r.citations.length === 1 ? '' : 's'}`;
  if (r.refused) return 'refused';
  const parts: string[] = [];
  if (!r.citedRight) parts.push(`cited ${r.citations.map((c) => c.id).join(', ') || 'nothing'}`);
  if (!r.phraseInAnswerOrCitations) parts.push('phrase missing');
  return parts.join('; ');
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * The HTML report: one self-contained file (no script, no external request; inline CSS and SVG),
 * so it can be attached to a CI run and opened anywhere. Per-metric bars, then every question
 * with pass/fail, the answer and its citations.
 *
 * Answers, snippets, titles and questions are untrusted (documents and models write them): every
 * interpolated value goes through `escapeHtml`, and the page's CSP (`default-src 'none'`) would
 * refuse a script even if one slipped through. Rejected: a charting library (a script on the page
 * and a dependency for a dozen bars).
 */
import { METRICS, type Interval, type Intervals, type Metrics, type QuestionResult } from './metrics.js';
import { formatInterval, formatValue, why } from './report-text.js';
import type { EvalReport } from './report-json.js';
import type { Comparison } from './compare.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const BAR_W = 320;
const BAR_H = 18;

const x = (share: number) => Math.round(Math.max(0, Math.min(1, share)) * BAR_W);

/**
 * One SVG bar: `share` of the width filled (0–1), with its label drawn as text (escaped), and the
 * rate's confidence interval as a line across it with end ticks (`interval`, when it has one).
 */
function bar(share: number, label: string, good: boolean, interval?: Interval): string {
  const mid = BAR_H / 2;
  const tick = (at: number) => `<line x1="${at}" y1="${mid - 4}" x2="${at}" y2="${mid + 4}"/>`;
  const [low, high] = interval ? [x(interval.low), x(interval.high)] : [0, 0];
  const whisker = interval
    ? `<g class="interval" stroke="#1d2330" stroke-width="1.5"><line x1="${low}" y1="${mid}" x2="${high}" y2="${mid}"/>${tick(low)}${tick(high)}</g>`
    : '';
  return `<svg class="bar" width="${BAR_W}" height="${BAR_H}" viewBox="0 0 ${BAR_W} ${BAR_H}" role="img" aria-label="${escapeHtml(label)}">` +
    `<rect width="${BAR_W}" height="${BAR_H}" rx="3" fill="#e8eaef"/>` +
    `<rect width="${x(share)}" height="${BAR_H}" rx="3" fill="${good ? '#2f7d4f' : '#b3541e'}"/>` +
    whisker +
    `</svg>`;
}

function metricRows(metrics: Metrics, comparison?: Comparison, intervals: Intervals = {}): string {
  const latencies = METRICS.filter((m) => m.kind === 'ms').map((m) => (metrics[m.key] as number | null) ?? 0);
  const maxLatency = Math.max(1, ...latencies);
  return METRICS.filter((m) => metrics[m.key] !== null)
    .map((m) => {
      const v = metrics[m.key] as number;
      const share = m.kind === 'rate' ? v : m.kind === 'scale' ? v / 5 : v / maxLatency;
      const good = m.kind === 'ms' ? true : m.higherIsBetter ? share >= 0.8 : share <= 0.2;
      const reg = comparison?.regressions.find((r) => r.metric === m.key);
      const text = formatValue(m.kind, v);
      const interval = intervals[m.key];
      const range = interval ? ` (95% interval ${formatInterval(interval)})` : '';
      return `<tr${reg ? ' class="regressed"' : ''}><th scope="row">${escapeHtml(m.label)}</th><td class="num">${escapeHtml(text)}</td>` +
        `<td>${bar(share, `${m.label}: ${text}${range}`, good && !reg, interval)}</td><td class="range">${escapeHtml(formatInterval(interval))}</td>` +
        `<td>${reg ? `regressed (baseline ${escapeHtml(formatValue(m.kind, reg.baseline))})` : ''}</td></tr>`;
    })
    .join('\n');
}

function questionBlock(r: QuestionResult, flipped: boolean): string {
  const status = r.pass ? 'pass' : 'fail';
  const cites = r.citations
    .map((c, i) => {
      const right = r.answerable && r.expected.length ? (r.citedExpected && isExpected(r, c.id) ? ' ✓' : ' ✗') : '';
      return `<li><div class="cite-title">[${i + 1}] ${escapeHtml(c.title)} <code>${escapeHtml(c.id)}</code>${escapeHtml(right)}</div>` +
        `<pre class="snippet">${escapeHtml(c.snippet)}</pre></li>`;
    })
    .join('');
  const judge = r.judge
    ? `<p class="judge">judge: groundedness ${escapeHtml(r.judge.groundedness ?? '—')}, relevance ${escapeHtml(r.judge.relevance ?? '—')}${r.judge.error ? ` (${escapeHtml(r.judge.error)})` : ''}</p>`
    : '';
  return `<details class="q ${status}"${r.pass ? '' : ' open'}>` +
    `<summary><span class="badge ${status}">${r.pass ? 'PASS' : 'FAIL'}</span>${flipped ? '<span class="badge fail">NEW</span>' : ''} ` +
    `<code>${escapeHtml(r.id)}</code> ${escapeHtml(r.question)}${r.pass ? '' : ` <em>— ${escapeHtml(why(r))}</em>`}</summary>` +
    `<dl><dt>expected</dt><dd>${r.answerable ? `${escapeHtml(r.expected.join(', '))}; phrase: ${r.phrases.map((p) => `<q>${escapeHtml(p)}</q>`).join(' or ')}` : 'no answer (the documents do not cover it)'}</dd>` +
    `<dt>retrieval</dt><dd>${r.rank ? `expected passage at rank ${r.rank}` : r.answerable ? 'expected passage not in the top 5' : '—'} · ${escapeHtml(r.latencyMs.toFixed(1))} ms</dd></dl>` +
    `<h4>Answer</h4><pre class="answer">${escapeHtml(r.answer || '(empty)')}</pre>${judge}` +
    (cites ? `<h4>Citations</h4><ol class="cites">${cites}</ol>` : '<p>No citations.</p>') +
    `</details>`;
}

function isExpected(r: QuestionResult, id: string): boolean {
  return r.expected.some((e) => (e.includes('#') ? id === e || id.startsWith(`${e}~`) : id.split('#', 1)[0] === e));
}

export function renderHtml(report: EvalReport, comparison?: Comparison): string {
  const { metrics, questions } = report;
  const flipped = new Set(comparison?.newlyFailing ?? []);
  const failed = questions.filter((q) => !q.pass).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>grounded-chat evaluation — ${escapeHtml(report.target)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1d2330}
h1{font-size:1.4rem}table{border-collapse:collapse}th,td{padding:.25rem .6rem;text-align:left;vertical-align:middle}
td.num,td.range{font-variant-numeric:tabular-nums}td.num{text-align:right}td.range{color:#5a6272;font-size:.85rem}tr.regressed th,tr.regressed td{color:#a3300b;font-weight:600}
.meta{color:#5a6272}.q{border:1px solid #d9dce3;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}
.q.fail{border-color:#e0a98a}summary{cursor:pointer}.badge{display:inline-block;font-size:.75rem;font-weight:700;padding:0 .4rem;border-radius:3px;margin-right:.3rem;color:#fff}
.badge.pass{background:#2f7d4f}.badge.fail{background:#b3541e}pre{white-space:pre-wrap;word-break:break-word;background:#f5f6f8;padding:.5rem;border-radius:4px;max-height:24rem;overflow:auto}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem}dt{color:#5a6272}h4{margin:.6rem 0 .2rem}.cite-title{font-weight:600}
</style></head><body>
<h1>grounded-chat evaluation</h1>
<p class="meta">${escapeHtml(report.target)} · questions: ${escapeHtml(report.questionsFile)} · ${escapeHtml(report.createdAt)}<br>
${metrics.questions} questions (${metrics.answerable} answerable, ${metrics.unanswerable} unanswerable), ${failed} failed${metrics.errors ? `, ${metrics.errors} requests failed` : ''}.
Ranking metrics over ${report.ranking === 'retriever' ? "the retriever's top 5" : 'the citation order (a remote orchestrator shows only its citations)'}.${report.judge ? ` Judge: ${escapeHtml(report.judge.model)}.` : ''}</p>
${comparison ? `<p>${comparison.regressions.length ? `<strong>${comparison.regressions.length} metric regression(s)</strong>` : 'No metric regressions'} against the baseline; ${comparison.newlyFailing.length} question(s) newly failing, ${comparison.newlyPassing.length} newly passing.</p>` : ''}
<h2>Metrics</h2>
<p class="meta">The line across a bar is the rate's 95% confidence interval: how far it could move by chance with this many questions (Wilson score).</p>
<table>${metricRows(metrics, comparison, report.intervals)}</table>
<h2>Questions</h2>
${questions.map((q) => questionBlock(q, flipped.has(q.id))).join('\n')}
</body></html>
`;
}

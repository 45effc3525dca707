/**
 * The Azure Monitor workbook (infra/monitoring/workbook.json) and the queries in docs/telemetry.md
 * are written against the names the code emits. This test reads every KQL query in both and checks
 * each event, metric, step and field name it uses against the exported constants, and that the
 * main ones are used at all: rename a field in the code and this fails until the queries follow.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KIT_EVENT_FIELDS, KIT_EVENTS, KIT_METRIC_ATTRIBUTES, KIT_METRICS } from '../../server-kit/src/telemetry/names.js';
import { FLOW_ATTRIBUTES, FLOW_STEPS, GEN_AI, ORCHESTRATOR_EVENT_FIELDS, ORCHESTRATOR_EVENTS, RETRIEVAL } from '../../orchestrator/src/telemetry/names.js';

const root = join(import.meta.dirname, '..', '..');
const values = (o: object) => Object.values(o) as string[];

type Fields = { properties: Record<string, string>; measurements: Record<string, string> };
const EVENT_FIELDS = new Map<string, Fields>([
  ...Object.entries(KIT_EVENTS).map(([key, name]) => [name, KIT_EVENT_FIELDS[key as keyof typeof KIT_EVENT_FIELDS]] as [string, Fields]),
  [ORCHESTRATOR_EVENTS.contentFiltered, ORCHESTRATOR_EVENT_FIELDS],
]);
const SPAN_ATTRIBUTES = new Set([...values(GEN_AI), ...values(RETRIEVAL), ...values(FLOW_ATTRIBUTES)]);
const METRIC_ATTRIBUTES = new Set(values(KIT_METRIC_ATTRIBUTES));

type QueryRefs = { table: string; names: string[]; prefixes: string[]; dimensions: string[]; measurements: string[] };

/** The names a KQL query refers to: its table, `name ==`/`in`/`startswith` literals, and fields. */
function refsOf(query: string): QueryRefs {
  // Leading `let x = ...;` statements name values, not tables.
  const table = /^\s*(\w+)/.exec(query.replace(/^\s*let\s[^;]*;/gm, ''))?.[1] ?? '';
  const names = [...query.matchAll(/\bname\s*==\s*"([^"]+)"/g)].map((m) => m[1]!);
  for (const m of query.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)) names.push(...[...m[1]!.matchAll(/"([^"]+)"/g)].map((s) => s[1]!));
  const prefixes = [...query.matchAll(/\bname\s+startswith\s+"([^"]+)"/g)].map((m) => m[1]!);
  const field = (bag: string) => [
    ...[...query.matchAll(new RegExp(`\\b${bag}\\.(\\w+)`, 'g'))].map((m) => m[1]!),
    ...[...query.matchAll(new RegExp(`\\b${bag}\\["([^"]+)"\\]`, 'g'))].map((m) => m[1]!),
  ];
  return { table, names, prefixes, dimensions: field('customDimensions'), measurements: field('customMeasurements') };
}

/** Problems with one query's names, empty when every name it uses is one the code emits. */
function problemsOf(query: string): string[] {
  const r = refsOf(query);
  const out: string[] = [];
  const unknown = (kind: string, list: string[], known: Set<string>) => {
    for (const n of list) if (!known.has(n)) out.push(`unknown ${kind} "${n}"`);
  };
  switch (r.table) {
    case 'customEvents': {
      unknown('event', r.names, new Set(EVENT_FIELDS.keys()));
      const events = (r.names.length ? r.names : [...EVENT_FIELDS.keys()]).map((n) => EVENT_FIELDS.get(n)).filter(Boolean) as Fields[];
      unknown('event property', r.dimensions, new Set(events.flatMap((f) => values(f.properties))));
      unknown('event measurement', r.measurements, new Set(events.flatMap((f) => values(f.measurements))));
      break;
    }
    case 'customMetrics':
      unknown('metric', r.names, new Set(values(KIT_METRICS)));
      unknown('metric dimension', r.dimensions, METRIC_ATTRIBUTES);
      break;
    case 'dependencies':
      unknown('flow step', r.names, new Set(values(FLOW_STEPS)));
      for (const p of r.prefixes) if (!values(FLOW_STEPS).some((s) => s.startsWith(p))) out.push(`no flow step starts with "${p}"`);
      unknown('span attribute', r.dimensions, SPAN_ATTRIBUTES);
      break;
    case 'requests':
    case 'traces':
    case 'union':
      unknown('attribute', r.dimensions, new Set([...SPAN_ATTRIBUTES, ...[...EVENT_FIELDS.values()].flatMap((f) => values(f.properties))]));
      break;
    default:
      out.push(`unexpected table "${r.table}"`);
  }
  return out;
}

function workbookQueries(): Array<{ name: string; query: string }> {
  const workbook = JSON.parse(readFileSync(join(root, 'infra', 'monitoring', 'workbook.json'), 'utf8'));
  const out: Array<{ name: string; query: string }> = [];
  const walk = (items: Array<{ type: number; name: string; content: { query?: string; items?: unknown[] } }>) => {
    for (const item of items) {
      if (item.type === 3 && item.content.query) out.push({ name: item.name, query: item.content.query });
      if (item.content.items) walk(item.content.items as typeof items);
    }
  };
  walk(workbook.items);
  return out;
}

function docsQueries(): Array<{ name: string; query: string }> {
  const text = readFileSync(join(root, 'docs', 'telemetry.md'), 'utf8');
  return [...text.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m, i) => ({ name: `docs/telemetry.md query ${i + 1}`, query: m[1]! }));
}

describe('telemetry queries', () => {
  it('catches a name the code does not emit', () => {
    assert.deepEqual(problemsOf('customEvents | where name == "chats" | extend t = customMeasurements.ttft'), [
      'unknown event "chats"',
      'unknown event measurement "ttft"',
    ]);
    assert.deepEqual(problemsOf('customEvents | where name == "feedback" | extend t = customMeasurements.input_tokens'), [
      'unknown event measurement "input_tokens"',
    ]);
    assert.deepEqual(problemsOf('dependencies | where name startswith "step." | extend m = customDimensions["gen_ai.model"]'), [
      'no flow step starts with "step."',
      'unknown span attribute "gen_ai.model"',
    ]);
  });

  const workbook = workbookQueries();
  it('the workbook is valid JSON with queries over the tables Application Insights writes', () => {
    assert.ok(workbook.length >= 8);
    const tables = new Set(workbook.map((q) => refsOf(q.query).table));
    for (const t of ['customEvents', 'customMetrics', 'dependencies', 'requests']) assert.ok(tables.has(t), t);
  });

  for (const { name, query } of [...workbook, ...docsQueries()]) {
    it(`${name} uses only names the code emits`, () => assert.deepEqual(problemsOf(query), []));
  }

  it('the workbook uses every event, both metrics and the main fields', () => {
    const all = workbook.map((q) => refsOf(q.query));
    const used = (pick: (r: QueryRefs) => string[]) => new Set(all.flatMap(pick));
    const names = used((r) => r.names);
    for (const e of [...values(KIT_EVENTS), ...values(ORCHESTRATOR_EVENTS), ...values(KIT_METRICS)]) assert.ok(names.has(e), e);
    const measurements = used((r) => r.measurements);
    const c = KIT_EVENT_FIELDS.chat.measurements;
    for (const m of [c.timeToFirstTokenMs, c.durationMs, c.inputTokens, c.outputTokens, KIT_EVENT_FIELDS.feedback.measurements.positive]) assert.ok(measurements.has(m), m);
    const dimensions = used((r) => r.dimensions);
    for (const d of [
      KIT_EVENT_FIELDS.chat.properties.outcome,
      KIT_EVENT_FIELDS.chat.properties.model,
      KIT_EVENT_FIELDS.feedback.properties.rating,
      GEN_AI.requestModel,
      GEN_AI.inputTokens,
      GEN_AI.outputTokens,
      RETRIEVAL.bestScore,
      KIT_METRIC_ATTRIBUTES.model,
      KIT_METRIC_ATTRIBUTES.tokenType,
    ]) {
      assert.ok(dimensions.has(d), d);
    }
    assert.ok(used((r) => r.prefixes).has('flow.'), 'slowest steps');
  });
});

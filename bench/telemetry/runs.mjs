// What telemetry adds at p99, settled over several runs: bench/telemetry.bench.mjs run BENCH_RUNS
// times (default 5), each with fresh processes, and the time-to-first-byte samples of every run
// pooled per variant. Why: one run's p99 rests on its few dozen slowest chats, and those are mostly
// the chats a garbage collection happened to fall on (BENCH_LOOP_DELAY=1 counts the pauses), so a
// run's "p99 added" scatters by ±2 ms around what telemetry really adds; its own bootstrap interval
// cannot see what changes between runs (which processes' heaps happen to be collected when).
// Printed: each run's p50 and p99 added; the pooled p50, p90, p99 and p99.9 added; and a 90%
// interval for the pooled p99 added from a two-level bootstrap (runs resampled with replacement,
// then each picked run's samples), which covers the scatter between runs as well as within them.
// Every other BENCH_* variable passes through (BENCH_N per run, default here 2000; BENCH_VARIANTS).
// BENCH_RUNS_KEEP=DIR keeps each run's samples there (run-<time>-<i>.json); BENCH_RUNS_FROM=DIR[,DIR…]
// pools the runs kept there instead of running new ones (to pool sets measured at different times).
//   node bench/telemetry/runs.mjs                      BENCH_RUNS=8 BENCH_N=2000 node bench/telemetry/runs.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, percentile } from '../lib.mjs';

const from = process.env.BENCH_RUNS_FROM?.split(',').filter(Boolean);
const keep = process.env.BENCH_RUNS_KEEP;
if (keep) mkdirSync(keep, { recursive: true });
const RUNS = from ? 0 : Number(process.env.BENCH_RUNS ?? 5);
const dir = keep ?? mkdtempSync(join(tmpdir(), 'gc-telemetry-runs-'));
const stamp = Date.now();
const signed = (ms) => `${ms < 0 ? '-' : '+'}${fmt(Math.abs(ms))}`;
const sorted = (v) => Float64Array.from(v).sort();
const runs = [];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
try {
  for (let i = 0; i < RUNS; i++) {
    const file = join(dir, `run-${stamp}-${i}.json`);
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'telemetry.bench.mjs')], {
      env: { BENCH_N: '2000', BENCH_MICRO: '0', ...process.env, BENCH_SAMPLES_FILE: file },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`run ${i + 1} failed:\n${r.stdout}`);
    runs.push(JSON.parse(readFileSync(file, 'utf8')));
    const last = runs.at(-1);
    const line = Object.keys(last.firstByte).filter((v) => v !== 'off').map((v) => {
      const on = sorted(last.firstByte[v]);
      const off = sorted(last.firstByte.off);
      return `${v} p50 ${signed(percentile(on, 50) - percentile(off, 50))}, p99 ${signed(percentile(on, 99) - percentile(off, 99))} (off's p99 ${fmt(percentile(off, 99))})`;
    });
    console.log(`run ${i + 1}/${RUNS}: ${line.join('; ')}; CPU a chat ${Object.entries(last.cpu).map(([v, c]) => `${v} ${fmt(c.total)}`).join(', ')}; load ${last.load[1]}`);
  }
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
for (const d of from ?? []) for (const f of readdirSync(d).filter((x) => /^run-.*\.json$/.test(x)).sort()) runs.push(JSON.parse(readFileSync(join(d, f), 'utf8')));

const variants = Object.keys(runs[0].firstByte);
const pooled = Object.fromEntries(variants.map((v) => [v, sorted(runs.flatMap((r) => r.firstByte[v]))]));
console.log(`pooled over ${runs.length} runs of ${runs[0].n} chats per variant (${[...new Set(runs.map((r) => r.node))].join(', ')}); time to first byte`);
for (const v of variants) {
  const p = (q) => percentile(pooled[v], q);
  const added = v === 'off' ? '' : `   added p50 ${signed(p(50) - percentile(pooled.off, 50))}  p90 ${signed(p(90) - percentile(pooled.off, 90))}  p99 ${signed(p(99) - percentile(pooled.off, 99))}  p99.9 ${signed(p(99.9) - percentile(pooled.off, 99.9))}`;
  console.log(`  ${v.padEnd(10)} p50 ${fmt(p(50))}  p90 ${fmt(p(90))}  p99 ${fmt(p(99))}  p99.9 ${fmt(p(99.9))}${added}`);
}

/** Two-level bootstrap of the pooled p99 difference: runs with replacement, then samples within each. */
function bootstrap(v, rounds = 400) {
  const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];
  const pooledP99 = (chosen, variant) => {
    const all = [];
    for (const run of chosen) {
      const s = run.firstByte[variant];
      for (let i = 0; i < s.length; i++) all.push(pick(s));
    }
    return percentile(sorted(all), 99);
  };
  const diffs = [];
  for (let b = 0; b < rounds; b++) {
    const chosen = runs.map(() => pick(runs));
    diffs.push(pooledP99(chosen, v) - pooledP99(chosen, 'off'));
  }
  diffs.sort((a, b) => a - b);
  return [percentile(diffs, 5), percentile(diffs, 95)];
}
const median = (v) => sorted(v)[Math.floor((v.length - 1) / 2)];
console.log('summary (issue 12 budget: at most 1 ms added at p99 to the time to first byte)');
for (const v of variants.filter((x) => x !== 'off')) {
  const [lo, hi] = bootstrap(v);
  const perRun = runs.map((r) => percentile(sorted(r.firstByte[v]), 99) - percentile(sorted(r.firstByte.off), 99));
  const cpu = runs.reduce((a, r) => a + r.cpu[v].total - r.cpu.off.total, 0) / runs.length;
  console.log(`  ${v.padEnd(10)} pooled p99 added ${signed(percentile(pooled[v], 99) - percentile(pooled.off, 99))} (90% interval over runs and samples ${signed(lo)} to ${signed(hi)}); median of the runs' p99 added ${signed(median(perRun))}; p50 added ${signed(percentile(pooled[v], 50) - percentile(pooled.off, 50))}; CPU ${signed(cpu)} a chat`);
}
console.log(`  load average before ${loadBefore}, after ${load()}`);

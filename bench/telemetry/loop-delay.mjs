// Preloaded into the bench's servers (`--import`, BENCH_LOOP_DELAY=1): samples how late the event
// loop runs (perf_hooks.monitorEventLoopDelay, 1 ms resolution) between the bench's marks, and on
// exit writes the distribution to $BENCH_LOOP_DELAY_FILE. Long synchronous work (an exporter
// serializing a batch, a GC pause) shows as the tail: what a request arriving then waits.
// It also counts the garbage collector's pauses in the window (PerformanceObserver 'gc'): scavenges
// (young generation) and mark-compacts, with their total and longest pause, since what telemetry
// allocates shows first as more frequent scavenges.
// The bench marks the measured window by sending SIGUSR2 at its start (the histogram is reset).
import { writeFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const gc = { minor: { n: 0, ms: 0, max: 0 }, major: { n: 0, ms: 0, max: 0 } };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const g = e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR ? gc.minor : gc.major;
      g.n++;
      g.ms += e.duration;
      g.max = Math.max(g.max, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    h.reset();
    for (const g of Object.values(gc)) Object.assign(g, { n: 0, ms: 0, max: 0 });
  });
  process.on('exit', () => {
    h.disable();
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(file, JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), p999: ms(h.percentile(99.9)), max: ms(h.max), count: h.count, gc }));
  });
}

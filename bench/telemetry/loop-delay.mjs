// Preloaded into the bench's servers (`--import`, BENCH_LOOP_DELAY=1): samples how late the event
// loop runs (perf_hooks.monitorEventLoopDelay, 1 ms resolution) between the bench's marks, and on
// exit writes the distribution to $BENCH_LOOP_DELAY_FILE. Long synchronous work (an exporter
// serializing a batch, a GC pause) shows as the tail: what a request arriving then waits.
// The bench marks the measured window by sending SIGUSR2 at its start (the histogram is reset).
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  process.on('SIGUSR2', () => h.reset());
  process.on('exit', () => {
    h.disable();
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(file, JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), p999: ms(h.percentile(99.9)), max: ms(h.max), count: h.count }));
  });
}

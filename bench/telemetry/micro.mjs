// Cost per call of the telemetry helpers, in whatever state the process was started in (with
// or without the register module and a connection string). Prints one JSON line: ns per call.
import { trace } from '@opentelemetry/api';
import { emitEvent, inStep, traceIterable, modelAttributes } from '@grounded-chat/orchestrator/telemetry';
import { createKitTelemetry } from '@grounded-chat/server-kit/telemetry';

const N = Number(process.env.BENCH_MICRO_N ?? 20_000);
const kit = createKitTelemetry();
async function* three() {
  yield 'a';
  yield 'b';
  yield 'c';
}
const cases = {
  inStep: () => inStep('flow.retrieve', () => 1),
  traceIterable: async () => {
    for await (const _ of traceIterable('flow.generate', three, { attributes: modelAttributes({ system: 'openai', model: 'm' }) }));
  },
  emitEvent: () => emitEvent('bench', { name: 'bench', properties: { a: 'x' }, measurements: { n: 1 } }),
  chatEnded: () =>
    kit.chatEnded({ route: 'stream', outcome: 'ok', durationMs: 10, firstContentMs: 5, mode: 'generative', usage: { prompt_tokens: 1, completion_tokens: 1, model: 'm' }, userId: 'u' }),
};
const out = {};
const tracer = trace.getTracer('bench');
for (const [name, fn] of Object.entries(cases)) {
  // Inside a request span, as in the apps (so a sampled request records its children).
  const run = () =>
    tracer.startActiveSpan('request', async (span) => {
      for (let i = 0; i < N; i++) await fn();
      span.end();
    });
  await run(); // warm-up
  const t0 = process.hrtime.bigint();
  await run();
  out[name] = Number(process.hrtime.bigint() - t0) / N;
}
console.log(JSON.stringify(out));
process.exit(0);

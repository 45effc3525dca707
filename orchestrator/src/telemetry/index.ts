/**
 * The orchestrator's telemetry helpers (docs/telemetry.md): its own (flow step spans, GenAI and
 * retrieval attributes, the content-filter event) and the ones it shares with the server kit
 * (@grounded-chat/telemetry). Everything is a no-op until register.ts has started Application
 * Insights in the process.
 */
export * from './names.js';
export {
  flowTracer,
  inStep,
  traceIterable,
  recordFailure,
  modelAttributes,
  usageAttributes,
  modelSpanName,
  retrievalAttributes,
  activeTraceId,
  nameRequestSpan,
  type StepOptions,
  type TraceIterableOptions,
  type ModelCall,
  type ModelUsage,
  type RetrievalSummary,
} from './spans.js';
export { contentFilteredEvent, type ContentFilteredInput } from './flow-events.js';
export * from '@grounded-chat/telemetry';

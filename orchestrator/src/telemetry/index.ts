/**
 * The orchestrator's telemetry helpers (docs/telemetry.md): its own (flow step spans, GenAI and
 * retrieval attributes, the content-filter event) and the ones it has in common with the server
 * kit (events, privacy, json-logger, flush: twins of server-kit/src/telemetry/'s, see their
 * headers). Everything is a no-op until register.ts has started Application
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
export { withRequestSpan } from './request-span.js';
export { contentFilteredEvent, type ContentFilteredInput } from './flow-events.js';
export { AI_CUSTOM_EVENT_NAME, AI_CUSTOM_MEASUREMENTS, emitEvent, type CustomEvent, type EventProperties, type EventMeasurements } from './events.js';
export { telemetryPrivacy, hashUserId, type TelemetryPrivacy, type TelemetryPrivacyOptions } from './privacy.js';
export { createJsonLogger, traceFields, TEXT_FIELDS, type JsonLogger, type JsonLoggerOptions, type LogFields } from './json-logger.js';
export { flushTelemetry } from './flush.js';

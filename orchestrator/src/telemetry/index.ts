/**
 * The orchestrator's telemetry helpers (docs/telemetry.md). Only `@opentelemetry/api` and
 * `@opentelemetry/api-logs` are imported here: everything is a no-op until register.ts has
 * started Application Insights in the process.
 */
export * from './names.js';
export { emitEvent, contextOfTrace, type CustomEvent, type EventProperties, type EventMeasurements } from './events.js';
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
export { telemetryPrivacy, hashUserId, type TelemetryPrivacy, type TelemetryPrivacyOptions } from './privacy.js';
export { createJsonLogger, traceFields, TEXT_FIELDS, type JsonLogger, type JsonLoggerOptions, type LogFields } from './json-logger.js';
export { contentFilteredEvent, type ContentFilteredInput } from './flow-events.js';
export { flushTelemetry } from './flush.js';

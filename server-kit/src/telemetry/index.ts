/**
 * The server kit's telemetry (docs/telemetry.md), on `@opentelemetry/api` alone: no-ops until
 * `@grounded-chat/server-kit/telemetry/register` has started Application Insights.
 * events, privacy, json-logger and flush have twins in orchestrator/src/telemetry/ (see their headers).
 */
export * from './names.js';
export { createKitTelemetry, type KitTelemetry, type KitTelemetryOptions, type ChatTelemetryInput, type FeedbackTelemetryInput } from './kit-telemetry.js';
export { withRequestSpan, requestSpans } from './request-span.js';
export { otelTraceContext, nameRequestSpan, contextOfTrace } from './trace-context.js';
export { AI_CUSTOM_EVENT_NAME, AI_CUSTOM_MEASUREMENTS, emitEvent, type CustomEvent, type EventProperties, type EventMeasurements } from './events.js';
export { telemetryPrivacy, hashUserId, type TelemetryPrivacy, type TelemetryPrivacyOptions } from './privacy.js';
export { createJsonLogger, traceFields, TEXT_FIELDS, type JsonLogger, type JsonLoggerOptions, type LogFields } from './json-logger.js';
export { flushTelemetry } from './flush.js';

/**
 * The server kit's telemetry (docs/telemetry.md), on `@opentelemetry/api` alone: no-ops until
 * `@grounded-chat/server-kit/telemetry/register` has started Application Insights.
 */
export * from './names.js';
export { createKitTelemetry, type KitTelemetry, type KitTelemetryOptions, type ChatTelemetryInput, type FeedbackTelemetryInput } from './kit-telemetry.js';
export { emitEvent, contextOfTrace, type CustomEvent } from './events.js';
export { telemetryPrivacy, hashUserId, type TelemetryPrivacy, type TelemetryPrivacyOptions } from './privacy.js';
export { createJsonLogger, traceFields, TEXT_FIELDS, type JsonLogger, type JsonLoggerOptions } from './json-logger.js';
export { otelTraceContext, nameRequestSpan } from './trace-context.js';
export { flushTelemetry } from './flush.js';

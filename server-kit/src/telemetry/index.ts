/**
 * The server kit's telemetry (docs/telemetry.md), on `@opentelemetry/api` alone: no-ops until
 * `@grounded-chat/server-kit/telemetry/register` has started Application Insights.
 */
export * from './names.js';
export { createKitTelemetry, type KitTelemetry, type KitTelemetryOptions, type ChatTelemetryInput, type FeedbackTelemetryInput } from './kit-telemetry.js';
export { otelTraceContext, nameRequestSpan } from './trace-context.js';
export * from '@grounded-chat/telemetry';

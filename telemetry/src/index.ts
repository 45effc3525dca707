/**
 * The parts of grounded-chat's telemetry that the server kit and the orchestrator share
 * (docs/telemetry.md). Only `@opentelemetry/api`, `@opentelemetry/api-logs` and pino are imported
 * here; `applicationinsights` is loaded by `./azure-monitor`, and only from a register module.
 */
export { AI_CUSTOM_EVENT_NAME, AI_CUSTOM_MEASUREMENTS } from './names.js';
export { emitEvent, contextOfTrace, type CustomEvent, type EventProperties, type EventMeasurements } from './events.js';
export { telemetryPrivacy, hashUserId, type TelemetryPrivacy, type TelemetryPrivacyOptions } from './privacy.js';
export { createJsonLogger, traceFields, TEXT_FIELDS, type JsonLogger, type JsonLoggerOptions, type LogFields } from './json-logger.js';
export { flushTelemetry } from './flush.js';

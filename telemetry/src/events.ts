/**
 * Application Insights custom events (`customEvents`) through the OpenTelemetry Logs API.
 *
 * Why log records: `applicationinsights` 3.x and `@azure/monitor-opentelemetry` turn a log record
 * carrying `microsoft.custom_event.name` into an EventData envelope, its other attributes into
 * customDimensions and the JSON in `microsoft.custom_measurements` into customMeasurements. That
 * keeps this module on `@opentelemetry/api-logs` alone: with no SDK registered the logger is a
 * no-op and nothing is built or sent. The TelemetryClient shim's `trackEvent` was rejected: it
 * would tie the library to the SDK being loaded.
 *
 * The event is correlated with the active span (its operation id is the trace id), or with the
 * trace named in `traceId` (feedback links to the answer it rates).
 */
import { context as otelContext, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { randomBytes } from 'node:crypto';
import { AI_CUSTOM_EVENT_NAME, AI_CUSTOM_MEASUREMENTS } from './names.js';

export type EventProperties = Record<string, string | number | boolean | undefined>;
export type EventMeasurements = Record<string, number | undefined>;

export interface CustomEvent {
  name: string;
  /** customDimensions. Undefined values are left out. */
  properties?: EventProperties;
  /** customMeasurements. Non-finite and undefined values are left out. */
  measurements?: EventMeasurements;
  /** Correlate with this trace instead of the active span (32 lowercase hex digits). */
  traceId?: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * Emits one custom event through the logger of `scope` (the emitting package's name); returns
 * nothing and never throws (telemetry must not break a chat).
 */
export function emitEvent(scope: string, event: CustomEvent): void {
  try {
    const attributes: AnyValueMap = { [AI_CUSTOM_EVENT_NAME]: event.name };
    for (const [key, value] of Object.entries(event.properties ?? {})) {
      if (value !== undefined) attributes[key] = value;
    }
    const measurements: Record<string, number> = {};
    for (const [key, value] of Object.entries(event.measurements ?? {})) {
      if (typeof value === 'number' && Number.isFinite(value)) measurements[key] = value;
    }
    if (Object.keys(measurements).length) attributes[AI_CUSTOM_MEASUREMENTS] = JSON.stringify(measurements);
    logs.getLogger(scope).emit({
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: event.name,
      attributes,
      context: event.traceId ? contextOfTrace(event.traceId) : otelContext.active(),
    });
  } catch {
    // An exporter's failure is the SDK's to report (its own diagnostics), not the visitor's.
  }
}

/** A context whose parent is a remote span of `traceId`, so the event lands in that operation. */
export function contextOfTrace(traceId: string): Context {
  if (!TRACE_ID.test(traceId)) return otelContext.active();
  return trace.setSpanContext(otelContext.active(), {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

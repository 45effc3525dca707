/**
 * Twin: server-kit/src/telemetry/events.ts. Duplicated on purpose: the kit and the orchestrator
 * deploy separately and the project has no shared runtime package (four workspaces, by design), so
 * neither may import the other. Change both together; test/e2e/telemetry-twins.test.ts fails when
 * they stop building the same log record from the same event.
 *
 * Application Insights custom events (`customEvents`) through the OpenTelemetry Logs API.
 *
 * Why log records: `applicationinsights` 3.x and `@azure/monitor-opentelemetry` turn a log record
 * carrying `microsoft.custom_event.name` into an EventData envelope, its other attributes into
 * customDimensions and the JSON in `microsoft.custom_measurements` into customMeasurements (names
 * checked against `@azure/monitor-opentelemetry-exporter`). That keeps this module on
 * `@opentelemetry/api-logs` alone: with no SDK registered the logger is a no-op and nothing is
 * built or sent. The TelemetryClient shim's `trackEvent` was rejected: it would tie the library to
 * the SDK being loaded.
 */
import { context as otelContext, type Context } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValueMap, type Logger, type LoggerProvider } from '@opentelemetry/api-logs';

export const AI_CUSTOM_EVENT_NAME = 'microsoft.custom_event.name';
export const AI_CUSTOM_MEASUREMENTS = 'microsoft.custom_measurements';

export type EventProperties = Record<string, string | number | boolean | undefined>;
export type EventMeasurements = Record<string, number | undefined>;

export interface CustomEvent {
  name: string;
  /** customDimensions. Undefined values are left out. */
  properties?: EventProperties;
  /** customMeasurements. Non-finite and undefined values are left out. */
  measurements?: EventMeasurements;
}

/**
 * The logger of `scope`, made once per provider: the SDK's getLogger builds a key and looks it up on
 * every call (profiled: a third of the logs SDK's cost per chat). A provider registered later (the
 * SDK, or a test's) gets its own.
 */
const loggers = new Map<string, { provider: LoggerProvider; logger: Logger }>();
function loggerOf(scope: string): Logger {
  const provider = logs.getLoggerProvider();
  const cached = loggers.get(scope);
  if (cached?.provider === provider) return cached.logger;
  const logger = provider.getLogger(scope);
  loggers.set(scope, { provider, logger });
  return logger;
}

/**
 * Emits one custom event through the logger of `scope` (the emitting package's name), in the
 * operation of `context` (default: the active span's); never throws (telemetry must not break a chat).
 */
export function emitEvent(scope: string, event: CustomEvent, context: Context = otelContext.active()): void {
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
    loggerOf(scope).emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: event.name, attributes, context });
  } catch {
    // An exporter's failure is the SDK's to report (its own diagnostics), not the visitor's.
  }
}

/**
 * Twin: server-kit/src/telemetry/json-logger.ts. Duplicated on purpose: the kit and the orchestrator
 * deploy separately and the project has no shared runtime package (four workspaces, by design), so
 * neither may import the other. Change both together; test/e2e/telemetry-twins.test.ts fails when
 * they stop writing the same line for the same call.
 *
 * Structured JSON logs on stdout (pino), one object per line, with the trace id on every line
 * written inside a traced request: on an online endpoint they land in AmlOnlineEndpointConsoleLog,
 * on App Service in AppServiceConsoleLogs, where operators look first (docs/telemetry.md#logs).
 *
 * Why pino: the fastest maintained JSON logger for Node, with a `mixin` hook (read the active span
 * at each call) and path redaction built in. Text fields (question, answer, messages, passages)
 * are redacted unless `recordText` is on; they should not be logged in the first place, the
 * redaction is the net under that rule.
 */
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export const TEXT_FIELDS = ['question', 'answer', 'query', 'messages', 'text', 'snippet', 'comment', 'prompt'];

export interface JsonLoggerOptions {
  /** `service` on every line, e.g. `web` or `orchestrator`. */
  service: string;
  /** pino level. Default LOG_LEVEL, else `info`. */
  level?: string;
  /** Keep text fields (see TEXT_FIELDS) instead of redacting them. Default false. */
  recordText?: boolean;
  /** Where lines go. Default stdout (synchronous writes are pino's default; safe on exit). */
  destination?: DestinationStream;
}

export type LogFields = Record<string, unknown>;

/** The shape the server kit's `Logger` has, plus info: wiring a JSON logger in is a swap. */
export interface JsonLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The underlying pino logger, for child loggers and pino-http. */
  readonly pino: PinoLogger;
}

export function createJsonLogger(options: JsonLoggerOptions): JsonLogger {
  const paths = options.recordText ? [] : TEXT_FIELDS.flatMap((f) => [f, `*.${f}`]);
  const logger = pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: options.service },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths, censor: '[redacted]' },
      mixin: traceFields,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    pino: logger,
  };
}

/** `trace_id` and `span_id` of the active span (the kit also passes `traceId` itself). */
export function traceFields(): LogFields {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId };
}

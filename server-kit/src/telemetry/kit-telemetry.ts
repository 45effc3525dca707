/**
 * The kit's events and metrics, as one object the router calls at the points where they happen
 * (docs/telemetry.md#events). Every method is cheap and never throws: with no SDK registered the
 * OpenTelemetry APIs it calls are no-ops.
 *
 * Privacy: the visitor's id is recorded only as a keyed hash; the question and the feedback
 * comment only when an option says so. Upstream bodies, keys and tokens are never inputs here.
 */
import { diag, metrics, type Counter, type Histogram } from '@opentelemetry/api';
import { emitEvent as emitWithScope, type CustomEvent } from './events.js';
import { telemetryPrivacy, type TelemetryPrivacyOptions } from './privacy.js';
import { contextOfTrace } from './trace-context.js';
import { INSTRUMENTATION_SCOPE, KIT_EVENT_FIELDS as F, KIT_EVENTS, KIT_METRIC_ATTRIBUTES, KIT_METRICS } from './names.js';

const emitEvent = (event: CustomEvent, traceId?: string) =>
  emitWithScope(INSTRUMENTATION_SCOPE, event, traceId === undefined ? undefined : contextOfTrace(traceId));

export interface KitTelemetryOptions extends TelemetryPrivacyOptions {
  /** Record the feedback comment (visitor-written text). Default: as `recordText`. */
  recordFeedbackComment?: boolean;
  env?: Record<string, string | undefined>;
}

/** What the router knows when a chat is over (a superset of ChatEndEvent's numbers). */
export interface ChatTelemetryInput {
  route: 'complete' | 'stream';
  outcome: string;
  durationMs: number;
  firstContentMs?: number;
  upstreamHeadersMs?: number;
  /** The authenticated visitor's id, raw: hashed here. */
  userId?: string;
  mode?: string;
  /** Contract B `usage`, as the orchestrator reported it (or the kit's estimate). */
  usage?: { prompt_tokens?: number; completion_tokens?: number; model?: string };
  citations?: number;
  /** Recorded only with `recordText`. */
  question?: string;
}

export interface FeedbackTelemetryInput {
  rating: 'up' | 'down';
  traceId?: string;
  messageId?: string;
  comment?: string;
  userId?: string;
}

export interface KitTelemetry {
  chatEnded(input: ChatTelemetryInput): void;
  feedback(input: FeedbackTelemetryInput): void;
  rateLimited(input: { route: string; userId?: string; keyedBy: 'principal' | 'ip'; retryAfterS?: number }): void;
  quotaExceeded(input: { route: string; userId?: string; window: string; limitTokens?: number; usedTokens?: number; retryAfterS?: number }): void;
  authFailed(input: { route: string; reason: string; authMode?: string }): void;
}

export function createKitTelemetry(options: KitTelemetryOptions = {}): KitTelemetry {
  const privacy = telemetryPrivacy(options, options.env);
  const recordComment = options.recordFeedbackComment ?? privacy.recordText;
  const user = (id?: string) => (id === undefined ? undefined : privacy.hashUser(id));
  // Instruments are made on first use: the metrics API has no proxy provider, so an instrument
  // made before the SDK registered would stay a no-op forever.
  let instruments: { ttft: Histogram; tokens: Counter } | undefined;
  const meter = () =>
    (instruments ??= {
      ttft: metrics.getMeter(INSTRUMENTATION_SCOPE).createHistogram(KIT_METRICS.timeToFirstToken, { unit: 'ms', description: 'Time from the chat request to the first answer piece' }),
      tokens: metrics.getMeter(INSTRUMENTATION_SCOPE).createCounter(KIT_METRICS.tokens, { unit: '{token}', description: 'Model tokens used by chats' }),
    });

  return guarded({
    chatEnded(input) {
      const c = F.chat;
      const model = input.usage?.model;
      const inputTokens = input.usage?.prompt_tokens;
      const outputTokens = input.usage?.completion_tokens;
      emitEvent({
        name: KIT_EVENTS.chat,
        properties: {
          [c.properties.route]: input.route,
          [c.properties.outcome]: input.outcome,
          [c.properties.mode]: input.mode,
          [c.properties.model]: model,
          [c.properties.user]: user(input.userId),
          [c.properties.question]: input.question === undefined ? undefined : privacy.text(input.question),
        },
        measurements: {
          [c.measurements.timeToFirstTokenMs]: input.firstContentMs,
          [c.measurements.durationMs]: input.durationMs,
          [c.measurements.upstreamHeadersMs]: input.upstreamHeadersMs,
          [c.measurements.inputTokens]: inputTokens,
          [c.measurements.outputTokens]: outputTokens,
          [c.measurements.citations]: input.citations,
        },
      });
      const m = meter();
      const attrs = { [KIT_METRIC_ATTRIBUTES.mode]: input.mode ?? 'unknown' };
      if (input.firstContentMs !== undefined) m.ttft.record(input.firstContentMs, attrs);
      const modelAttr = { [KIT_METRIC_ATTRIBUTES.model]: model ?? 'unknown' };
      if (inputTokens) m.tokens.add(inputTokens, { ...modelAttr, [KIT_METRIC_ATTRIBUTES.tokenType]: 'input' });
      if (outputTokens) m.tokens.add(outputTokens, { ...modelAttr, [KIT_METRIC_ATTRIBUTES.tokenType]: 'output' });
    },
    feedback(input) {
      const f = F.feedback;
      emitEvent(
        {
          name: KIT_EVENTS.feedback,
          properties: {
            [f.properties.rating]: input.rating,
            [f.properties.answerTraceId]: input.traceId,
            [f.properties.messageId]: input.messageId,
            [f.properties.user]: user(input.userId),
            [f.properties.comment]: recordComment ? input.comment : undefined,
          },
          measurements: {
            [f.measurements.positive]: input.rating === 'up' ? 1 : 0,
            [f.measurements.commentChars]: input.comment?.length ?? 0,
          },
        },
        input.traceId,
      );
    },
    rateLimited(input) {
      const r = F.rateLimited;
      emitEvent({
        name: KIT_EVENTS.rateLimited,
        properties: { [r.properties.route]: input.route, [r.properties.user]: user(input.userId), [r.properties.keyedBy]: input.keyedBy },
        measurements: { [r.measurements.retryAfterS]: input.retryAfterS },
      });
    },
    quotaExceeded(input) {
      const q = F.quotaExceeded;
      emitEvent({
        name: KIT_EVENTS.quotaExceeded,
        properties: { [q.properties.route]: input.route, [q.properties.user]: user(input.userId), [q.properties.window]: input.window },
        measurements: {
          [q.measurements.limitTokens]: input.limitTokens,
          [q.measurements.usedTokens]: input.usedTokens,
          [q.measurements.retryAfterS]: input.retryAfterS,
        },
      });
    },
    authFailed(input) {
      const a = F.authFailed;
      emitEvent({
        name: KIT_EVENTS.authFailed,
        properties: { [a.properties.route]: input.route, [a.properties.reason]: input.reason, [a.properties.authMode]: input.authMode },
      });
    },
  });
}

/**
 * Every method wrapped so that it never throws: these calls sit on the paths that answer the
 * visitor (a refusal's report runs before the router hands the error on), so a failure in here
 * must cost an event, never an answer. emitEvent already swallows the SDK's failures; this covers
 * the rest (a host's authenticator handing a principal whose id is not a string to the hash, a
 * metrics SDK that throws). Reported through OpenTelemetry's diagnostics, by method and error name.
 */
function guarded(telemetry: KitTelemetry): KitTelemetry {
  const out = {} as Record<keyof KitTelemetry, (input: never) => void>;
  for (const name of Object.keys(telemetry) as (keyof KitTelemetry)[]) {
    const method = telemetry[name] as (input: unknown) => void;
    out[name] = (input: unknown) => {
      try {
        method(input);
      } catch (err) {
        diag.warn(`grounded-chat telemetry: ${name} failed (${err instanceof Error ? err.name : typeof err})`);
      }
    };
  }
  return out as KitTelemetry;
}

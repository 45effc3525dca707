/**
 * The names the server kit's telemetry emits: custom events, their fields, metrics. Exported
 * constants because the Azure Monitor workbook (infra/monitoring/workbook.json) and the queries in
 * docs/telemetry.md are written against them; a test keeps the two in step.
 */

/** Application Insights custom events (the `customEvents` table) the kit emits. */
export const KIT_EVENTS = {
  /** One per chat (`POST /` and `/stream`) when it is over, whatever the outcome. */
  chat: 'chat',
  /** A thumbs up/down, correlated with the answer's trace (its operation id). */
  feedback: 'feedback',
  rateLimited: 'rate_limited',
  quotaExceeded: 'quota_exceeded',
  authFailed: 'auth_failed',
} as const;

/** Fields of the kit's events: properties go to customDimensions, measurements to customMeasurements. */
export const KIT_EVENT_FIELDS = {
  chat: {
    properties: {
      route: 'route',
      /** `ok`, the error code the visitor got, or `client_gone`. */
      outcome: 'outcome',
      mode: 'mode',
      model: 'model',
      user: 'user',
      /** Only with `recordText`. */
      question: 'question',
    },
    measurements: {
      timeToFirstTokenMs: 'time_to_first_token_ms',
      durationMs: 'duration_ms',
      upstreamHeadersMs: 'upstream_headers_ms',
      inputTokens: 'input_tokens',
      outputTokens: 'output_tokens',
      citations: 'citations',
    },
  },
  feedback: {
    properties: {
      rating: 'rating',
      /** The rated answer's trace id (also the event's operation id). */
      answerTraceId: 'answer_trace_id',
      messageId: 'message_id',
      user: 'user',
      /** Only with `recordText` or `recordFeedbackComment`. */
      comment: 'comment',
    },
    measurements: {
      /** 1 for thumbs up, 0 for down: its average is the feedback ratio. */
      positive: 'positive',
      commentChars: 'comment_chars',
    },
  },
  rateLimited: {
    properties: { route: 'route', user: 'user', keyedBy: 'keyed_by' },
    measurements: { retryAfterS: 'retry_after_s' },
  },
  quotaExceeded: {
    properties: { route: 'route', user: 'user', window: 'window' },
    measurements: { limitTokens: 'limit_tokens', usedTokens: 'used_tokens', retryAfterS: 'retry_after_s' },
  },
  authFailed: {
    properties: { route: 'route', reason: 'reason', authMode: 'auth_mode' },
    measurements: {},
  },
} as const;

/** Metrics (the `customMetrics` table). */
export const KIT_METRICS = {
  /** Histogram, milliseconds from the request to the first answer piece written. */
  timeToFirstToken: 'grounded_chat.time_to_first_token',
  /** Counter of model tokens, by `gen_ai.token.type` (`input`/`output`) and `gen_ai.request.model`. */
  tokens: 'grounded_chat.tokens',
} as const;

export const KIT_METRIC_ATTRIBUTES = {
  tokenType: 'gen_ai.token.type',
  model: 'gen_ai.request.model',
  mode: 'grounded_chat.mode',
} as const;

export const INSTRUMENTATION_SCOPE = '@grounded-chat/server-kit';

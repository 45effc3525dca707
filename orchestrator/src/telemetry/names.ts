/**
 * The names the orchestrator's telemetry emits: span names, attributes, events. They are exported
 * constants because the Azure Monitor workbook (infra/monitoring/workbook.json) and the queries in
 * docs/telemetry.md are written against them, and a test keeps the two in step.
 *
 * Attribute names follow the OpenTelemetry GenAI semantic conventions where one exists
 * (`gen_ai.*`); the rest are namespaced `grounded_chat.*` so they never collide with a convention
 * added later.
 */

/** One child span per flow step, under the orchestrator's request span. */
export const FLOW_STEPS = {
  queryRewrite: 'flow.query_rewrite',
  retrieve: 'flow.retrieve',
  compose: 'flow.compose',
  generate: 'flow.generate',
} as const;
export type FlowStep = (typeof FLOW_STEPS)[keyof typeof FLOW_STEPS];

/** OpenTelemetry GenAI semantic conventions, as set on the generate step's span. */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  system: 'gen_ai.system',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
} as const;

/** Retrieval span attributes. */
export const RETRIEVAL = {
  store: 'grounded_chat.retrieval.store',
  top: 'grounded_chat.retrieval.top',
  hits: 'grounded_chat.retrieval.hits',
  bestScore: 'grounded_chat.retrieval.best_score',
} as const;

/** Other attributes the orchestrator's spans carry. */
export const FLOW_ATTRIBUTES = {
  mode: 'grounded_chat.mode',
  citations: 'grounded_chat.citations',
  /** Whether the query rewrite changed the question (a follow-up made standalone). */
  rewritten: 'grounded_chat.query_rewritten',
  /** Milliseconds from the start of the generate step to its first piece. */
  timeToFirstPieceMs: 'grounded_chat.time_to_first_piece_ms',
  /** The hashed visitor id (never the raw one), when the kit forwards the visitor. */
  user: 'enduser.pseudo.id',
  /** Only with `recordText`: the question as asked. */
  question: 'grounded_chat.question',
  /** Only with `recordText`: the search query the flow used. */
  query: 'grounded_chat.query',
  /** A failed step's stable error code (`rate_limited`, `content_filtered`, `timeout`…), OpenTelemetry's `error.type`. */
  errorType: 'error.type',
  /**
   * The same code under our own name: the Azure Monitor exporter counts `error.type` among the HTTP
   * fields it maps itself and leaves it out of customDimensions, so queries read this one.
   */
  errorCode: 'grounded_chat.error_code',
} as const;

/** Application Insights custom events (the `customEvents` table) the orchestrator emits. */
export const ORCHESTRATOR_EVENTS = {
  /** The model (or its content filter) refused the prompt or the completion. */
  contentFiltered: 'content_filtered',
} as const;

/** Fields of the orchestrator's events: properties (customDimensions) and measurements (customMeasurements). */
export const ORCHESTRATOR_EVENT_FIELDS = {
  properties: {
    /** `prompt` or `completion`: which side the filter stopped. */
    stage: 'stage',
    model: 'model',
    provider: 'provider',
    user: 'user',
  },
  measurements: {},
} as const;

/** The tracer, meter and logger scope name. */
export const INSTRUMENTATION_SCOPE = '@grounded-chat/orchestrator';

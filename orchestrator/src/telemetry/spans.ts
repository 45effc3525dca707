/**
 * Flow steps as child spans, on `@opentelemetry/api` only: with no SDK registered every call
 * below is a no-op span (no allocation beyond the closure), so the flow pays nothing when
 * telemetry is off.
 *
 * `inStep` runs one awaited step; `traceIterable` keeps a span open over a stream (the generate
 * step, or the whole flow as an async iterable of typed events) and re-enters the span's context
 * on every `next()`, so the model's HTTP call (undici, Azure SDK instrumentation) becomes the
 * span's child even though the stream's body only runs when the server pulls from it.
 */
import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { FLOW_ATTRIBUTES, GEN_AI, INSTRUMENTATION_SCOPE, RETRIEVAL, type FlowStep } from './names.js';

export function flowTracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_SCOPE);
}

export interface StepOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Errors with these names end the span without marking it failed (cancellation is no error). */
  ignoreErrors?: string[];
}

/** Runs `fn` in a child span of the active one; the span ends when `fn` settles. */
export async function inStep<T>(name: FlowStep | string, fn: (span: Span) => Promise<T> | T, options: StepOptions = {}): Promise<T> {
  return flowTracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordFailure(span, err, options.ignoreErrors);
      throw err;
    } finally {
      span.end();
    }
  });
}

export interface TraceIterableOptions<T> extends StepOptions {
  /** Sees each item as it passes (e.g. a usage event): set attributes from it. */
  onItem?: (span: Span, item: T, index: number) => void;
  /**
   * The error to record when the stream fails, e.g. the provider's error mapped to the stable code
   * the caller will answer with (so the span's `error.type` is the code the visitor got). Default: as thrown.
   */
  mapError?: (err: unknown) => unknown;
  /** Called once before the span ends, whether the stream finished, failed or was abandoned. */
  onEnd?: (span: Span, summary: { items: number; firstItemMs?: number; completed: boolean }) => void;
}

/**
 * Wraps a stream in a span that starts now (as a child of the active span) and ends when the
 * stream finishes, throws, or its consumer stops early. Records the time to the first item.
 */
export function traceIterable<T>(name: FlowStep | string, source: (span: Span) => AsyncIterable<T>, options: TraceIterableOptions<T> = {}): AsyncIterable<T> {
  const span = flowTracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes });
  const spanContext = trace.setSpan(otelContext.active(), span);
  const started = performance.now();
  let items = 0;
  let firstItemMs: number | undefined;
  let ended = false;
  const end = (completed: boolean) => {
    if (ended) return;
    ended = true;
    if (firstItemMs !== undefined) span.setAttribute(FLOW_ATTRIBUTES.timeToFirstPieceMs, Math.round(firstItemMs * 100) / 100);
    try {
      options.onEnd?.(span, { items, firstItemMs, completed });
    } finally {
      span.end();
    }
  };
  return {
    [Symbol.asyncIterator]() {
      const iterator = otelContext.with(spanContext, () => source(span)[Symbol.asyncIterator]());
      return {
        async next() {
          try {
            const result = await otelContext.with(spanContext, () => iterator.next());
            if (result.done) end(true);
            else {
              if (items === 0) firstItemMs = performance.now() - started;
              options.onItem?.(span, result.value, items);
              items++;
            }
            return result;
          } catch (err) {
            recordFailure(span, options.mapError ? options.mapError(err) : err, options.ignoreErrors);
            end(false);
            throw err;
          }
        },
        async return(value?: unknown) {
          end(false);
          return (await iterator.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}

export function recordFailure(span: Span, err: unknown, ignore: string[] = ['AbortError']): void {
  const name = err instanceof Error ? err.name : 'Error';
  if (ignore.includes(name)) return;
  const code = (err as { code?: unknown })?.code;
  // The exception's message may quote a provider's body: record its type and stable code only.
  span.recordException({ name, message: typeof code === 'string' ? code : name });
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : name });
  if (typeof code === 'string') span.setAttributes({ [FLOW_ATTRIBUTES.errorType]: code, [FLOW_ATTRIBUTES.errorCode]: code });
}

export interface ModelCall {
  /** `gen_ai.system`, e.g. `azure.ai.openai`, `openai`, `grounded_chat.extractive`. */
  system: string;
  /** The requested model or deployment. */
  model: string;
  operation?: 'chat' | 'embeddings';
}

export interface ModelUsage {
  inputTokens?: number;
  outputTokens?: number;
  finishReasons?: string[];
  responseModel?: string;
}

/** GenAI semantic-convention attributes of a model call, known before it starts. */
export function modelAttributes(call: ModelCall): Attributes {
  return {
    [GEN_AI.operationName]: call.operation ?? 'chat',
    [GEN_AI.system]: call.system,
    [GEN_AI.providerName]: call.system,
    [GEN_AI.requestModel]: call.model,
  };
}

/** GenAI semantic-convention attributes known once the model answered. */
export function usageAttributes(usage: ModelUsage): Attributes {
  const out: Attributes = {};
  if (usage.inputTokens !== undefined) out[GEN_AI.inputTokens] = usage.inputTokens;
  if (usage.outputTokens !== undefined) out[GEN_AI.outputTokens] = usage.outputTokens;
  if (usage.finishReasons?.length) out[GEN_AI.finishReasons] = usage.finishReasons;
  if (usage.responseModel) out[GEN_AI.responseModel] = usage.responseModel;
  return out;
}

/** The span name the GenAI conventions give a model call: `{operation} {model}`. */
export function modelSpanName(call: ModelCall): string {
  return `${call.operation ?? 'chat'} ${call.model}`;
}

export interface RetrievalSummary {
  /** The retriever's name: `local`, `azure-search`. */
  store: string;
  top: number;
  /** The passages it returned; only their scores are read. */
  hits: ReadonlyArray<{ score: number }>;
}

/** Retrieval span attributes: store, top, hit count, best score (never the passages' text). */
export function retrievalAttributes({ store, top, hits }: RetrievalSummary): Attributes {
  const out: Attributes = { [RETRIEVAL.store]: store, [RETRIEVAL.top]: top, [RETRIEVAL.hits]: hits.length };
  let best = -Infinity;
  for (const h of hits) if (h.score > best) best = h.score;
  if (hits.length && Number.isFinite(best)) out[RETRIEVAL.bestScore] = best;
  return out;
}

/** The active span's trace id, for `context.traceId`; undefined when no SDK records spans. */
export function activeTraceId(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** Names the active request span after its route (RequestData's name in Application Insights). Twin: server-kit/src/telemetry/trace-context.ts (no shared package by design). */
export function nameRequestSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttribute('http.route', route);
  span.updateName(`${method} ${route}`);
}

/**
 * The kit's dependency span for its call to the orchestrator (RemoteDependencyData in Application
 * Insights, named `POST /score` by the exporter), and the `traceparent` that makes the
 * orchestrator's request its child. Made here rather than by `@opentelemetry/instrumentation-undici`,
 * which the kit's register module no longer turns on.
 *
 * Why: profiled on the real chain (bench/telemetry.bench.mjs with BENCH_CPU_PROF, Node 20), the
 * undici instrumentation and the work undici does once its diagnostics channels have a subscriber
 * (a message object per request, per header block, per trailer) were the largest part of what
 * telemetry added in the web process: about 0.2 ms of CPU a chat, for one span. The kit knows
 * the one call it makes, so it records it directly: one span, the attributes the Azure Monitor
 * exporter reads for an HTTP dependency, ended when the response body ends or fails.
 *
 * It stands aside (returns undefined) when:
 * - no request span is active: OpenTelemetry is off, and the kit sends its own `traceparent`
 *   (trace.ts), so the visitor's trace id still reaches the orchestrator;
 * - something subscribes to undici's `undici:request:create` channel: a host's own OpenTelemetry
 *   setup with the undici instrumentation, whose span is then the call's (never two per call).
 *
 * The query string is left out of `url.full` (a scoring URL may carry a key there). A call the
 * kit cancels (the visitor left, a deadline) ends without an error status, as OpenTelemetry's
 * HTTP conventions ask of an intentional abort; a failure records `error.type` (undici's code or
 * the status), never a message or a body.
 */
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import diagnosticsChannel from 'node:diagnostics_channel';
import { INSTRUMENTATION_SCOPE } from './names.js';

export type DependencySpan = {
  /** `traceparent` (and `tracestate`) naming this span as the parent: add them to the request. */
  readonly headers: Record<string, string>;
  /** The response's status arrived. */
  response(statusCode: number): void;
  /** The call is over: ok or cancelled (no argument), or failed with this error type. Once only. */
  end(errorType?: string): void;
};

const undiciRequests = diagnosticsChannel.channel('undici:request:create');
// The API's proxy tracer: it finds the SDK's once one is registered, so it can be made at load.
const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);

export function startDependencySpan(method: string, url: URL): DependencySpan | undefined {
  if (undiciRequests.hasSubscribers) return undefined;
  const active = otelContext.active();
  if (!trace.getSpan(active)) return undefined;
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'url.full': url.origin + url.pathname,
        'url.path': url.pathname,
        'url.scheme': url.protocol.slice(0, -1),
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      },
    },
    active,
  );
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(active, span), headers);
  return new Call(span, headers);
}

class Call implements DependencySpan {
  private ended = false;
  constructor(
    private readonly span: Span,
    readonly headers: Record<string, string>,
  ) {}

  response(statusCode: number): void {
    if (this.ended || !this.span.isRecording()) return;
    this.span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 400) {
      this.span.setAttribute('error.type', String(statusCode));
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }

  end(errorType?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (errorType && this.span.isRecording()) {
      this.span.setAttribute('error.type', errorType);
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }
}

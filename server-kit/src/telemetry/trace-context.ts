/**
 * The router's `trace` option when OpenTelemetry is on: the chat's trace id is the active
 * request span's (requestSpans() or the http instrumentation started it from the incoming
 * `traceparent`), and no `traceparent` is set here because the orchestrator call's dependency
 * span injects the right one, naming itself as the parent (the kit's own, dependency-span.ts, or
 * the undici instrumentation's when a host turns that on). With no active span (SDK off), the kit's own W3C handling
 * (continueTrace) keeps working, so `context.traceId` always reaches the visitor.
 */
import { context as otelContext, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { continueTrace, type TraceContext } from '../trace.js';

export function otelTraceContext(req: IncomingMessage): TraceContext {
  // Recording or not: a request the sampler dropped still has the trace id the dependency span
  // propagates (with the sampled flag off), so the visitor gets that one.
  const sc = trace.getActiveSpan()?.spanContext();
  if (sc && trace.isSpanContextValid(sc)) return { traceId: sc.traceId };
  const header = req.headers.traceparent;
  const state = req.headers.tracestate;
  return continueTrace(Array.isArray(header) ? header[0] : header, Array.isArray(state) ? state.join(',') : state);
}

/** Tags the active request span with the route template (RequestData's name in Application Insights). Twin: orchestrator/src/telemetry/spans.ts (no shared package by design). */
export function nameRequestSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttribute('http.route', route);
  span.updateName(`${method} ${route}`);
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * A context whose parent is a remote span of `traceId`, so an event lands in that operation
 * (feedback links to the answer it rates); a malformed id gives the active context.
 */
export function contextOfTrace(traceId: string): Context {
  if (!TRACE_ID.test(traceId)) return otelContext.active();
  return trace.setSpanContext(otelContext.active(), {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

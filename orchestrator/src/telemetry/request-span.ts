/**
 * Twin: server-kit/src/telemetry/request-span.ts (withRequestSpan; test/e2e/telemetry-twins.test.ts
 * keeps them in step).
 *
 * The orchestrator's request span (RequestData in Application Insights), made here rather than by
 * OpenTelemetry's `http` instrumentation, which the orchestrator's register module leaves off.
 *
 * Why: profiled on the real chain (bench/telemetry.bench.mjs, BENCH_CPU_PROF), the http
 * instrumentation was the largest single cost telemetry added to a chat in this process: it parses
 * the URL and every header it knows into attributes, wraps the request's and the response's event
 * emitters so every listener re-enters the span's context, records a duration histogram, and needs
 * a module loader hook (import-in-the-middle) to see `node:http` at all. This server has one route
 * that matters, so the span it needs is cheap to make by hand: the parent from the W3C
 * `traceparent` header (the kit's undici call sends it), the attributes the Azure Monitor exporter
 * reads for RequestData (method, scheme, host, path, client address, user agent, status code),
 * named after its route by nameRequestSpan (spans.ts), ended when the response closes.
 *
 * With no SDK registered every call below is a no-op (a non-recording span, the no-op context
 * manager), so a server without telemetry pays next to nothing. If an operator turns the http
 * instrumentation back on (APPLICATIONINSIGHTS_CONFIGURATION_CONTENT), its span is already active
 * when the handler runs and this one stands aside, so a request is never recorded twice.
 */
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { INSTRUMENTATION_SCOPE } from './names.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Semantic-convention names (stable HTTP conventions), as the http instrumentation writes them. */
const ATTR = {
  method: 'http.request.method',
  scheme: 'url.scheme',
  path: 'url.path',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  userAgent: 'user_agent.original',
  protocolVersion: 'network.protocol.version',
  statusCode: 'http.response.status_code',
} as const;

const headerGetter = {
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
  get: (carrier: IncomingMessage['headers'], key: string) => carrier[key],
};

export function withRequestSpan(handler: Handler): Handler {
  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);
  return (req, res) => inRequestSpan(tracer, req, res, handler);
}

function inRequestSpan(tracer: Tracer, req: IncomingMessage, res: ServerResponse, handler: Handler): void {
  // The http instrumentation is on after all: its span is the request's.
  if (trace.getSpan(otelContext.active())) return handler(req, res);
  const parent = propagation.extract(otelContext.active(), req.headers, headerGetter);
  const span = tracer.startSpan(req.method ?? 'HTTP', { kind: SpanKind.SERVER }, parent);
  if (!span.isRecording()) {
    // Not sampled, or no SDK: nothing to describe, but a sampled-out trace still propagates its id.
    if (!trace.isSpanContextValid(span.spanContext())) return handler(req, res);
  } else {
    // Read only for a span that will be exported (the SDK's samplers decide by trace id, not attributes).
    span.setAttributes(requestAttributes(req));
    res.once('close', () => {
      span.setAttribute(ATTR.statusCode, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  }
  otelContext.with(trace.setSpan(parent, span), handler, undefined, req, res);
}

function requestAttributes(req: IncomingMessage): Attributes {
  // Express rewrites req.url below a mount point (the kit's router sees `/stream`); originalUrl is the whole path.
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  const attributes: Attributes = {
    [ATTR.method]: req.method ?? 'GET',
    [ATTR.scheme]: 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http',
    // The path only: a query string could carry what privacy keeps out (the chat routes and /score take none).
    [ATTR.path]: q === -1 ? url : url.slice(0, q),
    [ATTR.protocolVersion]: req.httpVersion,
  };
  const host = req.headers.host;
  if (host) {
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
    if (m?.[1]) attributes[ATTR.serverAddress] = m[1];
    if (m?.[2]) attributes[ATTR.serverPort] = Number(m[2]);
  }
  // Under Express (the kit's router), req.ip: X-Forwarded-For is believed only as far as the
  // app's 'trust proxy' setting says (App Service: one hop), so a visitor cannot name another
  // address. A bare node:http server (the orchestrator, behind the online endpoint's front end)
  // has no such setting: the visitor is the first X-Forwarded-For entry (`ip` or `ipv4:port`).
  const ip = (req as { ip?: unknown }).ip;
  let client = typeof ip === 'string' ? ip : undefined;
  if (client === undefined) {
    const forwarded = req.headers['x-forwarded-for'];
    client = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',', 1)[0]?.trim().replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1') || req.socket.remoteAddress;
  }
  if (client) attributes[ATTR.clientAddress] = client;
  const agent = req.headers['user-agent'];
  if (agent) attributes[ATTR.userAgent] = agent;
  return attributes;
}

/**
 * The scoring server: contract B over plain `node:http`.
 *
 * Why no framework: the server has five routes, and its hot path (SSE pieces) sits behind the
 * server kit's own latency budget (at most 2 ms more than nginx as a relay; bench/server-kit-burst.bench.mjs). node:http with direct `res.write`
 * adds nothing between the model and the socket, and everything here is a few lines anyway.
 *
 * Routes: POST /score (JSON, or SSE with `Accept: text/event-stream`), GET /health/live,
 * GET /health/ready. Every error is `{ error: { code, message } }` with a stable code and a
 * message written here, never an exception's text, a stack or an upstream body.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import {
  MAX_SCORE_BODY_BYTES,
  scoreRequestSchema,
  type ScoreErrorCode,
  type ScoreRequest,
  type ScoreResponse,
} from './contract.js';
import { configWarnings, loadConfig, type OrchestratorConfig } from './config.js';
import { runFlow, type FlowDeps, type FlowEvent } from './flow.js';
import { SseWriter } from './sse-writer.js';
import { allow, readBody, sendError, sendJson } from './score-http.js';
import { toWire, wireJson, wireUsage } from './score-wire.js';
import type { ChatModel, Retriever } from './seams.js';
import { createProviders } from './providers.js';
import { readPrincipal } from './principal.js';
import { FLOW_ATTRIBUTES } from './telemetry/names.js';
import { telemetryPrivacy } from './telemetry/privacy.js';
import { nameRequestSpan } from './telemetry/spans.js';
import { withRequestSpan } from './telemetry/request-span.js';
import { trace } from '@opentelemetry/api';

export interface ScoringHandlerOptions extends FlowDeps {
  /** Accepted bearer keys; empty = no key required. */
  keys: string[];
  /** True once the retriever and model can answer. */
  isReady: () => boolean;
  /** Per-provider readiness for GET /health/ready. */
  readiness?: () => Record<string, 'ready' | 'starting' | 'failed'>;
  /** Log question text (off by default: it is the visitor's data). */
  logQuestions?: boolean;
  /** Start-up and per-request lines. */
  log?: (line: string) => void;
  /** Counts answers in flight (for a graceful shutdown). */
  track?: { begin(): void; end(): void };
  maxBodyBytes?: number;
  /** Where unexpected errors are reported (server-side only). */
  logError?: (line: string) => void;
}

/** The request handler, usable on any node:http server. */
export function createScoringHandler(options: ScoringHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const keyDigests = options.keys.map(digest);
  const maxBody = options.maxBodyBytes ?? MAX_SCORE_BODY_BYTES;
  const logError = options.logError ?? ((line: string) => console.error(line));
  const log = options.log ?? ((line: string) => console.log(line));
  const privacy = options.privacy ?? telemetryPrivacy();

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logError(`orchestrator: unexpected error on ${req.method} ${req.url}: ${describe(err)}`);
      if (!res.headersSent) sendError(res, 'internal_error', 'internal error');
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    switch (path) {
      case '/health/live':
        if (!allow(req, res, ['GET', 'HEAD'])) return;
        return sendJson(res, 200, { status: 'live' });
      case '/health/ready':
        if (!allow(req, res, ['GET', 'HEAD'])) return;
        if (!options.isReady()) {
          const waiting = Object.entries(options.readiness?.() ?? {}).filter(([, v]) => v !== 'ready');
          const detail = waiting.length ? `: ${waiting.map(([k, v]) => `${k} ${v}`).join(', ')}` : '';
          return sendError(res, 'not_ready', `not ready${detail}`);
        }
        return sendJson(res, 200, { status: 'ready', retriever: options.retriever.name, model: options.model.name, providers: options.readiness?.() ?? {} });
      case '/score':
        nameRequestSpan('POST', '/score');
        if (!allow(req, res, ['POST'])) return;
        return score(req, res);
      default:
        return sendError(res, 'not_found', 'no such route');
    }
  }

  async function score(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The `azureml-model-deployment` header routes traffic on the managed endpoint; it has done
    // its job by the time a request reaches us, so it's accepted and ignored.
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendError(res, 'unauthorized', 'a valid key is required: Authorization: Bearer <key>');
    }
    if (!options.isReady()) return sendError(res, 'not_ready', 'not ready: the providers are still starting');
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return sendError(res, 'unsupported_media_type', 'send the body as application/json');
    }
    const body = await readBody(req, maxBody);
    if (body === 'too_large') {
      res.setHeader('connection', 'close');
      return sendError(res, 'payload_too_large', `the body exceeds ${maxBody} bytes`);
    }
    if (body === 'aborted') return;
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(res, 'bad_request', 'the body is not valid JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return sendError(res, 'bad_request', 'the body must be a JSON object');
    }
    const parsed = scoreRequestSchema.safeParse(json);
    if (!parsed.success) return sendError(res, 'bad_request', describeIssue(parsed.error.issues[0]!, json));

    const principal = readPrincipal(req.headers['x-grounded-chat-principal']);
    if (principal === 'invalid') return sendError(res, 'bad_request', 'the x-grounded-chat-principal header is not valid');
    if (principal) trace.getActiveSpan()?.setAttribute(FLOW_ATTRIBUTES.user, privacy.hashUser(principal.id));

    const wantsStream = (req.headers.accept ?? '').toLowerCase().includes('text/event-stream');
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const request = parsed.data;
    if (options.logQuestions) log(`orchestrator: question: ${JSON.stringify(request.question)}`);
    const events = runFlow(options, request, { signal: abort.signal, unpaced: !wantsStream, ...(principal ? { principal } : {}) });
    options.track?.begin();
    try {
      if (wantsStream) await streamAnswer(res, events, abort.signal);
      else await jsonAnswer(res, events, abort.signal);
    } finally {
      options.track?.end();
    }
  }

  async function jsonAnswer(res: ServerResponse, events: AsyncIterable<FlowEvent>, signal: AbortSignal): Promise<void> {
    let answer = '';
    const body: ScoreResponse = { answer: '', citations: [], mode: options.model.mode };
    for await (const event of events) {
      if (signal.aborted) return;
      switch (event.type) {
        case 'text':
          answer += event.text;
          break;
        case 'citations':
          body.citations = event.citations;
          body.mode = event.mode;
          break;
        case 'followups':
          body.followupQuestions = event.questions;
          break;
        case 'usage':
          body.usage = wireUsage(event);
          break;
        case 'error':
          return sendError(res, event.code, publicMessage(event));
      }
    }
    if (signal.aborted) return;
    sendJson(res, 200, { ...body, answer });
  }

  /**
   * Server-sent events, as prompt flow streams them. The first event is awaited before the
   * headers, so a failure before any answer (search down, prompt filtered) still gets its HTTP
   * status; after that, an error is the last event.
   */
  async function streamAnswer(res: ServerResponse, events: AsyncIterable<FlowEvent>, signal: AbortSignal): Promise<void> {
    const iterator = events[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (signal.aborted) return;
    if (!first.done && first.value.type === 'error') return sendError(res, first.value.code, publicMessage(first.value));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    const sse = new SseWriter(res, signal);
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        const event = next.value;
        if (event.type === 'error') {
          sse.send(JSON.stringify({ error: { code: event.code, message: publicMessage(event) } }));
          break;
        }
        // Awaited only when the socket is full: an await per piece would cost a turn of the
        // microtask queue each, for nothing, when the client keeps up (it nearly always does).
        const full = sse.send(wireJson(event));
        if (full) await full;
      }
    } catch {
      // The visitor left (the write was aborted): the flow was cancelled with the same signal.
      await iterator.return?.(undefined);
      if (!res.destroyed) res.destroy();
      return;
    }
    sse.end();
  }

  function publicMessage(event: Extract<FlowEvent, { type: 'error' }>): string {
    if (event.code === 'internal_error' || event.cause) logError(`orchestrator: flow failed (${event.code}): ${describe(event.cause)}`);
    return event.message;
  }

  function authorized(header: string | undefined): boolean {
    if (keyDigests.length === 0) return true;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    if (!m) return false;
    // Compare fixed-length digests in constant time, and check every key so the time taken
    // doesn't reveal which one (if any) came close.
    const given = digest(m[1]!);
    let ok = false;
    for (const key of keyDigests) ok = timingSafeEqual(given, key) || ok;
    return ok;
  }
}

/** A client-facing line naming the offending field, e.g. `question must be a string, not number`. */
function describeIssue(issue: z.core.$ZodIssue, body: object): string {
  const field = issue.path.map(String).join('.') || 'body';
  if (issue.code === 'invalid_type') {
    const value = issue.path.reduce<unknown>(
      (v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined),
      body,
    );
    if (value === undefined) return `${field} is required`;
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    return `${field} must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}, not ${got}`;
  }
  return `${field} ${issue.message}`;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

const describe = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { status?: unknown }).status;
  return `${err.name}${typeof status === 'number' ? ` ${status}` : ''}: ${err.message}${err.cause ? ` (cause: ${describe(err.cause)})` : ''}`;
};

// ── programmatic start ──────────────────────────────────────────────────────────────────────

export interface StartScoringServerOptions {
  /** Defaults to config.port; 0 picks a free port. */
  port?: number;
  /** Defaults to config.host. */
  host?: string;
  /** Defaults to `loadConfig()` (the environment). */
  config?: OrchestratorConfig;
  /** Providers; default: chosen from the configuration (src/providers.ts). */
  retriever?: Retriever;
  model?: ChatModel;
  /** Start-up and warning lines; defaults to console.log. */
  log?: (line: string) => void;
  /** Unexpected errors; defaults to console.error. */
  logError?: (line: string) => void;
}

export interface ScoringServer {
  url: string;
  server: Server;
  retriever: Retriever;
  model: ChatModel;
  /** Resolves once every provider is ready (index loaded or built); rejects if one can't be. */
  ready: Promise<void>;
  /** Closes at once, cutting open answers. */
  close(): Promise<void>;
  /**
   * Graceful stop (SIGTERM): stops accepting connections and requests, lets open answers finish
   * for up to `graceMs`, then closes what is left.
   */
  shutdown(graceMs?: number): Promise<void>;
}

export async function startScoringServer(options: StartScoringServerOptions = {}): Promise<ScoringServer> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? ((line: string) => console.log(line));
  const chosen = options.retriever && options.model ? undefined : createProviders(config, { log });
  const retriever = options.retriever ?? chosen!.retriever;
  const model = options.model ?? chosen!.model;
  for (const warning of configWarnings(config)) log(`orchestrator: warning: ${warning}`);

  const state: Record<string, 'ready' | 'starting' | 'failed'> = { [`retriever:${retriever.name}`]: 'starting', [`model:${model.name}`]: 'starting' };
  const watch = (key: string, p: Promise<void>) =>
    p.then(
      () => void (state[key] = 'ready'),
      (err: unknown) => {
        state[key] = 'failed';
        throw err;
      },
    );
  let ready = false;
  let open = 0;
  let drained: (() => void) | undefined;
  let stopping = false;
  const handler = createScoringHandler({
    retriever,
    model,
    ...(chosen?.maxPromptTokens ? { maxPromptTokens: chosen.maxPromptTokens } : {}),
    requestTimeoutMs: config.requestTimeoutMs,
    rewriteTimeoutMs: config.rewriteTimeoutMs,
    keys: config.keys,
    isReady: () => ready && !stopping,
    readiness: () => ({ ...state }),
    logQuestions: config.logQuestions,
    log,
    logError: options.logError,
    track: {
      begin: () => void open++,
      end: () => {
        if (--open === 0) drained?.();
      },
    },
  });
  const traced = withRequestSpan(handler);
  const server = createServer(traced);
  // `Expect: 100-continue` (curl sends it for bodies over 1 KiB): invite the body only when its
  // declared size is acceptable, so an oversize upload is refused before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!(Number(req.headers['content-length']) > MAX_SCORE_BODY_BYTES)) res.writeContinue();
    traced(req, res);
  });
  const host = options.host ?? config.host;
  server.listen(options.port ?? config.port, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  // Say where it really listens: all interfaces are reachable as 127.0.0.1 too, so that is the
  // clickable URL, and the bound interface is named beside it.
  const all = host === '0.0.0.0' || host === '::';
  const shownHost = all ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  const where = all ? `${url}, all interfaces` : url;

  const readyPromise = Promise.all([
    watch(`retriever:${retriever.name}`, retriever.ready()),
    watch(`model:${model.name}`, model.ready?.() ?? Promise.resolve()),
  ]).then(() => {
    ready = true;
    const size = (retriever as { size?: unknown }).size;
    const count = typeof size === 'number' ? `, ${size} passages${(retriever as { semantic?: unknown }).semantic === true ? ', semantic search' : ''}` : '';
    log(`orchestrator listening on ${where} (retriever: ${retriever.name}${count}; model: ${model.name})`);
  });
  readyPromise.catch(() => {}); // the caller decides; never an unhandled rejection

  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  return {
    url,
    server,
    retriever,
    model,
    ready: readyPromise,
    close,
    async shutdown(graceMs = config.shutdownGraceMs) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (open > 0) {
        const idle = new Promise<void>((resolve) => (drained = resolve));
        const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        await Promise.race([idle, timer]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * `createChatRouter(options)`: the Express router the host mounts, e.g. at `/api/chat`.
 *
 *   POST /          contract A, JSON answer
 *   POST /stream    contract A, NDJSON deltas
 *   POST /feedback  optional, thumbs up/down to your hook
 *
 * Each chat: origin check (when `cors` is set) → content type → authenticate → read and validate
 * the body (size, depth, time) → rate, concurrent streams, quota → map to contract B → relay
 * under a deadline. Only requests that passed the checks count against a visitor's limits. Every
 * failure answers `{ error: { code, message } }` (or a last NDJSON line once a stream has begun),
 * including errors thrown by the host's own middleware inside this router. Options and error
 * codes: docs/server-kit.md.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Authenticator, Principal } from './auth/types.js';
import { easyAuth, easyAuthEnabled, easyAuthOff } from './auth/easyauth.js';
import { noAuth } from './auth/none.js';
import { checkJsonRequest, readJsonBody } from './body.js';
import { chatRequestSchema, DEFAULT_LIMITS, type ChatLimits, type ChatResponse } from './contract.js';
import { corsGuard } from './cors.js';
import { ChatKitError, sendError } from './errors.js';
import { parseFeedback } from './feedback.js';
import { createAdmission, type Admission } from './limits/admission.js';
import { limitKey } from './limits/keys.js';
import { memoryStore } from './limits/memory-store.js';
import { consoleLogger, silentLogger, type Logger } from './logger.js';
import { DEFAULT_FIELDS, toScorePayload, type FieldNames } from './mapping.js';
import { ClientGoneError, OrchestratorClient, type UpstreamCall } from './orchestrator-client.js';
import { readContext } from './outputs.js';
import { PRINCIPAL_HEADER, principalHeader } from './principal-header.js';
import { checkRouterOptions, type ChatEndEvent, type ChatRouterOptions } from './router-options.js';
import { NDJSON_HEADERS, readUsage, relayStream, type Usage } from './stream-relay.js';
import { createKitTelemetry, type KitTelemetry } from './telemetry/kit-telemetry.js';
import { requestSpans } from './telemetry/request-span.js';
import { nameRequestSpan, otelTraceContext } from './telemetry/trace-context.js';
import type { TraceContext } from './trace.js';
import { parseChatRequest } from './validate.js';

export type { ChatRouterOptions, ChatEndEvent } from './router-options.js';

/** The router, plus what a host needs to stop it cleanly (see shutdownOnSignal). */
export type ChatRouter = Router & {
  /**
   * Refuses new chats (503 `shutting_down`), lets open ones finish until `graceMs`, then ends each
   * with a `shutting_down` error line and aborts its upstream call. Resolves when none is left.
   */
  drain(graceMs: number): Promise<void>;
  /** Chats in progress. */
  readonly openChats: number;
  /** Closes the orchestrator connections and the limit store (after drain). */
  close(): Promise<void>;
};

/** A chat in progress, as onChatEnd (and the `chat` event) will see it. */
type ChatRun = Omit<ChatEndEvent, 'outcome' | 'durationMs'> & {
  started: number;
  outcome?: ChatEndEvent['outcome'];
  /** The last user message: given to telemetry, which records it only with `recordText`. */
  question?: string;
  /** Set when the error that ended the chat carried a retry-after. */
  retryAfterS?: number;
  /** The kit's own limits let the chat through (a later `rate_limited` is the orchestrator's). */
  admitted?: boolean;
};

type Prepared = {
  principal: Principal;
  key: string;
  call: UpstreamCall;
  payload: Record<string, unknown>;
  sessionState: unknown;
  /** What the chat cost, set by charge(). */
  tokens?: number;
  /** Ends the chat's bookkeeping: slot and charge, deadline timer, drain registry. */
  done(): void;
};

export function createChatRouter(options: ChatRouterOptions): ChatRouter {
  checkRouterOptions(options);
  const env = options.env ?? process.env;
  const logger = options.logger ?? consoleLogger;
  const orchestrator = options.orchestrator;
  const client =
    orchestrator instanceof OrchestratorClient ? orchestrator : new OrchestratorClient({ logger, ...orchestrator });
  const fields: FieldNames = {
    ...DEFAULT_FIELDS,
    ...(orchestrator instanceof OrchestratorClient ? {} : orchestrator.fields),
    ...options.fields,
  };
  const limits: ChatLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const bodyLimits = { maxBytes: limits.maxBodyBytes, maxDepth: limits.maxDepth, timeoutMs: limits.bodyTimeoutMs };
  const schema = chatRequestSchema(limits);
  const onAppService = Boolean(env.WEBSITE_SITE_NAME);
  // Safe default: the platform's sign-in on App Service, believed only when it is on.
  const authenticate: Authenticator =
    options.auth ?? (onAppService ? (easyAuthEnabled(env) ? easyAuth({ env }) : easyAuthOff(logger)) : noAuth(env));
  const trustedProxies = options.trustedProxies ?? (onAppService ? 1 : 0);
  const deadlineMs = options.deadlineMs ?? 170_000;
  const writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
  const store = options.store ?? memoryStore();
  const admissionOf = (prefix: string): Admission =>
    createAdmission({ store, rateLimit: options.rateLimit ?? {}, quotas: options.quotas, slotTtlMs: deadlineMs + 60_000, logger, prefix });
  const chats = admissionOf('');
  const limiting = options.rateLimit !== false || options.quotas !== undefined;
  const forward = options.forwardPrincipal ? (options.forwardPrincipal === true ? {} : options.forwardPrincipal) : undefined;
  // The active request span's trace when OpenTelemetry runs (the orchestrator call's dependency
  // span sends traceparent); the kit's own W3C handling (continueTrace) when it does not.
  const traceOf: (req: Request) => TraceContext = options.trace ?? otelTraceContext;
  const telemetry: KitTelemetry = options.telemetry ?? createKitTelemetry({ ...options.telemetryOptions, env });
  const authMode = options.auth ? 'custom' : onAppService ? 'easyauth' : 'none';

  /** Open chats, so drain() can end them. */
  const open = new Set<AbortController>();
  let draining = false;

  /** Auth; undefined when a middleware-style authenticator already answered. */
  async function admit(req: Request, res: Response): Promise<Principal | undefined> {
    if (draining) throw new ChatKitError('shutting_down');
    checkJsonRequest(req); // before anything else: a 415 costs nothing and counts for nothing
    const principal = await authenticate(req, res);
    if (res.headersSent) return undefined;
    if (!principal) throw new ChatKitError('unauthorized');
    res.locals.principal = principal;
    return principal;
  }

  async function prepare(req: Request, res: Response, run: ChatRun, streaming: boolean): Promise<Prepared | undefined> {
    const principal = await admit(req, res);
    if (!principal) {
      run.outcome = 'unauthorized'; // a middleware-style authenticator answered by itself
      return undefined;
    }
    run.principal = principal;
    const chat = parseChatRequest(await readJsonBody(req, bodyLimits), schema, limits);
    run.question = lastUserMessage(chat.messages);
    // Counted only now: the request is well-formed and from someone we know.
    const key = limiting ? limitKey(principal, req, trustedProxies) : '';
    const end = limiting ? await chats.admit(req, res, key, streaming) : noSlot;
    run.admitted = true;
    const trace = traceOf(req);
    run.traceId = trace.traceId;
    // The visitor leaving aborts the upstream request (and with it the model's work); so do the
    // deadline and a shutdown, with their own error for the visitor.
    const controller = new AbortController();
    open.add(controller);
    const deadline = setTimeout(() => controller.abort(new ChatKitError('timeout')), deadlineMs);
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(VISITOR_LEFT);
    });
    const call: UpstreamCall = { trace, signal: controller.signal };
    if (forward) {
      const header = principalHeader(principal, forward, logger);
      if (header) call.headers = { [PRINCIPAL_HEADER]: header };
    }
    const prepared: Prepared = {
      principal,
      key,
      call,
      payload: toScorePayload(chat.messages, fields),
      sessionState: chat.sessionState,
      done: () => {
        clearTimeout(deadline);
        open.delete(controller);
        end(prepared.tokens);
      },
    };
    return prepared;
  }

  /** Charges a chat's tokens: reported usage, else an estimate (≈ 4 characters a token); extractive answers cost nothing. */
  function charge(p: Prepared, run: ChatRun, usage: Usage | undefined, answerChars: number, mode: string | undefined) {
    let tokens: number;
    if (usage) tokens = usage.promptTokens + usage.completionTokens;
    else if (mode === 'extractive') tokens = 0;
    else tokens = Math.ceil((JSON.stringify(p.payload).length + answerChars) / 4);
    run.tokens = tokens;
    p.tokens = tokens; // charged when the chat ends (p.done), with its slot given back
  }

  const complete = async (req: Request, res: Response, run: ChatRun): Promise<void> => {
    const p = await prepare(req, res, run, false);
    if (!p) return;
    try {
      const output = await unlessGone(run, client.complete(p.payload, p.call));
      if (output === GONE) return;
      run.upstreamHeadersMs = performance.now() - run.started; // (with the body: JSON arrives whole)
      const o = (output && typeof output === 'object' ? output : {}) as Record<string, unknown>;
      const answer = o[fields.answer];
      if (typeof answer !== 'string') {
        logger.warn(`orchestrator response has no string "${fields.answer}"`, { traceId: p.call.trace.traceId });
        throw new ChatKitError('upstream_unavailable');
      }
      const context = { ...readContext(o), traceId: p.call.trace.traceId };
      run.mode = context.mode;
      run.citations = context.citations?.length ?? 0;
      run.usage = readUsage(o.usage);
      charge(p, run, run.usage, answer.length, context.mode);
      const body: ChatResponse = { message: { role: 'assistant', content: answer, context } };
      if (p.sessionState !== undefined) body.sessionState = p.sessionState;
      const json = JSON.stringify(body);
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-length': String(Buffer.byteLength(json)),
      });
      res.end(json);
    } finally {
      p.done();
    }
  };

  const stream = async (req: Request, res: Response, run: ChatRun): Promise<void> => {
    const p = await prepare(req, res, run, true);
    if (!p) return;
    try {
      // A failure here comes before the stream began, so it is answered with a proper status (429, 502, 504…).
      const upstream = await unlessGone(run, client.open(p.payload, p.call));
      if (upstream === GONE) return;
      run.upstreamHeadersMs = performance.now() - run.started;
      const traceId = p.call.trace.traceId;
      res.writeHead(200, NDJSON_HEADERS);
      // The first line says who speaks and carries the trace id; sessionState rides along once.
      // Written at once, with the head (and any answer already here): a proxy or the widget knows the answer is coming.
      let first = `{"delta":{"role":"assistant","context":{"traceId":"${traceId}"}}`;
      if (p.sessionState !== undefined) first += `,"sessionState":${JSON.stringify(p.sessionState)}`;
      const result = await relayStream({ res, upstream, client, call: p.call, answerField: fields.answer, traceId, logger, writeTimeoutMs, head: first + '}\n' });
      run.outcome = result.outcome;
      if (result.firstContentAt !== undefined) run.firstContentMs = result.firstContentAt - run.started;
      run.mode = result.mode;
      run.citations = result.citations;
      run.usage = result.usage;
      charge(p, run, result.usage, result.answerChars, result.mode);
    } finally {
      p.done();
    }
  };

  /**
   * Runs a chat route, then reports it: the `chat` event and metrics, the refusal events
   * (rate_limited, quota_exceeded, auth_failed) from the error that ended it, and onChatEnd.
   * Errors still go to the error handler.
   */
  const onChatEnd = options.onChatEnd;
  function chatRoute(route: ChatEndEvent['route'], fn: (req: Request, res: Response, run: ChatRun) => Promise<void>): RequestHandler {
    const report = (run: ChatRun) => {
      const outcome = run.outcome ?? 'ok';
      const durationMs = performance.now() - run.started;
      const userId = visitorId(run.principal);
      const usage = run.usage;
      try {
        telemetry.chatEnded({
          route,
          outcome,
          durationMs,
          firstContentMs: run.firstContentMs,
          upstreamHeadersMs: run.upstreamHeadersMs,
          userId,
          mode: run.mode,
          usage: usage ? { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, model: usage.model } : undefined,
          citations: run.citations,
          question: run.question,
        });
        // Refusals by the kit itself; the same codes relayed from the orchestrator are in `chat`'s outcome.
        if (!run.admitted && outcome === 'rate_limited') telemetry.rateLimited({ route, userId, keyedBy: userId ? 'principal' : 'ip', retryAfterS: run.retryAfterS });
        else if (!run.admitted && outcome === 'quota_exceeded') telemetry.quotaExceeded({ route, userId, window: 'day', retryAfterS: run.retryAfterS });
        else if (outcome === 'unauthorized' || outcome === 'forbidden') telemetry.authFailed({ route, reason: outcome, authMode });
      } catch (err) {
        logger.error('telemetry failed', { error: (err as Error)?.name ?? typeof err });
      }
      if (!onChatEnd) return;
      // The event is built only for a host that asked for it (no rest/spread copy per chat otherwise).
      const { started: _s, question: _q, retryAfterS: _r, admitted: _a, ...event } = run;
      const ended: ChatEndEvent = { ...event, outcome, durationMs };
      try {
        onChatEnd(ended);
      } catch (err) {
        logger.error('onChatEnd failed', { error: (err as Error)?.name ?? typeof err });
      }
    };
    return (req, res, next) => {
      nameRequestSpan(req.method, req.baseUrl + (req.route?.path ?? req.path));
      const run: ChatRun = { route, started: performance.now() };
      fn(req, res, run).then(
        () => report(run),
        (err: unknown) => {
          const error = routerError(err, silentLogger, req);
          run.outcome = error.code;
          run.retryAfterS = error.retryAfterSeconds;
          report(run);
          next(err);
        },
      );
    };
  }

  const methodNotAllowed: RequestHandler = (req, res, next) => {
    if (req.method === 'OPTIONS') return next(); // preflights: our cors option, or the host's cors()
    res.setHeader('allow', 'POST');
    sendError(res, new ChatKitError('method_not_allowed', 'Use POST.'));
  };

  const router = express.Router() as ChatRouter;
  router.use(requestSpans()); // the request's span when telemetry is on (docs/telemetry.md#what-it-costs)
  if (options.cors) router.use(corsGuard(options.cors));
  router.post('/', chatRoute('complete', complete));
  router.post('/stream', chatRoute('stream', stream));
  if (options.feedback) {
    const onFeedback = options.feedback.onFeedback;
    // Its own budget: rating an answer must not use up the visitor's questions.
    const ratings = admissionOf('fb:');
    router.post('/feedback', handle(async (req, res) => {
      nameRequestSpan(req.method, req.baseUrl + (req.route?.path ?? req.path));
      const principal = await admit(req, res).catch((err: unknown) => {
        if (err instanceof ChatKitError && (err.code === 'unauthorized' || err.code === 'forbidden')) {
          telemetry.authFailed({ route: 'feedback', reason: err.code, authMode });
        }
        throw err;
      });
      if (!principal) return;
      const feedback = parseFeedback(await readJsonBody(req, { ...bodyLimits, maxBytes: 8 * 1024 }));
      await ratings.limitRate(req, res, limitKey(principal, req, trustedProxies)).catch((err: unknown) => {
        if (err instanceof ChatKitError && err.code === 'rate_limited') {
          const userId = visitorId(principal);
          telemetry.rateLimited({ route: 'feedback', userId, keyedBy: userId ? 'principal' : 'ip', retryAfterS: err.retryAfterSeconds });
        }
        throw err;
      });
      try {
        await onFeedback(feedback, principal);
      } catch (err) {
        logger.error('onFeedback failed', { error: (err as Error)?.name ?? typeof err });
        throw new ChatKitError('internal_error', 'The feedback could not be saved.');
      }
      telemetry.feedback({ rating: feedback.rating, traceId: feedback.traceId, messageId: feedback.messageId, comment: feedback.comment, userId: visitorId(principal) });
      res.status(204).end();
    }));
    router.all('/feedback', methodNotAllowed);
  }
  router.all('/', methodNotAllowed);
  router.all('/stream', methodNotAllowed);

  // Nothing thrown in here may reach Express's HTML error page.
  router.use(chatErrorHandler(logger));

  router.drain = async (graceMs: number) => {
    draining = true;
    const deadline = Date.now() + graceMs;
    while (open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(50, graceMs)));
    for (const c of open) c.abort(new ChatKitError('shutting_down'));
    while (open.size > 0) await new Promise((r) => setTimeout(r, 10));
  };
  Object.defineProperty(router, 'openChats', { get: () => open.size });
  router.close = async () => {
    await client.close();
    await store.close?.();
  };
  return router;
}

/**
 * The router's error handler, exported for hosts whose own middleware runs before the router
 * (a global express.json() failing on malformed JSON never reaches the router's handler):
 * `app.use('/api/chat', chatErrorHandler())` after mounting answers those in contract A's shape too.
 */
export function chatErrorHandler(logger: Logger = consoleLogger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    sendError(res, routerError(err, logger, req));
  };
}

/** Express 4 does not catch a rejected handler's promise; this hands the error to our handler. */
function handle(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

/**
 * Known errors as they are; body-parser's (a host's express.json) by type; the rest as 500, logged
 * by name and message only: a stack in the log is for bugs, and these are found by the message.
 */
function routerError(err: unknown, logger: Logger, req: Request): ChatKitError {
  if (err instanceof ChatKitError) return err;
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.parse.failed') return new ChatKitError('bad_request', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new ChatKitError('payload_too_large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new ChatKitError('unsupported_media_type');
  logger.error('unexpected error in the chat router', {
    path: req.originalUrl,
    error: err instanceof Error ? `${err.name}: ${err.message}` : typeof err,
    stack: err instanceof Error ? err.stack : undefined,
  });
  return new ChatKitError('internal_error');
}

/** The visitor's id for telemetry (hashed there); none for anonymous visitors. */
function visitorId(principal: Principal | undefined): string | undefined {
  return principal && principal.provider !== 'none' ? principal.id : undefined;
}

/** The text of the last user message (only recorded when telemetry's recordText is on). */
function lastUserMessage(messages: readonly { role: string; content: string }[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i]!.content;
  return undefined;
}

const noSlot = (_tokens?: number) => {};
const GONE = Symbol('visitor gone');
/**
 * The abort reason when the visitor leaves: one shared object, so a burst of departures does not
 * build a DOMException (and undici an error) with a stack trace each. Not a ChatKitError, so the
 * client reads it as "gone".
 */
const VISITOR_LEFT = Object.freeze({ name: 'VisitorLeft' });

/** Awaits an upstream call; a visitor who left meanwhile ends the run quietly instead of as an error. */
async function unlessGone<T>(run: ChatRun, call: Promise<T>): Promise<T | typeof GONE> {
  try {
    return await call;
  } catch (err) {
    if (!(err instanceof ClientGoneError)) throw err;
    run.outcome = 'client_gone';
    return GONE;
  }
}

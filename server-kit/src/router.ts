/**
 * `createChatRouter(options)`: the Express router the host mounts, e.g. at `/api/chat`.
 *
 *   POST /          contract A, JSON answer
 *   POST /stream    contract A, NDJSON deltas
 *   POST /feedback  optional, thumbs up/down to your hook
 *
 * Each request: authenticate → rate-limit → read and validate the body → map to contract B →
 * relay. Every failure answers `{ error: { code, message } }` (or a last NDJSON line once a stream
 * has begun), including errors thrown by the host's own middleware inside this router.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Authenticator, Principal } from './auth/types.js';
import { easyAuth } from './auth/easyauth.js';
import { noAuth } from './auth/none.js';
import { readJsonBody } from './body.js';
import { chatRequestSchema, DEFAULT_LIMITS, type ChatLimits, type ChatResponse, type ErrorCode } from './contract.js';
import { ChatKitError, sendError } from './errors.js';
import { parseFeedback, type FeedbackOptions } from './feedback.js';
import { consoleLogger, silentLogger, type Logger } from './logger.js';
import { DEFAULT_FIELDS, toScorePayload, type FieldNames } from './mapping.js';
import { ClientGoneError, OrchestratorClient, type OrchestratorClientOptions, type UpstreamCall } from './orchestrator-client.js';
import { readContext } from './outputs.js';
import { clientIp, createRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { NDJSON_HEADERS, relayStream } from './stream-relay.js';
import { continueTrace, type TraceContext } from './trace.js';
import { parseChatRequest } from './validate.js';
import { ConfigError } from './config-error.js';

export type ChatRouterOptions = {
  /** Where chats go (contract B), or a client you built and may share between routers. */
  orchestrator: (OrchestratorClientOptions & { fields?: Partial<FieldNames> }) | OrchestratorClient;
  /** Field names of the flow, when `orchestrator` is a client. Default question/chat_history/answer. */
  fields?: Partial<FieldNames>;
  /**
   * Who may chat. Default: Easy Auth on App Service (WEBSITE_SITE_NAME set), none elsewhere.
   * See noAuth, easyAuth, entraAuth, customAuth, fromMiddleware.
   */
  auth?: Authenticator;
  /** Per-principal (else per-IP) limit. Default 20 per minute; `false` turns it off. */
  rateLimit?: RateLimitOptions | false;
  /** Body size, message count and length limits. Defaults in DEFAULT_LIMITS. */
  limits?: Partial<ChatLimits>;
  /**
   * Where each chat's trace comes from. Default: continue the request's W3C `traceparent` (or
   * start one) and send it upstream. With OpenTelemetry active, return the active span's trace id
   * and no `traceparent`, and let its undici instrumentation propagate the context.
   */
  trace?: (req: Request) => TraceContext;
  /** Enables `POST /feedback`. */
  feedback?: FeedbackOptions;
  /**
   * Called once per chat (`POST /` and `/stream`) when it is over: for telemetry (Application
   * Insights events and metrics, logs). Must not throw; its errors are logged and ignored.
   */
  onChatEnd?: (event: ChatEndEvent) => void;
  logger?: Logger;
  /** Environment used to choose the default authenticator. Default process.env. */
  env?: Record<string, string | undefined>;
};

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });
const positiveInt = z.number().int().positive();
const fieldName = z.string().min(1).max(100);

const optionsSchema = z.object({
  orchestrator: z.union([
    z.instanceof(OrchestratorClient),
    z
      .object({
        url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
        key: z.string().min(1).optional(),
        getToken: fn.optional(),
        deployment: z.string().optional(),
        timeoutMs: positiveInt.optional(),
        idleTimeoutMs: positiveInt.optional(),
        maxResponseBytes: positiveInt.optional(),
        connections: positiveInt.nullable().optional(),
      })
      .passthrough(),
  ]),
  fields: z.object({ question: fieldName, chatHistory: fieldName, answer: fieldName }).partial().optional(),
  auth: fn.optional(),
  rateLimit: z.union([z.literal(false), z.object({ windowMs: positiveInt.optional(), max: positiveInt.optional(), maxKeys: positiveInt.optional() })]).optional(),
  limits: z.object({ maxBodyBytes: positiveInt, maxMessages: positiveInt, maxMessageChars: positiveInt }).partial().optional(),
  trace: fn.optional(),
  feedback: z.object({ onFeedback: fn }).optional(),
  onChatEnd: fn.optional(),
  logger: z.object({ warn: fn, error: fn }).optional(),
  // Not z.record: process.env is not a plain object to zod, and it is the value most hosts pass.
  env: z.custom<Record<string, string | undefined>>((v) => typeof v === 'object' && v !== null, { message: 'must be an object of strings' }).optional(),
});

/** What a finished chat reports to `onChatEnd`. Times in ms from the request reaching the router. */
export type ChatEndEvent = {
  route: 'complete' | 'stream';
  /** `ok`, the error code the visitor got (before or during the stream), or `client_gone`. */
  outcome: 'ok' | 'client_gone' | ErrorCode;
  traceId?: string;
  principal?: Principal;
  /** Until the orchestrator's response head arrived. */
  upstreamHeadersMs?: number;
  /** Until the first answer piece was written (streams). */
  firstContentMs?: number;
  durationMs: number;
};

/** A chat in progress, as onChatEnd will see it. */
type ChatRun = Omit<ChatEndEvent, 'outcome' | 'durationMs'> & { started: number; outcome?: ChatEndEvent['outcome'] };

type Prepared = { principal: Principal; call: UpstreamCall; payload: Record<string, unknown>; sessionState: unknown };

export function createChatRouter(options: ChatRouterOptions): Router {
  const checked = optionsSchema.safeParse(options);
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `createChatRouter: options.${i.path.join('.')} ${i.message}`);
    throw new ConfigError(problems.join('\n'), problems);
  }
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
  const schema = chatRequestSchema(limits);
  // Safe default: the platform's sign-in on App Service; noAuth() itself refuses to run there.
  const authenticate: Authenticator = options.auth ?? (env.WEBSITE_SITE_NAME ? easyAuth({ env }) : noAuth(env));
  const limiter = options.rateLimit === false ? undefined : createRateLimiter(options.rateLimit);
  const traceOf =
    options.trace ??
    ((req: Request): TraceContext => {
      const { traceparent, tracestate } = req.headers;
      return continueTrace(
        typeof traceparent === 'string' ? traceparent : undefined,
        typeof tracestate === 'string' ? tracestate : undefined,
      );
    });

  /** Auth and rate limit; undefined when a middleware-style authenticator already answered. */
  async function admit(req: Request, res: Response, budget = limiter): Promise<Principal | undefined> {
    const principal = await authenticate(req, res);
    if (res.headersSent) return undefined;
    if (!principal) throw new ChatKitError('unauthorized');
    budget?.hit(principal.provider === 'none' ? `ip:${clientIp(req)}` : `principal:${principal.provider}:${principal.id}`);
    res.locals.principal = principal;
    return principal;
  }

  async function prepare(req: Request, res: Response, run: ChatRun): Promise<Prepared | undefined> {
    const principal = await admit(req, res);
    if (!principal) {
      run.outcome = 'unauthorized'; // a middleware-style authenticator answered by itself
      return undefined;
    }
    run.principal = principal;
    const chat = parseChatRequest(await readJsonBody(req, limits.maxBodyBytes), schema);
    const trace = traceOf(req);
    run.traceId = trace.traceId;
    // The visitor leaving aborts the upstream request (and with it the model's work).
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    return {
      principal,
      call: { trace, signal: controller.signal },
      payload: toScorePayload(chat.messages, fields),
      sessionState: chat.sessionState,
    };
  }

  const complete = async (req: Request, res: Response, run: ChatRun): Promise<void> => {
    const p = await prepare(req, res, run);
    if (!p) return;
    const output = await unlessGone(run, client.complete(p.payload, p.call));
    if (output === GONE) return;
    run.upstreamHeadersMs = performance.now() - run.started; // (with the body: JSON arrives whole)
    const o = (output && typeof output === 'object' ? output : {}) as Record<string, unknown>;
    const answer = o[fields.answer];
    if (typeof answer !== 'string') {
      logger.warn(`orchestrator response has no string "${fields.answer}"`, { traceId: p.call.trace.traceId });
      throw new ChatKitError('upstream_unavailable');
    }
    const body: ChatResponse = {
      message: { role: 'assistant', content: answer, context: { ...readContext(o), traceId: p.call.trace.traceId } },
    };
    if (p.sessionState !== undefined) body.sessionState = p.sessionState;
    const json = JSON.stringify(body);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-length': String(Buffer.byteLength(json)),
    });
    res.end(json);
  };

  const stream = async (req: Request, res: Response, run: ChatRun): Promise<void> => {
    const p = await prepare(req, res, run);
    if (!p) return;
    // A failure here comes before the stream began, so it is answered with a proper status (429, 502, 504…).
    const upstream = await unlessGone(run, client.open(p.payload, p.call));
    if (upstream === GONE) return;
    run.upstreamHeadersMs = performance.now() - run.started;
    const traceId = p.call.trace.traceId;
    res.writeHead(200, NDJSON_HEADERS);
    // The first line says who speaks and carries the trace id; sessionState rides along once.
    let first = `{"delta":{"role":"assistant","context":{"traceId":"${traceId}"}}`;
    if (p.sessionState !== undefined) first += `,"sessionState":${JSON.stringify(p.sessionState)}`;
    res.write(first + '}\n');
    const result = await relayStream({ res, upstream, client, call: p.call, answerField: fields.answer, traceId, logger });
    run.outcome = result.outcome;
    if (result.firstContentAt !== undefined) run.firstContentMs = result.firstContentAt - run.started;
  };

  /** Runs a chat route, then reports it to onChatEnd (errors still go to the error handler). */
  const onChatEnd = options.onChatEnd;
  function chatRoute(route: ChatEndEvent['route'], fn: (req: Request, res: Response, run: ChatRun) => Promise<void>): RequestHandler {
    if (!onChatEnd) return handle((req, res) => fn(req, res, { route, started: 0 }));
    const report = (run: ChatRun) => {
      const { started, ...event } = run;
      try {
        onChatEnd({ ...event, outcome: run.outcome ?? 'ok', durationMs: performance.now() - started });
      } catch (err) {
        logger.error('onChatEnd failed', { error: (err as Error)?.name ?? typeof err });
      }
    };
    return (req, res, next) => {
      const run: ChatRun = { route, started: performance.now() };
      fn(req, res, run).then(
        () => report(run),
        (err: unknown) => {
          run.outcome = routerError(err, silentLogger, req).code;
          report(run);
          next(err);
        },
      );
    };
  }

  const methodNotAllowed: RequestHandler = (req, res, next) => {
    if (req.method === 'OPTIONS') return next(); // leave CORS preflights to the host's cors()
    res.setHeader('allow', 'POST');
    sendError(res, new ChatKitError('method_not_allowed', 'Use POST.'));
  };

  const router = express.Router();
  router.post('/', chatRoute('complete', complete));
  router.post('/stream', chatRoute('stream', stream));
  if (options.feedback) {
    const onFeedback = options.feedback.onFeedback;
    // Its own budget: rating an answer must not use up the visitor's questions.
    const feedbackLimiter = options.rateLimit === false ? undefined : createRateLimiter(options.rateLimit);
    router.post('/feedback', handle(async (req, res) => {
      const principal = await admit(req, res, feedbackLimiter);
      if (!principal) return;
      const feedback = parseFeedback(await readJsonBody(req, 8 * 1024));
      try {
        await onFeedback(feedback, principal);
      } catch (err) {
        logger.error('onFeedback failed', { error: (err as Error)?.name ?? typeof err });
        throw new ChatKitError('internal_error', 'The feedback could not be saved.');
      }
      res.status(204).end();
    }));
    router.all('/feedback', methodNotAllowed);
  }
  router.all('/', methodNotAllowed);
  router.all('/stream', methodNotAllowed);

  // Nothing thrown in here may reach Express's HTML error page.
  router.use(chatErrorHandler(logger));
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

/** Known errors as they are; body-parser's (a host's express.json) by type; the rest as 500. */
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

const GONE = Symbol('visitor gone');

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

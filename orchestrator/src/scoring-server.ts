/**
 * The scoring server: contract B over plain `node:http`.
 *
 * Why no framework: the server has five routes, and its hot path (SSE pieces) sits behind the
 * server kit's own latency budget (DESIGN.md: nginx + 2 ms). node:http with direct `res.write`
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
import { FlowError, runFlow, type FlowDeps } from './flow.js';
import type { ChatModel, Retriever } from './seams.js';
import { LocalIndex } from './retrieval/local-index.js';
import { ExtractiveChatModel } from './answer/extractive.js';

const STATUS: Record<ScoreErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  content_filtered: 400,
  rate_limited: 429,
  internal_error: 500,
  upstream_unavailable: 502,
  not_ready: 503,
  timeout: 504,
};

export interface ScoringHandlerOptions extends FlowDeps {
  /** Accepted bearer keys; empty = no key required. */
  keys: string[];
  /** True once the retriever and model can answer. */
  isReady: () => boolean;
  maxBodyBytes?: number;
  /** Where unexpected errors are reported (server-side only). */
  logError?: (line: string) => void;
}

/** The request handler, usable on any node:http server. */
export function createScoringHandler(options: ScoringHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const keyDigests = options.keys.map(digest);
  const maxBody = options.maxBodyBytes ?? MAX_SCORE_BODY_BYTES;
  const logError = options.logError ?? ((line: string) => console.error(line));

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
        if (!options.isReady()) return sendError(res, 'not_ready', 'the index is still loading');
        return sendJson(res, 200, { status: 'ready', retriever: options.retriever.name, model: options.model.name });
      case '/score':
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
    if (!options.isReady()) return sendError(res, 'not_ready', 'the index is still loading');
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

    const wantsStream = (req.headers.accept ?? '').toLowerCase().includes('text/event-stream');
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    if (wantsStream) return streamAnswer(res, parsed.data, abort.signal);
    return jsonAnswer(res, parsed.data, abort.signal);
  }

  async function jsonAnswer(res: ServerResponse, request: ScoreRequest, signal: AbortSignal): Promise<void> {
    try {
      const flow = await runFlow(options, request, { signal, unpaced: true });
      let answer = '';
      for await (const piece of flow.pieces) answer += piece;
      const body: ScoreResponse = {
        answer,
        citations: flow.citations,
        ...(flow.followupQuestions ? { followupQuestions: flow.followupQuestions } : {}),
        mode: flow.mode,
      };
      sendJson(res, 200, body);
    } catch (err) {
      if (signal.aborted) return;
      const { code, message } = publicError(err);
      sendError(res, code, message);
    }
  }

  async function streamAnswer(res: ServerResponse, request: ScoreRequest, signal: AbortSignal): Promise<void> {
    let flow;
    try {
      // Retrieval happens before the headers so its failures still get a proper HTTP status.
      flow = await runFlow(options, request, { signal });
    } catch (err) {
      if (signal.aborted) return;
      const { code, message } = publicError(err);
      return sendError(res, code, message);
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    try {
      await send(res, { citations: flow.citations, mode: flow.mode }, signal);
      for await (const piece of flow.pieces) await send(res, { answer: piece }, signal);
      if (flow.followupQuestions?.length) await send(res, { followupQuestions: flow.followupQuestions }, signal);
    } catch (err) {
      if (signal.aborted || res.destroyed) return;
      const error = publicError(err);
      res.write(`data: ${JSON.stringify({ error })}\n\n`);
    }
    res.end();
  }

  function publicError(err: unknown): { code: ScoreErrorCode; message: string } {
    if (err instanceof FlowError) return { code: err.code, message: err.message };
    logError(`orchestrator: flow failed: ${describe(err)}`);
    return { code: 'internal_error', message: 'internal error' };
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

/** One SSE event; waits for the socket to drain when the client reads slower than we write. */
async function send(res: ServerResponse, data: unknown, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (!res.write(`data: ${JSON.stringify(data)}\n\n`)) await once(res, 'drain', { signal });
}

/** Reads at most `limit` bytes; past that it stops collecting and reports `too_large`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(drainAndReport(req));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        resolve(drainAndReport(req));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAbort = () => {
      cleanup();
      resolve('aborted');
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
  });
}

/**
 * Stops buffering an oversize body. The rest is discarded, not stored, so the client (which is
 * usually still sending) can read our 413 instead of seeing its connection reset; the response
 * says `Connection: close`, and the socket is destroyed if the client keeps sending for long.
 */
function drainAndReport(req: IncomingMessage): 'too_large' {
  req.resume();
  req.on('error', () => {});
  const timer = setTimeout(() => req.socket.destroy(), 2_000);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  return 'too_large';
}

function allow(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  res.setHeader('allow', methods.join(', '));
  sendError(res, 'method_not_allowed', `use ${methods.join(' or ')} on this route`);
  return false;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, code: ScoreErrorCode, message: string): void {
  sendJson(res, STATUS[code], { error: { code, message } });
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

const describe = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

// ── programmatic start ──────────────────────────────────────────────────────────────────────

export interface StartScoringServerOptions {
  /** Defaults to config.port; 0 picks a free port. */
  port?: number;
  /** Defaults to config.host. */
  host?: string;
  /** Defaults to `loadConfig()` (the environment). */
  config?: OrchestratorConfig;
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
  /** Resolves once the retriever is ready (index loaded or built); rejects if it can't be. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export async function startScoringServer(options: StartScoringServerOptions = {}): Promise<ScoringServer> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? ((line: string) => console.log(line));
  const retriever =
    options.retriever ??
    new LocalIndex({
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      sourceUrlBase: config.sourceUrlBase,
      log,
    });
  const model = options.model ?? new ExtractiveChatModel({ delayMs: config.extractiveDelayMs });
  for (const warning of configWarnings(config)) log(`orchestrator: warning: ${warning}`);

  let ready = false;
  const handler = createScoringHandler({
    retriever,
    model,
    keys: config.keys,
    isReady: () => ready,
    logError: options.logError,
  });
  const server = createServer(handler);
  // `Expect: 100-continue` (curl sends it for bodies over 1 KiB): invite the body only when its
  // declared size is acceptable, so an oversize upload is refused before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!(Number(req.headers['content-length']) > MAX_SCORE_BODY_BYTES)) res.writeContinue();
    handler(req, res);
  });
  const host = options.host ?? config.host;
  server.listen(options.port ?? config.port, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;

  const readyPromise = retriever.ready().then(() => {
    ready = true;
    const size = (retriever as { size?: unknown }).size;
    const count = typeof size === 'number' ? `, ${size} passages` : '';
    log(`orchestrator listening on ${url} (retriever: ${retriever.name}${count}; model: ${model.name})`);
  });
  readyPromise.catch(() => {}); // the caller decides; never an unhandled rejection

  return {
    url,
    server,
    retriever,
    model,
    ready: readyPromise,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

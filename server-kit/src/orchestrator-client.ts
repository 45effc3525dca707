/**
 * The HTTP client for contract B: one keep-alive undici Pool to the scoring endpoint.
 *
 * Why undici's `dispatch` and not global fetch or `request`: fetch wraps every body in a web stream
 * and every chunk in a Uint8Array promise hop, and `request` in a Node Readable; `dispatch` hands the
 * socket's chunks straight to the relay (upstream-call.ts). Timeouts are undici's own per-request
 * `headersTimeout` (no response head in time) and `bodyTimeout` (idle stream), so no timers of ours
 * run per chunk.
 *
 * Every failure leaves this module as a ChatKitError whose message is ours: upstream bodies are
 * read only to classify them (content filter), and only the status reaches the log.
 */
import { Pool, type Dispatcher } from 'undici';
import { ChatKitError } from './errors.js';
import type { Logger } from './logger.js';
import { consoleLogger } from './logger.js';
import type { TraceContext } from './trace.js';
import { startDependencySpan } from './telemetry/dependency-span.js';
import { BodyTooLargeError, dispatchCall, errorType, type UpstreamBody } from './upstream-call.js';

export type OrchestratorClientOptions = {
  /** The full scoring URL, e.g. `https://my-endpoint.eastus.inference.ml.azure.com/score`. */
  url: string;
  /** Endpoint key, sent as `Authorization: Bearer <key>`. */
  key?: string;
  /**
   * Returns the bearer credential per request when there is no static key: an Entra token, or a
   * key fetched from Key Vault. It should cache; it is called on every request.
   */
  getToken?: TokenGetter;
  /** Sent as `azureml-model-deployment` to pin a deployment behind the endpoint. */
  deployment?: string;
  /** No response head within this time → 504 `timeout`. Default 30 000. */
  timeoutMs?: number;
  /** No bytes on an open stream for this long → final `timeout` line. Default 30 000. */
  idleTimeoutMs?: number;
  /** Largest non-streamed response accepted, in bytes. Default 4 MiB. */
  maxResponseBytes?: number;
  /** Most sockets to the orchestrator (null: unlimited). Default null. */
  connections?: number | null;
  /** Use your own dispatcher (a proxy agent, a mock). The client then does not close it. */
  dispatcher?: Dispatcher;
  logger?: Logger;
};

export type UpstreamCall = {
  trace: TraceContext;
  /** Aborted when the visitor leaves (any reason that is not a ChatKitError), or with a ChatKitError (deadline, shutdown). */
  signal: AbortSignal;
  /** Extra request headers (the visitor's principal, when forwarded). */
  headers?: Record<string, string>;
};

/**
 * A credential getter that can be told its value was refused (a rotated key): the client then
 * asks once more and retries the request once.
 */
export type TokenGetter = (() => Promise<string>) & { invalidate?: () => void };

/** An opened upstream response: 200, headers read, body not yet consumed. */
export type UpstreamResponse = { body: UpstreamBody; contentType: string };

/** Thrown when the visitor went away; nothing should be written or logged. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/** Upstream error codes relayed as `content_filtered` (ours, Azure OpenAI's, prompt flow's). */
const CONTENT_FILTER_CODES = new Set(['content_filtered', 'content_filter', 'ResponsibleAIPolicyViolation']);

export class OrchestratorClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly url: URL;
  private readonly origin: string;
  private readonly path: string;
  private readonly staticAuth: string | undefined;
  private readonly getToken: TokenGetter | undefined;
  private readonly deployment: string | undefined;
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly logger: Logger;

  constructor(options: OrchestratorClientOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('The orchestrator URL must be http: or https:');
    }
    this.url = url;
    this.origin = url.origin;
    this.path = url.pathname + url.search;
    this.staticAuth = options.key ? `Bearer ${options.key}` : undefined;
    this.getToken = options.key ? undefined : options.getToken;
    this.deployment = options.deployment || undefined;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
    this.logger = options.logger ?? consoleLogger;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Pool(this.origin, {
        connections: options.connections ?? null,
        // Azure's front ends keep idle connections for minutes; reuse saves a TLS handshake per chat.
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 120_000,
        connect: { timeout: Math.min(this.timeoutMs, 10_000) },
      });
  }

  /** Posts a chat asking for server-sent events; resolves once a 200 head has arrived. */
  async open(payload: unknown, call: UpstreamCall): Promise<UpstreamResponse> {
    return this.send(payload, call, 'text/event-stream');
  }

  /** Posts a chat asking for JSON and returns the parsed body of a 200 response. */
  async complete(payload: unknown, call: UpstreamCall): Promise<unknown> {
    const { body } = await this.send(payload, call, 'application/json');
    let text: string;
    try {
      text = await body.text(this.maxResponseBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new ChatKitError('upstream_unavailable', 'The assistant sent a response that is too large.');
      throw this.failure(err, call);
    }
    try {
      return JSON.parse(text);
    } catch {
      this.logger.warn('orchestrator sent a 200 whose body is not JSON', { traceId: call.trace.traceId });
      throw new ChatKitError('upstream_unavailable');
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async send(payload: unknown, call: UpstreamCall, accept: string, retried = false): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {
      ...call.headers,
      'content-type': 'application/json',
      accept,
    };
    if (call.trace.traceparent) headers.traceparent = call.trace.traceparent;
    if (call.trace.tracestate) headers.tracestate = call.trace.tracestate;
    if (this.deployment) headers['azureml-model-deployment'] = this.deployment;
    if (this.staticAuth) headers.authorization = this.staticAuth;
    else if (this.getToken) {
      let token: string;
      try {
        token = await this.getToken();
      } catch (err) {
        // Our own messages and the identity library's are safe in the server log and say what to fix.
        this.logger.error('could not get a credential for the orchestrator', {
          error: errorSummary(err),
          message: err instanceof Error ? err.message : undefined,
        });
        throw new ChatKitError('upstream_unavailable');
      }
      headers.authorization = `Bearer ${token}`;
    }

    // With OpenTelemetry on, the kit's own dependency span, whose traceparent the orchestrator's
    // request continues (call.trace.traceparent is set only when OpenTelemetry is off).
    const dependency = call.trace.traceparent ? undefined : startDependencySpan('POST', this.url);
    if (dependency) Object.assign(headers, dependency.headers);
    let response: Awaited<ReturnType<typeof dispatchCall>>;
    try {
      response = await dispatchCall(
        this.dispatcher,
        {
          origin: this.origin,
          path: this.path,
          method: 'POST',
          headers,
          body: JSON.stringify(payload),
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.idleTimeoutMs,
        },
        call.signal,
        dependency,
      );
    } catch (err) {
      dependency?.end(call.signal.aborted ? undefined : errorType(err));
      throw this.failure(err, call);
    }

    const { statusCode, body } = response;
    if (statusCode === 401 && !retried && this.getToken?.invalidate) {
      // The key may have been rotated in Key Vault since we cached it: read it again, once.
      await drain(body, 16 * 1024);
      this.logger.warn('orchestrator refused the credential; reading it again', { traceId: call.trace.traceId });
      this.getToken.invalidate();
      return this.send(payload, call, accept, true);
    }
    if (statusCode === 200) {
      const ct = response.headers['content-type'];
      return { body, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '' };
    }
    throw await this.statusFailure(statusCode, response.headers, body, call);
  }

  /** Maps a non-200 upstream response. Its body is read only for 400 (to spot the content filter). */
  private async statusFailure(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    body: UpstreamResponse['body'],
    call: UpstreamCall,
  ): Promise<ChatKitError> {
    let upstreamCode: string | undefined;
    if (status === 400) {
      try {
        upstreamCode = errorCodeOf(JSON.parse(await body.text(16 * 1024)));
      } catch {
        body.destroy();
      }
    } else {
      // Drain a small body so the socket can be reused; a large one is cut.
      await drain(body, 64 * 1024);
    }
    this.logger.warn('orchestrator answered with an error status', {
      status,
      ...(upstreamCode ? { upstreamCode } : {}),
      traceId: call.trace.traceId,
    });
    if (status === 429) return new ChatKitError('rate_limited', undefined, retryAfterSeconds(headers));
    if (status === 400 && upstreamCode && CONTENT_FILTER_CODES.has(upstreamCode)) {
      return new ChatKitError('content_filtered');
    }
    if (status === 504 || status === 408) return new ChatKitError('timeout');
    return new ChatKitError('upstream_unavailable');
  }

  /** Maps a thrown error (network, timeout, abort) to what the visitor sees. */
  failure(err: unknown, call: UpstreamCall): Error {
    if (call.signal.aborted) return call.signal.reason instanceof ChatKitError ? call.signal.reason : new ClientGoneError();
    if (err instanceof ChatKitError) return err;
    const code = (err as { code?: unknown })?.code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      this.logger.warn('orchestrator timed out', { code, traceId: call.trace.traceId });
      return new ChatKitError('timeout');
    }
    this.logger.warn('orchestrator unreachable or connection lost', {
      error: errorSummary(err),
      traceId: call.trace.traceId,
    });
    return new ChatKitError('upstream_unavailable');
  }
}

/** `{ error: { code } }` (ours, prompt flow's) or Azure OpenAI's `{ error: { innererror: { code } } }`. */
export function errorCodeOf(value: unknown): string | undefined {
  const error = (value as { error?: unknown } | null)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const { code, innererror } = error as { code?: unknown; innererror?: { code?: unknown } };
  const inner = innererror && typeof innererror === 'object' ? innererror.code : undefined;
  if (typeof inner === 'string' && CONTENT_FILTER_CODES.has(inner)) return inner;
  return typeof code === 'string' ? code : undefined;
}

/** Seconds to wait, from `retry-after` (seconds or HTTP date) or `retry-after-ms`; 1..3600, default 5. */
export function retryAfterSeconds(headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  let seconds: number | undefined;
  const ms = one('retry-after-ms');
  const ra = one('retry-after');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) seconds = Number(ms) / 1000;
  else if (ra && /^\d+$/.test(ra.trim())) seconds = Number(ra);
  else if (ra) {
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) seconds = (at - now) / 1000;
  }
  if (seconds === undefined || !Number.isFinite(seconds)) return 5;
  return Math.min(3600, Math.max(1, Math.ceil(seconds)));
}

/** Reads and discards a small body so its connection can be reused; a larger one is dropped. */
async function drain(body: UpstreamBody, limit: number): Promise<void> {
  await body.text(limit).catch(() => body.destroy());
}

/** Name and code of an error, for logs; never its message (which could quote a body or a URL with a key). */
function errorSummary(err: unknown): string {
  if (err && typeof err === 'object') {
    const { name, code } = err as { name?: unknown; code?: unknown };
    return [name, code].filter((x) => typeof x === 'string').join(' ') || 'error';
  }
  return typeof err;
}

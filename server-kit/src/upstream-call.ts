/**
 * One request to the orchestrator through undici's `dispatch` handler API, and its response body.
 *
 * Why not undici's `request()`: it wraps every response in a Node Readable, registers an abort
 * listener of its own, and builds errors with stack traces when a visitor leaves (every aborted
 * stream). In a burst of short-lived streams that was a fifth of the kit's CPU. Here the socket's
 * chunks go straight to the relay's callbacks, pause/resume is undici's own flow control, and an
 * abort costs no stack trace (see `abortQuietly`).
 *
 * The body buffers what arrives before a reader attaches (between the head and the relay taking
 * over), pausing the socket past 64 KB, so nothing is lost and nothing piles up.
 */
import type { Dispatcher } from 'undici';

export type BodyReader = {
  data(chunk: Buffer): void;
  end(): void;
  error(err: unknown): void;
};

type Controller = Dispatcher.DispatchController;

/** The head of a response; `body` is read with `attach`, `text`, or dropped with `destroy`. */
export type ResponseHead = {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
};

/**
 * Aborts with `Error.stackTraceLimit` at 0: undici makes (and Node's stream destroy formats) an
 * error per aborted request that nobody reads; its stack trace is the expensive part.
 */
function abortQuietly(controller: Controller, reason: unknown): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    controller.abort(reason as Error);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Bytes kept for a body nobody reads yet before its socket is paused. */
const PENDING_MAX = 64 * 1024;

export class UpstreamBody {
  private controller: Controller | undefined;
  private reader: BodyReader | undefined;
  private pending: Buffer[] | undefined;
  private pendingBytes = 0;
  private ended = false;
  private failed: { err: unknown } | undefined;
  private paused = false;
  /** Ended, failed or destroyed: no more callbacks. */
  private closed = false;

  /** @internal */ bind(controller: Controller): void {
    this.controller = controller;
  }

  /** @internal */ push(chunk: Buffer): void {
    if (this.closed) return;
    if (this.reader) this.reader.data(chunk);
    else {
      // Nobody reads yet (the relay attaches a few microtasks after the head): keep what came
      // with the head, and stop the socket only if more piles up than that.
      (this.pending ??= []).push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > PENDING_MAX) this.controller?.pause();
    }
  }

  /** @internal */ finish(): void {
    if (this.closed) return;
    if (this.reader) {
      this.closed = true;
      this.reader.end();
    } else this.ended = true;
  }

  /** @internal */ fail(err: unknown): void {
    if (this.closed) return;
    if (this.reader) {
      this.closed = true;
      this.reader.error(err);
    } else this.failed = { err };
  }

  /** Hands the body to `reader`: buffered chunks first, then live ones. Once only. */
  attach(reader: BodyReader): void {
    if (this.reader || this.closed) return;
    this.reader = reader;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) for (const chunk of pending) {
      if (this.closed) return;
      reader.data(chunk);
    }
    if (this.closed) return;
    if (this.failed) {
      this.closed = true;
      reader.error(this.failed.err);
    } else if (this.ended) {
      this.closed = true;
      reader.end();
    } else if (!this.paused) this.controller?.resume();
  }

  pause(): void {
    this.paused = true;
    this.controller?.pause();
  }

  resume(): void {
    this.paused = false;
    if (this.reader) this.controller?.resume();
  }

  /** Whether the whole body arrived or the body was dropped. */
  get done(): boolean {
    return this.closed || this.ended || this.failed !== undefined;
  }

  /** Drops the body; a body still arriving closes its connection. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    if (!this.ended && !this.failed && this.controller && !this.controller.aborted) abortQuietly(this.controller, DROPPED);
  }

  /** Reads the whole body as UTF-8, refusing more than `limit` bytes (the body is then dropped). */
  text(limit: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.attach({
        data: (chunk) => {
          size += chunk.length;
          if (size > limit) {
            this.destroy();
            reject(new BodyTooLargeError());
            return;
          }
          chunks.push(chunk);
        },
        end: () => resolve(Buffer.concat(chunks, size).toString('utf8')),
        error: reject,
      });
    });
  }
}

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** The reason given to undici when the kit drops a body itself. */
const DROPPED = Object.freeze({ name: 'BodyDropped' });

/** Told how a call goes (the kit's dependency span, telemetry/dependency-span.ts). */
export type CallWatcher = {
  response(statusCode: number): void;
  /** Over: ok or cancelled by the kit (no argument), or failed with this error type. */
  end(errorType?: string): void;
};

/** A failure's type for telemetry: undici's code (`UND_ERR_…`, `ECONNREFUSED`) or the error's name, never its message. */
export function errorType(err: unknown): string {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  return typeof code === 'string' ? code : typeof name === 'string' ? name : 'Error';
}

/**
 * Sends one request; resolves with the head once a final status arrives, rejects with undici's
 * error (a timeout, a lost connection) or with the signal's reason when it is aborted first.
 */
export function dispatchCall(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal, watch?: CallWatcher): Promise<ResponseHead> {
  return new Promise<ResponseHead>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const body = new UpstreamBody();
    let controller: Controller | undefined;
    let settled = false;
    let abortReason: { reason: unknown } | undefined;
    const onAbort = () => {
      abortReason = { reason: signal.reason };
      if (controller) abortQuietly(controller, signal.reason);
      if (!settled) {
        settled = true;
        reject(signal.reason);
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const stop = () => signal.removeEventListener('abort', onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        body.bind(c);
        if (abortReason) abortQuietly(c, abortReason.reason);
      },
      onResponseStart(c, statusCode, headers) {
        if (statusCode < 200 || settled) return; // 1xx: informational
        settled = true;
        watch?.response(statusCode);
        resolve({ statusCode, headers, body });
      },
      onResponseData(_c, chunk) {
        body.push(chunk);
      },
      onResponseEnd() {
        stop();
        watch?.end();
        body.finish();
      },
      onResponseError(_c, err) {
        stop();
        watch?.end(abortReason || err === DROPPED ? undefined : errorType(err));
        if (!settled) {
          settled = true;
          reject(abortReason ? abortReason.reason : err);
        } else body.fail(abortReason ? abortReason.reason : err);
      },
    };
    dispatcher.dispatch(options, handler);
  });
}

/**
 * The one way the kit reports failure: `{ error: { code, message } }` with a status.
 *
 * Why a class of our own rather than http-errors: the message of a ChatKitError is written by us
 * for the visitor and is safe to show. Anything else that reaches the error handler (a bug, a
 * library error, an upstream body) is replaced by a generic `internal_error` so no stack trace,
 * upstream text or secret can leak.
 */
import type { Response } from 'express';
import type { ChatErrorBody, ErrorCode } from './contract.js';

/** HTTP status for each code when it is answered before a stream begins. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  rate_limited: 429,
  quota_exceeded: 429,
  request_timeout: 408,
  content_filtered: 400,
  upstream_unavailable: 502,
  timeout: 504,
  shutting_down: 503,
  internal_error: 500,
};

/** Messages used when we have nothing more specific (and for codes relayed from upstream). */
export const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  bad_request: 'The request is not valid.',
  unsupported_media_type: 'Send the request as application/json.',
  payload_too_large: 'The request body is too large.',
  unauthorized: 'Sign in to use the chat.',
  forbidden: 'You are not allowed to use the chat.',
  not_found: 'Not found.',
  method_not_allowed: 'Method not allowed.',
  rate_limited: 'Too many requests; try again shortly.',
  quota_exceeded: 'The chat has used up its allowance for today; try again after it resets.',
  request_timeout: 'The request body did not arrive in time.',
  content_filtered: 'The question or its answer was blocked by the content filter.',
  upstream_unavailable: 'The assistant is unavailable right now; try again shortly.',
  timeout: 'The assistant took too long to answer; try again.',
  shutting_down: 'The server is restarting; ask again in a moment.',
  internal_error: 'Something went wrong on the server.',
};

export class ChatKitError extends Error {
  override readonly name = 'ChatKitError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code],
    readonly retryAfterSeconds?: number,
    /** Answer, then close the connection rather than read the rest of the request (413, 408). */
    readonly closeConnection = code === 'payload_too_large' || code === 'request_timeout',
  ) {
    super(message);
    this.status = STATUS_BY_CODE[code];
  }

  toBody(): ChatErrorBody {
    const error: ChatErrorBody['error'] = { code: this.code, message: this.message };
    if (this.retryAfterSeconds !== undefined) error.retryAfterSeconds = this.retryAfterSeconds;
    return { error };
  }
}

/** Turns anything thrown into an error that is safe to show. Unknown errors become internal_error. */
export function toChatKitError(err: unknown): ChatKitError {
  if (err instanceof ChatKitError) return err;
  return new ChatKitError('internal_error');
}

/**
 * Writes the error as JSON, or, if the response has already begun (a stream), as a final NDJSON
 * line, then ends the response. Safe to call on a finished response (it does nothing).
 */
export function sendError(res: Response, err: ChatKitError): void {
  if (res.writableEnded || res.destroyed) return;
  const line = JSON.stringify(err.toBody());
  if (res.headersSent) {
    res.end(line + '\n');
    return;
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(line)),
  };
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  if (err.code === 'unauthorized') headers['www-authenticate'] = 'Bearer';
  if (err.closeConnection) {
    // Reading and discarding the rest of an oversize or trickled upload costs us, not the sender:
    // answer, then drop the connection (the request is not read any further).
    headers.connection = 'close';
    res.once('finish', () => closeAfterFlush(res.req?.socket));
  }
  res.writeHead(err.status, headers);
  res.end(line);
}

/** Ends a socket once what was written to it has left (so the answer is not lost), then destroys it. */
function closeAfterFlush(socket: import('node:net').Socket | undefined): void {
  if (!socket || socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end();
  setTimeout(() => socket.destroy(), 2_000).unref(); // a peer that never reads cannot hold it
}

/**
 * The scoring server's HTTP plumbing on `node:http`: reading a bounded body, refusing a method,
 * and answering JSON and contract-B errors (`{ error: { code, message } }`, a stable code and a
 * message written by the server, never an exception's text).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ScoreErrorCode } from './contract.js';

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

/** Reads at most `limit` bytes; past that it stops collecting and reports `too_large`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
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

export function allow(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  res.setHeader('allow', methods.join(', '));
  sendError(res, 'method_not_allowed', `use ${methods.join(' or ')} on this route`);
  return false;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, code: ScoreErrorCode, message: string): void {
  sendJson(res, STATUS[code], { error: { code, message } });
}

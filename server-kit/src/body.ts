/**
 * Reads a JSON request body with a byte limit, a time limit and a nesting limit, so the host does
 * not have to install express.json() (and so its limits, not the host's, guard the relay). If the
 * host already parsed the body, we accept what it parsed (and still check its depth).
 *
 * Why check depth on the text before JSON.parse: a deeply nested `sessionState` is cheap to send
 * and expensive everywhere after (zod, JSON.stringify back into the stream, the orchestrator); one
 * pass over the bytes refuses it before anything else runs. An oversize or trickled body is
 * answered and the connection closed (errors.ts), never read to its end.
 */
import type { Request } from 'express';
import { ChatKitError } from './errors.js';

/** Whether a Content-Type names JSON: application/json or any application/*+json, utf-8 only. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const semi = header.indexOf(';');
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) {
    return false;
  }
  if (semi === -1) return true;
  // JSON is UTF-8 (RFC 8259); refuse a declared charset we would silently misread.
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(header.slice(semi))?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

export type BodyLimits = { maxBytes: number; maxDepth: number; timeoutMs: number };

type MaybeParsed = Request & { _body?: boolean };

/** Checks the content type and encoding: cheap, and done before anything counts the request. */
export function checkJsonRequest(req: Request): void {
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new ChatKitError('unsupported_media_type', 'Send the request as application/json.');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    // No decompression at all: a 1 KB gzip bomb must not become a gigabyte here.
    throw new ChatKitError('unsupported_media_type', 'Compressed request bodies are not accepted.');
  }
}

export async function readJsonBody(req: Request, limits: BodyLimits): Promise<unknown> {
  checkJsonRequest(req);
  const { maxBytes, maxDepth } = limits;

  // body-parser marks what it parsed with `_body`; Express 5 leaves req.body undefined otherwise.
  if ((req as MaybeParsed)._body === true || (req.body !== undefined && req.readableEnded)) {
    const parsed: unknown = req.body;
    // express.text() / express.raw() leave the JSON unparsed.
    if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) return parseJson(parsed.toString(), maxDepth);
    if (valueDepth(parsed, maxDepth) > maxDepth) throw tooDeep(maxDepth);
    return parsed;
  }
  if (req.readableEnded) {
    throw new ChatKitError('bad_request', 'The request body was already consumed.');
  }

  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new ChatKitError('payload_too_large', `The request body must be at most ${maxBytes} bytes.`);
  }

  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: ChatKitError) => {
      cleanup();
      req.pause(); // read no more of it; the error answer closes the connection
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new ChatKitError('payload_too_large', `The request body must be at most ${maxBytes} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = () => fail(new ChatKitError('bad_request', 'The request body could not be read.'));
    // One timer per request (not per chunk): the whole body must arrive within the deadline.
    const timer = setTimeout(
      () => fail(new ChatKitError('request_timeout', `The request body must arrive within ${Math.ceil(limits.timeoutMs / 1000)} s.`)),
      limits.timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });

  return parseJson(text, maxDepth);
}

function tooDeep(maxDepth: number): ChatKitError {
  return new ChatKitError('bad_request', `The request body is nested too deeply (at most ${maxDepth} levels).`);
}

function parseJson(text: string, maxDepth: number): unknown {
  if (text.length === 0) throw new ChatKitError('bad_request', 'The request body is empty.');
  if (textDepth(text, maxDepth) > maxDepth) throw tooDeep(maxDepth);
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the input; ours does not.
    throw new ChatKitError('bad_request', 'The request body is not valid JSON.');
  }
}

/**
 * Deepest `[`/`{` nesting of JSON text, skipping strings; stops counting past `limit`.
 * Invalid JSON is left to JSON.parse: this only has to be right for valid text.
 */
export function textDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Depth of an already parsed value (a host's express.json() ran first); stops past `limit`. */
function valueDepth(value: unknown, limit: number, depth = 0): number {
  if (value === null || typeof value !== 'object') return depth;
  if (depth + 1 > limit) return depth + 1;
  let max = depth + 1;
  for (const v of Object.values(value)) {
    max = Math.max(max, valueDepth(v, limit, depth + 1));
    if (max > limit) break;
  }
  return max;
}

/**
 * Reads a JSON request body with a byte limit, so the host does not have to install express.json()
 * (and so its limit, not the host's, guards the relay). If the host already parsed the body, we
 * accept what it parsed.
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

type MaybeParsed = Request & { _body?: boolean };

export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new ChatKitError('unsupported_media_type', 'Send the request as application/json.');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    throw new ChatKitError('unsupported_media_type', 'Compressed request bodies are not accepted.');
  }

  // body-parser marks what it parsed with `_body`; Express 5 leaves req.body undefined otherwise.
  if ((req as MaybeParsed)._body === true || (req.body !== undefined && req.readableEnded)) {
    const parsed: unknown = req.body;
    // express.text() / express.raw() leave the JSON unparsed.
    if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) return parseJson(parsed.toString());
    return parsed;
  }
  if (req.readableEnded) {
    throw new ChatKitError('bad_request', 'The request body was already consumed.');
  }

  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    // Refuse without buffering: the rest of the upload is read and dropped.
    req.resume();
    throw new ChatKitError('payload_too_large', `The request body must be at most ${maxBytes} bytes.`);
  }

  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.resume(); // drain and discard the rest so the response can still be written
        reject(new ChatKitError('payload_too_large', `The request body must be at most ${maxBytes} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = () => {
      cleanup();
      reject(new ChatKitError('bad_request', 'The request body could not be read.'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });

  return parseJson(text);
}

function parseJson(text: string): unknown {
  if (text.length === 0) throw new ChatKitError('bad_request', 'The request body is empty.');
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the input; ours does not.
    throw new ChatKitError('bad_request', 'The request body is not valid JSON.');
  }
}

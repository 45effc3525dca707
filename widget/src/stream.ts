import type { ChatDelta, ChatErrorBody } from './contract.js';
import type { ChatErrorInfo } from './types.js';

/** An error with a stable code, shown to visitors through `strings.errors[code]`. */
export class ChatError extends Error implements ChatErrorInfo {
  constructor(
    public code: string,
    message: string,
    public status?: number,
    public retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'timeout',
  413: 'payload_too_large',
  429: 'rate_limited',
  504: 'timeout',
};

const STREAM_TYPE = /ndjson|jsonl|json-lines/i;

const errorFrom = (body: unknown, status?: number, retryAfter?: number): ChatError | undefined => {
  const e = (body as Partial<ChatErrorBody> | null)?.error;
  if (!e || typeof e !== 'object') return;
  return new ChatError(
    typeof e.code === 'string' ? e.code : 'internal_error',
    typeof e.message === 'string' ? e.message : '',
    status,
    typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : retryAfter,
  );
};

const parse = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    throw new ChatError('bad_response', 'A line of the stream is not JSON');
  }
};

/**
 * Reads a contract A answer: an NDJSON stream of deltas, or (tolerated) a plain JSON `{ message }`.
 * Yields deltas; throws a ChatError for an HTTP error, an error line, or a body that is not a chat
 * answer at all (an HTML page from a proxy, for instance).
 */
export async function* readChat(res: Response): AsyncGenerator<ChatDelta> {
  const type = res.headers.get('content-type') ?? '';
  const json = /json/i.test(type);
  if (!res.ok) {
    // Retry-After: seconds, or an HTTP date.
    const h = res.headers.get('retry-after');
    const retry = (h && Math.max(1, Math.ceil(+h || (Date.parse(h) - Date.now()) / 1000))) || undefined;
    const body = json ? await res.json().catch(() => null) : null;
    throw (
      errorFrom(body, res.status, retry) ??
      new ChatError(STATUS_CODES[res.status] ?? (res.status >= 500 ? 'upstream_unavailable' : 'bad_request'), `HTTP ${res.status}`, res.status, retry)
    );
  }
  if (!STREAM_TYPE.test(type) || !res.body) {
    // Not a stream: accept a whole contract A answer, reject anything else in plain words.
    const body = json ? ((await res.json().catch(() => null)) as { message?: { content?: unknown; context?: never } } | null) : null;
    const err = errorFrom(body, res.status);
    if (err) throw err;
    if (body?.message && typeof body.message.content === 'string') {
      yield { ...body, delta: { content: body.message.content, context: body.message.context } } as ChatDelta;
      return;
    }
    throw new ChatError('bad_response', `Expected a chat stream, got ${type.split(';')[0] || 'no content type'}`, res.status);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) yield check(parse(line));
    }
  }
  if (buf.trim()) yield check(parse(buf));
}

const check = (line: unknown): ChatDelta => {
  const err = errorFrom(line);
  if (err) throw err;
  if (!line || typeof line !== 'object') throw new ChatError('bad_response', 'A line of the stream is not an object');
  return line as ChatDelta;
};

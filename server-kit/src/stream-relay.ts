/**
 * Contract B's event stream → contract A's NDJSON, one line per event, as each event arrives.
 *
 * Hot path notes: the upstream body's chunks come straight off the socket (upstream-call.ts), are
 * decoded once, parsed by SseParser, and each answer piece is written with a string template around JSON.stringify(piece); the response is
 * never buffered (no compression, `X-Accel-Buffering: no`). Backpressure: when the visitor reads
 * slower than the orchestrator writes, the upstream body is paused until the response drains.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Response } from 'express';
import type { AssistantContext, ErrorCode } from './contract.js';
import { ERROR_CODES } from './contract.js';
import { ChatKitError, DEFAULT_MESSAGES } from './errors.js';
import { ClientGoneError, type OrchestratorClient, type UpstreamCall, type UpstreamResponse } from './orchestrator-client.js';
import { readContext } from './outputs.js';
import { SseParser, SseTooLargeError } from './sse.js';
import type { Logger } from './logger.js';

export const NDJSON_HEADERS = {
  'content-type': 'application/x-ndjson; charset=utf-8',
  // no-store: no proxy or browser keeps a visitor's answer; no-transform: compression() (it
  // honours it) and proxies leave the stream alone instead of buffering it to compress.
  'cache-control': 'no-store, no-transform',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
} as const;

const KNOWN_CODES = new Set<string>(ERROR_CODES);
/** Largest whole-JSON answer relayed when a flow cannot stream. */
const MAX_JSON_CHARS = 4 * 1024 * 1024;

export type RelayOptions = {
  res: Response;
  upstream: UpstreamResponse;
  client: OrchestratorClient;
  call: UpstreamCall;
  answerField: string;
  traceId: string;
  logger: Logger;
  /** A visitor who reads nothing for this long while we wait to write is cut off. */
  writeTimeoutMs: number;
  /** Written first, with whatever upstream data has already arrived (the role line). */
  head?: string;
};

/** What the orchestrator said an answer cost (contract B's optional `usage` output). */
export type Usage = { promptTokens: number; completionTokens: number; model?: string };

/** How a relayed stream ended, and when (performance.now()) its first answer piece was written. */
export type RelayResult = {
  outcome: 'ok' | 'client_gone' | ErrorCode;
  firstContentAt?: number;
  /** Reported usage, when the orchestrator sent one. */
  usage?: Usage;
  /** Characters of answer relayed (for estimating cost when no usage came). */
  answerChars: number;
  mode?: 'generative' | 'extractive';
  /** Citations relayed (the last context's count). */
  citations?: number;
};

/** Writes the stream to `res` and resolves when the response has ended (or the visitor left). */
export function relayStream(o: RelayOptions): Promise<RelayResult> {
  const { res, upstream, answerField, traceId } = o;
  const body = upstream.body;

  return new Promise<RelayResult>((resolve) => {
    let done = false;
    let firstContentAt: number | undefined;
    let sawAnswer = false;
    let answerChars = 0;
    let usage: Usage | undefined;
    let mode: RelayResult['mode'];
    let citations: number | undefined;
    let writeTimer: NodeJS.Timeout | undefined;
    const finish = (error?: ChatKitError, gone = false) => {
      if (done) return;
      done = true;
      res.off('drain', onDrain);
      if (writeTimer) clearTimeout(writeTimer);
      body.destroy(); // no more callbacks; a body still arriving closes its connection
      if (!res.writableEnded && !res.destroyed) {
        // What is still buffered, and the error line if any, go out with the end.
        const tail = error ? out + JSON.stringify(error.toBody()) + '\n' : out;
        res.end(tail.length > 0 ? tail : undefined);
      }
      out = '';
      const result: RelayResult = { outcome: gone ? 'client_gone' : (error?.code ?? 'ok'), answerChars };
      if (firstContentAt !== undefined) result.firstContentAt = firstContentAt;
      if (usage) result.usage = usage;
      if (mode) result.mode = mode;
      if (citations !== undefined) result.citations = citations;
      resolve(result);
    };

    /** Lines made from one upstream chunk go out as one write (one chunk on the wire), not one each. */
    let out = o.head ?? '';
    const write = (line: string) => {
      out += line;
    };
    const flush = () => {
      if (out.length === 0 || done) return;
      const chunk = out;
      out = '';
      if (!res.write(chunk) && !writeTimer) {
        body.pause();
        // One timer per stall, not per chunk: a reader that never reads cannot hold the stream.
        writeTimer = setTimeout(() => {
          o.logger.warn('visitor stopped reading; stream cut', { traceId });
          res.destroy();
          finish(undefined, true);
        }, o.writeTimeoutMs);
      }
    };

    const contextLine = (ctx: AssistantContext) => {
      ctx.traceId = traceId;
      write(`{"delta":{"context":${JSON.stringify(ctx)}}}\n`);
    };

    /** One output object: an error, context, an answer piece, or a mix. */
    const onOutput = (output: Record<string, unknown>) => {
      if (output.error !== undefined) {
        const e = output.error as { code?: unknown } | null;
        const code = typeof e?.code === 'string' && KNOWN_CODES.has(e.code) ? (e.code as ErrorCode) : 'upstream_unavailable';
        o.logger.warn('orchestrator sent an error event', { code, traceId });
        finish(new ChatKitError(code, DEFAULT_MESSAGES[code]));
        return;
      }
      if (output.usage !== undefined) usage = readUsage(output.usage) ?? usage;
      const ctx = readContext(output);
      if (ctx) {
        if (ctx.mode) mode = ctx.mode;
        if (ctx.citations) citations = ctx.citations.length;
        contextLine(ctx);
      }
      const piece = output[answerField];
      if (typeof piece === 'string') sawAnswer = true;
      if (typeof piece === 'string' && piece.length > 0) {
        firstContentAt ??= performance.now();
        answerChars += piece.length;
        write(`{"delta":{"content":${JSON.stringify(piece)}}}\n`);
      }
    };

    const onEvent = (data: string) => {
      if (done) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        o.logger.warn('orchestrator sent an event that is not JSON; skipped', { traceId });
        return;
      }
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) onOutput(parsed as Record<string, unknown>);
    };

    // A flow that cannot stream answers JSON even when asked for events: relay it as one event.
    const isJson = /json/i.test(upstream.contentType) && !/event-stream/i.test(upstream.contentType);
    let jsonText = '';
    const parser = new SseParser(onEvent);
    // Chunks are Buffers; a StringDecoder keeps multi-byte characters whole across chunks.
    const decoder = new StringDecoder('utf8');
    const onData = (chunk: Buffer) => {
      try {
        const text = decoder.write(chunk);
        if (isJson) {
          jsonText += text;
          if (jsonText.length > MAX_JSON_CHARS) throw new SseTooLargeError();
        } else if (text.length > 0) {
          parser.push(text);
          flush();
        }
      } catch (err) {
        if (err instanceof SseTooLargeError) {
          o.logger.warn('orchestrator sent an oversized event; stream cut', { traceId });
          finish(new ChatKitError('upstream_unavailable'));
          return;
        }
        // A bug here must end this stream, not the process.
        o.logger.error('relay failed on an upstream chunk', { error: (err as Error)?.name, traceId });
        finish(new ChatKitError('internal_error'));
      }
    };
    const onEnd = () => {
      try {
        const tail = decoder.end();
        if (isJson) onEvent(jsonText + tail);
        else {
          if (tail) parser.push(tail);
          if (parser.end()) {
            // The connection closed mid-line: the answer is cut, say so rather than end quietly.
            o.logger.warn('orchestrator stream ended in the middle of a line', { traceId });
            finish(new ChatKitError('upstream_unavailable'));
            return;
          }
        }
      } catch {
        finish(new ChatKitError('upstream_unavailable'));
        return;
      }
      if (!sawAnswer) {
        // A 200 that carried no answer at all (not JSON, wrong field): a failure, not an empty reply.
        o.logger.warn(`orchestrator stream carried no "${answerField}"`, { traceId });
        finish(new ChatKitError('upstream_unavailable'));
        return;
      }
      finish();
    };
    const onError = (err: unknown) => {
      const mapped = o.client.failure(err, o.call);
      if (mapped instanceof ClientGoneError) finish(undefined, true);
      else finish(mapped instanceof ChatKitError ? mapped : new ChatKitError('upstream_unavailable'));
    };
    const onDrain = () => {
      if (writeTimer) clearTimeout(writeTimer);
      writeTimer = undefined;
      body.resume();
    };

    res.on('drain', onDrain);
    // Closed before we ended it: the visitor left.
    res.once('close', () => finish(undefined, true));
    body.attach({ data: onData, end: onEnd, error: onError });
    // The head line goes out now if no upstream data came with it (else it went with that data).
    flush();
  });
}

/** `{ prompt_tokens, completion_tokens }` as non-negative integers, or undefined. */
export function readUsage(value: unknown): Usage | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { prompt_tokens: p, completion_tokens: c } = value as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.ceil(v) : 0);
  if (typeof p !== 'number' && typeof c !== 'number') return undefined;
  const usage: Usage = { promptTokens: n(p), completionTokens: n(c) };
  const model = (value as Record<string, unknown>).model;
  if (typeof model === 'string' && model.length > 0 && model.length <= 200) usage.model = model;
  return usage;
}

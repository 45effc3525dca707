/**
 * Contract A: the Microsoft AI Chat Protocol as the widget and other clients speak it to the kit.
 *
 * The widget imports these *types only* (`import type`), so nothing here may be needed at run time
 * by a browser. The zod schemas are the single source of truth: the types are inferred from them.
 */
import { z } from 'zod';

/** Limits that keep one request cheap to validate and forward. Overridable per router. */
export const DEFAULT_LIMITS = {
  /** Largest accepted request body, in bytes. Larger bodies get 413 `payload_too_large`. */
  maxBodyBytes: 64 * 1024,
  /** Most messages in one request (history included). */
  maxMessages: 50,
  /** Longest single message content, in characters. */
  maxMessageChars: 8_000,
  /** Deepest nesting of arrays and objects in the body (`sessionState`, `context`). Checked before parsing. */
  maxDepth: 32,
  /** Time allowed for the whole request body to arrive, in ms; a trickled upload gets 408 `request_timeout`. */
  bodyTimeoutMs: 10_000,
} as const;

export type ChatLimits = { maxBodyBytes: number; maxMessages: number; maxMessageChars: number; maxDepth: number; bodyTimeoutMs: number };

export const citationSchema = z.object({
  id: z.string(),
  title: z.string(),
  url: z.string().optional(),
  snippet: z.string(),
  /** Path of the source document relative to the corpus, when the source is a file. */
  filepath: z.string().optional(),
});
export type Citation = z.infer<typeof citationSchema>;

export const assistantContextSchema = z
  .object({
    citations: z.array(citationSchema).optional(),
    followupQuestions: z.array(z.string()).optional(),
    traceId: z.string().optional(),
    mode: z.enum(['generative', 'extractive']).optional(),
  })
  .passthrough();
export type AssistantContext = z.infer<typeof assistantContextSchema>;

export const roleSchema = z.enum(['user', 'assistant', 'system']);
export type ChatRole = z.infer<typeof roleSchema>;

/** Builds the request schema for the given limits, so a router can tighten or relax them. */
export function chatRequestSchema(limits: ChatLimits = DEFAULT_LIMITS) {
  const message = z.object({
    role: roleSchema,
    content: z.string().max(limits.maxMessageChars, {
      message: `must be at most ${limits.maxMessageChars} characters`,
    }),
    context: z.record(z.string(), z.unknown()).optional(),
  });
  return z.object({
    messages: z
      .array(message)
      .min(1, { message: 'must contain at least one message' })
      .max(limits.maxMessages, { message: `must contain at most ${limits.maxMessages} messages` }),
    context: z.record(z.string(), z.unknown()).optional(),
    sessionState: z.unknown().optional(),
  });
}

export type ChatMessage = {
  role: ChatRole;
  content: string;
  context?: Record<string, unknown>;
};

export type ChatRequest = {
  messages: ChatMessage[];
  context?: Record<string, unknown>;
  sessionState?: unknown;
};

export type AssistantMessage = { role: 'assistant'; content: string; context?: AssistantContext };

/** `POST {base}` response body. */
export type ChatResponse = {
  message: AssistantMessage;
  context?: Record<string, unknown>;
  sessionState?: unknown;
};

/** One line of `POST {base}/stream` (application/x-ndjson). */
export type ChatDelta = {
  delta: { role?: 'assistant'; content?: string; context?: AssistantContext };
  context?: Record<string, unknown>;
  sessionState?: unknown;
};

/** Stable error codes. Clients switch on these; messages are for people. */
export const ERROR_CODES = [
  'bad_request',
  'unsupported_media_type',
  'payload_too_large',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'rate_limited',
  'quota_exceeded',
  'request_timeout',
  'content_filtered',
  'upstream_unavailable',
  'timeout',
  'shutting_down',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error body, and also the last line of a stream that failed after it began. */
export type ChatErrorBody = { error: { code: ErrorCode; message: string; retryAfterSeconds?: number } };

/** A streamed line is either a delta or the final error line. */
export type ChatStreamLine = ChatDelta | ChatErrorBody;

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

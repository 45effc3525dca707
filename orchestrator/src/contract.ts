/**
 * Contract B: the Azure ML managed online endpoint scoring contract, prompt-flow compatible.
 *
 *   POST /score  { question, chat_history: [{ inputs: { question }, outputs: { answer } }] }
 *   → application/json { answer, citations, followupQuestions?, mode }
 *   → text/event-stream  data: {"citations": [...], "mode": "..."}  data: {"answer": "<piece>"} …
 *
 * Errors are `{ error: { code, message } }` with a 4xx/5xx status, or, once an event stream has
 * begun, a last `data: {"error": {...}}` event.
 */
import { z } from 'zod';

export const MAX_QUESTION_CHARS = 8_000;
export const MAX_HISTORY_TURNS = 50;
export const MAX_SCORE_BODY_BYTES = 256 * 1024;

export const citationSchema = z.object({
  id: z.string(),
  title: z.string(),
  url: z.string().optional(),
  snippet: z.string(),
  filepath: z.string().optional(),
});
export type Citation = z.infer<typeof citationSchema>;

export const historyTurnSchema = z.object({
  inputs: z.object({ question: z.string().max(MAX_QUESTION_CHARS) }),
  outputs: z.object({ answer: z.string().max(64_000) }),
});
export type HistoryTurn = z.infer<typeof historyTurnSchema>;

export const scoreRequestSchema = z.object({
  question: z
    .string()
    .max(MAX_QUESTION_CHARS, { message: `must be at most ${MAX_QUESTION_CHARS} characters` })
    .refine((s) => s.trim().length > 0, { message: 'must not be empty' }),
  chat_history: z.array(historyTurnSchema).max(MAX_HISTORY_TURNS).default([]),
});
export type ScoreRequest = z.infer<typeof scoreRequestSchema>;

export type AnswerMode = 'generative' | 'extractive';

export type ScoreResponse = {
  answer: string;
  citations: Citation[];
  followupQuestions?: string[];
  mode: AnswerMode;
  /** What the answer cost (zeros for extractive answers). */
  usage?: { prompt_tokens: number; completion_tokens: number; model: string };
};

export type ScoreErrorCode =
  | 'bad_request'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'content_filtered'
  | 'upstream_unavailable'
  | 'timeout'
  | 'not_ready'
  | 'internal_error';

export type ScoreError = { error: { code: ScoreErrorCode; message: string } };

/**
 * Contract A as the widget speaks it: the Microsoft AI Chat Protocol's request, streamed delta and
 * error shapes (docs/contracts.md).
 *
 * Why a copy rather than `import type … from '@grounded-chat/server-kit/contract'`: the widget's
 * published `.d.ts` files must resolve on a site that installs only the widget. Importing the kit's
 * types made them resolve inside this monorepo only, and would drag the kit's zod-inferred types
 * (and zod itself) into a site's build. These are plain TypeScript types with no runtime part; the
 * packaging test (test/packaging/) type-checks them against the kit's, both ways, so they cannot
 * drift apart.
 */

/** A source an answer cites. */
export interface Citation {
  id: string;
  title: string;
  url?: string;
  snippet: string;
  /** Path of the source document relative to the corpus, when the source is a file. */
  filepath?: string;
}

/** Grounding the server sends with an answer. Unknown fields are kept. */
export interface AssistantContext {
  citations?: Citation[];
  followupQuestions?: string[];
  traceId?: string;
  mode?: 'generative' | 'extractive';
  [key: string]: unknown;
}

export type ChatRole = 'user' | 'assistant' | 'system';

export interface ChatMessage {
  role: ChatRole;
  content: string;
  context?: Record<string, unknown>;
}

/** The body of `POST {endpoint}/stream`. */
export interface ChatRequest {
  messages: ChatMessage[];
  context?: Record<string, unknown>;
  sessionState?: unknown;
}

/** One line of the `application/x-ndjson` answer. */
export interface ChatDelta {
  delta: { role?: 'assistant'; content?: string; context?: AssistantContext };
  context?: Record<string, unknown>;
  sessionState?: unknown;
}

/** An error body, and also the last line of a stream that failed after it began. `code` is stable. */
export interface ChatErrorBody {
  error: { code: string; message: string; retryAfterSeconds?: number };
}

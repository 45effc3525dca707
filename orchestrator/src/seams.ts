/**
 * The seams of the flow. A provider is one module implementing one of these interfaces; the flow
 * never knows which provider it runs on (docs/orchestrator.md lists them). Models stream typed
 * parts rather than bare strings, in the style of the Vercel AI SDK's stream parts, so usage,
 * finish reason and a model's own follow-ups have a channel; the flow turns them into flow events.
 */
import type { AnswerMode, HistoryTurn } from './contract.js';

/** One retrievable piece of a source document. */
export interface Passage {
  /** Stable across re-indexing of unchanged content, e.g. `getting-started.md#install`. */
  id: string;
  /** Document title (first H1, front-matter title, or the file name). */
  title: string;
  /** Headings from the document root down to this passage, e.g. `["Server kit", "Mounting"]`. */
  headingPath: string[];
  /** Source path relative to the corpus root, POSIX separators, e.g. `guides/server-kit.md`. */
  sourcePath: string;
  /** The passage text (Markdown stripped of front matter). */
  text: string;
  /** Where a visitor can open the source, when known. */
  url?: string;
  /** Retriever-specific relevance score; higher is better. Only comparable within one result. */
  score: number;
  /**
   * How near in meaning the passage is to the query (cosine similarity of their embeddings),
   * when the retriever searched by meaning; comparable within one result. The local index's
   * semantic search sets it (docs/orchestrator.md, "Semantic search").
   */
  similarity?: number;
  /**
   * The passage's windows (a few sentences each) and how near in meaning each is to the query,
   * when the retriever embedded the passage window by window (the local index does).
   */
  windows?: { text: string; similarity: number }[];
  /** The search service's own extract (semantic captions), when it made one. */
  caption?: string;
}

/**
 * The visitor as forwarded by the server kit in `x-grounded-chat-principal` (docs/contracts.md).
 * Used only to filter retrieval; never authentication.
 */
export interface Principal {
  id: string;
  name?: string;
  roles?: string[];
  groups?: string[];
}

export interface RetrieveOptions {
  /** Most passages to return. */
  top?: number;
  signal?: AbortSignal;
  /**
   * The conversation so far, when the query is the visitor's raw question (no model rewrote it
   * into a standalone query): a retriever may widen a short follow-up with it.
   */
  history?: HistoryTurn[];
  /** The visitor, for retrievers that trim results to what the visitor may see. */
  principal?: Principal;
}

export interface Retriever {
  /** Short provider name for logs and health output, e.g. `local`, `azure-search`. */
  readonly name: string;
  /** Resolves once the retriever can answer (index loaded or built, service reachable). */
  ready(): Promise<void>;
  /** Passages relevant to `query`, best first. Irrelevant passages are not returned. */
  retrieve(query: string, options?: RetrieveOptions): Promise<Passage[]>;
}

export type PromptRole = 'system' | 'user' | 'assistant';
export interface PromptMessage {
  role: PromptRole;
  content: string;
}

export interface ChatModelRequest {
  /** The full prompt for generative models: system prompt with grounding, history, question. */
  messages: PromptMessage[];
  /** The visitor's question as asked. */
  question: string;
  /** The passages the prompt cites; `[n]` in an answer refers to `grounding[n-1]`. */
  grounding: Passage[];
  /** Everything retrieved, best first (a superset of `grounding`): for suggesting follow-ups. */
  retrieved?: Passage[];
}

export interface ChatModelOptions {
  signal?: AbortSignal;
  /**
   * Nobody watches the pieces arrive (a JSON response is being assembled): a model that paces
   * its output to stream like a model would (the extractive answerer) may skip the pacing.
   */
  unpaced?: boolean;
}

/** A retrieved passage chosen as a citation, with the snippet to show for it. */
export interface SelectedCitation {
  passage: Passage;
  /** Text shown with the citation; contains every sentence the answer quotes from the passage. */
  snippet: string;
  /** The first sentence the answer quotes from it: its link then points at that sentence. */
  quote?: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** The model (or deployment) that answered. */
  model: string;
}

/** Why a model stopped: `content_filter` means the rest of the answer was withheld. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'other';

/** One typed part of a model's answer stream. */
export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'followups'; questions: string[] }
  | { type: 'finish'; reason: FinishReason; usage: TokenUsage };

export interface ChatModel {
  /** Short provider name, e.g. `extractive`, `azure-openai`, `openai-compatible`. */
  readonly name: string;
  readonly mode: AnswerMode;
  /** Optional. The model or deployment asked for (telemetry's `gen_ai.request.model`); default `name`. */
  readonly model?: string;
  /**
   * Streams the answer as typed parts, ending with one `finish` part. Errors are thrown as
   * `FlowError`s with a stable code (a `content_filter` finish is followed by the flow's
   * `content_filtered` error event).
   */
  stream(request: ChatModelRequest, options?: ChatModelOptions): AsyncIterable<StreamPart>;
  /**
   * Optional. A model that quotes rather than composes knows before streaming which passages it
   * will cite: it narrows the retrieved passages to those, in citation order, so the citations can
   * be sent first and `[n]` in the answer matches them. The flow then passes exactly these
   * passages, in this order, as `grounding` to `stream`. Generative models leave this out; their
   * citations are refined from the answer and sent after it.
   */
  selectCitations?(request: { question: string; passages: Passage[] }): SelectedCitation[];
  /**
   * Optional. Turns the last question of a conversation into a standalone search query. The flow
   * calls it only when there is history, under a deadline, and falls back to the raw question.
   */
  rewriteQuery?(request: { question: string; history: HistoryTurn[] }, options?: { signal?: AbortSignal }): Promise<string>;
  /** Optional. Resolves once the model's service can answer (readiness). */
  ready?(): Promise<void>;
}

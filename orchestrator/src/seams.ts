/**
 * The seams of the flow. A provider is one module implementing one of these interfaces; the flow
 * never knows which provider it runs on. Azure AI Search, Azure OpenAI and OpenAI-compatible
 * providers plug in here exactly like the local index and the offline answerer.
 */
import type { AnswerMode } from './contract.js';

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
}

export interface RetrieveOptions {
  /** Most passages to return. */
  top?: number;
  signal?: AbortSignal;
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
}

export interface ChatModel {
  /** Short provider name, e.g. `extractive`, `azure-openai`, `openai-compatible`. */
  readonly name: string;
  readonly mode: AnswerMode;
  /** Streams the answer as text pieces. Errors are thrown as `FlowError`s with a stable code. */
  stream(request: ChatModelRequest, options?: ChatModelOptions): AsyncIterable<string>;
  /**
   * Optional. A model that quotes rather than composes knows before streaming which passages it
   * will cite: it narrows the retrieved passages to those, in citation order, so the citations can
   * be sent first and `[n]` in the answer matches them. The flow then passes exactly these
   * passages, in this order, as `grounding` to `stream`. Generative models leave this out.
   */
  selectCitations?(request: { question: string; passages: Passage[] }): SelectedCitation[];
}

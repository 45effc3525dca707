import type { AssistantContext, ChatDelta, ChatErrorBody, ChatMessage, ChatRole, Citation, ChatRequest } from './contract.js';

export type { AssistantContext, ChatDelta, ChatErrorBody, ChatMessage, ChatRole, Citation, ChatRequest };

/** A visible error on an answer. `code` is a contract A error code or one of the widget's own (`offline`, `network_blocked`, `network`, `bad_response`). */
export interface ChatErrorInfo {
  code: string;
  message: string;
  status?: number;
  retryAfterSeconds?: number;
  /** When the limit behind a 429 lifts (ms since the epoch), from `Retry-After`: shown as a time. */
  resetAt?: number;
}

/** One message of the conversation as the widget keeps (and persists) it. */
export interface GroundedChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** Grounding sent by the server: citations, follow-up questions, trace id, mode. */
  context?: AssistantContext;
  /** `streaming` while the answer arrives; `stopped` when the visitor stopped it; `error` when it failed. */
  status?: 'streaming' | 'done' | 'stopped' | 'error';
  error?: ChatErrorInfo;
  /** The answer was longer than the widget keeps and was cut (a note says so). */
  cut?: boolean;
  feedback?: 'up' | 'down';
}

export type FeedbackValue = 'up' | 'down';

/** `detail` of each event the element dispatches. All bubble and are composed. */
export interface GroundedChatEventDetails {
  /** Cancelable. Before a request is sent; `request` may be changed in place. */
  'grounded-chat:send': { message: GroundedChatMessage; request: ChatRequest };
  /** An answer finished streaming. */
  'grounded-chat:response': { message: GroundedChatMessage };
  /** A request or a stream failed. */
  'grounded-chat:error': { error: ChatErrorInfo; message?: GroundedChatMessage };
  /** Cancelable. The visitor chose a citation; cancel it to show the source yourself. */
  'grounded-chat:citation': { citation: Citation; index: number; message: GroundedChatMessage };
  /** The visitor rated an answer. */
  'grounded-chat:feedback': { value: FeedbackValue; message: GroundedChatMessage };
  /** The server answered 401. */
  'grounded-chat:unauthorized': { loginUrl?: string };
  /** The launcher panel opened. */
  'grounded-chat:open': Record<string, never>;
  /** The launcher panel closed. */
  'grounded-chat:close': Record<string, never>;
}

export type GroundedChatEventMap = {
  [K in keyof GroundedChatEventDetails]: CustomEvent<GroundedChatEventDetails[K]>;
};

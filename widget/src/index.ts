/**
 * `@grounded-chat/widget`: importing this module defines `<grounded-chat>`.
 * Safe to import during server-side rendering: nothing touches `window` or `document` at import time.
 */
export { GroundedChatElement } from './grounded-chat-element.js';
export { defaultStrings, type GroundedChatStrings } from './strings.js';
export { ChatError, readChat } from './stream.js';
export type {
  AssistantContext,
  ChatErrorInfo,
  ChatRequest,
  Citation,
  FeedbackValue,
  GroundedChatEventDetails,
  GroundedChatEventMap,
  GroundedChatMessage,
} from './types.js';
export type { ChatDelta, ChatErrorBody, ChatMessage, ChatRole } from './types.js';

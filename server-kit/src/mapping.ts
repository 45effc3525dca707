/**
 * Contract A → contract B. The browser sends the whole conversation; a prompt flow wants the
 * current question plus earlier turns as `[{ inputs: { question }, outputs: { answer } }]`, and its
 * field names vary by flow (`question`/`chat_history`/`answer`, `chat_input`/…/`chat_output`).
 */
import type { ChatMessage } from './contract.js';

export type FieldNames = {
  /** Input holding the current question. Default `question`. */
  question: string;
  /** Input holding earlier turns. Default `chat_history`. */
  chatHistory: string;
  /** Output holding the answer (also the key of streamed answer pieces). Default `answer`. */
  answer: string;
};

export const DEFAULT_FIELDS: FieldNames = { question: 'question', chatHistory: 'chat_history', answer: 'answer' };

export type ScorePayload = Record<string, unknown>;

/**
 * Pairs each user message with the assistant message that follows it. A user message with no
 * reply (say, the previous request failed) becomes a turn with an empty answer; an assistant
 * message with no question before it (a greeting) carries nothing a flow can use and is skipped.
 * `messages` must end with the user's question (validated earlier).
 */
export function toScorePayload(messages: readonly ChatMessage[], fields: FieldNames = DEFAULT_FIELDS): ScorePayload {
  const last = messages.length - 1;
  const history: Array<{ inputs: Record<string, string>; outputs: Record<string, string> }> = [];
  let pending: string | undefined;
  for (let i = 0; i < last; i++) {
    const m = messages[i]!;
    if (m.role === 'user') {
      if (pending !== undefined) history.push(turn(fields, pending, ''));
      pending = m.content;
    } else if (m.role === 'assistant' && pending !== undefined) {
      history.push(turn(fields, pending, m.content));
      pending = undefined;
    }
  }
  if (pending !== undefined) history.push(turn(fields, pending, ''));
  return { [fields.question]: messages[last]!.content, [fields.chatHistory]: history };
}

function turn(fields: FieldNames, question: string, answer: string) {
  return { inputs: { [fields.question]: question }, outputs: { [fields.answer]: answer } };
}

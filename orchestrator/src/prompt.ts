/**
 * Builds the messages a generative model receives: a system prompt carrying the numbered sources,
 * the conversation so far, and the question — all within a token budget.
 *
 * Why a budget here rather than trusting the model to truncate: providers reject an over-long
 * prompt outright (HTTP 400), and when we trim we want to choose what goes — the oldest turns of
 * the conversation and the lowest-ranked sources, never the question or the instructions.
 *
 * Tokens are estimated at ~4 characters each (English prose; code runs a little denser). The
 * default budget leaves generous headroom below the smallest context window we target, so the
 * estimate's error doesn't matter; a tokenizer dependency would buy precision we don't need.
 */
import type { HistoryTurn } from './contract.js';
import type { Passage, PromptMessage } from './seams.js';
import { estimateTokens } from './text.js';

export const DEFAULT_SYSTEM_PROMPT = [
  'You are grounded-chat, an assistant that answers questions using only the numbered sources below.',
  'Cite every fact with its source number in square brackets, like [1] or [2][3].',
  "If the sources do not contain the answer, say that you don't know. Never invent a source, a link or an API.",
  'Answer in the language of the question, concisely, in Markdown.',
].join(' ');

/** Default prompt budget in (estimated) tokens, leaving room for the answer in an 8k window. */
export const DEFAULT_MAX_PROMPT_TOKENS = 6_000;
/** Each message costs a few tokens of framing on top of its text. */
const MESSAGE_OVERHEAD = 4;
/** A source trimmed to fewer tokens than this is not worth sending. */
const MIN_PASSAGE_TOKENS = 60;
/** Share of the room left after instructions and question that sources may take before history. */
const SOURCES_SHARE = 0.75;

export interface BuildPromptInput {
  question: string;
  history?: HistoryTurn[];
  /** Retrieved passages, best first. */
  passages: Passage[];
  systemPrompt?: string;
  maxPromptTokens?: number;
}

export interface BuiltPrompt {
  messages: PromptMessage[];
  /** The passages that made it into the prompt, in source-number order ([1] is the first). */
  grounding: Passage[];
  estimatedTokens: number;
  /** How many of the oldest history turns did not fit. */
  droppedHistoryTurns: number;
  /** How many of the lowest-ranked passages did not fit. */
  droppedPassages: number;
}

export function estimateMessages(messages: PromptMessage[]): number {
  return messages.reduce((n, m) => n + MESSAGE_OVERHEAD + estimateTokens(m.content), 0);
}

export function formatSource(n: number, passage: Passage, text = passage.text): string {
  const where = [passage.title, ...passage.headingPath.filter((h) => h !== passage.title)].join(' › ');
  return `[${n}] ${where} (${passage.sourcePath})\n${text}`;
}

export function buildPrompt(input: BuildPromptInput): BuiltPrompt {
  const budget = input.maxPromptTokens ?? DEFAULT_MAX_PROMPT_TOKENS;
  const system = input.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
  const history = input.history ?? [];
  const header = `${system}\n\nSources:`;
  const noSources = `${system}\n\nSources: none were found for this question.`;

  // Fixed costs: instructions and the question always go in.
  const fixed = MESSAGE_OVERHEAD * 2 + estimateTokens(header) + estimateTokens(input.question);
  let room = Math.max(0, budget - fixed);

  // 1. Sources, best first, up to their share; the one that crosses the line is trimmed.
  const sources: string[] = [];
  const grounding: Passage[] = [];
  const addSources = (limit: number) => {
    for (const passage of input.passages.slice(grounding.length)) {
      const n = grounding.length + 1;
      const full = `\n\n${formatSource(n, passage)}`;
      const cost = estimateTokens(full);
      if (cost <= limit) {
        sources.push(full);
        grounding.push(passage);
        limit -= cost;
        room -= cost;
        continue;
      }
      const head = estimateTokens(`\n\n${formatSource(n, passage, '')}`);
      const textTokens = limit - head - 1;
      if (textTokens >= MIN_PASSAGE_TOKENS) {
        const trimmed = `\n\n${formatSource(n, passage, trimToChars(passage.text, textTokens * 4))}`;
        sources.push(trimmed);
        grounding.push(passage);
        room -= estimateTokens(trimmed);
      }
      break;
    }
  };
  addSources(Math.floor(room * SOURCES_SHARE));

  // 2. History, newest turn first, whole turns only.
  const kept: PromptMessage[][] = [];
  for (const turn of [...history].reverse()) {
    const pair: PromptMessage[] = [
      { role: 'user', content: turn.inputs.question },
      { role: 'assistant', content: turn.outputs.answer },
    ];
    const cost = estimateMessages(pair);
    if (cost > room) break;
    kept.unshift(pair);
    room -= cost;
  }

  // 3. Whatever history left unused goes to further sources.
  if (grounding.length < input.passages.length) addSources(room);

  const messages: PromptMessage[] = [
    { role: 'system', content: grounding.length ? header + sources.join('') : noSources },
    ...kept.flat(),
    { role: 'user', content: input.question },
  ];
  return {
    messages,
    grounding,
    estimatedTokens: estimateMessages(messages),
    droppedHistoryTurns: history.length - kept.length,
    droppedPassages: input.passages.length - grounding.length,
  };
}

/** Cuts text to at most `max` characters at a word boundary, marking the cut. */
export function trimToChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max - 2));
  const at = cut.lastIndexOf(' ');
  return `${at > max / 2 ? cut.slice(0, at) : cut} …`;
}

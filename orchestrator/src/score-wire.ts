/**
 * Contract B's wire form of the flow's events (docs/orchestrator.md#the-scoring-contract): what the scoring
 * server writes, as SSE pieces or gathered into one JSON response.
 */
import type { ScoreResponse } from './contract.js';
import type { FlowEvent } from './flow.js';

export function toWire(event: Exclude<FlowEvent, { type: 'error' }>): unknown {
  switch (event.type) {
    case 'text':
      return { answer: event.text };
    case 'citations':
      return { citations: event.citations, mode: event.mode };
    case 'followups':
      return { followupQuestions: event.questions };
    case 'usage':
      return { usage: wireUsage(event) };
  }
}

export function wireUsage({ usage }: Extract<FlowEvent, { type: 'usage' }>): NonNullable<ScoreResponse['usage']> {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, model: usage.model };
}

/** An event's contract-B JSON; a text piece, the common case, without building the wire object first. */
export function wireJson(event: Exclude<FlowEvent, { type: 'error' }>): string {
  return event.type === 'text' ? `{"answer":${JSON.stringify(event.text)}}` : JSON.stringify(toWire(event));
}

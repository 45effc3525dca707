/**
 * The orchestrator's own custom events. Only `content_filtered` is the orchestrator's to emit:
 * it alone knows which side (prompt or completion) a model's content filter stopped; the kit
 * emits the visitor-facing `chat` event with the outcome it relayed.
 */
import { emitEvent } from './events.js';
import type { TelemetryPrivacy } from './privacy.js';
import { INSTRUMENTATION_SCOPE, ORCHESTRATOR_EVENT_FIELDS, ORCHESTRATOR_EVENTS } from './names.js';

const P = ORCHESTRATOR_EVENT_FIELDS.properties;

export interface ContentFilteredInput {
  stage: 'prompt' | 'completion';
  model?: string;
  provider?: string;
  /** The raw visitor id; only its keyed hash is recorded. */
  userId?: string;
}

export function contentFilteredEvent(input: ContentFilteredInput, privacy: TelemetryPrivacy): void {
  emitEvent(INSTRUMENTATION_SCOPE, {
    name: ORCHESTRATOR_EVENTS.contentFiltered,
    properties: {
      [P.stage]: input.stage,
      [P.model]: input.model,
      [P.provider]: input.provider,
      [P.user]: input.userId === undefined ? undefined : privacy.hashUser(input.userId),
    },
  });
}

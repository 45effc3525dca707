/**
 * The flow — the "prompt flow" of the reference architecture, in code:
 *
 *   question + history → (rewrite) → retrieve → choose citations → prompt → stream → cite
 *
 * It depends only on the seams (`Retriever`, `ChatModel`) and returns ONE async iterable of flow
 * events (citations, text, follow-ups, usage, error) that the scoring server only serialises, to
 * JSON or to server-sent events (docs/contracts.md). Errors never throw out of the iterable: they
 * end it as one `error` event with a stable code and a message written here; a caller that
 * leaves (its signal aborts) simply ends it.
 *
 * Citation order: a quoting model (extractive) fixes its citations before streaming, so they go
 * first, as prompt flow sends them. A generative model's citations are refined from what it
 * wrote (repaired, renumbered by first use), so they go after the answer — contract B allows
 * both orders.
 */
import type { AnswerMode, Citation, HistoryTurn, ScoreErrorCode, ScoreRequest } from './contract.js';
import type { ChatModel, Passage, Principal, Retriever, SelectedCitation, TokenUsage } from './seams.js';
import { buildPrompt, trimToChars, type BuiltPrompt, type Tokenizer } from './prompt.js';
import { CitationRepair } from './answer/cite.js';
import { deadline } from './deadline.js';
import { textFragmentUrl } from './text-fragment.js';
import { questionFocus } from './text.js';
import { contentFilteredEvent } from './telemetry/flow-events.js';
import { FLOW_ATTRIBUTES, FLOW_STEPS } from './telemetry/names.js';
import { telemetryPrivacy, type TelemetryPrivacy } from './telemetry/privacy.js';
import { inStep, modelAttributes, retrievalAttributes, traceIterable, usageAttributes } from './telemetry/spans.js';

/** A flow failure with a stable contract-B error code; its message is safe to show a client. */
export class FlowError extends Error {
  constructor(
    readonly code: ScoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FlowError';
  }
}

export type FlowEvent =
  | { type: 'citations'; citations: Citation[]; mode: AnswerMode }
  | { type: 'text'; text: string }
  | { type: 'followups'; questions: string[] }
  | { type: 'usage'; usage: TokenUsage }
  /** `cause` is for the server's log only; it is never serialised. */
  | { type: 'error'; code: ScoreErrorCode; message: string; cause?: unknown };

export interface FlowDeps {
  retriever: Retriever;
  model: ChatModel;
  /** Passages retrieved per question. */
  top?: number;
  maxPromptTokens?: number;
  systemPrompt?: string;
  tokenizer?: Tokenizer;
  /** Deadline for the query rewrite; past it the raw question is searched. */
  rewriteTimeoutMs?: number;
  /** Deadline for retrieval. */
  retrieveTimeoutMs?: number;
  /** Whole-request deadline, below the online endpoint's 180 s `request_timeout_ms` maximum. */
  requestTimeoutMs?: number;
  /** Sees each built prompt (logs, tests). */
  onPrompt?: (prompt: BuiltPrompt) => void;
  /** What telemetry may record of the visitor and the text (docs/telemetry.md#privacy). Default telemetryPrivacy(). */
  privacy?: TelemetryPrivacy;
}

export interface FlowRunOptions {
  signal?: AbortSignal;
  /** Passed to the model: nobody watches pieces arrive (JSON response). */
  unpaced?: boolean;
  /** The visitor forwarded by the server kit, for security trimming. */
  principal?: Principal;
}

export const DEFAULT_FLOW_TOP = 5;
/** Longest citation snippet for models that don't choose their own. */
export const SNIPPET_CHARS = 600;
export const DEFAULT_REWRITE_TIMEOUT_MS = 4_000;
export const DEFAULT_RETRIEVE_TIMEOUT_MS = 15_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 170_000;
/** What a generative answer says when nothing relevant was retrieved (the model is not called). */
export const NOTHING_RELEVANT_TEXT =
  "I don't know — I found nothing in the documentation about that, so I can't give a grounded answer.";

export function toCitation({ passage, snippet, quote }: SelectedCitation & { quote?: string }): Citation {
  const where = [passage.title, ...passage.headingPath.filter((h) => h !== passage.title)];
  const url = passage.url && quote ? textFragmentUrl(passage.url, quote) : passage.url;
  return {
    id: passage.id,
    title: where.join(' › '),
    ...(url ? { url } : {}),
    snippet,
    filepath: passage.sourcePath,
  };
}

export async function* runFlow(deps: FlowDeps, request: ScoreRequest, options: FlowRunOptions = {}): AsyncGenerator<FlowEvent> {
  const overall = deadline(options.signal, deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  try {
    yield* steps(deps, request, { ...options, signal: overall.signal, caller: options.signal });
  } catch (err) {
    if (options.signal?.aborted) return; // the caller left: nobody to tell
    if (overall.timedOut) {
      yield { type: 'error', code: 'timeout', message: 'the answer took too long' };
      return;
    }
    // Provider failures arrive here as FlowErrors; anything else is a bug, reported as such.
    if (err instanceof FlowError) yield { type: 'error', code: err.code, message: err.message, cause: err.cause };
    else yield { type: 'error', code: 'internal_error', message: 'internal error', cause: err };
  } finally {
    overall.dispose();
  }
}

async function* steps(
  deps: FlowDeps,
  request: ScoreRequest,
  options: FlowRunOptions & { signal: AbortSignal; caller: AbortSignal | undefined },
): AsyncGenerator<FlowEvent> {
  const { retriever, model } = deps;
  const { signal, principal } = options;
  const question = request.question.trim();
  const history = request.chat_history ?? [];

  const privacy = deps.privacy ?? (defaultPrivacy ??= telemetryPrivacy());
  const query = await inStep(FLOW_STEPS.queryRewrite, async (span) => {
    const q = await rewrite(deps, question, history, signal);
    span.setAttribute(FLOW_ATTRIBUTES.rewritten, q !== question);
    const text = privacy.text(q);
    if (text) span.setAttribute(FLOW_ATTRIBUTES.query, text);
    return q;
  });
  const top = deps.top ?? DEFAULT_FLOW_TOP;
  let passages: Passage[];
  try {
    passages = await inStep(FLOW_STEPS.retrieve, async (span) => {
      const step = deadline(signal, deps.retrieveTimeoutMs ?? DEFAULT_RETRIEVE_TIMEOUT_MS);
      const search = (q: string) =>
        retriever.retrieve(q, {
          top,
          signal: step.signal,
          ...(q === question ? { history } : {}),
          ...(principal ? { principal } : {}),
        });
      let hits: Passage[];
      try {
        hits = await search(query);
        // A realistic message often opens with context whose words dilute the relevance gate
        // ("We deploy behind a proxy. How do I turn on the security headers?"): when the whole
        // message finds nothing, its asking sentence gets one more try (worked out only then).
        if (hits.length === 0 && query === question) {
          const focus = questionFocus(question);
          if (focus !== question) hits = await search(focus);
        }
      } finally {
        step.dispose();
      }
      span.setAttributes(retrievalAttributes({ store: retriever.name, top, hits }));
      return hits;
    });
  } catch (err) {
    signal.throwIfAborted();
    throw asFlowError(err, 'upstream_unavailable', 'the search index is unavailable');
  }

  const base = { question, history, maxPromptTokens: deps.maxPromptTokens, systemPrompt: deps.systemPrompt, tokenizer: deps.tokenizer };
  const generate = { privacy, principal };
  if (model.selectCitations) {
    // Quoting models fix their citations (and so the [n] numbering) before streaming.
    const quoting = model.selectCitations.bind(model);
    const { selected, prompt } = await inStep(FLOW_STEPS.compose, (span) => {
      const chosen = quoting({ question, passages });
      const built = buildPrompt({ ...base, passages: chosen.map((s) => s.passage) });
      span.setAttributes({ [FLOW_ATTRIBUTES.citations]: chosen.length, [FLOW_ATTRIBUTES.mode]: model.mode });
      return { selected: chosen, prompt: built };
    });
    deps.onPrompt?.(prompt);
    yield { type: 'citations', citations: selected.map(toCitation), mode: model.mode };
    yield* answer(model, { messages: prompt.messages, question, grounding: prompt.grounding, retrieved: passages }, { ...options, ...generate });
    return;
  }

  const prompt = await inStep(FLOW_STEPS.compose, (span) => {
    const built = buildPrompt({ ...base, passages });
    span.setAttributes({ [FLOW_ATTRIBUTES.citations]: built.grounding.length, [FLOW_ATTRIBUTES.mode]: model.mode });
    return built;
  });
  deps.onPrompt?.(prompt);
  const grounding = prompt.grounding;
  if (grounding.length === 0) {
    // Nothing relevant: no grounded answer is possible, so no tokens are paid for one.
    yield { type: 'text', text: NOTHING_RELEVANT_TEXT };
    yield { type: 'citations', citations: [], mode: model.mode };
    yield { type: 'usage', usage: { promptTokens: 0, completionTokens: 0, model: model.name } };
    return;
  }
  const repair = new CitationRepair(grounding.map((p) => ({ names: [p.title, citationTitle(p), p.sourcePath] })));
  const cited = () => {
    const used = repair.used.map((i) => ({ passage: grounding[i]!, snippet: trimToChars(grounding[i]!.caption ?? grounding[i]!.text, SNIPPET_CHARS) }));
    return { type: 'citations', citations: used.map(toCitation), mode: model.mode } as const;
  };
  let finished = false;
  let shown = false;
  try {
    for await (const event of answer(model, { messages: prompt.messages, question, grounding, retrieved: passages }, { ...options, ...generate })) {
      if (event.type === 'text') {
        const text = repair.push(event.text);
        shown ||= event.text.length > 0;
        if (text) yield { type: 'text', text };
        continue;
      }
      if (!finished && (event.type === 'error' || event.type === 'usage' || event.type === 'followups')) {
        // The answer is over: flush what was held back and say what it cited, before the rest.
        finished = true;
        const rest = repair.end();
        if (rest) yield { type: 'text', text: rest };
        yield cited();
      }
      yield event;
    }
  } catch (err) {
    // A stream cut midway, or stopped by the request's deadline: what was shown stays consistent
    // with the citations sent. (A failure before any text stays the first event, so it gets its
    // own HTTP status; a caller who left is told nothing.)
    if (shown && !finished && !options.caller?.aborted) {
      const rest = repair.end();
      if (rest) yield { type: 'text', text: rest };
      yield cited();
    }
    throw err;
  }
  if (!finished) {
    const rest = repair.end();
    if (rest) yield { type: 'text', text: rest };
    yield cited();
  }
}

/** gen_ai.system of each provider (OpenTelemetry GenAI conventions; the offline answerer has its own). */
const GEN_AI_SYSTEM: Record<string, string> = {
  'azure-openai': 'azure.ai.openai',
  'openai-compatible': 'openai',
  extractive: 'grounded_chat.extractive',
};

let defaultPrivacy: TelemetryPrivacy | undefined;

/**
 * The model's parts as flow events, inside the generate step's span (GenAI attributes from the
 * provider's own usage and finish reason): a `content_filter` finish becomes a `content_filtered`
 * error, and either shape of a content-filter refusal emits the `content_filtered` event.
 */
async function* answer(
  model: ChatModel,
  request: Parameters<ChatModel['stream']>[0],
  options: FlowRunOptions & { signal: AbortSignal; privacy: TelemetryPrivacy },
): AsyncGenerator<FlowEvent> {
  let filtered = false;
  const requested = model.model ?? model.name;
  const filteredEvent = (stage: 'prompt' | 'completion') =>
    contentFilteredEvent({ stage, model: requested, provider: model.name, userId: options.principal?.id }, options.privacy);
  const parts = traceIterable(FLOW_STEPS.generate, () => model.stream(request, { signal: options.signal, unpaced: options.unpaced }), {
    attributes: modelAttributes({ system: GEN_AI_SYSTEM[model.name] ?? model.name, model: requested }),
    mapError: (err) => asFlowError(err, 'upstream_unavailable', 'the answer could not be completed'),
    onItem: (span, part) => {
      if (part.type === 'finish') {
        span.setAttributes(usageAttributes({ inputTokens: part.usage.promptTokens, outputTokens: part.usage.completionTokens, finishReasons: [part.reason], responseModel: part.usage.model }));
      }
    },
  });
  try {
    for await (const part of parts) {
      if (part.type === 'text-delta') {
        if (part.text) yield { type: 'text', text: part.text };
      } else if (part.type === 'followups') {
        if (part.questions.length) yield { type: 'followups', questions: part.questions };
      } else {
        yield { type: 'usage', usage: part.usage };
        filtered = part.reason === 'content_filter';
      }
    }
  } catch (err) {
    options.signal.throwIfAborted();
    const error = asFlowError(err, 'upstream_unavailable', 'the answer could not be completed');
    if (error.code === 'content_filtered') filteredEvent('prompt');
    throw error;
  }
  if (filtered) filteredEvent('completion');
  if (filtered) yield { type: 'error', code: 'content_filtered', message: 'the rest of the answer was withheld by the content filter' };
}

/** The standalone search query: the model's rewrite of a follow-up, or the question as asked. */
async function rewrite(deps: FlowDeps, question: string, history: HistoryTurn[], signal: AbortSignal): Promise<string> {
  if (!history.length || !deps.model.rewriteQuery) return question;
  const step = deadline(signal, deps.rewriteTimeoutMs ?? DEFAULT_REWRITE_TIMEOUT_MS);
  try {
    const rewritten = (await deps.model.rewriteQuery({ question, history }, { signal: step.signal })).trim();
    return rewritten || question;
  } catch {
    signal.throwIfAborted();
    return question; // a slow or failing rewrite costs precision, never the answer
  } finally {
    step.dispose();
  }
}

const citationTitle = (p: Passage) => [p.title, ...p.headingPath.filter((h) => h !== p.title)].join(' › ');

function asFlowError(err: unknown, code: ScoreErrorCode, message: string): FlowError {
  if (err instanceof FlowError) return err;
  return new FlowError(code, message, { cause: err });
}

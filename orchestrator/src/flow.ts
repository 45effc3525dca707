/**
 * The flow — the "prompt flow" of the reference architecture, in code:
 *
 *   question + history → search query → retrieve → choose citations → prompt → stream answer
 *
 * It depends only on the seams (`Retriever`, `ChatModel`), so Azure AI Search or Azure OpenAI
 * providers slot in without touching it. It returns the citations before the first piece of the
 * answer, because contract B sends them first (as prompt flow does).
 */
import type { AnswerMode, Citation, HistoryTurn, ScoreErrorCode, ScoreRequest } from './contract.js';
import type { ChatModel, Passage, Retriever, SelectedCitation } from './seams.js';
import { buildPrompt, trimToChars, type BuiltPrompt } from './prompt.js';
import { contentTerms } from './text.js';

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

export interface FlowDeps {
  retriever: Retriever;
  model: ChatModel;
  /** Passages retrieved per question. */
  top?: number;
  maxPromptTokens?: number;
  systemPrompt?: string;
}

export interface FlowRunOptions {
  signal?: AbortSignal;
  /** Passed to the model: nobody watches pieces arrive (JSON response). */
  unpaced?: boolean;
}

export interface FlowResult {
  citations: Citation[];
  mode: AnswerMode;
  followupQuestions?: string[];
  pieces: AsyncIterable<string>;
  /** The prompt as built (also for extractive runs, where it's unused): for logs and tests. */
  prompt: BuiltPrompt;
}

export const DEFAULT_FLOW_TOP = 5;
/** A question with at most this many content terms, asked after others, is a follow-up. */
export const FOLLOWUP_MAX_TERMS = 3;
/** Longest citation snippet for models that don't choose their own. */
export const SNIPPET_CHARS = 600;

/**
 * The search query. A short follow-up ("and in Koa?", "what about its options?") means little on
 * its own, so the previous user question's content terms are added to it.
 */
export function searchQuery(question: string, history: HistoryTurn[] = []): string {
  const terms = contentTerms(question);
  const previous = history.at(-1)?.inputs.question;
  if (!previous || terms.length > FOLLOWUP_MAX_TERMS) return question;
  const extra = contentTerms(previous).filter((t) => !terms.includes(t));
  return extra.length ? `${question} ${extra.join(' ')}` : question;
}

export function toCitation({ passage, snippet }: SelectedCitation): Citation {
  const where = [passage.title, ...passage.headingPath.filter((h) => h !== passage.title)];
  return {
    id: passage.id,
    title: where.join(' › '),
    ...(passage.url ? { url: passage.url } : {}),
    snippet,
    filepath: passage.sourcePath,
  };
}

export async function runFlow(deps: FlowDeps, request: ScoreRequest, options: FlowRunOptions = {}): Promise<FlowResult> {
  const { retriever, model } = deps;
  const { signal } = options;
  const question = request.question.trim();
  const history = request.chat_history ?? [];

  let passages: Passage[];
  try {
    passages = await retriever.retrieve(searchQuery(question, history), { top: deps.top ?? DEFAULT_FLOW_TOP, signal });
  } catch (err) {
    throw asFlowError(err, 'upstream_unavailable', 'the search index is unavailable', signal);
  }

  let selected: SelectedCitation[];
  let prompt: BuiltPrompt;
  if (model.selectCitations) {
    // Quoting models fix their citations (and so the [n] numbering) before streaming.
    selected = model.selectCitations({ question, passages });
    prompt = buildPrompt({ ...promptBase(deps, question, history), passages: selected.map((s) => s.passage) });
  } else {
    prompt = buildPrompt({ ...promptBase(deps, question, history), passages });
    selected = prompt.grounding.map((passage) => ({ passage, snippet: trimToChars(passage.text, SNIPPET_CHARS) }));
  }
  const grounding = selected.map((s) => s.passage);

  const followupQuestions = model.mode === 'extractive' && selected.length ? suggestFollowups(passages, grounding) : [];
  return {
    citations: selected.map(toCitation),
    mode: model.mode,
    ...(followupQuestions.length ? { followupQuestions } : {}),
    pieces: guardStream(model.stream({ messages: prompt.messages, question, grounding }, options), signal),
    prompt,
  };
}

/** Most follow-up questions suggested. */
export const MAX_FOLLOWUPS = 3;

/**
 * Follow-ups for the extractive answerer (a generative model writes its own): the topics of
 * passages that were retrieved but not quoted, phrased so that asking one retrieves its passage
 * (a heading's words match that passage's heading field, so they pass the relevance gate).
 */
export function suggestFollowups(retrieved: Passage[], cited: Passage[]): string[] {
  const seen = new Set(cited.map((p) => p.headingPath.at(-1)?.toLowerCase()));
  const out: string[] = [];
  for (const passage of retrieved) {
    const topic = passage.headingPath.at(-1);
    if (!topic || seen.has(topic.toLowerCase()) || contentTerms(topic).length === 0) continue;
    seen.add(topic.toLowerCase());
    out.push(`Tell me about ${topic}.`);
    if (out.length >= MAX_FOLLOWUPS) break;
  }
  return out;
}

function promptBase(deps: FlowDeps, question: string, history: HistoryTurn[]) {
  return { question, history, maxPromptTokens: deps.maxPromptTokens, systemPrompt: deps.systemPrompt };
}

/** Re-throws a provider's stream failure as a FlowError (aborts pass through untouched). */
async function* guardStream(pieces: AsyncIterable<string>, signal?: AbortSignal): AsyncIterable<string> {
  try {
    yield* pieces;
  } catch (err) {
    throw asFlowError(err, 'upstream_unavailable', 'the answer could not be completed', signal);
  }
}

function asFlowError(err: unknown, code: ScoreErrorCode, message: string, signal?: AbortSignal): unknown {
  if (err instanceof FlowError) return err;
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) return err;
  return new FlowError(code, message, { cause: err });
}

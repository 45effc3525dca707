/**
 * Reads the orchestrator's outputs (a JSON response, or one SSE event) into contract-A shapes.
 *
 * The orchestrator is ours or a prompt flow someone deployed; either way its output is passed to
 * browsers, so only the fields contract A defines are kept, each checked for its type.
 */
import type { AssistantContext, Citation } from './contract.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function readCitations(value: unknown): Citation[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Citation[] = [];
  for (const item of value) {
    if (!item || typeof item !== 'object') continue;
    const c = item as Record<string, unknown>;
    const id = str(c.id) ?? (typeof c.id === 'number' ? String(c.id) : undefined);
    const title = str(c.title) ?? str(c.filepath) ?? id;
    if (id === undefined || title === undefined) continue;
    const citation: Citation = { id, title, snippet: str(c.snippet) ?? str(c.content) ?? '' };
    const url = str(c.url);
    const filepath = str(c.filepath);
    if (url) citation.url = url;
    if (filepath) citation.filepath = filepath;
    out.push(citation);
  }
  return out;
}

function readStrings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is string => typeof v === 'string');
}

/**
 * The grounding context found in one output object, or undefined when it carries none.
 * `citations`, `followupQuestions` (also prompt flow's `followup_questions`) and `mode`.
 */
export function readContext(output: Record<string, unknown>): AssistantContext | undefined {
  let ctx: AssistantContext | undefined;
  if ('citations' in output) {
    const citations = readCitations(output.citations);
    if (citations) (ctx ??= {}).citations = citations;
  }
  const followups = readStrings(output.followupQuestions ?? output.followup_questions);
  if (followups) (ctx ??= {}).followupQuestions = followups;
  const mode = output.mode;
  if (mode === 'generative' || mode === 'extractive') (ctx ??= {}).mode = mode;
  return ctx;
}

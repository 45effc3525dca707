/**
 * Groundedness and relevance judged by a language model, through the `openai` client (any
 * OpenAI-compatible chat-completions endpoint; Azure OpenAI's v1 endpoint too). Each judge's
 * prompt is a committed file under orchestrator/eval/prompts/ with its 1–5 scale written in it
 * (docs/evaluation.md repeats the scales); `{{question}}`, `{{answer}}` and `{{sources}}` are
 * filled in. The reply must be `{"score": n, "reason": "…"}`; anything else counts as a judge
 * failure for that question (its score is left out of the mean, and the report says how many).
 *
 * Why the SDK and not fetch: it already retries 429 and 5xx honouring `retry-after-ms` /
 * `retry-after`, times out, and maps errors to typed classes, which a judge run of hundreds of
 * calls needs. Temperature 0, so a rerun judges the same way as far as the model allows.
 */
import OpenAI from 'openai';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PACKAGE_DIR } from './package-dir.js';
import type { Citation } from '../contract.js';
import type { JudgeScores } from './metrics.js';

export const DEFAULT_PROMPTS_DIR = resolve(PACKAGE_DIR, 'eval', 'prompts');
/** Longest source text sent to the judge per question (characters). */
export const MAX_JUDGE_SOURCES_CHARS = 12_000;

export interface JudgeOptions {
  baseURL: string;
  apiKey?: string;
  model: string;
  promptsDir?: string;
  /** SDK retries on 429/5xx/network errors (default 2). */
  maxRetries?: number;
  timeoutMs?: number;
  /** Tests inject a fetch that trusts their certificate. */
  fetch?: typeof fetch;
}

export interface Judge {
  judge(input: { question: string; answer: string; citations: Citation[] }, signal?: AbortSignal): Promise<JudgeScores>;
}

export async function createJudge(options: JudgeOptions): Promise<Judge> {
  const dir = options.promptsDir ?? DEFAULT_PROMPTS_DIR;
  const [groundedness, relevance] = await Promise.all(
    ['groundedness.md', 'relevance.md'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey || 'none',
    maxRetries: options.maxRetries ?? 2,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  async function ask(template: string, vars: Record<string, string>, signal?: AbortSignal): Promise<number> {
    const prompt = fill(template, vars);
    const completion = await client.chat.completions.create(
      { model: options.model, temperature: 0, messages: [{ role: 'user', content: prompt }] },
      signal ? { signal } : undefined,
    );
    const score = parseScore(completion.choices?.[0]?.message?.content ?? '');
    if (score === null) throw new JudgeReplyError();
    return score;
  }

  return {
    async judge({ question, answer, citations }, signal) {
      const sources = formatSources(citations);
      const vars = { question, answer, sources };
      const out: JudgeScores = { groundedness: null, relevance: null };
      for (const [key, template] of [['groundedness', groundedness!], ['relevance', relevance!]] as const) {
        try {
          out[key] = await ask(template, vars, signal);
        } catch (err) {
          signal?.throwIfAborted();
          out.error ??= err instanceof JudgeReplyError ? 'judge_unparseable' : judgeErrorCode(err);
        }
      }
      return out;
    },
  };
}

class JudgeReplyError extends Error {}

function judgeErrorCode(err: unknown): string {
  if (err instanceof OpenAI.RateLimitError) return 'judge_rate_limited';
  if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError) return 'judge_unauthorized';
  if (err instanceof OpenAI.APIConnectionTimeoutError) return 'judge_timeout';
  return 'judge_unavailable';
}

/** `{{name}}` → value, in one pass (a value containing `{{answer}}` is not expanded again). */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, name: string) => vars[name] ?? m);
}

export function formatSources(citations: Citation[]): string {
  if (!citations.length) return '(no sources were cited)';
  let out = '';
  citations.forEach((c, i) => {
    out += `[${i + 1}] ${c.title}\n${c.snippet}\n\n`;
  });
  return out.length > MAX_JUDGE_SOURCES_CHARS ? `${out.slice(0, MAX_JUDGE_SOURCES_CHARS)}…` : out.trimEnd();
}

/** The integer 1–5 of a `{"score": n}` reply (in a code fence or with prose around it), or null. */
export function parseScore(reply: string): number | null {
  const json = /\{[\s\S]*\}/.exec(reply)?.[0];
  if (!json) return null;
  try {
    const score = (JSON.parse(json) as { score?: unknown }).score;
    const n = typeof score === 'string' ? Number(score) : score;
    return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
  } catch {
    return null;
  }
}

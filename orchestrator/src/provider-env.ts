/**
 * The providers' slices of the environment (docs/configuration.md). Each is validated by its own
 * schema; src/config.ts checks all of them at start so every bad value is reported at once, and
 * src/providers.ts reads them to build the providers.
 */
import { z } from 'zod';
import { intInRange, optionalBoolean, optionalString, optionalUrl } from './env.js';

const name = (what: string) =>
  optionalString.pipe(z.string().regex(/^[A-Za-z_][\w-]{0,127}$/, { message: `must be a ${what} name (letters, digits, _ and -)` }).optional());
const score = optionalString.transform((s, ctx) => {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `must be a number ≥ 0 (got "${s}")` });
    return z.NEVER;
  }
  return n;
});

export const azureOpenAIEnv = z.object({
  AZURE_OPENAI_ENDPOINT: optionalUrl,
  AZURE_OPENAI_API_KEY: optionalString,
  AZURE_OPENAI_CHAT_DEPLOYMENT: optionalString,
  AZURE_OPENAI_EMBEDDING_DEPLOYMENT: optionalString,
  AZURE_OPENAI_API_VERSION: optionalString.pipe(
    z.string().regex(/^(\d{4}-\d{2}-\d{2}(-preview)?|v1)$/, { message: 'must be a dated api-version such as 2024-10-21, or v1' }).optional(),
  ),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_MODEL: optionalString,
  MODEL_MAX_RETRIES: intInRange(0, 10, 2),
  MODEL_TIMEOUT_MS: intInRange(1_000, 180_000, 60_000),
  MODEL_FOLLOWUPS: optionalBoolean.transform((b) => b ?? true),
  MODEL_MAX_PROMPT_TOKENS: intInRange(500, 1_000_000, 6_000),
});

export const azureSearchEnv = z.object({
  AZURE_SEARCH_ENDPOINT: optionalUrl,
  AZURE_SEARCH_INDEX: name('index'),
  /** `name=index,name=index`: several stores, queried together and fused. */
  AZURE_SEARCH_STORES: optionalString,
  /** `all` (default): query every store and fuse; `model`: the model picks the stores to query. */
  AZURE_SEARCH_ROUTING: optionalString.pipe(z.enum(['all', 'model'], { message: 'must be all or model' }).optional()),
  AZURE_SEARCH_API_KEY: optionalString,
  AZURE_SEARCH_SEMANTIC_CONFIGURATION: optionalString,
  AZURE_SEARCH_QUERY_MODE: optionalString.pipe(z.enum(['keyword', 'vector', 'hybrid'], { message: 'must be keyword, vector or hybrid' }).optional()),
  /** The search SDK's own retries (throttling, 5xx); its default is 3. */
  AZURE_SEARCH_MAX_RETRIES: intInRange(0, 10, 3),
  AZURE_SEARCH_MIN_SCORE: score,
  AZURE_SEARCH_MIN_RERANKER_SCORE: score,
  AZURE_SEARCH_FIELD_KEY: name('field'),
  AZURE_SEARCH_FIELD_CONTENT: name('field'),
  AZURE_SEARCH_FIELD_TITLE: name('field'),
  AZURE_SEARCH_FIELD_URL: name('field'),
  AZURE_SEARCH_FIELD_SOURCE: name('field'),
  AZURE_SEARCH_FIELD_HEADING: name('field'),
  AZURE_SEARCH_FIELD_VECTOR: name('field'),
  AZURE_SEARCH_ACL_USER_FIELD: name('field'),
  AZURE_SEARCH_ACL_GROUP_FIELD: name('field'),
});


/** The AI Search field names of a parsed `azureSearchEnv`: one mapping for retrieval and ingestion. */
export function searchFieldsFromEnv(s: z.infer<typeof azureSearchEnv>, defaults: {
  key: string; content: string; title: string; url: string; sourcePath: string; heading: string; vector: string;
}) {
  return {
    key: s.AZURE_SEARCH_FIELD_KEY ?? defaults.key,
    content: s.AZURE_SEARCH_FIELD_CONTENT ?? defaults.content,
    title: s.AZURE_SEARCH_FIELD_TITLE ?? defaults.title,
    url: s.AZURE_SEARCH_FIELD_URL ?? defaults.url,
    sourcePath: s.AZURE_SEARCH_FIELD_SOURCE ?? defaults.sourcePath,
    heading: s.AZURE_SEARCH_FIELD_HEADING ?? defaults.heading,
    vector: s.AZURE_SEARCH_FIELD_VECTOR ?? defaults.vector,
  };
}

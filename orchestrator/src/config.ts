/**
 * The orchestrator's configuration, read from the environment once at start and validated with
 * zod, so a typo in a variable fails the start with a message naming it instead of surfacing as
 * an odd answer an hour later.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The orchestrator package folder (works from `src/` under tsx and from `dist/`). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository's `docs/`: the default corpus, so the demo answers questions about itself. */
export const DEFAULT_CORPUS_DIR = resolve(PACKAGE_DIR, '..', 'docs');
/** Where the local index is persisted by default (git-ignored). */
export const DEFAULT_INDEX_DIR = resolve(PACKAGE_DIR, '..', '.grounded-chat');

// Unset and empty are the same thing: `FOO= npm start` must not turn into an invalid value.
const optionalString = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

const optionalUrl = optionalString.pipe(
  z.url({ message: 'must be an absolute URL such as https://example.com/' }).optional(),
);

const intInRange = (min: number, max: number, fallback: number) =>
  optionalString.transform((s, ctx) => {
    if (s === undefined) return fallback;
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got "${s}")` });
      return z.NEVER;
    }
    return Number(s);
  });

// Relative paths are taken from where the process was started, as a shell user expects.
const directory = (fallback: string) => optionalString.transform((s) => (s ? resolve(process.cwd(), s) : fallback));

export const envSchema = z.object({
  PORT: intInRange(0, 65_535, 8080),
  /** Interface to bind. 0.0.0.0 because the online endpoint's container is probed from outside. */
  HOST: optionalString.transform((s) => s ?? '0.0.0.0'),
  ORCHESTRATOR_KEYS: optionalString.transform((s) =>
    (s ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  ),
  LOCAL_CORPUS_DIR: directory(DEFAULT_CORPUS_DIR),
  LOCAL_INDEX_DIR: directory(DEFAULT_INDEX_DIR),
  /** e.g. `/docs/` or `https://github.com/o/r/blob/main/docs/`: citation url = base + path + #slug. */
  LOCAL_SOURCE_URL_BASE: optionalString,
  /** Pause between streamed pieces of the offline answerer, so it streams like a model would. */
  EXTRACTIVE_DELAY_MS: intInRange(0, 10_000, 12),

  // Parsed now so a bad value is reported at start; their providers arrive in a later issue.
  AZURE_SEARCH_ENDPOINT: optionalUrl,
  AZURE_SEARCH_INDEX: optionalString,
  AZURE_SEARCH_API_KEY: optionalString,
  AZURE_SEARCH_SEMANTIC_CONFIGURATION: optionalString,
  AZURE_OPENAI_ENDPOINT: optionalUrl,
  AZURE_OPENAI_API_KEY: optionalString,
  AZURE_OPENAI_CHAT_DEPLOYMENT: optionalString,
  AZURE_OPENAI_EMBEDDING_DEPLOYMENT: optionalString,
  AZURE_OPENAI_API_VERSION: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_MODEL: optionalString,
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString,
});

export type Env = z.infer<typeof envSchema>;

export interface OrchestratorConfig {
  port: number;
  host: string;
  /** Accepted bearer keys; empty = no key required (a warning is logged at start). */
  keys: string[];
  corpusDir: string;
  indexDir: string;
  sourceUrlBase?: string;
  extractiveDelayMs: number;
  /** The raw validated environment, for providers that come later. */
  env: Env;
}

/** Thrown by `loadConfig` with one readable line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    keys: e.ORCHESTRATOR_KEYS,
    corpusDir: e.LOCAL_CORPUS_DIR,
    indexDir: e.LOCAL_INDEX_DIR,
    sourceUrlBase: e.LOCAL_SOURCE_URL_BASE,
    extractiveDelayMs: e.EXTRACTIVE_DELAY_MS,
    env: e,
  };
}

/** Warnings about a valid but noteworthy configuration, logged once at start. */
export function configWarnings(config: OrchestratorConfig): string[] {
  const warnings: string[] = [];
  if (config.keys.length === 0) {
    warnings.push('ORCHESTRATOR_KEYS is not set: POST /score accepts requests without a key (fine on a laptop, not elsewhere)');
  }
  const e = config.env;
  if (e.AZURE_SEARCH_ENDPOINT) {
    warnings.push('AZURE_SEARCH_ENDPOINT is set but this build has no Azure AI Search retriever yet: using the local index');
  }
  if (e.AZURE_OPENAI_ENDPOINT || e.OPENAI_BASE_URL) {
    warnings.push('a language model endpoint is set but this build has no generative provider yet: using the offline extractive answerer');
  }
  return warnings;
}

/** Whether a path given on the command line or in the environment is already absolute. */
export const resolveFromCwd = (p: string): string => (isAbsolute(p) ? p : resolve(process.cwd(), p));

/**
 * The orchestrator's common configuration (port, keys, local index), read from the environment
 * once at start and validated with zod, so a typo in a variable fails the start with a message
 * naming it instead of surfacing as an odd answer an hour later. Each provider validates its own
 * slice of the environment (src/providers.ts gathers every problem, one line each).
 *
 * Default folders resolve against the working directory, not this package's folder: installed
 * from npm the package sits in node_modules, and `docs/` means the user's docs.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { intInRange, optionalBoolean, optionalString, optionalUrl, parseSlice } from './env.js';
import { azureOpenAIEnv, azureSearchEnv } from './provider-env.js';
import type { LocalEmbedderOptions } from './retrieval/local-embedder.js';

export { intInRange, optionalBoolean, optionalString, optionalUrl, parseSlice } from './env.js';

/** The default corpus folder, relative to the working directory. */
export const DEFAULT_CORPUS_DIR_NAME = 'docs';
/** Where the local index is persisted by default, relative to the working directory. */
export const DEFAULT_INDEX_DIR_NAME = '.grounded-chat';
export const defaultCorpusDir = (cwd = process.cwd()) => resolve(cwd, DEFAULT_CORPUS_DIR_NAME);
export const defaultIndexDir = (cwd = process.cwd()) => resolve(cwd, DEFAULT_INDEX_DIR_NAME);

// Relative paths are taken from where the process was started, as a shell user expects.
const directory = (fallback: string) => optionalString.transform((s) => resolve(process.cwd(), s ?? fallback));

export const envSchema = z.object({
  PORT: intInRange(0, 65_535, 8080),
  /**
   * Interface to bind. Unset: all interfaces when keys are configured (the online endpoint's
   * container is probed from outside), loopback only when they are not (an open door stays local).
   */
  HOST: optionalString,
  ORCHESTRATOR_KEYS: optionalString.transform((s) =>
    (s ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  ),
  LOCAL_CORPUS_DIR: directory(DEFAULT_CORPUS_DIR_NAME),
  LOCAL_INDEX_DIR: directory(DEFAULT_INDEX_DIR_NAME),
  /** e.g. `/docs/` or `https://github.com/o/r/blob/main/docs/`: citation url = base + path + #slug. */
  LOCAL_SOURCE_URL_BASE: optionalString,
  /**
   * The local index's semantic search (src/retrieval/local-embedder.ts): a Hugging Face model id
   * with ONNX weights, or `off` for keywords only. Default all-MiniLM-L6-v2.
   */
  LOCAL_EMBEDDINGS: optionalString,
  /** Where embedding models are looked for and downloaded to; default ~/.cache/grounded-chat/models. */
  LOCAL_MODELS_DIR: optionalString.transform((s) => (s ? resolve(process.cwd(), s) : undefined)),
  /** Fetch a missing model from the Hugging Face hub (off: only what LOCAL_MODELS_DIR holds). */
  LOCAL_MODELS_DOWNLOAD: optionalBoolean.transform((b) => b ?? true),
  /** A Hugging Face hub mirror to download models from (the variable Hugging Face's own tools read). */
  HF_ENDPOINT: optionalUrl,
  /** Pause between streamed pieces of the offline answerer, so it streams like a model would. */
  EXTRACTIVE_DELAY_MS: intInRange(0, 10_000, 12),
  /** Log question text (off: questions are personal data; logs say only sizes and codes). */
  LOG_QUESTIONS: optionalBoolean.transform((b) => b ?? false),
  /** Whole-request deadline; the online endpoint's request_timeout_ms is at most 180 s. */
  REQUEST_TIMEOUT_MS: intInRange(1_000, 180_000, 170_000),
  /** Deadline for the model's query rewrite; past it the raw question is searched. */
  QUERY_REWRITE_TIMEOUT_MS: intInRange(100, 30_000, 4_000),
  /** On SIGTERM, open answers may finish for this long before the process exits. */
  SHUTDOWN_GRACE_MS: intInRange(0, 120_000, 10_000),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString,
}).loose();

export type Env = z.infer<typeof envSchema>;

export interface OrchestratorConfig {
  port: number;
  host: string;
  /** Accepted bearer keys; empty = no key required (a warning is logged at start). */
  keys: string[];
  corpusDir: string;
  indexDir: string;
  sourceUrlBase?: string;
  /** The local index's embedding model; undefined = keywords only (LOCAL_EMBEDDINGS=off). */
  embeddings?: LocalEmbedderOptions;
  extractiveDelayMs: number;
  logQuestions: boolean;
  requestTimeoutMs: number;
  rewriteTimeoutMs: number;
  shutdownGraceMs: number;
  /** The raw environment: each provider reads and validates its own slice (src/providers.ts). */
  env: NodeJS.ProcessEnv;
}

/** Thrown by `loadConfig` with one readable line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const parsed = parseSlice(envSchema, env);
  // Every slice is checked now, so one start reports every bad variable at once.
  const problems = [parsed, parseSlice(azureOpenAIEnv, env), parseSlice(azureSearchEnv, env)].flatMap((r) => (r.ok ? [] : r.problems));
  if (!parsed.ok || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST ?? (e.ORCHESTRATOR_KEYS.length ? '0.0.0.0' : '127.0.0.1'),
    keys: e.ORCHESTRATOR_KEYS,
    corpusDir: e.LOCAL_CORPUS_DIR,
    indexDir: e.LOCAL_INDEX_DIR,
    sourceUrlBase: e.LOCAL_SOURCE_URL_BASE,
    embeddings: embeddingOptions(e),
    extractiveDelayMs: e.EXTRACTIVE_DELAY_MS,
    logQuestions: e.LOG_QUESTIONS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    rewriteTimeoutMs: e.QUERY_REWRITE_TIMEOUT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    env,
  };
}

/**
 * The local embedder's options from a raw environment (for the CLI's `ingest` and `eval`, which
 * read no other variable of the service); throws ConfigError on a bad value.
 */
export function embeddingOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalEmbedderOptions | undefined {
  const parsed = parseSlice(envSchema.pick({ LOCAL_EMBEDDINGS: true, LOCAL_MODELS_DIR: true, LOCAL_MODELS_DOWNLOAD: true, HF_ENDPOINT: true }), env);
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  return embeddingOptions(parsed.data);
}

/** The local embedder's options from the environment; undefined when LOCAL_EMBEDDINGS is `off`. */
export function embeddingOptions(e: Pick<Env, 'LOCAL_EMBEDDINGS' | 'LOCAL_MODELS_DIR' | 'LOCAL_MODELS_DOWNLOAD' | 'HF_ENDPOINT'>): LocalEmbedderOptions | undefined {
  const model = e.LOCAL_EMBEDDINGS?.trim();
  if (model && /^(off|false|0|none)$/i.test(model)) return undefined;
  return {
    ...(model ? { model } : {}),
    ...(e.LOCAL_MODELS_DIR ? { modelsDir: e.LOCAL_MODELS_DIR } : {}),
    download: e.LOCAL_MODELS_DOWNLOAD,
    ...(e.HF_ENDPOINT ? { hubUrl: e.HF_ENDPOINT } : {}),
  };
}

/** Warnings about a valid but noteworthy configuration, logged once at start. */
export function configWarnings(config: OrchestratorConfig): string[] {
  const warnings: string[] = [];
  if (config.keys.length === 0) {
    warnings.push(
      config.host === '127.0.0.1' || config.host === '::1' || config.host === 'localhost'
        ? 'ORCHESTRATOR_KEYS is not set: POST /score accepts requests without a key, so it listens on loopback only (set ORCHESTRATOR_KEYS to serve other machines)'
        : `ORCHESTRATOR_KEYS is not set: POST /score accepts requests without a key on ${config.host} (HOST was set explicitly)`,
    );
  }
  return warnings;
}

/** Whether a path given on the command line or in the environment is already absolute. */
export const resolveFromCwd = (p: string): string => (isAbsolute(p) ? p : resolve(process.cwd(), p));

/**
 * Configuration of `grounded-chat ingest --target azure`, from the same variables the orchestrator
 * reads (docs/configuration.md), so ingestion and retrieval agree on the index and its field
 * names: the search and Azure OpenAI slices of src/provider-env.ts, plus the few variables only
 * ingestion needs (docs/ingestion.md#configuration).
 */
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { intInRange, optionalBoolean, optionalString, parseSlice } from '../env.js';
import { azureOpenAIEnv, azureSearchEnv, searchFieldsFromEnv } from '../provider-env.js';
import { DEFAULT_FIELDS } from '../retrieval/azure-search.js';
import type { IngestFields, Vectorizer } from './azure-index-schema.js';

export const ingestEnv = z.object({
  AZURE_SEARCH_FIELD_HASH: optionalString.pipe(z.string().regex(/^[A-Za-z_][\w-]{0,127}$/, { message: 'must be a field name' }).optional()),
  /** Unset: learnt from the first embedding (or from an existing index's vector field). */
  AZURE_OPENAI_EMBEDDING_DIMENSIONS: optionalString.pipe(z.string().regex(/^\d{1,5}$/, { message: 'must be a whole number' }).optional()),
  /** The model behind the embedding deployment, for the index's vectorizer (default: the deployment name). */
  AZURE_OPENAI_EMBEDDING_MODEL: optionalString,
  /** Give the index an Azure OpenAI vectorizer, so the service embeds text vector queries. */
  AZURE_SEARCH_VECTORIZER: optionalBoolean.transform((b) => b ?? false),
  INGEST_EMBED_BATCH: intInRange(1, 2048, 16),
  INGEST_UPLOAD_BATCH: intInRange(1, 1000, 100),
  /** The openai SDK's own retries of the embeddings (429 with retry-after-ms/retry-after, 5xx). */
  INGEST_MAX_RETRIES: intInRange(0, 20, 6),
  /** Citation URL = base + source path + #anchor (like LOCAL_SOURCE_URL_BASE for the local index). */
  INGEST_URL_BASE: optionalString,
});

export interface AzureIngestConfig {
  searchEndpoint: string;
  indexName: string;
  searchApiKey?: string;
  searchMaxRetries: number;
  semanticConfiguration: string;
  openaiEndpoint: string;
  openaiApiKey?: string;
  apiVersion: string;
  embeddingDeployment: string;
  dimensions?: number;
  vectorizer?: Vectorizer;
  fields: IngestFields;
  embedBatch: number;
  uploadBatch: number;
  maxRetries: number;
  urlBase?: string;
}

export const DEFAULT_HASH_FIELD = 'contentHash';
export const DEFAULT_SEMANTIC_CONFIGURATION = 'default';

/** Reads and checks the variables; throws ConfigError with every problem at once. */
export function loadAzureIngestConfig(env: NodeJS.ProcessEnv, apiVersionDefault: string): AzureIngestConfig {
  const s = parseSlice(azureSearchEnv, env);
  const a = parseSlice(azureOpenAIEnv, env);
  const i = parseSlice(ingestEnv, env);
  const problems = [s, a, i].flatMap((r) => (r.ok ? [] : r.problems));
  if (!s.ok || !a.ok || !i.ok) throw new ConfigError(problems);
  const need = (value: string | undefined, variable: string) => {
    if (!value) problems.push(`${variable}: is required for --target azure`);
    return value ?? '';
  };
  const searchEndpoint = need(s.data.AZURE_SEARCH_ENDPOINT, 'AZURE_SEARCH_ENDPOINT');
  const indexName = need(s.data.AZURE_SEARCH_INDEX, 'AZURE_SEARCH_INDEX');
  const openaiEndpoint = need(a.data.AZURE_OPENAI_ENDPOINT, 'AZURE_OPENAI_ENDPOINT').replace(/\/+$/, '');
  const embeddingDeployment = need(a.data.AZURE_OPENAI_EMBEDDING_DEPLOYMENT, 'AZURE_OPENAI_EMBEDDING_DEPLOYMENT');
  if (a.data.AZURE_OPENAI_API_VERSION === 'v1') problems.push('AZURE_OPENAI_API_VERSION: ingestion needs a dated api-version such as 2024-10-21');
  if (problems.length) throw new ConfigError(problems);
  const d = i.data;
  return {
    searchEndpoint,
    indexName,
    searchApiKey: s.data.AZURE_SEARCH_API_KEY,
    searchMaxRetries: s.data.AZURE_SEARCH_MAX_RETRIES,
    semanticConfiguration: s.data.AZURE_SEARCH_SEMANTIC_CONFIGURATION ?? DEFAULT_SEMANTIC_CONFIGURATION,
    openaiEndpoint,
    openaiApiKey: a.data.AZURE_OPENAI_API_KEY,
    apiVersion: a.data.AZURE_OPENAI_API_VERSION ?? apiVersionDefault,
    embeddingDeployment,
    ...(d.AZURE_OPENAI_EMBEDDING_DIMENSIONS ? { dimensions: Number(d.AZURE_OPENAI_EMBEDDING_DIMENSIONS) } : {}),
    ...(d.AZURE_SEARCH_VECTORIZER
      ? { vectorizer: { resourceUrl: openaiEndpoint, deploymentId: embeddingDeployment, modelName: d.AZURE_OPENAI_EMBEDDING_MODEL ?? embeddingDeployment, ...(a.data.AZURE_OPENAI_API_KEY ? { apiKey: a.data.AZURE_OPENAI_API_KEY } : {}) } }
      : {}),
    fields: { ...searchFieldsFromEnv(s.data, DEFAULT_FIELDS), hash: d.AZURE_SEARCH_FIELD_HASH ?? DEFAULT_HASH_FIELD },
    embedBatch: d.INGEST_EMBED_BATCH,
    uploadBatch: d.INGEST_UPLOAD_BATCH,
    maxRetries: d.INGEST_MAX_RETRIES,
    ...(d.INGEST_URL_BASE ? { urlBase: d.INGEST_URL_BASE } : {}),
  };
}

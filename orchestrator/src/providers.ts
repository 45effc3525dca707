/**
 * Chooses the providers from configuration — the one place that knows which exist. Each provider
 * reads and validates its own slice of the environment; every problem of every slice is reported
 * at once, one readable line each, so a start fails once with the whole list.
 *
 *   retriever: AZURE_SEARCH_ENDPOINT set → Azure AI Search (one index, or AZURE_SEARCH_STORES fused)
 *              else → the local index over LOCAL_CORPUS_DIR
 *   model:     AZURE_OPENAI_ENDPOINT set → Azure OpenAI; else OPENAI_BASE_URL set → OpenAI-compatible;
 *              else → the offline extractive answerer
 *
 * Credentials: an API key when one is configured, else Entra through `DefaultAzureCredential`
 * (managed identity on Azure). Production code keeps the SDKs' defaults (TLS, retries' backoff).
 */
import { DefaultAzureCredential, getBearerTokenProvider, type TokenCredential } from '@azure/identity';
import { AzureKeyCredential } from '@azure/search-documents';
import { AzureOpenAI, OpenAI } from 'openai';
import { ConfigError, parseSlice, type OrchestratorConfig } from './config.js';
import { azureOpenAIEnv, azureSearchEnv, searchFieldsFromEnv } from './provider-env.js';
import type { ChatModel, Retriever } from './seams.js';
import { ExtractiveChatModel } from './answer/extractive.js';
import { chooseStores, OpenAIChatModel } from './answer/openai-model.js';
import { LocalRetriever } from './retrieval/local-retriever.js';
import { embedderOption } from './retrieval/local-embedder.js';
import { aclFilter, AzureSearchRetriever, DEFAULT_FIELDS, type Embedder } from './retrieval/azure-search.js';
import { FusedRetriever } from './retrieval/fused.js';

export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const DEFAULT_AZURE_OPENAI_API_VERSION = '2024-10-21';

export interface Providers {
  retriever: Retriever;
  model: ChatModel;
  maxPromptTokens?: number;
}

export interface ProviderDeps {
  /** Entra credential; defaults to `DefaultAzureCredential` (created only when needed). */
  credential?: TokenCredential;
  log?: (line: string) => void;
}

export function createProviders(config: OrchestratorConfig, deps: ProviderDeps = {}): Providers {
  const ai = parseSlice(azureOpenAIEnv, config.env);
  const search = parseSlice(azureSearchEnv, config.env);
  const problems = [...(ai.ok ? [] : ai.problems), ...(search.ok ? [] : search.problems)];
  if (!ai.ok || !search.ok) throw new ConfigError(problems);
  const a = ai.data;
  const s = search.data;
  let credential: TokenCredential | undefined = deps.credential;
  const entra = () => (credential ??= new DefaultAzureCredential());

  // ── model ──
  const required = (value: string | undefined, variable: string, because: string) => {
    if (!value) problems.push(`${variable}: is required ${because}`);
    return value ?? '';
  };
  let model: ChatModel;
  let embed: Embedder | undefined;
  if (a.AZURE_OPENAI_ENDPOINT) {
    const deployment = required(a.AZURE_OPENAI_CHAT_DEPLOYMENT, 'AZURE_OPENAI_CHAT_DEPLOYMENT', 'when AZURE_OPENAI_ENDPOINT is set');
    const common = { maxRetries: a.MODEL_MAX_RETRIES, timeout: a.MODEL_TIMEOUT_MS };
    const auth = a.AZURE_OPENAI_API_KEY
      ? { apiKey: a.AZURE_OPENAI_API_KEY }
      : { azureADTokenProvider: getBearerTokenProvider(entra(), COGNITIVE_SERVICES_SCOPE) };
    const endpoint = a.AZURE_OPENAI_ENDPOINT.replace(/\/+$/, '');
    const client = (dep: string) =>
      a.AZURE_OPENAI_API_VERSION === 'v1'
        ? new OpenAI({ ...common, baseURL: `${endpoint}/openai/v1/`, apiKey: 'apiKey' in auth ? auth.apiKey : auth.azureADTokenProvider })
        : new AzureOpenAI({ ...common, ...auth, endpoint, deployment: dep, apiVersion: a.AZURE_OPENAI_API_VERSION ?? DEFAULT_AZURE_OPENAI_API_VERSION });
    model = new OpenAIChatModel({ client: client(deployment), model: deployment, name: 'azure-openai', followups: a.MODEL_FOLLOWUPS });
    if (a.AZURE_OPENAI_EMBEDDING_DEPLOYMENT) {
      const dep = a.AZURE_OPENAI_EMBEDDING_DEPLOYMENT;
      const embeddings = client(dep);
      // Floats asked for explicitly: the SDK's default (base64) is not spoken by every server.
      embed = async (text, signal) => (await embeddings.embeddings.create({ model: dep, input: text, encoding_format: 'float' }, { signal })).data[0]!.embedding;
    }
  } else if (a.OPENAI_BASE_URL) {
    const modelName = required(a.OPENAI_MODEL, 'OPENAI_MODEL', 'when OPENAI_BASE_URL is set');
    // Local servers (Ollama, llama.cpp) take any key; the SDK insists on one.
    const client = new OpenAI({ baseURL: a.OPENAI_BASE_URL, apiKey: a.OPENAI_API_KEY ?? 'none', maxRetries: a.MODEL_MAX_RETRIES, timeout: a.MODEL_TIMEOUT_MS });
    model = new OpenAIChatModel({ client, model: modelName, name: 'openai-compatible', followups: a.MODEL_FOLLOWUPS });
  } else {
    model = new ExtractiveChatModel({ delayMs: config.extractiveDelayMs });
  }

  // ── retriever ──
  let retriever: Retriever;
  if (s.AZURE_SEARCH_ENDPOINT) {
    const stores = s.AZURE_SEARCH_STORES ? parseStores(s.AZURE_SEARCH_STORES, problems) : [];
    if (!stores.length) stores.push({ name: 'azure-search', index: required(s.AZURE_SEARCH_INDEX, 'AZURE_SEARCH_INDEX', 'when AZURE_SEARCH_ENDPOINT is set (or AZURE_SEARCH_STORES)') });
    const mode = s.AZURE_SEARCH_QUERY_MODE ?? (embed ? 'hybrid' : 'keyword');
    const fields = searchFieldsFromEnv(s, DEFAULT_FIELDS);
    const trimming = s.AZURE_SEARCH_ACL_USER_FIELD || s.AZURE_SEARCH_ACL_GROUP_FIELD;
    const searchCredential = s.AZURE_SEARCH_API_KEY ? new AzureKeyCredential(s.AZURE_SEARCH_API_KEY) : entra();
    const built = stores.map(
      (store) =>
        new AzureSearchRetriever({
          endpoint: s.AZURE_SEARCH_ENDPOINT!,
          indexName: store.index,
          name: store.name,
          credential: searchCredential,
          mode,
          fields,
          semanticConfiguration: s.AZURE_SEARCH_SEMANTIC_CONFIGURATION,
          ...(embed ? { embed } : {}),
          minScore: s.AZURE_SEARCH_MIN_SCORE,
          minRerankerScore: s.AZURE_SEARCH_MIN_RERANKER_SCORE,
          clientOptions: { retryOptions: { maxRetries: s.AZURE_SEARCH_MAX_RETRIES } },
          ...(trimming ? { securityFilter: aclFilter({ users: s.AZURE_SEARCH_ACL_USER_FIELD, groups: s.AZURE_SEARCH_ACL_GROUP_FIELD }) } : {}),
        }),
    );
    if (s.AZURE_SEARCH_ROUTING === 'model' && !(model instanceof OpenAIChatModel)) {
      problems.push('AZURE_SEARCH_ROUTING: model needs a language model (AZURE_OPENAI_ENDPOINT or OPENAI_BASE_URL)');
    }
    // Store descriptions for the router: AZURE_SEARCH_STORE_DESCRIPTION_<NAME>.
    const descriptions = Object.fromEntries(stores.map((st) => [st.name, config.env[`AZURE_SEARCH_STORE_DESCRIPTION_${st.name.toUpperCase().replace(/-/g, '_')}`]?.trim() ?? '']));
    const router = s.AZURE_SEARCH_ROUTING === 'model' && model instanceof OpenAIChatModel ? model : undefined;
    retriever =
      built.length === 1
        ? built[0]!
        : new FusedRetriever(built, {
            descriptions,
            ...(router ? { route: (query, list, signal) => chooseStores(router, query, list, signal), routeTimeoutMs: config.rewriteTimeoutMs } : {}),
          });
  } else {
    retriever = new LocalRetriever({
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      sourceUrlBase: config.sourceUrlBase,
      log: deps.log,
      ...embedderOption(config.embeddings),
    });
  }
  if (problems.length) throw new ConfigError(problems);
  return { retriever, model, ...(model.mode === 'generative' ? { maxPromptTokens: a.MODEL_MAX_PROMPT_TOKENS } : {}) };
}

function parseStores(value: string, problems: string[]): { name: string; index: string }[] {
  const out: { name: string; index: string }[] = [];
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^([A-Za-z][\w-]{0,63})=([A-Za-z0-9][\w-]{0,127})$/.exec(entry);
    if (!m) problems.push(`AZURE_SEARCH_STORES: "${entry}" must be name=index`);
    else out.push({ name: m[1]!, index: m[2]! });
  }
  return out;
}

export * from './contract.js';
export type * from './seams.js';
export { loadConfig, configWarnings, ConfigError, type OrchestratorConfig, type Env } from './config.js';
export { chunkDocument, CHUNKER_VERSION, DEFAULT_CHUNK_OPTIONS, type Chunk, type ChunkOptions } from './ingest/chunk.js';
export { chunkCorpus, listCorpusFiles, type CorpusFile, type ChunkedCorpus } from './ingest/corpus.js';
export {
  LocalIndex,
  DEFAULT_MIN_TERM_COVERAGE,
  DEFAULT_MIN_MATCHED_TERMS,
  type LocalIndexOptions,
  type LocalIndexStats,
} from './retrieval/local-index.js';
export {
  ExtractiveChatModel,
  planExtractive,
  renderExtractive,
  splitPieces,
  EXTRACTIVE_INTRO,
  NO_ANSWER_TEXT,
  type ExtractiveOptions,
  type ExtractivePlan,
} from './answer/extractive.js';
export { buildPrompt, estimateMessages, o200kTokenizer, type Tokenizer, DEFAULT_SYSTEM_PROMPT, DEFAULT_MAX_PROMPT_TOKENS, type BuiltPrompt, type BuildPromptInput } from './prompt.js';
export { runFlow, toCitation, FlowError, NOTHING_RELEVANT_TEXT, type FlowDeps, type FlowEvent, type FlowRunOptions } from './flow.js';
export { LocalRetriever, searchQuery } from './retrieval/local-retriever.js';
export { AzureSearchRetriever, aclFilter, odataString, DEFAULT_FIELDS, type AzureSearchRetrieverOptions, type AzureSearchFields } from './retrieval/azure-search.js';
export { FusedRetriever, reciprocalRankFusion } from './retrieval/fused.js';
export { OpenAIChatModel, mapModelError, type OpenAIChatModelOptions } from './answer/openai-model.js';
export { CitationRepair, repairCitations } from './answer/cite.js';
export { createProviders, type Providers } from './providers.js';
export { readPrincipal } from './principal.js';
export { textFragmentUrl } from './text-fragment.js';
export {
  startScoringServer,
  createScoringHandler,
  type ScoringServer,
  type StartScoringServerOptions,
  type ScoringHandlerOptions,
} from './scoring-server.js';
export { contentTerms, queryTerms, words, STOP_WORDS, estimateTokens } from './text.js';

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
export { buildPrompt, estimateMessages, DEFAULT_SYSTEM_PROMPT, DEFAULT_MAX_PROMPT_TOKENS, type BuiltPrompt, type BuildPromptInput } from './prompt.js';
export { runFlow, searchQuery, toCitation, FlowError, type FlowDeps, type FlowResult, type FlowRunOptions } from './flow.js';
export {
  startScoringServer,
  createScoringHandler,
  type ScoringServer,
  type StartScoringServerOptions,
  type ScoringHandlerOptions,
} from './scoring-server.js';
export { contentTerms, queryTerms, words, STOP_WORDS, estimateTokens } from './text.js';

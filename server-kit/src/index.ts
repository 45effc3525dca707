export * from './contract.js';
export { createChatRouter, chatErrorHandler, type ChatRouter, type ChatRouterOptions, type ChatEndEvent } from './router.js';
export {
  loadServerKitConfig,
  createChatRouterFromEnv,
  authenticatorFromConfig,
  type ServerKitConfig,
  type FromEnvOptions,
  type AuthMode,
} from './config.js';
export { ConfigError } from './config-error.js';
export { ChatKitError, sendError, STATUS_BY_CODE } from './errors.js';
export * from './auth/index.js';
export { type RateLimitOptions, type QuotaOptions } from './limits/admission.js';
export { type LimitStore } from './limits/store.js';
export { memoryStore } from './limits/memory-store.js';
export { redisStore, type RedisStoreOptions, type SendCommand } from './limits/redis-store.js';
export { clientAddress, stripPort } from './limits/keys.js';
export { corsGuard, type CorsOptions } from './cors.js';
export { PRINCIPAL_HEADER, type ForwardPrincipalOptions } from './principal-header.js';
export { shutdown, shutdownOnSignal, type ShutdownOptions } from './shutdown.js';
export {
  OrchestratorClient,
  retryAfterSeconds,
  type OrchestratorClientOptions,
  type TokenGetter,
} from './orchestrator-client.js';
export { toScorePayload, DEFAULT_FIELDS, type FieldNames, type ScorePayload } from './mapping.js';
export { SseParser } from './sse.js';
export { continueTrace, validTracestate, type TraceContext } from './trace.js';
export { feedbackSchema, type Feedback, type FeedbackOptions } from './feedback.js';
export { tokenProvider, keyVaultSecretProvider, AZURE_ML_SCOPE, type TokenCredentialLike } from './credentials.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';

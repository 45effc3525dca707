export * from './contract.js';
export { createChatRouter, chatErrorHandler, type ChatRouterOptions, type ChatEndEvent } from './router.js';
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
export { createRateLimiter, clientIp, stripPort, type RateLimitOptions, type RateLimiter } from './rate-limit.js';
export {
  OrchestratorClient,
  retryAfterSeconds,
  type OrchestratorClientOptions,
} from './orchestrator-client.js';
export { toScorePayload, DEFAULT_FIELDS, type FieldNames, type ScorePayload } from './mapping.js';
export { SseParser } from './sse.js';
export { continueTrace, type TraceContext } from './trace.js';
export { feedbackSchema, type Feedback, type FeedbackOptions } from './feedback.js';
export { tokenProvider, keyVaultSecretProvider, AZURE_ML_SCOPE, type TokenCredentialLike } from './credentials.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';

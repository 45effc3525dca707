/**
 * createChatRouter's options: their types, and their check at construction. Every problem names
 * the option's path (`orchestrator.url: required`, `rateLimit.max: must be a positive integer`),
 * so a mistake is fixed from the message alone.
 */
import type { Request } from 'express';
import { z } from 'zod';
import type { Authenticator } from './auth/types.js';
import { ConfigError } from './config-error.js';
import type { ChatLimits, ErrorCode } from './contract.js';
import type { CorsOptions } from './cors.js';
import type { FeedbackOptions } from './feedback.js';
import type { QuotaOptions, RateLimitOptions } from './limits/admission.js';
import type { LimitStore } from './limits/store.js';
import type { Logger } from './logger.js';
import type { FieldNames } from './mapping.js';
import { OrchestratorClient, type OrchestratorClientOptions } from './orchestrator-client.js';
import type { ForwardPrincipalOptions } from './principal-header.js';
import type { Principal } from './auth/types.js';
import type { TraceContext } from './trace.js';
import type { KitTelemetry, KitTelemetryOptions } from './telemetry/kit-telemetry.js';
import type { Usage } from './stream-relay.js';
import { formatPath } from './validate.js';

export type ChatRouterOptions = {
  /** Where chats go (contract B), or a client you built and may share between routers. */
  orchestrator: (OrchestratorClientOptions & { fields?: Partial<FieldNames> }) | OrchestratorClient;
  /** Field names of the flow, when `orchestrator` is a client. Default question/chat_history/answer. */
  fields?: Partial<FieldNames>;
  /**
   * Who may chat. Default on App Service (WEBSITE_SITE_NAME set): Easy Auth when WEBSITE_AUTH_ENABLED
   * is true, else nobody (401, logged); elsewhere none. See noAuth, easyAuth, entraAuth, customAuth, fromMiddleware.
   */
  auth?: Authenticator;
  /** Per-visitor (per address when anonymous) rate and concurrent streams. Default 20/min, 3 at once; `false` turns both off. */
  rateLimit?: RateLimitOptions | false;
  /** Token quotas per UTC day, counted from the usage the orchestrator reports. Default none. */
  quotas?: QuotaOptions;
  /** Where limits and quotas are counted. Default memoryStore(); redisStore({ url }) when the app runs on several instances. */
  store?: LimitStore;
  /** Proxies in front of the app whose `X-Forwarded-For` is believed. Default 1 on App Service, else 0. */
  trustedProxies?: number;
  /** Other origins allowed to call the kit (cross-origin embedding). Default: no CORS handling. */
  cors?: CorsOptions;
  /** Send the visitor to the orchestrator as `x-grounded-chat-principal`. Default off. */
  forwardPrincipal?: boolean | ForwardPrincipalOptions;
  /** Longest a chat may take end to end, in ms. Default 170 000: under the endpoint's 180 s and App Service's 230 s. */
  deadlineMs?: number;
  /** A visitor who reads nothing of a stream for this long is cut off, in ms. Default 30 000. */
  writeTimeoutMs?: number;
  /** Body size, depth and time; message count and length. Defaults in DEFAULT_LIMITS. */
  limits?: Partial<ChatLimits>;
  /**
   * Where each chat's trace comes from. Default: continue the request's W3C `traceparent` (or
   * start one) and send it upstream. With OpenTelemetry active, return the active span's trace id
   * and no `traceparent`, and let its undici instrumentation propagate the context.
   */
  trace?: (req: Request) => TraceContext;
  /** Enables `POST /feedback`. */
  feedback?: FeedbackOptions;
  /**
   * Called once per chat (`POST /` and `/stream`) when it is over: for telemetry (Application
   * Insights events and metrics, logs). Must not throw; its errors are logged and ignored.
   */
  onChatEnd?: (event: ChatEndEvent) => void;
  /**
   * Application Insights events and metrics (docs/telemetry.md). Default createKitTelemetry(telemetryOptions):
   * no-ops until `@grounded-chat/server-kit/telemetry/register` started the SDK.
   */
  telemetry?: KitTelemetry;
  /** Privacy options of the default telemetry: `userHashKey` (TELEMETRY_USER_HASH_KEY), `recordText` (TELEMETRY_RECORD_TEXT), `recordFeedbackComment`. */
  telemetryOptions?: Omit<KitTelemetryOptions, 'env'>;
  logger?: Logger;
  /** Environment used to choose the default authenticator. Default process.env. */
  env?: Record<string, string | undefined>;
};

/** What a finished chat reports to `onChatEnd`. Times in ms from the request reaching the router. */
export type ChatEndEvent = {
  route: 'complete' | 'stream';
  /** `ok`, the error code the visitor got (before or during the stream), or `client_gone`. */
  outcome: 'ok' | 'client_gone' | ErrorCode;
  traceId?: string;
  principal?: Principal;
  /** Until the orchestrator's response head arrived. */
  upstreamHeadersMs?: number;
  /** Until the first answer piece was written (streams). */
  firstContentMs?: number;
  /** Tokens counted against the quotas (reported by the orchestrator, or estimated). */
  tokens?: number;
  /** Contract B's `usage`, when the orchestrator reported one. */
  usage?: Usage;
  /** The answer's mode, when the orchestrator said. */
  mode?: 'generative' | 'extractive';
  /** Citations relayed with the answer. */
  citations?: number;
  durationMs: number;
};

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });
const positiveInt = z.number({ message: 'must be a positive integer' }).int({ message: 'must be a positive integer' }).positive({ message: 'must be a positive integer' });
const fieldName = z.string().min(1).max(100);

const orchestratorSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
    key: z.string().min(1).optional(),
    getToken: fn.optional(),
    deployment: z.string().optional(),
    timeoutMs: positiveInt.optional(),
    idleTimeoutMs: positiveInt.optional(),
    maxResponseBytes: positiveInt.optional(),
    connections: positiveInt.nullable().optional(),
    fields: z.object({ question: fieldName, chatHistory: fieldName, answer: fieldName }).partial().optional(),
  })
  .passthrough();

const optionsSchema = z.object({
  orchestrator: z.custom<unknown>((v) => v !== undefined, { message: 'required' }),
  fields: z.object({ question: fieldName, chatHistory: fieldName, answer: fieldName }).partial().optional(),
  auth: fn.optional(),
  rateLimit: z
    .union([z.literal(false), z.object({ windowMs: positiveInt.optional(), max: positiveInt.optional(), concurrentStreams: positiveInt.optional() })], {
      message: 'must be false or { windowMs?, max?, concurrentStreams? }',
    })
    .optional(),
  quotas: z.object({ perVisitorPerDay: positiveInt.optional(), totalPerDay: positiveInt.optional() }).optional(),
  store: z
    .custom<LimitStore>((v) => !!v && typeof (v as LimitStore).rateLimitStore === 'function' && typeof (v as LimitStore).acquire === 'function', {
      message: 'must be a LimitStore (memoryStore() or redisStore(...))',
    })
    .optional(),
  trustedProxies: z.number().int().min(0, { message: 'must be 0 or more' }).max(10).optional(),
  cors: z.object({ origins: z.array(z.string()).min(1, { message: 'must list at least one origin' }), maxAgeSeconds: positiveInt.optional() }).optional(),
  forwardPrincipal: z.union([z.boolean(), z.object({ maxBytes: positiveInt.optional(), claims: z.array(z.string()).optional() })]).optional(),
  deadlineMs: positiveInt.optional(),
  writeTimeoutMs: positiveInt.optional(),
  limits: z
    .object({ maxBodyBytes: positiveInt, maxMessages: positiveInt, maxMessageChars: positiveInt, maxDepth: positiveInt, bodyTimeoutMs: positiveInt })
    .partial()
    .optional(),
  trace: fn.optional(),
  feedback: z.object({ onFeedback: fn }).optional(),
  onChatEnd: fn.optional(),
  telemetry: z
    .custom<KitTelemetry>((v) => !!v && typeof (v as KitTelemetry).chatEnded === 'function', { message: 'must be a KitTelemetry (createKitTelemetry())' })
    .optional(),
  telemetryOptions: z.object({ userHashKey: z.string().min(1).optional(), recordText: z.boolean().optional(), recordFeedbackComment: z.boolean().optional() }).optional(),
  logger: z.object({ warn: fn, error: fn }).optional(),
  // Not z.record: process.env is not a plain object to zod, and it is the value most hosts pass.
  env: z.custom<Record<string, string | undefined>>((v) => typeof v === 'object' && v !== null, { message: 'must be an object of strings' }).optional(),
});

function describe(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  const where = formatPath([...prefix, ...issue.path]);
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${where}: required`;
  const message = issue.code === 'invalid_type' ? `must be ${/^[aeio]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}` : issue.message.replace(/^Invalid input: /, '');
  return `${where}: ${message}`;
}

/** Throws ConfigError listing every bad option by its path. */
export function checkRouterOptions(options: ChatRouterOptions): void {
  const problems: string[] = [];
  if (!options || typeof options !== 'object') problems.push('options: must be an object');
  else {
    const top = optionsSchema.safeParse(options, { reportInput: true });
    if (!top.success) problems.push(...top.error.issues.map((i) => describe(i)));
    const o = options.orchestrator;
    if (o !== undefined && !(o instanceof OrchestratorClient)) {
      if (!o || typeof o !== 'object') problems.push('orchestrator: must be { url, key? } or an OrchestratorClient');
      else {
        const r = orchestratorSchema.safeParse(o, { reportInput: true });
        if (!r.success) problems.push(...r.error.issues.map((i) => describe(i, ['orchestrator'])));
      }
    }
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => `createChatRouter: ${p}`);
    throw new ConfigError(lines.join('\n'), lines);
  }
}

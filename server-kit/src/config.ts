/**
 * Configuration from the environment, validated once at start with one clear sentence per bad
 * value (docs/configuration.md). `createChatRouterFromEnv` turns it into a router.
 */
import { z } from 'zod';
import { easyAuth, easyAuthEnabled, easyAuthOff } from './auth/easyauth.js';
import { entraAuth } from './auth/entra.js';
import { noAuth } from './auth/none.js';
import type { Authenticator } from './auth/types.js';
import { ConfigError } from './config-error.js';
import { AZURE_ML_SCOPE, keyVaultSecretProvider, loadDefaultCredential, tokenProvider, type TokenCredentialLike } from './credentials.js';
import { normaliseOrigins } from './cors.js';
import { redisStore } from './limits/redis-store.js';
import { consoleLogger } from './logger.js';
import { createChatRouter, type ChatRouter, type ChatRouterOptions } from './router.js';

export { ConfigError };

export type AuthMode = 'none' | 'easyauth' | 'entra';

export type ServerKitConfig = {
  orchestrator: {
    url: string;
    /** How the kit authenticates: a static key, a key from Key Vault, or an Entra token. */
    credential:
      | { kind: 'key'; key: string }
      | { kind: 'keyVault'; vaultUrl: string; secretName: string }
      | { kind: 'entra'; scope: string };
    deployment?: string;
    timeoutMs: number;
    idleTimeoutMs: number;
    fields: { question: string; chatHistory: string; answer: string };
  };
  auth:
    | { mode: 'none' }
    | { mode: 'easyauth'; dangerouslyTrustHeaders?: boolean }
    /** App Service with its authentication off and no AUTH_MODE: every chat gets 401 (logged). */
    | { mode: 'easyauth-off' }
    | { mode: 'entra'; tenantId?: string; issuer?: string; audience: string; jwksUri?: string; requiredScopes?: string[] };
  rateLimit: { windowMs: number; max: number; concurrentStreams: number } | false;
  quotas?: { perVisitorPerDay?: number; totalPerDay?: number };
  redisUrl?: string;
  corsOrigins?: string[];
  trustedProxies: number;
  deadlineMs: number;
  forwardPrincipal: boolean;
  /** Whether we run on App Service (WEBSITE_SITE_NAME set). */
  onAppService: boolean;
};

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, message: `must be an http(s) URL (${what})` });
const intFrom = (min: number, def: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int({ message: 'must be a whole number' }).min(min, { message: `must be at least ${min}` }).default(def));
const flag = z.preprocess(
  (v) => (typeof blankToUndefined(v) === 'string' ? (v as string).trim().toLowerCase() : undefined),
  z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
);
const fieldName = (def: string) =>
  z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an identifier like chat_input' }).default(def));

const envSchema = z.object({
  ORCHESTRATOR_URL: z.preprocess(blankToUndefined, httpUrl('the full scoring URL, e.g. http://127.0.0.1:8081/score')),
  ORCHESTRATOR_KEY: optionalString,
  ORCHESTRATOR_KEY_VAULT_URL: z.preprocess(blankToUndefined, httpUrl('e.g. https://my-vault.vault.azure.net').optional()),
  ORCHESTRATOR_KEY_SECRET_NAME: optionalString,
  ORCHESTRATOR_DEPLOYMENT: optionalString,
  ORCHESTRATOR_TOKEN_SCOPE: z.preprocess(blankToUndefined, z.string().default(AZURE_ML_SCOPE)),
  ORCHESTRATOR_TIMEOUT_MS: intFrom(1, 30_000),
  ORCHESTRATOR_IDLE_TIMEOUT_MS: intFrom(1, 30_000),
  ORCHESTRATOR_QUESTION_FIELD: fieldName('question'),
  ORCHESTRATOR_HISTORY_FIELD: fieldName('chat_history'),
  ORCHESTRATOR_ANSWER_FIELD: fieldName('answer'),
  AUTH_MODE: z.preprocess(
    (v) => (typeof blankToUndefined(v) === 'string' ? (v as string).trim().toLowerCase() : undefined),
    z.enum(['none', 'easyauth', 'entra'], { message: 'must be one of none, easyauth, entra' }).optional(),
  ),
  AUTH_ENTRA_TENANT_ID: optionalString,
  AUTH_ENTRA_ISSUER: optionalString,
  AUTH_ENTRA_AUDIENCE: optionalString,
  AUTH_ENTRA_JWKS_URI: z.preprocess(blankToUndefined, httpUrl('the JWKS URL').optional()),
  AUTH_ENTRA_REQUIRED_SCOPES: optionalString,
  RATE_LIMIT_MAX: intFrom(0, 20),
  RATE_LIMIT_WINDOW_MS: intFrom(1, 60_000),
  RATE_LIMIT_CONCURRENT_STREAMS: intFrom(1, 3),
  QUOTA_TOKENS_PER_VISITOR_PER_DAY: intFrom(0, 0),
  QUOTA_TOKENS_PER_DAY: intFrom(0, 0),
  REDIS_URL: z.preprocess(blankToUndefined, z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional()),
  CORS_ALLOWED_ORIGINS: optionalString,
  TRUSTED_PROXIES: z.preprocess(blankToUndefined, z.coerce.number().int({ message: 'must be a whole number' }).min(0, { message: 'must be at least 0' }).max(10, { message: 'must be at most 10' }).optional()),
  CHAT_DEADLINE_MS: intFrom(1, 170_000),
  FORWARD_PRINCIPAL: flag,
  AUTH_EASYAUTH_DANGEROUSLY_TRUST_HEADERS: flag,
  WEBSITE_AUTH_ENABLED: optionalString,
  WEBSITE_SITE_NAME: optionalString,
});

/**
 * Reads and checks the server kit's variables. Throws ConfigError listing every problem, e.g.
 * `ORCHESTRATOR_URL is required (the full scoring URL, …)` or the refusal of AUTH_MODE=none on
 * App Service.
 */
export function loadServerKitConfig(env: Record<string, string | undefined> = process.env): ServerKitConfig {
  const parsed = envSchema.safeParse(env, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment');
      if (i.code === 'invalid_type' && i.input === undefined) {
        return name === 'ORCHESTRATOR_URL'
          ? 'ORCHESTRATOR_URL is required: the full scoring URL, e.g. http://127.0.0.1:8081/score'
          : `${name} is required`;
      }
      return `${name} ${i.message}`;
    });
    throw new ConfigError(`Invalid server kit configuration:\n  ${problems.join('\n  ')}`, problems);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const onAppService = e.WEBSITE_SITE_NAME !== undefined;

  let credential: ServerKitConfig['orchestrator']['credential'];
  if (e.ORCHESTRATOR_KEY) credential = { kind: 'key', key: e.ORCHESTRATOR_KEY };
  else if (e.ORCHESTRATOR_KEY_VAULT_URL || e.ORCHESTRATOR_KEY_SECRET_NAME) {
    if (!e.ORCHESTRATOR_KEY_VAULT_URL || !e.ORCHESTRATOR_KEY_SECRET_NAME) {
      problems.push('ORCHESTRATOR_KEY_VAULT_URL and ORCHESTRATOR_KEY_SECRET_NAME go together: set both, or neither');
    }
    credential = { kind: 'keyVault', vaultUrl: e.ORCHESTRATOR_KEY_VAULT_URL ?? '', secretName: e.ORCHESTRATOR_KEY_SECRET_NAME ?? '' };
  } else credential = { kind: 'entra', scope: e.ORCHESTRATOR_TOKEN_SCOPE };

  const mode: AuthMode = e.AUTH_MODE ?? (onAppService ? 'easyauth' : 'none');
  const trustHeaders = e.AUTH_EASYAUTH_DANGEROUSLY_TRUST_HEADERS === 'true';
  let auth: ServerKitConfig['auth'] = { mode: 'none' };
  if (mode === 'none' && onAppService) {
    problems.push(
      `AUTH_MODE=none is refused on App Service (WEBSITE_SITE_NAME=${e.WEBSITE_SITE_NAME}): ` +
        'the chat would be open to anyone. Use AUTH_MODE=easyauth (with App Service authentication on) or AUTH_MODE=entra.',
    );
  } else if (mode === 'easyauth') {
    if (easyAuthEnabled(env) || trustHeaders) auth = trustHeaders ? { mode: 'easyauth', dangerouslyTrustHeaders: true } : { mode: 'easyauth' };
    else if (e.AUTH_MODE === undefined) auth = { mode: 'easyauth-off' };
    else {
      problems.push(
        'AUTH_MODE=easyauth needs App Service authentication on (WEBSITE_AUTH_ENABLED=true, which App Service sets): ' +
          'without it anyone could forge the X-MS-CLIENT-PRINCIPAL headers. Turn authentication on for the site, use AUTH_MODE=entra, ' +
          'or, behind another front that sets these headers, AUTH_EASYAUTH_DANGEROUSLY_TRUST_HEADERS=true.',
      );
    }
  } else if (mode === 'entra') {
    if (!e.AUTH_ENTRA_AUDIENCE) problems.push('AUTH_ENTRA_AUDIENCE is required with AUTH_MODE=entra (your API application id URI or client id)');
    if (!e.AUTH_ENTRA_TENANT_ID && !e.AUTH_ENTRA_ISSUER) problems.push('AUTH_ENTRA_TENANT_ID (or AUTH_ENTRA_ISSUER) is required with AUTH_MODE=entra');
    if (!e.AUTH_ENTRA_TENANT_ID && !e.AUTH_ENTRA_JWKS_URI) problems.push('AUTH_ENTRA_JWKS_URI is required with AUTH_MODE=entra when AUTH_ENTRA_TENANT_ID is not set');
    const entra: Extract<ServerKitConfig['auth'], { mode: 'entra' }> = { mode: 'entra', audience: e.AUTH_ENTRA_AUDIENCE ?? '' };
    if (e.AUTH_ENTRA_TENANT_ID) entra.tenantId = e.AUTH_ENTRA_TENANT_ID;
    if (e.AUTH_ENTRA_ISSUER) entra.issuer = e.AUTH_ENTRA_ISSUER;
    if (e.AUTH_ENTRA_JWKS_URI) entra.jwksUri = e.AUTH_ENTRA_JWKS_URI;
    if (e.AUTH_ENTRA_REQUIRED_SCOPES) entra.requiredScopes = e.AUTH_ENTRA_REQUIRED_SCOPES.split(/[\s,]+/).filter(Boolean);
    auth = entra;
  }
  if (e.CORS_ALLOWED_ORIGINS) {
    try {
      normaliseOrigins(e.CORS_ALLOWED_ORIGINS.split(',').filter((o) => o.trim()));
    } catch (err) {
      problems.push(`CORS_ALLOWED_ORIGINS: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid server kit configuration:\n  ${problems.join('\n  ')}`, problems);
  }

  const config: ServerKitConfig = {
    orchestrator: {
      url: e.ORCHESTRATOR_URL,
      credential,
      timeoutMs: e.ORCHESTRATOR_TIMEOUT_MS,
      idleTimeoutMs: e.ORCHESTRATOR_IDLE_TIMEOUT_MS,
      fields: { question: e.ORCHESTRATOR_QUESTION_FIELD, chatHistory: e.ORCHESTRATOR_HISTORY_FIELD, answer: e.ORCHESTRATOR_ANSWER_FIELD },
    },
    auth,
    rateLimit:
      e.RATE_LIMIT_MAX === 0 ? false : { windowMs: e.RATE_LIMIT_WINDOW_MS, max: e.RATE_LIMIT_MAX, concurrentStreams: e.RATE_LIMIT_CONCURRENT_STREAMS },
    trustedProxies: e.TRUSTED_PROXIES ?? (onAppService ? 1 : 0),
    deadlineMs: e.CHAT_DEADLINE_MS,
    forwardPrincipal: e.FORWARD_PRINCIPAL === 'true',
    onAppService,
  };
  if (e.QUOTA_TOKENS_PER_VISITOR_PER_DAY || e.QUOTA_TOKENS_PER_DAY) {
    config.quotas = {};
    if (e.QUOTA_TOKENS_PER_VISITOR_PER_DAY) config.quotas.perVisitorPerDay = e.QUOTA_TOKENS_PER_VISITOR_PER_DAY;
    if (e.QUOTA_TOKENS_PER_DAY) config.quotas.totalPerDay = e.QUOTA_TOKENS_PER_DAY;
  }
  if (e.REDIS_URL) config.redisUrl = e.REDIS_URL;
  if (e.CORS_ALLOWED_ORIGINS) config.corsOrigins = e.CORS_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (e.ORCHESTRATOR_DEPLOYMENT) config.orchestrator.deployment = e.ORCHESTRATOR_DEPLOYMENT;
  return config;
}

export type FromEnvOptions = Omit<ChatRouterOptions, 'orchestrator' | 'env'> & {
  /** Token source for Entra / Key Vault. Default: DefaultAzureCredential from @azure/identity, if installed. */
  credential?: TokenCredentialLike;
  /** Overrides AUTH_MODE entirely, e.g. customAuth(...) or fromMiddleware(passport.authenticate(...)). */
  auth?: Authenticator;
};

/** Builds the authenticator a validated config asks for. */
export function authenticatorFromConfig(config: ServerKitConfig, env: Record<string, string | undefined> = process.env): Authenticator {
  const a = config.auth;
  switch (a.mode) {
    case 'none':
      return noAuth(env);
    case 'easyauth':
      return easyAuth({ env, dangerouslyTrustHeaders: a.dangerouslyTrustHeaders === true });
    case 'easyauth-off':
      return easyAuthOff(consoleLogger);
    case 'entra': {
      const { mode: _mode, ...rest } = a;
      return entraAuth(rest);
    }
  }
}

/**
 * `loadServerKitConfig(env)` + `createChatRouter(...)`. Throws ConfigError on bad configuration,
 * before anything listens: print `err.message` and exit 1.
 */
export function createChatRouterFromEnv(
  env: Record<string, string | undefined> = process.env,
  options: FromEnvOptions = {},
): ChatRouter {
  const config = loadServerKitConfig(env);
  const { credential: injected, ...routerOptions } = options;
  const c = config.orchestrator.credential;
  const credential = injected ?? loadDefaultCredential;
  const orchestrator: ChatRouterOptions['orchestrator'] = {
    url: config.orchestrator.url,
    timeoutMs: config.orchestrator.timeoutMs,
    idleTimeoutMs: config.orchestrator.idleTimeoutMs,
    fields: config.orchestrator.fields,
  };
  if (config.orchestrator.deployment) orchestrator.deployment = config.orchestrator.deployment;
  if (c.kind === 'key') orchestrator.key = c.key;
  else if (c.kind === 'keyVault') orchestrator.getToken = keyVaultSecretProvider({ vaultUrl: c.vaultUrl, secretName: c.secretName, credential });
  else orchestrator.getToken = tokenProvider(c.scope, credential);

  const fromEnv: Partial<ChatRouterOptions> = {
    rateLimit: config.rateLimit,
    trustedProxies: config.trustedProxies,
    deadlineMs: config.deadlineMs,
    forwardPrincipal: config.forwardPrincipal,
  };
  if (config.quotas) fromEnv.quotas = config.quotas;
  if (config.corsOrigins) fromEnv.cors = { origins: config.corsOrigins };
  if (config.redisUrl && !options.store) fromEnv.store = redisStore({ url: config.redisUrl, logger: options.logger ?? consoleLogger });
  return createChatRouter({
    ...fromEnv,
    ...routerOptions,
    auth: options.auth ?? authenticatorFromConfig(config, env),
    orchestrator,
    env,
  });
}


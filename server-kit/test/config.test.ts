/** loadServerKitConfig / createChatRouterFromEnv: validation, App Service rules, credentials (Key Vault: keyvault.test.ts). */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import express from 'express';
import { ConfigError, createChatRouterFromEnv, loadServerKitConfig, silentLogger } from '../src/index.js';
import { ask, closeServer, json, listen, post, startStandIn } from './helpers.js';

const URL_ = 'http://127.0.0.1:8081/score';
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

function configError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

async function mount(env: Record<string, string>, options: Parameters<typeof createChatRouterFromEnv>[1] = {}) {
  const app = express();
  app.use('/api/chat', createChatRouterFromEnv(env, { logger: silentLogger, ...options }));
  const server = http.createServer(app);
  const base = await listen(server);
  cleanup.push(() => closeServer(server));
  return `${base}/api/chat`;
}

describe('loadServerKitConfig', () => {
  it('fills safe defaults from a minimal local environment', () => {
    const c = loadServerKitConfig({ ORCHESTRATOR_URL: URL_, ORCHESTRATOR_KEY: 'k' });
    assert.deepEqual(c, {
      orchestrator: {
        url: URL_,
        credential: { kind: 'key', key: 'k' },
        timeoutMs: 30_000,
        idleTimeoutMs: 30_000,
        fields: { question: 'question', chatHistory: 'chat_history', answer: 'answer' },
      },
      auth: { mode: 'none' },
      rateLimit: { windowMs: 60_000, max: 20, concurrentStreams: 3 },
      trustedProxies: 0,
      deadlineMs: 170_000,
      forwardPrincipal: false,
      onAppService: false,
    });
  });

  it('requires ORCHESTRATOR_URL, with an example', () => {
    configError(() => loadServerKitConfig({}), /ORCHESTRATOR_URL is required: the full scoring URL, e\.g\. http/);
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: '  ' }), /ORCHESTRATOR_URL is required/);
  });

  it('names every bad value in one error', () => {
    try {
      loadServerKitConfig({ ORCHESTRATOR_URL: 'not a url', AUTH_MODE: 'open', ORCHESTRATOR_TIMEOUT_MS: 'soon', RATE_LIMIT_MAX: '-1' });
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /ORCHESTRATOR_URL must be an http\(s\) URL/);
      assert.match(e.message, /AUTH_MODE must be one of none, easyauth, entra/);
      assert.match(e.message, /ORCHESTRATOR_TIMEOUT_MS/);
      assert.match(e.message, /RATE_LIMIT_MAX must be at least 0/);
      assert.equal(e.problems.length, 4);
    }
  });

  it('refuses AUTH_MODE=none on App Service, with a clear message', () => {
    configError(
      () => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, AUTH_MODE: 'none', WEBSITE_SITE_NAME: 'contoso-chat' }),
      /AUTH_MODE=none is refused on App Service \(WEBSITE_SITE_NAME=contoso-chat\)/,
    );
    configError(() => createChatRouterFromEnv({ ORCHESTRATOR_URL: URL_, AUTH_MODE: 'none', WEBSITE_SITE_NAME: 'x' }), /refused on App Service/);
  });

  it('believes Easy Auth only when App Service says its authentication is on', () => {
    const on = { ORCHESTRATOR_URL: URL_, WEBSITE_SITE_NAME: 'x', WEBSITE_AUTH_ENABLED: 'True' };
    assert.deepEqual(loadServerKitConfig(on).auth, { mode: 'easyauth' });
    assert.deepEqual(loadServerKitConfig({ ...on, WEBSITE_AUTH_ENABLED: 'true' }).auth, { mode: 'easyauth' });
    // On App Service with authentication off and no AUTH_MODE: start, but sign nobody in.
    assert.deepEqual(loadServerKitConfig({ ORCHESTRATOR_URL: URL_, WEBSITE_SITE_NAME: 'x' }).auth, { mode: 'easyauth-off' });
    assert.equal(loadServerKitConfig({ ORCHESTRATOR_URL: URL_ }).auth.mode, 'none');
    // Asked for explicitly without the platform vouching: refused at start.
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, AUTH_MODE: 'easyauth' }), /needs App Service authentication on \(WEBSITE_AUTH_ENABLED=true/);
    configError(
      () => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, AUTH_MODE: 'easyauth', WEBSITE_SITE_NAME: 'x', WEBSITE_AUTH_ENABLED: 'false' }),
      /WEBSITE_AUTH_ENABLED/,
    );
    assert.deepEqual(
      loadServerKitConfig({ ORCHESTRATOR_URL: URL_, AUTH_MODE: 'easyauth', AUTH_EASYAUTH_DANGEROUSLY_TRUST_HEADERS: 'true' }).auth,
      { mode: 'easyauth', dangerouslyTrustHeaders: true },
    );
  });

  it('reads limits, quotas, Redis, CORS, proxies and the deadline', () => {
    const c = loadServerKitConfig({
      ORCHESTRATOR_URL: URL_,
      RATE_LIMIT_CONCURRENT_STREAMS: '2',
      QUOTA_TOKENS_PER_VISITOR_PER_DAY: '5000',
      QUOTA_TOKENS_PER_DAY: '100000',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CORS_ALLOWED_ORIGINS: 'https://www.contoso.com, https://blog.contoso.com',
      TRUSTED_PROXIES: '2',
      CHAT_DEADLINE_MS: '60000',
      FORWARD_PRINCIPAL: 'true',
      WEBSITE_SITE_NAME: 'x',
      WEBSITE_AUTH_ENABLED: 'true',
    });
    assert.deepEqual(c.rateLimit, { windowMs: 60_000, max: 20, concurrentStreams: 2 });
    assert.deepEqual(c.quotas, { perVisitorPerDay: 5000, totalPerDay: 100000 });
    assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
    assert.deepEqual(c.corsOrigins, ['https://www.contoso.com', 'https://blog.contoso.com']);
    assert.equal(c.trustedProxies, 2);
    assert.equal(c.deadlineMs, 60_000);
    assert.equal(c.forwardPrincipal, true);
    assert.equal(loadServerKitConfig({ ORCHESTRATOR_URL: URL_, WEBSITE_SITE_NAME: 'x' }).trustedProxies, 1, 'App Service: one front end');
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, CORS_ALLOWED_ORIGINS: '*' }), /CORS_ALLOWED_ORIGINS: "\*" is not allowed/);
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, CORS_ALLOWED_ORIGINS: 'https://a.com/app' }), /is not an origin/);
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, REDIS_URL: 'http://x' }), /REDIS_URL must be a redis:\/\//);
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, FORWARD_PRINCIPAL: 'yes' }), /FORWARD_PRINCIPAL must be true or false/);
  });

  it('checks the entra settings', () => {
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, AUTH_MODE: 'entra' }), /AUTH_ENTRA_AUDIENCE is required[\s\S]*AUTH_ENTRA_TENANT_ID/);
    const c = loadServerKitConfig({
      ORCHESTRATOR_URL: URL_,
      AUTH_MODE: 'Entra',
      AUTH_ENTRA_TENANT_ID: 'contoso.onmicrosoft.com',
      AUTH_ENTRA_AUDIENCE: 'api://chat',
      AUTH_ENTRA_REQUIRED_SCOPES: 'chat.use, chat.admin',
    });
    assert.deepEqual(c.auth, { mode: 'entra', tenantId: 'contoso.onmicrosoft.com', audience: 'api://chat', requiredScopes: ['chat.use', 'chat.admin'] });
  });

  it('chooses the orchestrator credential: key, Key Vault (both names), else Entra token', () => {
    assert.deepEqual(loadServerKitConfig({ ORCHESTRATOR_URL: URL_ }).orchestrator.credential, { kind: 'entra', scope: 'https://ml.azure.com/.default' });
    assert.deepEqual(
      loadServerKitConfig({ ORCHESTRATOR_URL: URL_, ORCHESTRATOR_KEY_VAULT_URL: 'https://v.vault.azure.net', ORCHESTRATOR_KEY_SECRET_NAME: 's' }).orchestrator.credential,
      { kind: 'keyVault', vaultUrl: 'https://v.vault.azure.net', secretName: 's' },
    );
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, ORCHESTRATOR_KEY_SECRET_NAME: 's' }), /go together/);
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, ORCHESTRATOR_ANSWER_FIELD: 'chat output' }), /ORCHESTRATOR_ANSWER_FIELD must be an identifier/);
    assert.equal(loadServerKitConfig({ ORCHESTRATOR_URL: URL_, RATE_LIMIT_MAX: '0' }).rateLimit, false);
  });
});

describe('createChatRouterFromEnv', () => {
  it('accepts process.env itself, as the README shows', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { ORCHESTRATOR_URL: URL_, ORCHESTRATOR_KEY: 'k', AUTH_MODE: 'none' });
      delete process.env.WEBSITE_SITE_NAME;
      assert.equal(typeof createChatRouterFromEnv(process.env), 'function');
    } finally {
      for (const k of ['ORCHESTRATOR_URL', 'ORCHESTRATOR_KEY', 'AUTH_MODE']) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('relays with the key, deployment and field names from the environment', async () => {
    const upstream = await startStandIn((_req, res) => json(res, 200, { chat_output: 'from env' }));
    cleanup.push(upstream.close);
    const url = await mount({
      ORCHESTRATOR_URL: upstream.url,
      ORCHESTRATOR_KEY: 'env-key',
      ORCHESTRATOR_DEPLOYMENT: 'green',
      ORCHESTRATOR_QUESTION_FIELD: 'chat_input',
      ORCHESTRATOR_ANSWER_FIELD: 'chat_output',
    });
    const reply = await post(url, ask('hello'));
    assert.equal(reply.json.message.content, 'from env');
    const h = upstream.requests[0]!.headers;
    assert.equal(h.authorization, 'Bearer env-key');
    assert.equal(h['azureml-model-deployment'], 'green');
    assert.deepEqual(JSON.parse(upstream.requests[0]!.body), { chat_input: 'hello', chat_history: [] });
  });

  it('without a key, sends an Entra token from the injected credential for the ML scope, cached', async () => {
    const upstream = await startStandIn((_req, res) => json(res, 200, { answer: 'ok' }));
    cleanup.push(upstream.close);
    const scopes: unknown[] = [];
    const credential = {
      getToken: async (scope: string | string[]) => {
        scopes.push(scope);
        return { token: 'entra-access-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const url = await mount({ ORCHESTRATOR_URL: upstream.url }, { credential });
    await post(url, ask());
    await post(url, ask());
    assert.equal(upstream.requests[1]!.headers.authorization, 'Bearer entra-access-token');
    assert.deepEqual(scopes, ['https://ml.azure.com/.default'], 'one token fetch for two chats');
  });
});

/** loadServerKitConfig / createChatRouterFromEnv: validation, App Service rules, credentials. */
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
      rateLimit: { windowMs: 60_000, max: 20 },
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

  it('defaults to easyauth on App Service and to none elsewhere; refuses easyauth off App Service', () => {
    assert.equal(loadServerKitConfig({ ORCHESTRATOR_URL: URL_, WEBSITE_SITE_NAME: 'x' }).auth.mode, 'easyauth');
    assert.equal(loadServerKitConfig({ ORCHESTRATOR_URL: URL_ }).auth.mode, 'none');
    configError(() => loadServerKitConfig({ ORCHESTRATOR_URL: URL_, AUTH_MODE: 'easyauth' }), /only works on App Service/);
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

  it('refuses to start with no key, no credential and no @azure/identity', () => {
    const absent = (specifier: string): string => {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    configError(() => createChatRouterFromEnv({ ORCHESTRATOR_URL: URL_ }, { resolveModule: absent }), /ORCHESTRATOR_KEY is not set[\s\S]*@azure\/identity is not installed/);
  });

  it('starts without a key when @azure/identity resolves (the token is fetched on the first chat)', () => {
    const asked: string[] = [];
    const found = (specifier: string) => (asked.push(specifier), `file:///app/node_modules/${specifier}/index.js`);
    assert.doesNotThrow(() => createChatRouterFromEnv({ ORCHESTRATOR_URL: URL_ }, { resolveModule: found }));
    assert.deepEqual(asked, ['@azure/identity']);
  });

  it('reads the endpoint key from Key Vault with a vault token', async () => {
    const upstream = await startStandIn((_req, res) => json(res, 200, { answer: 'ok' }));
    const vault = await startStandIn((req, res) => {
      if (req.method === 'GET' && req.url === '/secrets/orchestrator-key?api-version=7.4' && req.headers.authorization === 'Bearer vault-token') {
        json(res, 200, { value: 'key-from-vault' });
      } else json(res, 403, { error: 'no' });
    });
    cleanup.push(upstream.close, vault.close);
    const credential = {
      getToken: async (scope: string | string[]) => ({
        token: scope === 'https://vault.azure.net/.default' ? 'vault-token' : 'wrong',
        expiresOnTimestamp: Date.now() + 3_600_000,
      }),
    };
    const url = await mount(
      { ORCHESTRATOR_URL: upstream.url, ORCHESTRATOR_KEY_VAULT_URL: vault.url.replace('/score', ''), ORCHESTRATOR_KEY_SECRET_NAME: 'orchestrator-key' },
      { credential },
    );
    assert.equal((await post(url, ask())).status, 200);
    await post(url, ask());
    assert.equal(upstream.requests[0]!.headers.authorization, 'Bearer key-from-vault');
    assert.equal(vault.requests.length, 1, 'the key is cached');
  });
});

/**
 * No key configured: the kit gets an Entra token for https://ml.azure.com/.default with the real
 * @azure/identity DefaultAzureCredential, here through App Service's managed identity endpoint
 * (IDENTITY_ENDPOINT + IDENTITY_HEADER, as App Service sets them) served by this test on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import express from 'express';
import { createChatRouterFromEnv, silentLogger } from '../src/index.js';
import { ask, closeServer, json, listen, post, startStandIn } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('Entra token for the endpoint', () => {
  it('asks the managed identity for the ML resource and sends the token as the bearer', async () => {
    const asked: string[] = [];
    const identity = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      asked.push(`${url.searchParams.get('resource')} ${req.headers['x-identity-header']}`);
      json(res, 200, { access_token: 'mi-token-for-ml', expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: url.searchParams.get('resource'), token_type: 'Bearer' });
    });
    const identityUrl = await listen(identity);
    cleanup.push(() => closeServer(identity));
    process.env.IDENTITY_ENDPOINT = `${identityUrl}/msi/token`;
    process.env.IDENTITY_HEADER = 'secret-header';
    for (const k of ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_FEDERATED_TOKEN_FILE', 'MSI_ENDPOINT']) delete process.env[k];

    const upstream = await startStandIn((_req, res) => json(res, 200, { answer: 'ok' }));
    cleanup.push(upstream.close);
    const app = express();
    app.use('/api/chat', createChatRouterFromEnv({ ORCHESTRATOR_URL: upstream.url, AUTH_MODE: 'none' }, { logger: silentLogger }));
    const server = http.createServer(app);
    const base = await listen(server);
    cleanup.push(() => closeServer(server));
    assert.equal((await post(`${base}/api/chat`, ask())).status, 200);
    assert.equal((await post(`${base}/api/chat`, ask())).status, 200);
    assert.deepEqual(upstream.requests.map((r) => r.headers.authorization), ['Bearer mi-token-for-ml', 'Bearer mi-token-for-ml']);
    assert.deepEqual(asked, ['https://ml.azure.com secret-header'], 'one token for both chats, for the ML resource');
  });
});

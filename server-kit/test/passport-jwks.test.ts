/**
 * passport-azure-ad's BearerStrategy through the kit's Passport adapter, against this test's own
 * OpenID configuration + JWKS over HTTPS on 127.0.0.1 (the CA is given to Node's global https
 * agent, which that library uses, in this test only). And entraAuth when the JWKS endpoint hangs.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import passport from 'passport';
import { BearerStrategy } from 'passport-azure-ad';
import { entraAuth, fromMiddleware, type Principal } from '../src/index.js';
import { ask, closeServer, listen, memoryLogger, post, sse, startApp, startStandIn, type StandIn } from './helpers.js';
import { makeCertificate, type Tls } from './tls.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const tenant = '11111111-2222-3333-4444-555555555555';
const audience = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
let tls: Tls;
let idp: https.Server;
let base: string;
let key: PrivateKey;
let jwk: JWK;
let upstream: StandIn;
const cleanup: Array<() => Promise<void>> = [];

before(async () => {
  tls = makeCertificate();
  (https.globalAgent.options as { ca?: string }).ca = tls.cert;
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  idp = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    const path = new URL(req.url ?? '/', base).pathname; // the library adds ?x-client-SKU=…
    if (path === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      res.end(JSON.stringify({ issuer: `${base}/${tenant}/v2.0`, jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (path === `/${tenant}/discovery/v2.0/keys`) res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
});
after(async () => {
  for (const c of cleanup.reverse()) await c();
  idp.closeAllConnections();
  await new Promise((r) => idp.close(r));
  await upstream.close();
  tls.dispose();
});

const sign = (claims: Record<string, unknown>, iss: string, k = key) =>
  new SignJWT({ oid: 'oid-7', name: 'Mary', scp: 'chat.use', ver: '2.0', tid: tenant, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .setIssuer(iss)
    .setAudience(audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('10m')
    .sign(k);

describe('passport-azure-ad BearerStrategy through fromMiddleware', () => {
  it('admits a token signed by the tenant key and answers 401 for a forged one, in the kit\'s shape', async () => {
    const strategy = new BearerStrategy(
      {
        identityMetadata: `${base}/${tenant}/v2.0/.well-known/openid-configuration`,
        clientID: audience,
        validateIssuer: true,
        loggingLevel: 'error',
        loggingNoPII: true,
      },
      (token: object, done: (err: unknown, user?: unknown) => void) => done(null, token),
    );
    passport.use(strategy);
    const seen: Principal[] = [];
    const app = await startApp({
      orchestrator: { url: upstream.url, key: 'k' },
      auth: fromMiddleware(passport.authenticate('oauth-bearer', { session: false, failWithError: true })),
      feedback: { onFeedback: (_f, p) => void seen.push(p) },
    });
    cleanup.push(app.close);
    const good = await sign({}, `${base}/${tenant}/v2.0`);
    const ok = await post(`${app.url}/feedback`, { rating: 'up' }, { authorization: `Bearer ${good}` });
    assert.equal(ok.status, 204, ok.text);
    assert.equal(seen[0]!.id, 'oid-7');
    assert.equal(seen[0]!.name, 'Mary');
    assert.equal((await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${good}` })).status, 200);

    const stranger = (await generateKeyPair('RS256')).privateKey;
    for (const t of [await sign({}, `${base}/${tenant}/v2.0`, stranger), await sign({}, 'https://evil.example/v2.0'), 'garbage']) {
      const reply = await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${t}` });
      assert.equal(reply.status, 401);
      assert.deepEqual(Object.keys(reply.json.error).sort(), ['code', 'message']);
      assert.equal(reply.json.error.code, 'unauthorized');
    }
  });
});

describe('entraAuth when the JWKS endpoint hangs', () => {
  it('logs it and keeps admitting valid visitors with the cached keys', async () => {
    let hang = false;
    const hanging: http.ServerResponse[] = [];
    const jwks = http.createServer((_req, res) => {
      if (hang) return void hanging.push(res);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const url = `${await listen(jwks)}/keys`;
    cleanup.push(async () => {
      for (const r of hanging) r.destroy();
      await closeServer(jwks);
    });
    const issuer = 'https://login.example/v2.0';
    const seen: Principal[] = [];
    const logger = memoryLogger();
    const app = await startApp({
      orchestrator: { url: upstream.url, key: 'k' },
      feedback: { onFeedback: (_f, p) => void seen.push(p) },
      auth: entraAuth({ issuer, audience, jwksUri: url, jwksTimeoutMs: 1_000, jwksCacheMaxAgeMs: 1, jwksCooldownMs: 0, logger }),
    });
    cleanup.push(app.close);
    const token = await sign({}, issuer);
    assert.equal((await post(`${app.url}/feedback`, { rating: 'up' }, { authorization: `Bearer ${token}` })).status, 204);
    hang = true;
    await new Promise((r) => setTimeout(r, 5)); // the cached set is now stale: jose refetches
    const reply = await post(`${app.url}/feedback`, { rating: 'up' }, { authorization: `Bearer ${token}` });
    assert.equal(reply.status, 204, 'still admitted with the cached keys');
    assert.ok(hanging.length >= 1, 'the refetch did go to the hanging endpoint');
    assert.equal(seen.length, 2);
    assert.deepEqual(
      logger.entries.map((e) => [e.level, e.message, e.fields?.error]),
      [['error', 'could not fetch the Entra signing keys; using the cached ones', 'timeout']],
    );
  });
});

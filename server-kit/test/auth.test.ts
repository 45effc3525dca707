/** Authenticators: none, easyauth, entra (JWTs signed here, keys from a local JWKS server), custom, middleware. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import {
  ConfigError,
  createChatRouter,
  customAuth,
  easyAuth,
  entraAuth,
  fromMiddleware,
  noAuth,
  principalFromHeaders,
  silentLogger,
  type Principal,
} from '../src/index.js';
import { ask, closeServer, listen, post, sse, startApp, startStandIn, type StandIn } from './helpers.js';

let upstream: StandIn;
const cleanup: Array<() => Promise<void>> = [];
before(async () => {
  upstream = await startStandIn((_req, res) => sse(res, [{ answer: 'ok' }]));
});
after(async () => {
  for (const c of cleanup.reverse()) await c();
  await upstream.close();
});

/** An app whose feedback hook records the principal each request was admitted as. */
async function appWith(options: Record<string, unknown>) {
  const seen: Principal[] = [];
  const app = await startApp({
    orchestrator: { url: upstream.url, key: 'k' },
    feedback: { onFeedback: (_f, p) => void seen.push(p) },
    ...options,
  });
  cleanup.push(app.close);
  return { app, seen, feedback: (headers: Record<string, string> = {}) => post(`${app.url}/feedback`, { rating: 'up' }, headers) };
}

function assertUnauthorized(reply: { status: number; json: any }) {
  assert.equal(reply.status, 401);
  assert.deepEqual(reply.json, { error: { code: 'unauthorized', message: reply.json.error.message } });
}

const easyAuthHeader = (claims: Array<{ typ: string; val: string }>) =>
  Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims })).toString('base64');

describe('none', () => {
  it('admits everyone as anonymous, and ignores Easy Auth headers off App Service', async () => {
    const { seen, feedback } = await appWith({});
    const reply = await feedback({ 'x-ms-client-principal-id': 'spoofed-admin', 'x-ms-client-principal-name': 'admin' });
    assert.equal(reply.status, 204);
    assert.deepEqual(seen[0], { id: 'anonymous', provider: 'none' });
  });

  it('refuses to exist on App Service', () => {
    assert.throws(() => noAuth({ WEBSITE_SITE_NAME: 'contoso-chat' }), (e: unknown) => e instanceof ConfigError && /App Service/.test(e.message));
    // On App Service the default is easyauth (or 401 for all), so building a router without `auth` must work.
    assert.doesNotThrow(() => createChatRouter({ orchestrator: { url: upstream.url }, env: { WEBSITE_SITE_NAME: 'x' }, logger: silentLogger }));

  });
});

describe('easyauth', () => {
  it('refuses to be constructed unless App Service says its authentication is on (the headers could be forged)', () => {
    for (const env of [{}, { WEBSITE_SITE_NAME: 'contoso-chat' }, { WEBSITE_SITE_NAME: 'contoso-chat', WEBSITE_AUTH_ENABLED: 'false' }]) {
      assert.throws(() => easyAuth({ env }), (e: unknown) => e instanceof ConfigError && /WEBSITE_AUTH_ENABLED/.test(e.message));
    }
    assert.doesNotThrow(() => easyAuth({ env: { WEBSITE_AUTH_ENABLED: 'True' } }));
    assert.doesNotThrow(() => easyAuth({ env: {}, dangerouslyTrustHeaders: true }), 'the explicit opt-in for another front');
  });

  it('on App Service with authentication off, a forged X-MS-CLIENT-PRINCIPAL is refused with 401 and a log line', async () => {
    const { app, seen, feedback } = await appWith({ env: { WEBSITE_SITE_NAME: 'contoso-chat' } });
    const forged = {
      'x-ms-client-principal-id': 'admin',
      'x-ms-client-principal': easyAuthHeader([{ typ: 'oid', val: 'admin' }]),
    };
    assertUnauthorized(await post(`${app.url}/stream`, ask(), forged));
    assertUnauthorized(await feedback(forged));
    assert.equal(seen.length, 0);
    assert.ok(app.logger.entries.some((e) => /authentication is off/.test(e.message)), 'logged at start');
    assert.ok(app.logger.entries.some((e) => /refused X-MS-CLIENT-PRINCIPAL/.test(e.message)), 'logged per forged request');
  });

  it('is the default on App Service with authentication on: 401 without the platform headers, the principal with them', async () => {
    const { app, seen, feedback } = await appWith({ env: { WEBSITE_SITE_NAME: 'contoso-chat', WEBSITE_AUTH_ENABLED: 'true' } });
    assertUnauthorized(await post(`${app.url}/stream`, ask()));
    assertUnauthorized(await feedback());
    const ok = await feedback({
      'x-ms-client-principal-id': '00000000-0000-0000-0000-0000000000aa',
      'x-ms-client-principal': easyAuthHeader([
        { typ: 'name', val: 'Ada Lovelace' },
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: '00000000-0000-0000-0000-0000000000aa' },
      ]),
    });
    assert.equal(ok.status, 204);
    assert.equal(seen[0]!.id, '00000000-0000-0000-0000-0000000000aa');
    assert.equal(seen[0]!.name, 'Ada Lovelace');
    assert.equal(seen[0]!.provider, 'easyauth');
  });

  it('reads the id from the claims when only X-MS-CLIENT-PRINCIPAL is present; rejects garbage', () => {
    const p = principalFromHeaders({ 'x-ms-client-principal': easyAuthHeader([{ typ: 'oid', val: 'oid-1' }]) });
    assert.equal(p?.id, 'oid-1');
    assert.equal(principalFromHeaders({ 'x-ms-client-principal': '%%%not-base64-json' }), null);
    assert.equal(principalFromHeaders({}), null);
  });

  it('collects multi-valued roles and groups', () => {
    const p = principalFromHeaders({
      'x-ms-client-principal': easyAuthHeader([
        { typ: 'oid', val: 'u' },
        { typ: 'roles', val: 'Chat.User' },
        { typ: 'roles', val: 'Chat.Admin' },
        { typ: 'groups', val: 'g-1' },
        { typ: 'groups', val: 'g-2' },
      ]),
    });
    assert.deepEqual(p?.roles, ['Chat.User', 'Chat.Admin']);
    assert.deepEqual(p?.groups, ['g-1', 'g-2']);
  });
});

describe('custom and middleware', () => {
  it('customAuth: the host decides; null is 401; a thrown ChatKitError is answered as is', async () => {
    const { app, seen, feedback } = await appWith({
      auth: customAuth((req) => (req.headers.cookie === 'session=good' ? { id: 'u-1', name: 'Grace' } : null)),
    });
    assertUnauthorized(await post(`${app.url}/stream`, ask()));
    assert.equal((await feedback({ cookie: 'session=good' })).status, 204);
    assert.deepEqual(seen[0], { id: 'u-1', name: 'Grace', provider: 'custom' });
  });

  it('fromMiddleware: a passport-style middleware (failWithError) sets req.user or fails into our 401', async () => {
    // What passport.authenticate('bearer', { session: false, failWithError: true }) does.
    const passportLike = (req: any, _res: any, next: (e?: unknown) => void) => {
      if (req.headers.authorization === 'Bearer opaque-good') {
        req.user = { id: 42, displayName: 'Linus' };
        next();
      } else next(Object.assign(new Error('Unauthorized'), { status: 401 }));
    };
    const { app, seen, feedback } = await appWith({ auth: fromMiddleware(passportLike) });
    assertUnauthorized(await post(`${app.url}/stream`, ask(), { authorization: 'Bearer nope' }));
    assert.equal((await feedback({ authorization: 'Bearer opaque-good' })).status, 204);
    assert.deepEqual(seen[0], { id: '42', name: 'Linus', provider: 'middleware', claims: { id: 42, displayName: 'Linus' } });
  });

  it('fromMiddleware: a middleware that answers by itself is left alone', async () => {
    const answersItself = (_req: any, res: any) => {
      res.statusCode = 401;
      res.end('Unauthorized');
    };
    const { app } = await appWith({ auth: fromMiddleware(answersItself) });
    const reply = await post(`${app.url}/stream`, ask());
    assert.equal(reply.status, 401);
    assert.equal(reply.text, 'Unauthorized');
  });
});

describe('entra', () => {
  const issuer = 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0';
  const audience = 'api://grounded-chat';
  let jwksUrl: string;
  let jwksServer: http.Server;
  let jwksHits = 0;
  let signingKey: PrivateKey;
  let strangerKey: PrivateKey;
  const published: JWK[] = [];

  before(async () => {
    const pair = await generateKeyPair('RS256');
    const stranger = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = stranger.privateKey;
    published.push({ ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' });
    jwksServer = http.createServer((_req, res) => {
      jwksHits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published }));
    });
    jwksUrl = `${await listen(jwksServer)}/discovery/v2.0/keys`;
  });
  after(() => closeServer(jwksServer));

  const token = (claims: Record<string, unknown> = {}, opts: { key?: PrivateKey; kid?: string; exp?: string | number; aud?: string; iss?: string } = {}) =>
    new SignJWT({ oid: 'oid-123', name: 'Katherine', scp: 'chat.use', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'key-1' })
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? audience)
      .setSubject('sub-123')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '10m')
      .sign(opts.key ?? signingKey);

  it('admits a valid token and refuses expired, wrong audience, wrong issuer, foreign key, malformed and missing ones', async () => {
    const { app, seen, feedback } = await appWith({ auth: entraAuth({ issuer, audience, jwksUri: jwksUrl }) });
    const ok = await feedback({ authorization: `Bearer ${await token()}` });
    assert.equal(ok.status, 204);
    assert.equal(seen[0]!.id, 'oid-123');
    assert.equal(seen[0]!.name, 'Katherine');
    assert.equal(seen[0]!.provider, 'entra');
    assert.ok(jwksHits >= 1, 'keys came from the JWKS endpoint');

    const now = Math.floor(Date.now() / 1000);
    const bad = {
      expired: await token({}, { exp: now - 3600 }),
      'wrong audience': await token({}, { aud: 'api://someone-else' }),
      'wrong issuer': await token({}, { iss: 'https://evil.example/v2.0' }),
      'foreign key': await token({}, { key: strangerKey }),
      'unknown kid, foreign key': await token({}, { key: strangerKey, kid: 'key-2' }),
    };
    for (const [name, t] of Object.entries(bad)) {
      const reply = await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${t}` });
      assert.equal(reply.status, 401, name);
      assert.equal(reply.json.error.code, 'unauthorized', name);
    }
    assertUnauthorized(await post(`${app.url}/stream`, ask(), { authorization: 'Bearer not-a-jwt' }));
    assertUnauthorized(await post(`${app.url}/stream`, ask(), { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }));
    assertUnauthorized(await post(`${app.url}/stream`, ask()));
    const streamed = await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${await token()}` });
    assert.equal(streamed.status, 200);
    assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer k', "the visitor's token is never forwarded");
  });

  it('picks up a rotated signing key (unknown kid → key set refetched)', async () => {
    const { app } = await appWith({ auth: entraAuth({ issuer, audience, jwksUri: jwksUrl, jwksCooldownMs: 0 }) });
    assert.equal((await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${await token()}` })).status, 200);
    const rotated = await generateKeyPair('RS256');
    const rotatedToken = await token({}, { key: rotated.privateKey, kid: 'key-rotated' });
    assertUnauthorized(await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${rotatedToken}` }));
    published.push({ ...(await exportJWK(rotated.publicKey)), kid: 'key-rotated', alg: 'RS256', use: 'sig' });
    const hits = jwksHits;
    assert.equal((await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${rotatedToken}` })).status, 200);
    assert.ok(jwksHits > hits, 'the key set was fetched again');
  });

  it('answers 403 forbidden when a required scope or role is missing', async () => {
    const { app } = await appWith({ auth: entraAuth({ issuer, audience, jwksUri: jwksUrl, requiredScopes: ['chat.admin'] }) });
    const reply = await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${await token()}` });
    assert.equal(reply.status, 403);
    assert.equal(reply.json.error.code, 'forbidden');
    const withRole = await post(`${app.url}/stream`, ask(), { authorization: `Bearer ${await token({ roles: ['chat.admin'] })}` });
    assert.equal(withRole.status, 200);
  });

  it('needs an audience and an issuer or tenant', () => {
    assert.throws(() => entraAuth({ audience: '' }), /audience/);
    assert.throws(() => entraAuth({ audience }), /tenantId|issuer/);
    assert.doesNotThrow(() => entraAuth({ audience, tenantId: 'contoso.onmicrosoft.com' }));
  });
});

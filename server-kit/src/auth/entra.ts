/**
 * Microsoft Entra ID bearer tokens: `Authorization: Bearer <JWT>` checked for signature (keys from
 * the tenant's JWKS), issuer, audience, expiry and not-before.
 *
 * Why jose's createRemoteJWKSet rather than passport-azure-ad: when Entra rotates its signing keys,
 * a token with an unknown `kid` makes jose refetch the key set (after a cool-down); passport-azure-ad
 * keeps its cached keys for 30 minutes and rejects every visitor until then.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ChatKitError } from '../errors.js';
import { consoleLogger, type Logger } from '../logger.js';
import type { Authenticator, Principal } from './types.js';

export type EntraAuthOptions = {
  /** Tenant id (GUID) or domain; gives the default issuer and JWKS URL. */
  tenantId?: string;
  /** Expected `iss`. Default `https://login.microsoftonline.com/<tenantId>/v2.0`. */
  issuer?: string | string[];
  /** Expected `aud`: your API's application id URI or client id. Required. */
  audience: string | string[];
  /** Where the signing keys are. Default `https://login.microsoftonline.com/<tenantId>/discovery/v2.0/keys`. */
  jwksUri?: string;
  /** If set, the token must carry at least one of these scopes (`scp`) or app roles (`roles`). */
  requiredScopes?: string[];
  /** Accepted algorithms. Default RS256, which Entra uses. */
  algorithms?: string[];
  /** Allowed clock difference, in seconds. Default 60. */
  clockToleranceSeconds?: number;
  /** Least time between two key-set fetches (an unknown `kid` triggers one). Default 30 000, jose's. */
  jwksCooldownMs?: number;
  /** Longest wait for the key set, in ms. Default 2 000. Past it the cached keys are used. */
  jwksTimeoutMs?: number;
  /** How long fetched keys count as fresh, in ms. Default 600 000 (jose's). */
  jwksCacheMaxAgeMs?: number;
  /** Inject a key set (tests, or keys you host). Overrides jwksUri. */
  keySet?: JWTVerifyGetKey;
  /** Where a key-set outage is reported. Default console. */
  logger?: Logger;
};

export function entraAuth(options: EntraAuthOptions): Authenticator {
  if (!options || !options.audience || (Array.isArray(options.audience) && options.audience.length === 0)) {
    throw new TypeError('entraAuth needs an audience (AUTH_ENTRA_AUDIENCE): your API application id URI or client id');
  }
  const tenant = options.tenantId;
  const issuer = options.issuer ?? (tenant ? `https://login.microsoftonline.com/${tenant}/v2.0` : undefined);
  if (!issuer) throw new TypeError('entraAuth needs a tenantId (AUTH_ENTRA_TENANT_ID) or an issuer (AUTH_ENTRA_ISSUER)');
  const jwksUri = options.jwksUri ?? (tenant ? `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys` : undefined);
  if (!options.keySet && !jwksUri) throw new TypeError('entraAuth needs a jwksUri (AUTH_ENTRA_JWKS_URI) when no tenantId is given');
  const logger = options.logger ?? consoleLogger;
  const keySet = options.keySet ?? resilientKeySet(jwksUri!, options, logger);
  const verifyOptions = {
    issuer,
    audience: options.audience,
    algorithms: options.algorithms ?? ['RS256'],
    clockTolerance: options.clockToleranceSeconds ?? 60,
    requiredClaims: ['exp'],
  };
  const required = options.requiredScopes;

  return async (req) => {
    const header = req.headers.authorization;
    if (!header) return null;
    const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)\s*$/i.exec(header);
    if (!match) return null;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1]!, keySet, verifyOptions));
    } catch {
      // Expired, wrong audience, bad signature, unreachable JWKS: all are "not signed in" to the
      // visitor; the reason stays on the server (jose's messages are safe but not useful to them).
      return null;
    }
    if (required && required.length > 0) {
      const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
      const roles = Array.isArray(payload.roles) ? payload.roles : [];
      if (!required.some((s) => scopes.includes(s) || roles.includes(s))) {
        throw new ChatKitError('forbidden', 'Your token does not grant access to the chat.');
      }
    }
    const id = [payload.oid, payload.sub].find((v): v is string => typeof v === 'string');
    if (!id) return null;
    const principal: Principal = { id, provider: 'entra', claims: payload };
    const roles = stringArray(payload.roles);
    const groups = stringArray(payload.groups);
    if (roles) principal.roles = roles;
    if (groups) principal.groups = groups;
    const name = [payload.name, payload.preferred_username].find((v): v is string => typeof v === 'string');
    if (name) principal.name = name;
    return principal;
  };
}

function stringArray(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = v.filter((x): x is string => typeof x === 'string');
  return out.length ? out : undefined;
}

/**
 * jose's remote key set, bounded and logged: a JWKS endpoint that hangs or fails is reported (once
 * per outage), and tokens signed with a key we already hold keep being accepted with the cached
 * set, instead of every visitor waiting for a 401.
 */
function resilientKeySet(jwksUri: string, options: EntraAuthOptions, logger: Logger): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: options.jwksTimeoutMs ?? 2_000,
    ...(options.jwksCooldownMs === undefined ? {} : { cooldownDuration: options.jwksCooldownMs }),
    ...(options.jwksCacheMaxAgeMs === undefined ? {} : { cacheMaxAge: options.jwksCacheMaxAgeMs }),
  });
  let failing = false;
  return async (header, token) => {
    try {
      const key = await remote(header, token);
      if (failing) logger.warn('Entra signing keys reachable again', { jwksUri });
      failing = false;
      return key;
    } catch (err) {
      // A key the set does not hold, or a malformed token: not an outage.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      if (!failing) {
        failing = true;
        logger.error('could not fetch the Entra signing keys; using the cached ones', {
          jwksUri,
          error: err instanceof errors.JWKSTimeout ? 'timeout' : ((err as Error)?.name ?? typeof err),
        });
      }
      const cached = remote.jwks();
      if (!cached) throw err;
      return createLocalJWKSet(cached)(header, token);
    }
  };
}

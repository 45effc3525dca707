/**
 * App Service authentication ("Easy Auth"). The platform signs the visitor in and forwards
 * `X-MS-CLIENT-PRINCIPAL` (base64 JSON of claims), `-ID` and `-NAME` to the app.
 *
 * Trust rule (docs/server-kit.md#easy-auth): those headers are believed only when
 * `WEBSITE_AUTH_ENABLED` is `true`, which App Service sets when its authentication is on; only then
 * does its front end strip any such header a client sends. `WEBSITE_SITE_NAME` alone is not
 * enough: a site on App Service with authentication off passes forged headers straight through.
 * Another front that sets them safely needs the explicit `dangerouslyTrustHeaders` opt-in.
 */
import { ConfigError } from '../config-error.js';
import type { Authenticator, Principal } from './types.js';

type EasyAuthClaim = { typ?: unknown; val?: unknown };

const ID_CLAIMS = [
  'http://schemas.microsoft.com/identity/claims/objectidentifier',
  'oid',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  'sub',
];
const ROLE_CLAIMS = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];
const GROUP_CLAIMS = ['groups', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'];

export type EasyAuthOptions = {
  env?: Record<string, string | undefined>;
  /**
   * DANGEROUS: believe the X-MS-CLIENT-PRINCIPAL headers without App Service vouching for them,
   * for another front (a gateway) that strips them from clients and sets its own. If anything can
   * reach the app without passing that front, anyone can sign in as anyone.
   */
  dangerouslyTrustHeaders?: boolean;
};

/** Whether App Service says its authentication is on (it sets `true`; older stamps `True`). */
export function easyAuthEnabled(env: Record<string, string | undefined>): boolean {
  return env.WEBSITE_AUTH_ENABLED === 'true' || env.WEBSITE_AUTH_ENABLED === 'True';
}

export function easyAuth(options: EasyAuthOptions = {}): Authenticator {
  const env = options.env ?? process.env;
  if (!easyAuthEnabled(env) && options.dangerouslyTrustHeaders !== true) {
    throw new ConfigError(
      'AUTH_MODE=easyauth trusts X-MS-CLIENT-PRINCIPAL headers, which are safe only when App Service authentication is on, ' +
        `and WEBSITE_AUTH_ENABLED is ${env.WEBSITE_AUTH_ENABLED === undefined ? 'not set' : `"${env.WEBSITE_AUTH_ENABLED}"`}. ` +
        'Turn on authentication for the site (App Service > Authentication), or use AUTH_MODE=entra; ' +
        'behind another front that sets these headers, opt in with easyAuth({ dangerouslyTrustHeaders: true }).',
    );
  }
  return async (req) => principalFromHeaders(req.headers);
}

/** Exported for tests and for hosts behind another proxy that sets the same headers safely. */
export function principalFromHeaders(headers: Record<string, string | string[] | undefined>): Principal | null {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const claims: Record<string, unknown> = {};
  const roles: string[] = [];
  const groups: string[] = [];
  let nameFromClaims: string | undefined;
  let idFromClaims: string | undefined;
  const encoded = one('x-ms-client-principal');
  if (encoded) {
    try {
      const decoded = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as {
        claims?: EasyAuthClaim[];
        name_typ?: unknown;
        role_typ?: unknown;
      };
      const roleTyp = typeof decoded.role_typ === 'string' ? decoded.role_typ : undefined;
      for (const c of Array.isArray(decoded.claims) ? decoded.claims : []) {
        if (typeof c?.typ !== 'string' || typeof c.val !== 'string') continue;
        // Multi-valued claims arrive as one entry per value.
        if (c.typ === roleTyp || ROLE_CLAIMS.includes(c.typ)) roles.push(c.val);
        else if (GROUP_CLAIMS.includes(c.typ)) groups.push(c.val);
        if (!(c.typ in claims)) claims[c.typ] = c.val;
      }
      const nameTyp = typeof decoded.name_typ === 'string' ? decoded.name_typ : 'name';
      nameFromClaims = (claims[nameTyp] ?? claims.name) as string | undefined;
      idFromClaims = ID_CLAIMS.map((t) => claims[t]).find((v): v is string => typeof v === 'string');
    } catch {
      return null; // malformed: treat as not signed in
    }
  }
  const id = one('x-ms-client-principal-id') || idFromClaims;
  if (!id) return null;
  const principal: Principal = { id, provider: 'easyauth', claims };
  const name = one('x-ms-client-principal-name') || nameFromClaims;
  if (name) principal.name = name;
  if (roles.length) principal.roles = [...new Set(roles)];
  if (groups.length) principal.groups = [...new Set(groups)];
  return principal;
}

/**
 * The router's default on App Service when authentication is off: nobody is signed in. Logs once
 * at start, and again for each request that carries Easy Auth headers (someone forging them, or
 * a site owner who forgot to turn authentication on).
 */
export function easyAuthOff(logger: { warn(message: string, fields?: Record<string, unknown>): void }): Authenticator {
  logger.warn(
    'App Service authentication is off (WEBSITE_AUTH_ENABLED is not true): X-MS-CLIENT-PRINCIPAL headers are ignored and every chat gets 401. ' +
      'Turn on authentication for the site, or pass auth: entraAuth(...).',
  );
  return async (req) => {
    if (req.headers['x-ms-client-principal'] || req.headers['x-ms-client-principal-id']) {
      logger.warn('refused X-MS-CLIENT-PRINCIPAL headers: App Service authentication is off, so they could be forged');
    }
    return null;
  };
}

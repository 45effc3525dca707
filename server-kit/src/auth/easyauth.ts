/**
 * App Service authentication ("Easy Auth"). The platform signs the visitor in and forwards
 * `X-MS-CLIENT-PRINCIPAL` (base64 JSON of claims), `-ID` and `-NAME` to the app.
 *
 * Those headers are only trustworthy on App Service: there the front end strips any a client sends
 * and sets its own. Anywhere else a client could simply send them, so this authenticator refuses to
 * be constructed unless WEBSITE_SITE_NAME says we run on App Service.
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

export type EasyAuthOptions = {
  env?: Record<string, string | undefined>;
};

export function easyAuth(options: EasyAuthOptions = {}): Authenticator {
  const env = options.env ?? process.env;
  if (!env.WEBSITE_SITE_NAME) {
    throw new ConfigError(
      'AUTH_MODE=easyauth trusts X-MS-CLIENT-PRINCIPAL headers, which only App Service sets safely; ' +
        'WEBSITE_SITE_NAME is not set, so this is not App Service. Use AUTH_MODE=none locally or AUTH_MODE=entra.',
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
  let nameFromClaims: string | undefined;
  let idFromClaims: string | undefined;
  const encoded = one('x-ms-client-principal');
  if (encoded) {
    try {
      const decoded = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as {
        claims?: EasyAuthClaim[];
        name_typ?: unknown;
      };
      for (const c of decoded.claims ?? []) {
        if (typeof c.typ === 'string' && typeof c.val === 'string' && !(c.typ in claims)) claims[c.typ] = c.val;
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
  return principal;
}

/**
 * Your own check, e.g. a session cookie: return the principal, or null for 401.
 * A thin wrapper so every provider is built the same way and the principal is stamped `custom`.
 */
import type { Request, Response } from 'express';
import type { Authenticator, Principal } from './types.js';

/** A principal whose `provider` may be left out (it defaults to `custom`). */
export type CustomPrincipal = Omit<Principal, 'provider'> & { provider?: string };

export function customAuth(
  check: (req: Request, res: Response) => Promise<CustomPrincipal | null> | CustomPrincipal | null,
): Authenticator {
  if (typeof check !== 'function') throw new TypeError('customAuth needs a function (req) => principal | null');
  return async (req, res) => {
    const p = await check(req, res);
    if (!p) return null;
    if (typeof p.id !== 'string' || p.id === '') throw new TypeError('customAuth: the principal needs a non-empty string id');
    return { ...p, provider: p.provider ?? 'custom' };
  };
}

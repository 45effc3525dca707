/**
 * Adapts Connect-style authentication middleware, Passport's `passport.authenticate(...)` first of
 * all, to the Authenticator seam: run it, then read `req.user`.
 *
 * With Passport, pass `{ session: false, failWithError: true }` so a failed login calls next(err)
 * and the kit answers its own JSON 401; without failWithError Passport writes a plain-text 401
 * itself, which the router notices (the response has begun) and leaves alone.
 */
import type { Request, Response } from 'express';
import type { Authenticator, Principal } from './types.js';

type Middleware = (req: Request, res: Response, next: (err?: unknown) => void) => unknown;

export type FromMiddlewareOptions = {
  /** Turns `req.user` into a principal. Default: id from `oid`, `id`, `sub` or `username`. */
  toPrincipal?: (user: unknown, req: Request) => Principal | null;
};

export function fromMiddleware(middleware: Middleware, options: FromMiddlewareOptions = {}): Authenticator {
  if (typeof middleware !== 'function') throw new TypeError('fromMiddleware needs a (req, res, next) function');
  const toPrincipal = options.toPrincipal ?? defaultPrincipal;
  return (req, res) =>
    new Promise<Principal | null>((resolve, reject) => {
      let settled = false;
      const next = (err?: unknown) => {
        if (settled) return;
        settled = true;
        if (err) {
          // Passport's failWithError gives an error with status 401/403: that is "not signed in".
          const status = (err as { status?: unknown })?.status;
          if (status === 401 || status === 403) resolve(null);
          else reject(err);
          return;
        }
        const user = (req as Request & { user?: unknown }).user;
        resolve(user ? toPrincipal(user, req) : null);
      };
      // The middleware may answer by itself (a redirect, a plain 401) and never call next.
      res.once('finish', () => {
        if (!settled) {
          settled = true;
          resolve(null);
        }
      });
      try {
        const r = middleware(req, res, next);
        if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, next);
      } catch (err) {
        next(err);
      }
    });
}

function defaultPrincipal(user: unknown): Principal | null {
  if (!user || typeof user !== 'object') return null;
  const u = user as Record<string, unknown>;
  const id = [u.oid, u.id, u.sub, u.username].find((v) => typeof v === 'string' || typeof v === 'number');
  if (id === undefined) return null;
  const name = [u.displayName, u.name, u.username].find((v): v is string => typeof v === 'string');
  const principal: Principal = { id: String(id), provider: 'middleware', claims: u };
  if (name) principal.name = name;
  return principal;
}

/**
 * Cross-origin embedding: the widget on another site (or the bundle on a CDN) calling the kit.
 * The `cors` package answers preflights and sets the headers for the listed origins; this adds
 * the refusal: with an allowlist configured, a request from an origin not on it gets 403
 * `forbidden` before authentication, so no other site can spend a visitor's budget or cookies.
 * Credentials (cookies, Easy Auth's session) are allowed for listed origins only.
 * See docs/server-kit.md#cross-origin.
 */
import cors from 'cors';
import type { Request, RequestHandler } from 'express';
import { ChatKitError } from './errors.js';

export type CorsOptions = {
  /** Exact origins allowed to call the kit, e.g. `https://www.contoso.com`. `*` is refused. */
  origins: string[];
  /** How long a browser may cache a preflight, in seconds. Default 600. */
  maxAgeSeconds?: number;
};

const ORIGIN = /^https?:\/\/[^/?#\s]+$/i;

/** Checks and normalises an allowlist; throws a message naming the bad entry. */
export function normaliseOrigins(origins: readonly string[]): string[] {
  return origins.map((o) => {
    const t = o.trim().replace(/\/$/, '');
    if (t === '*') throw new TypeError('"*" is not allowed: list each origin (credentials need exact origins)');
    if (!ORIGIN.test(t)) throw new TypeError(`"${o}" is not an origin (scheme://host[:port], no path)`);
    return new URL(t).origin;
  });
}

function sameOrigin(req: Request, origin: string): boolean {
  const host = req.headers.host;
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

export function corsGuard(options: CorsOptions): RequestHandler {
  const allowed = new Set(normaliseOrigins(options.origins));
  const headers = cors({
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'authorization', 'traceparent', 'tracestate'],
    exposedHeaders: ['retry-after'],
    maxAge: options.maxAgeSeconds ?? 600,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || sameOrigin(req, origin)) return next();
    res.vary('Origin');
    if (!allowed.has(origin)) {
      next(new ChatKitError('forbidden', 'This site is not allowed to use the chat from another origin.'));
      return;
    }
    headers(req, res, next);
  };
}

/**
 * A fixed-window limiter in memory: at most `max` chats per key per `windowMs`, keyed by the
 * signed-in principal, else by client IP.
 *
 * Why not express-rate-limit: it keys by req.ip before our authenticator has run unless wired with
 * a custom keyGenerator, warns about proxy headers at run time, and its store API is async: more
 * than this needs. Windows here are aligned to the clock for every key, so a window change clears
 * the whole table at once: no timers, no per-key sweeping, O(1) per request.
 * One process only; behind several instances the effective limit is `max` × instances.
 */
import type { Request } from 'express';
import { ChatKitError } from './errors.js';

export type RateLimitOptions = {
  /** Window length in ms. Default 60 000. */
  windowMs?: number;
  /** Requests allowed per key per window. Default 20. */
  max?: number;
  /** Most keys tracked at once; beyond it new keys are refused too (memory guard). Default 100 000. */
  maxKeys?: number;
};

export type RateLimiter = {
  /** Counts one request for `key`; throws ChatKitError `rate_limited` when over the limit. */
  hit(key: string, now?: number): void;
};

export function createRateLimiter(options: RateLimitOptions = {}): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const max = options.max ?? 20;
  const maxKeys = options.maxKeys ?? 100_000;
  if (!(Number.isInteger(windowMs) && windowMs > 0)) throw new TypeError('rateLimit.windowMs must be a positive integer');
  if (!(Number.isInteger(max) && max > 0)) throw new TypeError('rateLimit.max must be a positive integer');
  let windowStart = -1;
  const counts = new Map<string, number>();

  return {
    hit(key, now = Date.now()) {
      const start = now - (now % windowMs);
      if (start !== windowStart) {
        windowStart = start;
        counts.clear();
      }
      const count = (counts.get(key) ?? 0) + 1;
      if (count > max || (count === 1 && counts.size >= maxKeys)) {
        const retryAfter = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
        throw new ChatKitError('rate_limited', 'Too many questions; try again shortly.', retryAfter);
      }
      counts.set(key, count);
    },
  };
}

/**
 * The client's IP as Express resolved it (honouring the host's `trust proxy`), without a port:
 * App Service's front end forwards `X-Forwarded-For: ip:port`, and Express passes that through.
 */
export function clientIp(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return stripPort(ip);
}

export function stripPort(address: string): string {
  const a = address.trim();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    return end === -1 ? a : a.slice(1, end); // [v6]:port
  }
  const colon = a.indexOf(':');
  if (colon !== -1 && colon === a.lastIndexOf(':')) return a.slice(0, colon); // v4:port
  return a; // plain v4, or v6 without brackets (cannot carry a port)
}

/**
 * Who a limit counts against: the signed-in principal, or the client address when anonymous.
 *
 * Keys are digests of a fixed size, whatever the principal id or the forwarded address looked
 * like: 100 000 forged 8 KB ids cost the store 100 000 short keys, not 800 MB.
 * The client address comes from `X-Forwarded-For` only as far as `trustedProxies` hops vouch for
 * it (App Service: one, its front end); everything to the left of that could be forged.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Principal } from '../auth/types.js';

export function limitKey(principal: Principal, req: Request, trustedProxies: number): string {
  if (principal.provider === 'none') {
    // IPv6 by /56, as express-rate-limit advises: one visitor usually holds a whole prefix.
    return `ip:${digest(ipKeyGenerator(clientAddress(req, trustedProxies)))}`;
  }
  return `p:${digest(`${principal.provider}:${principal.id}`)}`;
}

/**
 * Recent digests, so a returning visitor costs a Map lookup rather than a hash. Only short inputs
 * are kept and the table is emptied when full: forged long ids cannot grow it (at most ~3 MB).
 */
const recent = new Map<string, string>();
const RECENT_MAX = 10_000;

function digest(text: string): string {
  let d = recent.get(text);
  if (d === undefined) {
    d = createHash('sha256').update(text).digest('base64url').slice(0, 22);
    if (text.length <= 256) {
      if (recent.size >= RECENT_MAX) recent.clear();
      recent.set(text, d);
    }
  }
  return d;
}

/**
 * The client's address: the socket's, or the entry `trustedProxies` places from the right of
 * `X-Forwarded-For` (each trusted proxy appends the address it saw). Ports are stripped.
 */
export function clientAddress(req: Request, trustedProxies: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return stripPort(socket);
  const header = req.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...list, socket];
  const picked = chain[Math.max(0, chain.length - 1 - trustedProxies)]!;
  return stripPort(picked.slice(0, 100));
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

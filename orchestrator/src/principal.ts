/**
 * The visitor forwarded by the server kit: `x-grounded-chat-principal: <base64url of JSON
 * { id, name?, roles?, groups?, claims? }>` (docs/contracts.md). Used only to trim retrieval; it
 * is never authentication (the endpoint key is) and is never echoed back. A malformed header is
 * refused rather than ignored: ignoring it could widen what a visitor retrieves.
 */
import { z } from 'zod';
import type { Principal } from './seams.js';

/** Longest header accepted (a visitor in a few hundred groups fits). */
export const MAX_PRINCIPAL_HEADER_CHARS = 32 * 1024;

const principalSchema = z.object({
  id: z.string().min(1).max(256),
  name: z.string().max(512).optional(),
  roles: z.array(z.string().max(256)).max(500).optional(),
  groups: z.array(z.string().max(256)).max(2_000).optional(),
});

export function readPrincipal(header: string | string[] | undefined): Principal | undefined | 'invalid' {
  if (header === undefined) return undefined;
  if (Array.isArray(header) || header.length > MAX_PRINCIPAL_HEADER_CHARS || !/^[A-Za-z0-9_-]+={0,2}$/.test(header)) return 'invalid';
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  const parsed = principalSchema.safeParse(json);
  if (!parsed.success) return 'invalid';
  const { id, name, roles, groups } = parsed.data;
  return { id, ...(name ? { name } : {}), ...(roles ? { roles } : {}), ...(groups ? { groups } : {}) };
}

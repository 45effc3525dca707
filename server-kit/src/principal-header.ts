/**
 * Contract B's `x-grounded-chat-principal`: the visitor, for the orchestrator's security trimming
 * (search results filtered by the visitor's groups) and hashed telemetry. Never authentication:
 * the endpoint key or Entra token is. See docs/contracts.md.
 *
 * Bounded: headers over ~8 KB are refused by many front ends, so the value is kept under
 * `maxBytes`: claims go first, then groups are cut (a visitor then sees fewer documents, never
 * more), and the cut is logged.
 */
import type { Principal } from './auth/types.js';
import type { Logger } from './logger.js';

export const PRINCIPAL_HEADER = 'x-grounded-chat-principal';

export type ForwardPrincipalOptions = {
  /** Largest header value, in bytes (base64url). Default 4096. */
  maxBytes?: number;
  /** Claim names to send along in `claims` (none by default: send only what the orchestrator uses). */
  claims?: string[];
};

function strings(v: unknown): string[] | undefined {
  if (Array.isArray(v)) {
    const out = v.filter((x): x is string => typeof x === 'string');
    return out.length ? out : undefined;
  }
  return typeof v === 'string' && v ? [v] : undefined;
}

/** The header value for `principal`, or undefined for anonymous visitors. */
export function principalHeader(principal: Principal, options: ForwardPrincipalOptions, logger: Logger): string | undefined {
  if (principal.provider === 'none') return undefined;
  const maxBytes = options.maxBytes ?? 4096;
  const c = principal.claims ?? {};
  const value: { id: string; name?: string; roles?: string[]; groups?: string[]; claims?: Record<string, unknown> } = { id: principal.id };
  if (principal.name) value.name = principal.name;
  const roles = principal.roles ?? strings(c.roles);
  const groups = principal.groups ?? strings(c.groups);
  if (roles) value.roles = roles;
  if (groups) value.groups = groups;
  if (options.claims?.length) {
    const picked: Record<string, unknown> = {};
    for (const name of options.claims) if (name in c) picked[name] = c[name];
    if (Object.keys(picked).length) value.claims = picked;
  }
  const encode = () => Buffer.from(JSON.stringify(value)).toString('base64url');
  let header = encode();
  if (header.length <= maxBytes) return header;
  delete value.claims;
  header = encode();
  // base64url is 4/3 of the JSON: drop groups from the end until it fits.
  while (header.length > maxBytes && value.groups && value.groups.length > 0) {
    value.groups = value.groups.slice(0, Math.floor(value.groups.length * 0.8));
    header = encode();
  }
  if (header.length > maxBytes) {
    delete value.roles;
    delete value.name;
    header = encode();
  }
  logger.warn('visitor principal too large for the header; claims or groups were cut', { maxBytes });
  return header.length <= maxBytes ? header : undefined;
}

/**
 * W3C Trace Context. The relay continues the caller's trace when the request carries a valid
 * `traceparent` (so a browser or App Service's tracing joins up with the orchestrator's), starts
 * one otherwise, and returns the trace id to the widget as `context.traceId` so a visitor's
 * "this answer was wrong" can be found in the logs.
 */
import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export type TraceContext = {
  traceId: string;
  /** Sent upstream as `traceparent`; left out when OpenTelemetry is on (the call's dependency span injects its own). */
  traceparent?: string;
  tracestate?: string;
};

/**
 * Returns the trace to send upstream: same trace id and flags as the incoming header, with a new
 * parent id for this hop; or a fresh sampled trace when the header is missing or invalid.
 */
export function continueTrace(incoming: string | undefined, tracestate?: string): TraceContext & { traceparent: string } {
  const match = incoming ? TRACEPARENT.exec(incoming.trim().toLowerCase()) : null;
  if (match && match[1] !== 'ff' && match[2] !== ZERO_TRACE && match[3] !== ZERO_SPAN) {
    const traceId = match[2]!;
    const ctx: TraceContext & { traceparent: string } = { traceId, traceparent: `00-${traceId}-${spanId()}-${match[4]}` };
    const state = tracestate === undefined ? undefined : validTracestate(tracestate);
    if (state) ctx.tracestate = state;
    return ctx;
  }
  const at = take(24);
  const traceId = pool.toString('hex', at, at + 16);
  return { traceId, traceparent: `00-${traceId}-${pool.toString('hex', at + 16, at + 24)}-01` };
}

function spanId(): string {
  const at = take(8);
  return pool.toString('hex', at, at + 8);
}

/**
 * Random bytes for ids, drawn from a pool filled 4 KB at a time: one trace per chat made a
 * crypto call per chat, a visible cost in a burst. Each byte is used once.
 */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;
function take(n: number): number {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += n;
  return at;
}

/** One W3C tracestate list member: `key=value`, key simple or `tenant@system`. */
const MEMBER =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * The incoming `tracestate` if it is valid per W3C Trace Context (at most 32 members, each
 * well-formed, no duplicate keys) and at most 512 characters (the size the spec asks vendors to
 * propagate); otherwise undefined, and it is dropped rather than forwarded.
 */
export function validTracestate(header: string): string | undefined {
  if (header.length > 512) return undefined;
  const members = header.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
  if (members.length === 0 || members.length > 32) return undefined;
  const keys = new Set<string>();
  for (const m of members) {
    if (!MEMBER.test(m)) return undefined;
    const key = m.slice(0, m.indexOf('='));
    if (keys.has(key)) return undefined;
    keys.add(key);
  }
  return members.join(',');
}

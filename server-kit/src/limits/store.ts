/**
 * The one place the kit keeps counts: request rates (through express-rate-limit's Store
 * interface), concurrent streams, and token quotas. In memory for one instance; in Redis when the
 * app runs on several (every instance then shares one limit). See docs/server-kit.md#scale-out.
 *
 * Why one interface with three jobs rather than three stores: a host configures one thing
 * (`REDIS_URL` or a client), and the quota and the rate limit can never disagree about where the
 * truth is.
 */
import type { Store } from 'express-rate-limit';

export type LimitStore = {
  /** `memory`, `redis`, or your own. */
  readonly kind: string;
  /** A fresh express-rate-limit Store (one per limiter; express-rate-limit initialises it). */
  rateLimitStore(prefix: string): Store;
  /**
   * Takes one slot of `key` if fewer than `max` are taken. A slot not released expires after
   * `ttlMs` (an instance that died mid-stream gives its slots back then).
   */
  acquire(key: string, max: number, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
  /** Current values of counters (0 for missing ones). */
  getCounters(keys: readonly string[]): Promise<number[]>;
  /** Adds `amount` to each counter; each disappears at `resetAt` (ms since the epoch). */
  addCounters(keys: readonly string[], amount: number, resetAt: number): Promise<void>;
  /**
   * Optional, for stores behind a network: `acquire` (when `slot` is given) and `getCounters` in
   * one round trip. `acquired` is true when no slot was asked for.
   */
  acquireAndGet?(slot: { key: string; max: number; ttlMs: number } | undefined, counterKeys: readonly string[]): Promise<{ acquired: boolean; counters: number[] }>;
  /** Optional, with acquireAndGet: `release` (when `slotKey` is given) and `addCounters` in one round trip. */
  releaseAndAdd?(slotKey: string | undefined, counterKeys: readonly string[], amount: number, resetAt: number): Promise<void>;
  close?(): Promise<void>;
};

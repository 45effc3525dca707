/**
 * The in-memory LimitStore: express-rate-limit's own MemoryStore for rates, two Maps for slots and
 * counters. Keys reaching it are fixed-size digests (keys.ts), so memory is bounded by the number
 * of distinct visitors in a window, and nobody is ever refused for lack of room.
 */
import { MemoryStore } from 'express-rate-limit';
import type { LimitStore } from './store.js';

type Entry = { n: number; until: number };

export function memoryStore(): LimitStore {
  const slots = new Map<string, Entry>();
  const counters = new Map<string, Entry>();
  let nextSweep = 0;
  /** Drops expired entries, at most once a second, so idle keys do not pile up. */
  const sweep = (now: number) => {
    if (now < nextSweep) return;
    nextSweep = now + 1_000;
    for (const map of [slots, counters]) for (const [k, e] of map) if (e.until <= now) map.delete(k);
  };
  const live = (map: Map<string, Entry>, key: string, now: number) => {
    const e = map.get(key);
    return e && e.until > now ? e : undefined;
  };
  return {
    kind: 'memory',
    rateLimitStore: () => new MemoryStore(),
    async acquire(key, max, ttlMs) {
      const now = Date.now();
      sweep(now);
      const e = live(slots, key, now);
      if ((e?.n ?? 0) >= max) return false;
      slots.set(key, { n: (e?.n ?? 0) + 1, until: now + ttlMs });
      return true;
    },
    async release(key) {
      const e = slots.get(key);
      if (!e) return;
      if (e.n <= 1) slots.delete(key);
      else e.n--;
    },
    async getCounters(keys) {
      const now = Date.now();
      return keys.map((k) => live(counters, k, now)?.n ?? 0);
    },
    async addCounters(keys, amount, resetAt) {
      const now = Date.now();
      sweep(now);
      for (const k of keys) {
        const e = live(counters, k, now);
        counters.set(k, { n: (e?.n ?? 0) + amount, until: resetAt });
      }
    },
  };
}

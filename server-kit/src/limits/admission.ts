/**
 * What a chat must pass after authentication and validation, before anything goes upstream:
 * the request rate (express-rate-limit), the number of answers streaming at once, and the token
 * quotas. All three keep their counts in one LimitStore, so they hold across instances with Redis.
 *
 * Only requests that passed the content-type and shape checks reach here, so a cross-origin
 * `text/plain` POST (answered 415) cannot use up a visitor's budget.
 */
import type { Request, Response } from 'express';
import { rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import { ChatKitError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LimitStore } from './store.js';

export type RateLimitOptions = {
  /** Window length in ms. Default 60 000. */
  windowMs?: number;
  /** Chats allowed per visitor per window. Default 20. */
  max?: number;
  /** Answers streaming at once per visitor (per address when anonymous). Default 3. */
  concurrentStreams?: number;
};

export type QuotaOptions = {
  /** Tokens one visitor may use per UTC day. */
  perVisitorPerDay?: number;
  /** Tokens every visitor together may use per UTC day: the cost ceiling. */
  totalPerDay?: number;
};

export type Admission = {
  /** Counts one request; throws `rate_limited`. */
  limitRate(req: Request, res: Response, key: string): Promise<void>;
  /** Takes a streaming slot; throws `rate_limited`. Call the returned function when the chat ends. */
  openSlot(key: string): Promise<() => void>;
  /** Throws `quota_exceeded` when the visitor or everyone is over today's tokens. */
  checkQuota(key: string): Promise<void>;
  /**
   * The three checks at once (one round trip to a shared store, not three): the rate, the quota,
   * and, when `streaming`, a slot. The first refusal in that order is thrown, and a slot taken by
   * a refused chat is given back. Returns the chat's end: it gives the slot back and charges the
   * tokens the chat cost (one store call when the store can do both at once).
   */
  admit(req: Request, res: Response, key: string, streaming: boolean): Promise<(tokens?: number) => void>;
  /** Adds what a chat cost. Never throws (logs). */
  charge(key: string, tokens: number): void;
};

const DAY = 86_400_000;

function secondsUntil(at: number, now = Date.now()): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

export function createAdmission(o: {
  store: LimitStore;
  rateLimit: RateLimitOptions | false;
  quotas: QuotaOptions | undefined;
  /** Longest a stream can last: a slot never released expires after it. */
  slotTtlMs: number;
  logger: Logger;
  prefix: string;
}): Admission {
  const { store, logger } = o;
  const storeFailed = (what: string) => (err: unknown) => {
    if (err instanceof ChatKitError) throw err;
    // Fail closed: without its counts the kit cannot guard the cost.
    logger.error(`limit store failed (${what})`, { store: store.kind, error: (err as Error)?.name ?? typeof err });
    throw new ChatKitError('upstream_unavailable', 'The chat cannot check its limits right now; try again shortly.');
  };

  let limiter: RateLimitRequestHandler | undefined;
  if (o.rateLimit !== false) {
    const windowMs = o.rateLimit.windowMs ?? 60_000;
    limiter = rateLimit({
      windowMs,
      limit: o.rateLimit.max ?? 20,
      store: store.rateLimitStore(`${o.prefix}rl:`),
      keyGenerator: (_req, res) => res.locals.gcLimitKey as string,
      standardHeaders: false,
      legacyHeaders: false,
      // The key is ours (keys.ts): its checks of req.ip and trust proxy do not apply.
      validate: false,
      handler: (req, _res, next) => {
        const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + windowMs;
        next(new ChatKitError('rate_limited', 'Too many questions; try again shortly.', secondsUntil(reset)));
      },
    });
  }
  const concurrent = o.rateLimit === false ? undefined : (o.rateLimit.concurrentStreams ?? 3);
  const perVisitor = o.quotas?.perVisitorPerDay;
  const total = o.quotas?.totalPerDay;

  const dayKeys = (key: string, now = Date.now()) => {
    const day = Math.floor(now / DAY);
    return { visitor: `${o.prefix}q:${day}:${key}`, total: `${o.prefix}q:${day}:total`, resetAt: (day + 1) * DAY };
  };

  const none = () => {};
  const quotaRefusal = (k: ReturnType<typeof dayKeys>, mine: number, all: number): ChatKitError | undefined => {
    const mineOver = perVisitor !== undefined && mine >= perVisitor;
    if (!mineOver && !(total !== undefined && all >= total)) return undefined;
    return new ChatKitError(
      'quota_exceeded',
      mineOver
        ? 'You have used up your questions for today; the allowance resets at midnight UTC.'
        : 'The chat has used up its allowance for today; it resets at midnight UTC.',
      secondsUntil(k.resetAt),
    );
  };
  const quotas = perVisitor !== undefined || total !== undefined;
  const logFailure = (what: string) => (err: unknown) => logger.error(`limit store failed (${what})`, { error: (err as Error)?.name });

  /** Slot and quota in one store call (acquireAndGet): the Redis store's one round trip. */
  async function slotAndQuota(key: string, streaming: boolean): Promise<{ slot?: string; refusal?: ChatKitError }> {
    const k = dayKeys(key);
    const slot = streaming && concurrent !== undefined ? { key: `${o.prefix}s:${key}`, max: concurrent, ttlMs: o.slotTtlMs } : undefined;
    const r = await store.acquireAndGet!(slot, quotas ? [k.visitor, k.total] : []).catch(storeFailed('streams'));
    const refusal = quotas ? quotaRefusal(k, r.counters[0]!, r.counters[1]!) : undefined;
    if (slot && !r.acquired) {
      return { refusal: refusal ?? new ChatKitError('rate_limited', `At most ${concurrent} answers at once; wait for one to finish.`, 1) };
    }
    return { slot: slot?.key, refusal };
  }

  const admission: Admission = {
    async admit(req, res, key, streaming) {
      if (store.acquireAndGet && store.releaseAndAdd && (quotas || (streaming && concurrent !== undefined))) {
        const [rate, sq] = await Promise.allSettled([admission.limitRate(req, res, key), slotAndQuota(key, streaming)]);
        const slot = sq.status === 'fulfilled' ? sq.value.slot : undefined;
        const refused = rate.status === 'rejected' ? rate.reason : sq.status === 'rejected' ? sq.reason : sq.value.refusal;
        if (refused) {
          if (slot) store.release(slot).catch(logFailure('release'));
          throw refused;
        }
        let ended = false;
        return (tokens = 0) => {
          if (ended) return;
          ended = true;
          const charged = quotas && tokens > 0;
          if (!slot && !charged) return;
          const k = dayKeys(key);
          store.releaseAndAdd!(slot, charged ? [k.visitor, k.total] : [], Math.ceil(tokens), k.resetAt).catch(logFailure('release'));
        };
      }
      const [rate, quota, slot] = await Promise.allSettled([
        admission.limitRate(req, res, key),
        admission.checkQuota(key),
        streaming ? admission.openSlot(key) : none,
      ]);
      const refused = rate.status === 'rejected' ? rate : quota.status === 'rejected' ? quota : slot.status === 'rejected' ? slot : undefined;
      if (refused) {
        if (slot.status === 'fulfilled') slot.value();
        throw refused.reason;
      }
      const release = (slot as PromiseFulfilledResult<() => void>).value;
      return (tokens = 0) => {
        release();
        admission.charge(key, tokens);
      };
    },
    limitRate(req, res, key) {
      if (!limiter) return Promise.resolve();
      res.locals.gcLimitKey = key;
      const mw = limiter;
      return new Promise<void>((resolve, reject) => {
        mw(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
      }).catch(storeFailed('rate'));
    },
    async openSlot(key) {
      if (concurrent === undefined) return () => {};
      const slot = `${o.prefix}s:${key}`;
      const ok = await store.acquire(slot, concurrent, o.slotTtlMs).catch(storeFailed('streams'));
      if (!ok) throw new ChatKitError('rate_limited', `At most ${concurrent} answers at once; wait for one to finish.`, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        store.release(slot).catch(logFailure('release'));
      };
    },
    async checkQuota(key) {
      if (!quotas) return;
      const k = dayKeys(key);
      const [mine, all] = await store.getCounters([k.visitor, k.total]).catch(storeFailed('quota'));
      const refusal = quotaRefusal(k, mine!, all!);
      if (refusal) throw refusal;
    },
    charge(key, tokens) {
      if (!quotas || !(tokens > 0)) return;
      const k = dayKeys(key);
      store.addCounters([k.visitor, k.total], tokens, k.resetAt).catch(logFailure('charge'));
    },
  };
  return admission;
}

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
   * a refused chat is given back. Returns the slot's release.
   */
  admit(req: Request, res: Response, key: string, streaming: boolean): Promise<() => void>;
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
  const admission: Admission = {
    async admit(req, res, key, streaming) {
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
      return (slot as PromiseFulfilledResult<() => void>).value;
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
        store.release(slot).catch((err: unknown) => logger.error('limit store failed (release)', { error: (err as Error)?.name }));
      };
    },
    async checkQuota(key) {
      if (perVisitor === undefined && total === undefined) return;
      const k = dayKeys(key);
      const [mine, all] = await store.getCounters([k.visitor, k.total]).catch(storeFailed('quota'));
      if ((perVisitor !== undefined && mine! >= perVisitor) || (total !== undefined && all! >= total)) {
        const mineOver = perVisitor !== undefined && mine! >= perVisitor;
        throw new ChatKitError(
          'quota_exceeded',
          mineOver
            ? 'You have used up your questions for today; the allowance resets at midnight UTC.'
            : 'The chat has used up its allowance for today; it resets at midnight UTC.',
          secondsUntil(k.resetAt),
        );
      }
    },
    charge(key, tokens) {
      if ((perVisitor === undefined && total === undefined) || !(tokens > 0)) return;
      const k = dayKeys(key);
      store
        .addCounters([k.visitor, k.total], tokens, k.resetAt)
        .catch((err: unknown) => logger.error('limit store failed (charge)', { error: (err as Error)?.name }));
    },
  };
  return admission;
}

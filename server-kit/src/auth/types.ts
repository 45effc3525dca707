import type { Request, Response } from 'express';

/** Who is chatting. `id` keys the rate limiter and reaches your hooks; nothing of it is sent upstream. */
export type Principal = {
  id: string;
  name?: string;
  /** Which authenticator vouched for it: `none`, `easyauth`, `entra`, `custom`, `middleware`. */
  provider: string;
  /** Verified claims (token claims, Easy Auth claims), for your hooks. */
  claims?: Record<string, unknown>;
};

/**
 * The authentication seam: resolve the visitor, or null for 401 `unauthorized`.
 * Throwing a ChatKitError (e.g. `forbidden`) answers with it; any other throw is a 500.
 * `res` is given for adapters of middleware that may answer by themselves.
 */
export type Authenticator = (req: Request, res: Response) => Promise<Principal | null>;

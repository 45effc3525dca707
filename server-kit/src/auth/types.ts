import type { Request, Response } from 'express';

/** Who is chatting. `id` keys the rate limiter and reaches your hooks; sent upstream only with the `forwardPrincipal` option. */
export type Principal = {
  id: string;
  name?: string;
  /** App roles (`roles` claim), forwarded to the orchestrator when configured. */
  roles?: string[];
  /** Group ids (`groups` claim), for the orchestrator's security trimming. */
  groups?: string[];
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

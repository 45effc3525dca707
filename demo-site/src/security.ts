/**
 * Security headers for every response, from helmet (see docs/demo-site.md#security-headers):
 * a strict CSP (no 'unsafe-inline', no 'unsafe-eval': the pages load only their own hashed
 * scripts and stylesheets), HSTS, Referrer-Policy, and a Permissions-Policy, which helmet does
 * not set, added here. `frame-ancestors` is configurable (FRAME_ANCESTORS) for a site that frames
 * the demo; X-Frame-Options is then left out, since it cannot express a list of origins.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export interface SecurityOptions {
  /** CSP frame-ancestors sources; default `'self'`. */
  frameAncestors?: string[];
  /**
   * The identity provider's origins (AUTH_MODE=entra: login.microsoftonline.com), for MSAL's token
   * requests (connect-src) and its silent-renew iframe (frame-src).
   */
  identityOrigins?: string[];
}

/** Features the site never uses, denied to it and to anything it embeds. */
export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=()';

export function cspDirectives(o: SecurityOptions, styleHashes: string[] = []) {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", ...styleHashes],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'", ...(o.identityOrigins ?? [])],
    frameSrc: ["'self'", ...(o.identityOrigins ?? [])],
    fontSrc: ["'self'"],
    manifestSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: o.frameAncestors?.length ? o.frameAncestors : ["'self'"],
    upgradeInsecureRequests: null,
  };
}

/** helmet for every response, plus Permissions-Policy. */
export function securityHeaders(o: SecurityOptions = {}): RequestHandler {
  const custom = !!o.frameAncestors?.length && o.frameAncestors.join(' ') !== "'self'";
  const h = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(o) },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xFrameOptions: custom ? false : { action: 'sameorigin' },
  });
  return (req, res, next) => {
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    h(req, res, next);
  };
}

/** The CSP of one page whose server-rendered shell carries `<style>` elements allowed by hash. */
export function pageCsp(o: SecurityOptions, styleHashes: string[]): RequestHandler {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives: cspDirectives(o, styleHashes) });
}

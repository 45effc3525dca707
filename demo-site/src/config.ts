import { z } from 'zod';
import { isAbsolute, resolve } from 'node:path';
import { defaultSiteDir } from './paths.js';
import { platformAuthEnabled } from './session.js';

const source = z
  .string()
  .regex(/^('self'|'none'|https:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?)$/i, "each source must be 'self', 'none', or an https:// origin");

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  SITE_DIR: z.string().min(1).optional(),
  WEBSITE_SITE_NAME: z.string().optional(),
  WEBSITE_AUTH_ENABLED: z.string().optional(),
  AUTH_MODE: z.enum(['none', 'easyauth', 'entra']).optional(),
  FRAME_ANCESTORS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(source)),
  AUTH_ENTRA_TENANT_ID: z.string().optional(),
  AUTH_ENTRA_AUDIENCE: z.string().optional(),
  DEMO_ENTRA_CLIENT_ID: z.string().optional(),
  DEMO_ENTRA_SCOPES: z.string().optional(),
  DEMO_ENTRA_AUTHORITY: z
    .string()
    .regex(/^https:\/\/[a-z0-9.-]+(:\d+)?(\/[\w.~%-]+)*\/?$/i, 'must be an https:// URL (the authority MSAL signs in with)')
    .optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(230_000).default(10_000),
});

/**
 * What the /sign-in/entra page hands to MSAL. `knownAuthorities` is set for an authority that is
 * not login.microsoftonline.com (a sovereign cloud, an External ID custom domain, a test provider):
 * MSAL then trusts that host as it is, reading its OpenID metadata instead of asking Entra's
 * instance discovery about it.
 */
export interface EntraPageSettings {
  clientId: string;
  authority: string;
  scopes: string[];
  knownAuthorities?: string[];
}

export const ENTRA_PUBLIC_LOGIN = 'https://login.microsoftonline.com';

export type DemoConfig = {
  port: number;
  host: string;
  /** The built site (npm run build): pages, assets, site.json. */
  siteDir: string;
  /** True on App Service, where a front end terminates TLS and sets X-Forwarded-For. */
  onAppService: boolean;
  /** How visitors sign in; the same default as the server kit's (easyauth on App Service, else none). */
  authMode: 'none' | 'easyauth' | 'entra';
  /** WEBSITE_AUTH_ENABLED=true: Easy Auth's principal headers are the platform's. */
  platformAuth: boolean;
  frameAncestors: string[];
  /** Public settings of the Entra sign-in page (a SPA registration has no secret). */
  entra?: EntraPageSettings;
  /** How long open requests (streams) may finish after SIGTERM. */
  shutdownTimeoutMs: number;
};

/** The demo site's own settings; the chat settings are the server kit's (see createChatRouterFromEnv). */
export function loadDemoConfig(env: NodeJS.ProcessEnv): DemoConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new DemoConfigError(lines);
  }
  const v = parsed.data;
  const siteDir = v.SITE_DIR ? (isAbsolute(v.SITE_DIR) ? v.SITE_DIR : resolve(v.SITE_DIR)) : defaultSiteDir;
  const onAppService = Boolean(v.WEBSITE_SITE_NAME);
  const authMode = v.AUTH_MODE ?? (onAppService ? 'easyauth' : 'none');
  const config: DemoConfig = {
    port: v.PORT,
    host: v.HOST,
    siteDir,
    onAppService,
    authMode,
    platformAuth: platformAuthEnabled(v),
    frameAncestors: v.FRAME_ANCESTORS,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
  };
  if (authMode === 'entra' && v.DEMO_ENTRA_CLIENT_ID && (v.DEMO_ENTRA_AUTHORITY || v.AUTH_ENTRA_TENANT_ID)) {
    const scopes = (v.DEMO_ENTRA_SCOPES ?? (v.AUTH_ENTRA_AUDIENCE ? `${v.AUTH_ENTRA_AUDIENCE}/.default` : '')).split(/[\s,]+/).filter(Boolean);
    const authority = v.DEMO_ENTRA_AUTHORITY ?? `${ENTRA_PUBLIC_LOGIN}/${v.AUTH_ENTRA_TENANT_ID}`;
    config.entra = { clientId: v.DEMO_ENTRA_CLIENT_ID, authority, scopes };
    if (new URL(authority).origin !== ENTRA_PUBLIC_LOGIN) config.entra.knownAuthorities = [new URL(authority).host];
  }
  return config;
}

export class DemoConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'DemoConfigError';
  }
}

/**
 * GET /api/session: how this site signs visitors in, and who is signed in, for the page's sign-in
 * bar (client/site.ts). The visitor's name comes only from the principal App Service's Easy Auth
 * sets (`X-MS-CLIENT-PRINCIPAL-NAME`), and only where the platform vouches for it:
 * AUTH_MODE=easyauth *and* WEBSITE_AUTH_ENABLED=true. Anywhere else the header could be forged by
 * the visitor, so it is ignored — the same rule as the server kit's (docs/security.md).
 */
import { Router } from 'express';
import type { DemoConfig, EntraPageSettings } from './config.js';

/** True only where App Service authentication is on, so the Easy Auth headers are the platform's. */
export const platformAuthEnabled = (env: { WEBSITE_AUTH_ENABLED?: string | undefined }) => /^true$/i.test(env.WEBSITE_AUTH_ENABLED?.trim() ?? '');

export interface SessionBody {
  authMode: DemoConfig['authMode'];
  user: { name: string } | null;
  /** Sign-in URL, `{path}` standing for the page to come back to. */
  signIn: string | null;
  signOut: string | null;
  entra?: EntraPageSettings;
}

export function sessionRouter(config: DemoConfig): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const body: SessionBody = { authMode: config.authMode, user: null, signIn: null, signOut: null };
    if (config.authMode === 'easyauth') {
      body.signIn = '/.auth/login/aad?post_login_redirect_uri={path}';
      if (config.platformAuth) {
        const name = req.get('x-ms-client-principal-name')?.trim();
        if (name && req.get('x-ms-client-principal-id')) {
          body.user = { name: name.slice(0, 200) };
          body.signOut = '/.auth/logout?post_logout_redirect_uri=/';
        }
      }
    } else if (config.authMode === 'entra') {
      body.signIn = '/sign-in/entra';
      if (config.entra) body.entra = config.entra;
    }
    // Per visitor: never cached by a shared cache.
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(body);
  });
  return router;
}

import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { ENTRA_PUBLIC_LOGIN, type DemoConfig } from './config.js';
import { securityHeaders, type SecurityOptions } from './security.js';
import { sessionRouter } from './session.js';
import { errorPages, siteRouter, type LoadedSite } from './site.js';
import { widgetDistDir } from './paths.js';

export interface DemoAppOptions {
  config: DemoConfig;
  /** The server kit's router. Injected so tests can point it anywhere. */
  chatRouter: RequestHandler;
  /** The built site (loadSite). */
  site: LoadedSite;
  /** Where a failure is reported (default: console.error); never shown to the visitor. */
  log?: (message: string) => void;
}

/**
 * The App Service app: the site's pages (docs rendered at build time), the widget drop-in for
 * other sites, who is signed in, and the chat API. helmet's headers on every response, under a
 * strict CSP (see docs/demo-site.md).
 */
export function createDemoApp({ config, chatRouter, site, log = console.error }: DemoAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // On App Service one front end sits between the visitor and the app (express-rate-limit rejects `true`).
  if (config.onAppService) app.set('trust proxy', 1);
  const security: SecurityOptions = {
    frameAncestors: config.frameAncestors,
    // MSAL's metadata and token requests (connect-src) go to the authority's origin.
    ...(config.authMode === 'entra' ? { identityOrigins: [config.entra ? new URL(config.entra.authority).origin : ENTRA_PUBLIC_LOGIN] } : {}),
  };
  app.use(securityHeaders(security));

  // App Service's health check (Health check path: /healthz). Liveness of this process only: the
  // orchestrator has its own probes, and one slow upstream must not get every instance recycled.
  app.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });

  app.use('/api/session', sessionRouter(config));
  // The one chat endpoint: each page keeps its own conversation through the widget's storage-key.
  app.use('/api/chat', chatRouter);

  // The drop-in at a stable URL, for other sites to embed (the site itself uses hashed copies).
  app.use(
    '/widget',
    express.static(widgetDistDir, {
      index: false,
      fallthrough: true,
      setHeaders(res, path) {
        // Other sites load it as a module script: that takes CORS, and a cross-origin CORP.
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.setHeader('Cache-Control', path.includes('/chunks/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );

  app.use(siteRouter(site, security));

  const pages = errorPages(site);
  app.use((req, res) => {
    if (req.path.startsWith('/api/')) {
      res.status(404).json({ error: { code: 'not_found', message: 'No such API route.' } });
      return;
    }
    res.status(404).type('html').setHeader('Cache-Control', 'no-cache');
    res.send(pages.notFound);
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status >= 500) log(`demo-site: ${req.method} ${req.path} failed: ${err instanceof Error ? err.message : String(err)}`);
    if (res.headersSent) return res.destroy();
    if (req.path.startsWith('/api/')) {
      res.status(status).json({ error: { code: status === 500 ? 'internal' : 'bad_request', message: status === 500 ? 'The server could not answer.' : 'Bad request.' } });
      return;
    }
    res.status(status).type('html').setHeader('Cache-Control', 'no-store');
    res.send(status === 404 ? pages.notFound : pages.error);
  };
  app.use(onError);
  return app;
}

import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { extname } from 'node:path';
import type { DemoConfig } from './config.js';
import type { RenderedPage } from './page.js';
import { publicDir, widgetDistDir } from './paths.js';

export interface DemoAppOptions {
  config: DemoConfig;
  /** The server kit's router, mounted at /api/chat. Injected so tests can point it anywhere. */
  chatRouter: RequestHandler;
  /** The index page with the chat shell rendered on the server; without it, public/index.html as is. */
  indexPage?: RenderedPage;
}

const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  frameAncestors: ["'self'"],
  formAction: ["'self'"],
};

/**
 * The App Service app: demo pages, the widget bundle, the docs the answers cite, and the chat API.
 * Every page is served under a strict CSP, the same one site owners are told the widget works under.
 */
export function createDemoApp({ config, chatRouter, indexPage }: DemoAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // On App Service one front end sits between the visitor and the app (express-rate-limit rejects `true`).
  if (config.onAppService) app.set('trust proxy', 1);

  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      // The widget bundle is fetched as a module script from the same origin only.
      crossOriginEmbedderPolicy: false,
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use('/api/chat', chatRouter);

  app.use(
    '/widget',
    express.static(widgetDistDir, {
      index: false,
      fallthrough: true,
      setHeaders(res, path) {
        // Hashed lazy chunks never change; the entry file may, so it is revalidated.
        res.setHeader('Cache-Control', path.includes('/chunks/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );

  // Citations link here. Markdown is sent as plain text so the browser shows it and never runs it.
  app.use(
    '/docs',
    express.static(config.docsDir, {
      index: false,
      dotfiles: 'ignore',
      setHeaders(res, path) {
        if (['.md', '.markdown', '.txt'].includes(extname(path))) {
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        }
      },
    }),
  );

  if (indexPage) {
    // The server-rendered shell's <style> elements are allowed by hash, nothing else inline.
    const pageCsp = helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: { ...CSP_DIRECTIVES, styleSrc: ["'self'", ...indexPage.styleHashes] },
    });
    app.get(['/', '/index.html'], pageCsp, (_req, res) => {
      res.type('html').setHeader('Cache-Control', 'no-cache');
      res.send(indexPage.html);
    });
  }

  app.use(express.static(publicDir, { index: 'index.html' }));

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  return app;
}

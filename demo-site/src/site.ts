/**
 * Serves the built site (src/build/site-build.ts) and nothing else: a URL is answered only when
 * site.json names it. Docs pages are HTML rendered at build time; the docs' Markdown is plain text
 * at /docs/raw/…; no other file placed in docs/ is ever served (an .html or .svg there would run
 * same-origin script with the visitor's cookies).
 *
 * Files go through express-static-gzip: the build wrote .br and .gz beside each text file, so a
 * request costs no compression. Pages are revalidated (`no-cache`, ETag); hashed assets are
 * cached for a year, `immutable`.
 */
import expressStaticGzip from 'express-static-gzip';
type ExpressStaticGzipOptions = expressStaticGzip.ExpressStaticGzipOptions;
import type { ServerResponse } from 'node:http';
import { Router, type RequestHandler } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteManifest } from './build/site-build.js';
import { pageCsp, type SecurityOptions } from './security.js';

export interface LoadedSite {
  dir: string;
  manifest: SiteManifest;
}

export function loadSite(dir: string): LoadedSite {
  let manifest: SiteManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as SiteManifest;
  } catch {
    throw new Error(`the built site is missing at ${dir} (run npm run build)`);
  }
  if (manifest.version !== 1) throw new Error(`${dir}/site.json is of an unknown version`);
  return { dir, manifest };
}

const gzipOptions = (setHeaders: (res: ServerResponse, path: string) => void): ExpressStaticGzipOptions => ({
  enableBrotli: true,
  orderPreference: ['br', 'gzip'],
  index: false,
  serveStatic: { index: false, dotfiles: 'ignore', fallthrough: true, setHeaders },
});

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function siteRouter(site: LoadedSite, security: SecurityOptions): Router {
  const router = Router();
  const { manifest, dir } = site;

  router.use(
    '/assets',
    expressStaticGzip(join(dir, 'assets'), gzipOptions((res) => res.setHeader('Cache-Control', IMMUTABLE))),
  );

  const root = expressStaticGzip(join(dir, 'root'), gzipOptions((res, path) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    if (path.endsWith('.webmanifest') || path.endsWith('.webmanifest.br') || path.endsWith('.webmanifest.gz')) res.setHeader('Content-Type', 'application/manifest+json; charset=utf-8');
  }));
  router.get(['/favicon.svg', '/robots.txt', '/manifest.webmanifest'], root);

  const files = expressStaticGzip(dir, gzipOptions((res, path) => {
    res.setHeader('Cache-Control', 'no-cache');
    if (path.includes('/raw/')) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  }));
  const serveFile = (file: string): RequestHandler => (req, res, next) => {
    req.url = '/' + file;
    files(req, res, next);
  };

  const cspByHashes = new Map<string, RequestHandler>();
  for (const [path, route] of Object.entries(manifest.routes)) {
    const handlers: RequestHandler[] = [];
    if (route.styleHashes.length) {
      const key = route.styleHashes.join(' ');
      if (!cspByHashes.has(key)) cspByHashes.set(key, pageCsp(security, route.styleHashes));
      handlers.push(cspByHashes.get(key)!);
    }
    handlers.push(serveFile(`pages/${route.file}`));
    router.get(path, ...handlers);
    if (path.endsWith('/') && path !== '/') router.get(path.slice(0, -1), (_req, res) => res.redirect(301, path));
  }
  for (const [path, file] of Object.entries(manifest.text)) router.get(path, serveFile(`raw/${file}`));

  router.get('/index.html', (_req, res) => res.redirect(301, '/'));
  // The example pages before the site had its own pages.
  const moved: Record<string, string> = { inline: '/', launcher: '/on-your-site', themed: '/theming' };
  router.get('/examples/:page.html', (req, res, next) => {
    const to = moved[req.params.page as string];
    return to ? res.redirect(301, to) : next();
  });
  return router;
}

/** The site's 404 and 500 pages, with the right status. */
export function errorPages(site: LoadedSite) {
  const notFound = readFileSync(join(site.dir, 'pages', site.manifest.notFound), 'utf8');
  const error = readFileSync(join(site.dir, 'pages', site.manifest.error), 'utf8');
  return { notFound, error };
}

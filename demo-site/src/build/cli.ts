#!/usr/bin/env node
/** `npm run build -w @grounded-chat/demo-site`: renders the site into dist/site (see site-build.ts). */
import { isAbsolute, resolve } from 'node:path';
import { buildSite } from './site-build.js';
import { clientDir, defaultDocsDir, defaultSiteDir, publicDir, widgetDistDir } from '../paths.js';

const abs = (p: string | undefined, d: string) => (p ? (isAbsolute(p) ? p : resolve(p)) : d);
const started = Date.now();
try {
  const m = await buildSite({
    docsDir: abs(process.env.DOCS_DIR, defaultDocsDir),
    outDir: abs(process.env.SITE_DIR, defaultSiteDir),
    widgetDist: widgetDistDir,
    clientDir,
    publicDir,
  });
  console.log(`demo-site: built ${Object.keys(m.routes).length} pages in ${Date.now() - started} ms`);
} catch (err) {
  console.error(`demo-site build: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

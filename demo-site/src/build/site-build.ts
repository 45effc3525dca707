/**
 * Builds the whole site into one folder, once, before the app starts (`npm run build`):
 *
 *   site/
 *     site.json            routes → files (and the CSP style hashes of the server-rendered shell)
 *     pages/*.html         every page, the docs rendered from docs/
 *     raw/*.md|txt         the docs' plain text, served at /docs/raw/… (and .txt at /docs/…)
 *     assets/*.<hash>.*    CSS, the page scripts, the widget drop-in: immutable, cached for a year
 *     root/                favicon.svg, robots.txt, manifest.webmanifest
 *   each text file ≥ 1 KB also as .br and .gz beside it, for express-static-gzip.
 *
 * Why at build time: a docs page is then a file, not code run per request; the server serves
 * exactly what is in site.json, so nothing else placed in docs/ (an .html, an .svg) is ever served.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { renderShell, shellStyleHashes } from '@grounded-chat/widget/ssr.js';
import { STOP_WORDS } from '@grounded-chat/orchestrator';
import { buildSearchFile } from '../search-index.js';
import { buildDocs, docPage, docsIndexPage, type DocSource } from './docs-pages.js';
import { layout, type Assets, type PageInput } from './layout.js';
import {
  entraPage,
  errorPage,
  HOME_CHAT_PLACEHOLDER,
  CHAT_ENDPOINT,
  storageKeyFor,
  HOME_SUGGESTIONS,
  homePage,
  notFoundPage,
  onYourSitePage,
  recipePage,
  recipesIndexPage,
  RECIPES,
  themingPage,
} from './pages.js';

export interface SiteManifest {
  version: 1;
  /** URL path → page file (relative to pages/), with extra CSP style-src sources. */
  routes: Record<string, { file: string; styleHashes: string[] }>;
  /** Docs served as plain text: URL path → file relative to raw/. */
  text: Record<string, string>;
  notFound: string;
  error: string;
}

export interface BuildOptions {
  docsDir: string;
  outDir: string;
  /** The widget's dist/ (drop-in bundle and its lazy chunks). */
  widgetDist: string;
  /** demo-site/client (page scripts and the stylesheet). */
  clientDir: string;
  /** demo-site/public (favicon and other files served at the root). */
  publicDir: string;
}

const RENDERED = /\.(md|markdown)$/i;
const PLAIN = /\.(txt|text)$/i;

export async function buildSite(o: BuildOptions): Promise<SiteManifest> {
  await rm(o.outDir, { recursive: true, force: true });
  for (const d of ['pages', 'raw', 'assets', 'root']) await mkdir(join(o.outDir, d), { recursive: true });

  const assets = await buildAssets(o);
  const names = (await readdir(o.docsDir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
  const sources: DocSource[] = [];
  const text: Record<string, string> = {};
  for (const name of names.sort()) {
    if (!RENDERED.test(name) && !PLAIN.test(name)) continue; // any other file type is never served
    const content = await readFile(join(o.docsDir, name), 'utf8');
    await writeFile(join(o.outDir, 'raw', name), content);
    text[`/docs/raw/${name}`] = name;
    if (RENDERED.test(name)) sources.push({ name, content });
    else text[`/docs/${name}`] = name;
  }
  const { docs, search } = buildDocs(sources);
  const searchUrl = await writeAsset(o.outDir, 'search.json', JSON.stringify(buildSearchFile(search, STOP_WORDS)));

  const css = await readFile(join(o.clientDir, 'site.css'), 'utf8');
  const brand = /\/\* brand-theme: start[^*]*\*\/\n([\s\S]*?)\/\* brand-theme: end \*\//.exec(css)?.[1];
  if (!brand) throw new Error('client/site.css has no brand-theme block');
  const pages: PageInput[] = [
    homePage(),
    onYourSitePage(),
    themingPage(brand),
    recipesIndexPage(),
    ...RECIPES.map(recipePage),
    entraPage(),
    docsIndexPage(docs),
    ...docs.map((d) => docPage(d, docs)),
  ];
  const routes: SiteManifest['routes'] = {};
  const fileOf = (path: string) => (path === '/' ? 'index.html' : `${path.replace(/^\//, '').replace(/\/$/, '/index').replace(/[^\w./-]/g, '_')}.html`);
  for (const p of [...pages, notFoundPage(), errorPage()]) {
    let html = layout(p, assets).replace('data-search>', `data-search data-index="${searchUrl}">`);
    let styleHashes: string[] = [];
    if (html.includes(HOME_CHAT_PLACEHOLDER)) {
      // The home chat paints before any script: the shell is rendered here into declarative
      // shadow DOM, and its <style> elements are allowed by hash. Lit's hydration markers are
      // dropped (the drop-in does not hydrate).
      const shell = (
        await renderShell({ endpoint: CHAT_ENDPOINT, suggestions: HOME_SUGGESTIONS, 'storage-key': storageKeyFor('home') })
      ).replace(/<!--\/?lit-[^>]*-->/g, '');
      html = html.replace(HOME_CHAT_PLACEHOLDER, () => shell);
      styleHashes = await shellStyleHashes(shell);
    }
    const file = fileOf(p.path);
    await mkdir(dirname(join(o.outDir, 'pages', file)), { recursive: true });
    await writeFile(join(o.outDir, 'pages', file), html);
    routes[p.path] = { file, styleHashes };
  }
  const notFound = routes['/404']!.file;
  const error = routes['/500']!.file;
  delete routes['/404'];
  delete routes['/500'];

  await copyFile(join(o.publicDir, 'favicon.svg'), join(o.outDir, 'root', 'favicon.svg'));
  await writeFile(join(o.outDir, 'root', 'robots.txt'), 'User-agent: *\nAllow: /\nDisallow: /api/\n');
  await writeFile(
    join(o.outDir, 'root', 'manifest.webmanifest'),
    JSON.stringify(
      {
        name: 'grounded-chat',
        short_name: 'grounded-chat',
        description: 'Answers from your docs, with their sources.',
        start_url: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#0f5ea8',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      null,
      2,
    ),
  );

  const manifest: SiteManifest = { version: 1, routes, text, notFound, error };
  await writeFile(join(o.outDir, 'site.json'), JSON.stringify(manifest, null, 2));
  await precompress(o.outDir);
  return manifest;
}

/** Bundles the page scripts and the stylesheet with content hashes, and copies the widget drop-in. */
async function buildAssets(o: BuildOptions): Promise<Assets> {
  const map = new Map<string, string>();
  const out = join(o.outDir, 'assets');
  const entries = ['site.ts', 'recipe-html.ts', 'recipe-bearer.ts', 'recipe-react.ts', 'recipe-vue.ts', 'entra.ts', 'site.css'];
  const result = await build({
    entryPoints: entries.map((e) => join(o.clientDir, e)),
    outdir: out,
    entryNames: '[name].[hash]',
    chunkNames: 'chunks/[name].[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    metafile: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
    logLevel: 'warning',
  });
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const name = meta.entryPoint.split('/').pop()!.replace(/\.tsx?$/, '.js');
    map.set(name, '/' + relative(o.outDir, resolve(file)).split('\\').join('/'));
  }
  // The widget drop-in in a content-hashed folder: its lazy chunks import `../grounded-chat.js`
  // back, so the file keeps its name and the folder carries the hash of the whole bundle.
  const strip = (js: string) => js.replace(/\n\/\/# sourceMappingURL=.*$/, '');
  const files: Array<[string, string]> = [['grounded-chat.js', strip(await readFile(join(o.widgetDist, 'grounded-chat.js'), 'utf8'))]];
  for (const f of (await readdir(join(o.widgetDist, 'chunks'))).sort()) {
    if (f.endsWith('.js')) files.push([`chunks/${f}`, strip(await readFile(join(o.widgetDist, 'chunks', f), 'utf8'))]);
  }
  const hash = createHash('sha256');
  for (const [name, js] of files) hash.update(name).update('\0').update(js).update('\0');
  const folder = `widget-${hash.digest('base64url').slice(0, 10)}`;
  await mkdir(join(out, folder, 'chunks'), { recursive: true });
  for (const [name, js] of files) await writeFile(join(out, folder, name), js);
  map.set('grounded-chat.js', `/assets/${folder}/grounded-chat.js`);
  return {
    url(name) {
      const u = map.get(name);
      if (!u) throw new Error(`no asset named ${name}`);
      return u;
    },
  };
}

async function writeAsset(outDir: string, name: string, content: string): Promise<string> {
  const hash = createHash('sha256').update(content).digest('base64url').slice(0, 10);
  const file = name.replace(/(\.\w+)$/, `.${hash}$1`);
  await writeFile(join(outDir, 'assets', file), content);
  return `/assets/${file}`;
}

const COMPRESSIBLE = /\.(html|css|js|json|md|markdown|txt|text|svg|webmanifest)$/i;

async function precompress(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name) || entry.name === 'site.json') continue;
    const path = join(entry.parentPath, entry.name);
    const data = await readFile(path);
    if (data.length < 1024) continue;
    await writeFile(path + '.br', brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
    await writeFile(path + '.gz', gzipSync(data, { level: 9 }));
  }
}

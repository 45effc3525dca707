/**
 * The demo app over HTTP (supertest), on a site built from a docs folder made here, with hostile
 * files in it: what is served, with which headers, and what never is.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Router, type Express } from 'express';
import request from 'supertest';
import { createDemoApp } from '../src/app.js';
import { loadDemoConfig, type DemoConfig } from '../src/config.js';
import { buildSite } from '../src/build/site-build.js';
import { loadSearch, type SearchFile } from '../src/search-index.js';
import { loadSite, type LoadedSite } from '../src/site.js';
import { clientDir, publicDir, widgetDistDir } from '../src/paths.js';

const docsDir = mkdtempSync(join(tmpdir(), 'gc-demo-docs-'));
writeFileSync(
  join(docsDir, 'guide.md'),
  [
    '# Guide',
    '',
    '<script>alert(1)</script>',
    '',
    'Inline <img src=x onerror=alert(2)> and [a link](javascript:alert(3)) and [next](other.md#b).',
    '',
    '![beacon](https://tracker.example/p.gif)',
    '',
    '## Setup',
    '',
    'Long enough text. '.repeat(40),
    '',
    '```html',
    '<iframe src="https://evil.example"></iframe>',
    '```',
  ].join('\n'),
);
writeFileSync(join(docsDir, 'other.md'), '# Other\n\n## B\n\nText.\n');
writeFileSync(join(docsDir, 'notes.txt'), 'Plain notes.\n');
writeFileSync(join(docsDir, 'evil.html'), '<script>fetch("/api/chat")</script>');
writeFileSync(join(docsDir, 'evil.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
writeFileSync(join(tmpdir(), 'gc-demo-secret.txt'), 'secret');

let site: LoadedSite;
const config = (over: Partial<DemoConfig> = {}): DemoConfig => ({ ...loadDemoConfig({}), ...over });
const appWith = (over: Partial<DemoConfig> = {}): Express => {
  const chatRouter = Router();
  chatRouter.post('/', (req, res) => {
    res.json({ mounted: req.baseUrl });
  });
  return createDemoApp({ config: config({ siteDir: site.dir, ...over }), chatRouter, site, log: () => {} });
};
let app: Express;

before(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'gc-demo-site-'));
  await buildSite({ docsDir, outDir, widgetDist: widgetDistDir, clientDir, publicDir });
  site = loadSite(outDir);
  app = appWith();
});

describe('pages and security headers', () => {
  it('serves every page under a strict CSP with helmet headers and Permissions-Policy', async () => {
    for (const path of ['/', '/docs/', '/docs/guide.md', '/on-your-site', '/theming', '/recipes/', '/recipes/react', '/sign-in/entra']) {
      const res = await request(app).get(path).expect(200);
      assert.match(res.type, /html/, path);
      const csp = res.headers['content-security-policy'] ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.match(csp, /style-src 'self'( 'sha256-[\w+/=]+')*(;|$)/, path);
      assert.match(csp, /frame-ancestors 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(res.headers['strict-transport-security'] ?? '', /max-age=31536000/);
      assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin');
      assert.match(res.headers['permissions-policy'] ?? '', /camera=\(\)/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-powered-by'], undefined);
      assert.equal(res.headers['cache-control'], 'no-cache', path);
      assert.doesNotMatch(res.text, /<script(?![^>]*\ssrc=)[^>]*>/, `${path}: no inline script`);
      assert.doesNotMatch(res.text, /\sstyle=|<style(?![^<]*<\/style>[\s\S]*<\/template>)/, `${path}: no inline style outside the shell`);
      assert.match(res.text, /<meta name="description" content="[^"]{40,}">/, `${path}: a meta description`);
      assert.match(res.text, /<a [^>]*href="\/"/, `${path}: a link home`);
    }
  });

  it('security headers are on API answers and 404s too', async () => {
    for (const path of ['/healthz', '/api/session', '/nope', '/api/nope']) {
      const res = await request(app).get(path);
      assert.match(res.headers['content-security-policy'] ?? '', /default-src 'self'/, path);
      assert.ok(res.headers['permissions-policy'], path);
    }
  });

  it('allows exactly the home shell\'s own styles by hash', async () => {
    const res = await request(app).get('/').expect(200);
    assert.match(res.text, /<grounded-chat[^>]*endpoint="\/api\/chat"[^>]*><template shadowroot(mode)?="open"/);
    const styles = [...res.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    assert.ok(styles.length > 0);
    const styleSrc = /style-src ([^;]*)/.exec(res.headers['content-security-policy']!)![1]!.split(' ');
    for (const css of styles) assert.ok(styleSrc.includes(`'sha256-${createHash('sha256').update(css).digest('base64')}'`));
    // Other pages allow no hash at all.
    const other = await request(app).get('/theming');
    assert.match(other.headers['content-security-policy'] ?? '', /style-src 'self';/);
  });

  it('frame-ancestors follows FRAME_ANCESTORS, and X-Frame-Options steps aside', async () => {
    const res = await request(appWith({ frameAncestors: ['https://intranet.contoso.com'] })).get('/').expect(200);
    assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors https:\/\/intranet\.contoso\.com/);
    assert.equal(res.headers['x-frame-options'], undefined);
    assert.equal((await request(app).get('/')).headers['x-frame-options'], 'SAMEORIGIN');
  });

  it('lets the Entra sign-in reach the identity provider only with AUTH_MODE=entra', async () => {
    const entra = await request(appWith({ authMode: 'entra' })).get('/sign-in/entra').expect(200);
    assert.match(entra.headers['content-security-policy'] ?? '', /connect-src 'self' https:\/\/login\.microsoftonline\.com/);
    assert.match(entra.headers['content-security-policy'] ?? '', /frame-src 'self' https:\/\/login\.microsoftonline\.com/);
    const local = await request(app).get('/sign-in/entra').expect(200);
    assert.match(local.headers['content-security-policy'] ?? '', /connect-src 'self';/);
  });

  it('answers unknown pages with the site\'s 404 page, and API paths with JSON', async () => {
    const page = await request(app).get('/nope').expect(404);
    assert.match(page.text, /Page not found/);
    assert.match(page.text, /href="\/"/);
    const api = await request(app).get('/api/nope').expect(404);
    assert.equal(api.body.error.code, 'not_found');
  });

  it('a failure shows the 500 page, never a stack trace', async () => {
    const chatRouter = Router();
    chatRouter.get('/boom', () => {
      throw new Error('secret internals at /srv/app.js:12');
    });
    const logged: string[] = [];
    const a = createDemoApp({ config: config({ siteDir: site.dir }), chatRouter, site, log: (m) => logged.push(m) });
    const api = await request(a).get('/api/chat/boom').expect(500);
    assert.deepEqual(api.body, { error: { code: 'internal', message: 'The server could not answer.' } });
    assert.equal(logged.length, 1);
    const bad = await request(a).get('/docs/%E0%A4%A').expect((r) => assert.ok(r.status >= 400));
    assert.doesNotMatch(bad.text, /\n\s+at /);
  });

  it('serves robots.txt, the web manifest and the favicon', async () => {
    const robots = await request(app).get('/robots.txt').expect(200);
    assert.match(robots.text, /^User-agent: \*$/m);
    const manifest = await request(app).get('/manifest.webmanifest').expect(200);
    assert.match(manifest.type, /manifest\+json/);
    const m = JSON.parse(manifest.text);
    assert.equal(m.start_url, '/');
    assert.ok(m.icons.length > 0);
    await request(app).get('/favicon.svg').expect(200);
  });

  it('health route for App Service, not cached', async () => {
    const res = await request(app).get('/healthz').expect(200);
    assert.deepEqual(res.body, { status: 'ok' });
    assert.equal(res.headers['cache-control'], 'no-store');
  });
});

describe('docs', () => {
  it('renders docs as HTML at their cited URL, raw HTML shown as text', async () => {
    const res = await request(app).get('/docs/guide.md').expect(200);
    assert.match(res.type, /text\/html/);
    assert.match(res.text, /<h1 id="guide">Guide/);
    assert.match(res.text, /<h2 id="setup">Setup/);
    assert.match(res.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(res.text, /&lt;img src=x onerror=alert\(2\)&gt;/);
    assert.doesNotMatch(res.text, /javascript:/);
    assert.doesNotMatch(res.text, /<img|<iframe|<[^>]*\sonerror=/);
    assert.match(res.text, /<a href="https:\/\/tracker\.example\/p\.gif">Image: beacon<\/a>/, 'images become links, never loaded');
    assert.match(res.text, /<a href="\/docs\/other\.md#b">next<\/a>/, 'links between docs go to their pages');
    assert.match(res.text, /&lt;iframe src=&quot;https:\/\/evil\.example&quot;&gt;/);
  });

  it('serves the Markdown as plain text only through the raw route', async () => {
    const res = await request(app).get('/docs/raw/guide.md').expect(200);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain; charset=utf-8/);
    assert.match(res.text, /^# Guide/);
    const txt = await request(app).get('/docs/notes.txt').expect(200);
    assert.match(txt.headers['content-type'] ?? '', /^text\/plain/);
  });

  it('never serves any other file placed in docs/', async () => {
    for (const path of ['/docs/evil.html', '/docs/evil.svg', '/docs/raw/evil.html', '/docs/raw/evil.svg', '/raw/guide.md', '/pages/index.html', '/site.json']) {
      const res = await request(app).get(path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.text, /<svg|fetch\(/, path);
    }
  });

  it('does not serve files outside the site', async () => {
    for (const path of ['/docs/../gc-demo-secret.txt', '/docs/%2e%2e/gc-demo-secret.txt', '/docs/raw/..%2f..%2fgc-demo-secret.txt', '/assets/..%2fsite.json']) {
      const res = await request(app).get(path);
      assert.notEqual(res.status, 200, path);
      assert.doesNotMatch(res.text, /secret|"routes"/);
    }
  });

  it('has a search index of every section, linked to its heading', async () => {
    const page = await request(app).get('/docs/guide.md');
    const url = /data-index="([^"]+)"/.exec(page.text)![1]!;
    const res = await request(app).get(url).expect(200);
    const find = loadSearch(JSON.parse(res.text) as SearchFile);
    assert.deepEqual(find('setup').map((h) => [h.url, h.heading]), [['/docs/guide.md#setup', 'Setup']]);
    assert.ok(find('text').some((h) => h.url === '/docs/other.md#b'));
  });
});

describe('assets', () => {
  it('hashed assets are immutable and precompressed with Brotli and gzip', async () => {
    const home = await request(app).get('/');
    const assets = [...home.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 3, 'css, site script and widget');
    for (const a of assets) {
      assert.match(a, /(\.[\w-]{8,}\.(js|css)|\/widget-[\w-]{8,}\/grounded-chat\.js)$/, `${a} has a content hash`);
      const plain = await request(app).get(a).set('accept-encoding', 'identity').buffer(true).parse((r, cb) => {
        const c: Buffer[] = [];
        r.on('data', (d: Buffer) => c.push(d)).on('end', () => cb(null, Buffer.concat(c)));
      });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
      // superagent decodes br and gzip itself: the header says which was sent, the bytes must match.
      for (const enc of ['br', 'gzip']) {
        const res = await request(app).get(a).set('accept-encoding', enc).buffer(true).parse((r, cb) => {
          const c: Buffer[] = [];
          r.on('data', (d: Buffer) => c.push(d)).on('end', () => cb(null, Buffer.concat(c)));
        });
        assert.equal(res.headers['content-encoding'], enc, `${a} as ${enc}`);
        assert.match(res.headers['vary'] ?? '', /Accept-Encoding/);
        assert.ok((res.body as Buffer).equals(plain.body as Buffer), `${a} decompresses to the file`);
      }
    }
  });

  it('serves the drop-in at a stable URL for other sites (CORS, cross-origin resource policy)', async () => {
    const res = await request(app).get('/widget/grounded-chat.js').expect(200);
    assert.match(res.type, /javascript/);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.equal(res.headers['cache-control'], 'no-cache');
  });
});

describe('chat endpoints', () => {
  it('mounts the chat router at /api/chat only (no per-page endpoints)', async () => {
    assert.deepEqual((await request(app).post('/api/chat')).body, { mounted: '/api/chat' });
    const old = await request(app).post('/api/pages/theming-dark/chat').expect(404);
    assert.equal(old.body.error.code, 'not_found');
  });

  it('every chat on the built pages talks to /api/chat under a storage key of its own', async () => {
    const keys: string[] = [];
    for (const path of Object.keys(site.manifest.routes)) {
      const res = await request(app).get(path);
      for (const [tag] of res.text.matchAll(/<grounded-chat\b[^>]*>/g)) {
        assert.match(tag, /\sendpoint="\/api\/chat"/, `${path}: ${tag}`);
        const key = /\sstorage-key="([^"]+)"/.exec(tag)?.[1];
        assert.ok(key, `${path}: a storage-key on ${tag}`);
        keys.push(key);
      }
    }
    assert.ok(keys.length >= 8);
    assert.equal(new Set(keys).size, keys.length, `no two chats share a conversation: ${keys.join(' ')}`);
  });
});

describe('demo config', () => {
  it('rejects a bad port and a bad frame ancestor with readable messages', () => {
    assert.throws(() => loadDemoConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadDemoConfig({ FRAME_ANCESTORS: "'self' javascript:alert(1)" }), /FRAME_ANCESTORS/);
    assert.throws(() => loadDemoConfig({ FRAME_ANCESTORS: "https://ok.example; script-src *" }), /FRAME_ANCESTORS/);
    assert.deepEqual(loadDemoConfig({ FRAME_ANCESTORS: "'self', https://a.example" }).frameAncestors, ["'self'", 'https://a.example']);
  });
  it('trusts the proxy only on App Service, with the kit\'s default auth mode', () => {
    assert.equal(loadDemoConfig({}).onAppService, false);
    assert.equal(loadDemoConfig({}).authMode, 'none');
    const azure = loadDemoConfig({ WEBSITE_SITE_NAME: 'gc-demo' });
    assert.equal(azure.onAppService, true);
    assert.equal(azure.authMode, 'easyauth');
  });
  it('gives the Entra page its public settings only when they are complete', () => {
    assert.equal(loadDemoConfig({ AUTH_MODE: 'entra', DEMO_ENTRA_CLIENT_ID: 'c' }).entra, undefined);
    assert.deepEqual(loadDemoConfig({ AUTH_MODE: 'entra', DEMO_ENTRA_CLIENT_ID: 'c', AUTH_ENTRA_TENANT_ID: 't', AUTH_ENTRA_AUDIENCE: 'api://x' }).entra, {
      clientId: 'c',
      authority: 'https://login.microsoftonline.com/t',
      scopes: ['api://x/.default'],
    });
  });
  it('signs in with another authority (DEMO_ENTRA_AUTHORITY) as a known authority, and lets the page reach only it', async () => {
    const custom = loadDemoConfig({ AUTH_MODE: 'entra', DEMO_ENTRA_CLIENT_ID: 'c', AUTH_ENTRA_AUDIENCE: 'api://x', DEMO_ENTRA_AUTHORITY: 'https://login.contoso.example:8443/tenant' });
    assert.deepEqual(custom.entra, { clientId: 'c', authority: 'https://login.contoso.example:8443/tenant', scopes: ['api://x/.default'], knownAuthorities: ['login.contoso.example:8443'] });
    const res = await request(appWith({ authMode: 'entra', entra: custom.entra! })).get('/sign-in/entra').expect(200);
    assert.match(res.headers['content-security-policy'] ?? '', /connect-src 'self' https:\/\/login\.contoso\.example:8443;/);
    assert.doesNotMatch(res.headers['content-security-policy'] ?? '', /microsoftonline/);
    assert.throws(() => loadDemoConfig({ AUTH_MODE: 'entra', DEMO_ENTRA_AUTHORITY: 'http://login.contoso.example/t' }), /DEMO_ENTRA_AUTHORITY: must be an https:\/\/ URL/);
  });
});

describe('demo-site process', () => {
  const server = join(import.meta.dirname, '..', 'dist', 'server.js');
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [server], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 15_000 });

  it('refuses AUTH_MODE=none on App Service with a clear message and no stack trace', () => {
    const r = run({ WEBSITE_SITE_NAME: 'gc-demo', AUTH_MODE: 'none', ORCHESTRATOR_URL: 'http://127.0.0.1:9/score', ORCHESTRATOR_KEY: 'k', PORT: '0' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /AUTH_MODE/);
    assert.match(r.stderr, /App Service/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('stops with a readable message when ORCHESTRATOR_URL is missing', () => {
    const r = run({ AUTH_MODE: 'none', PORT: '0' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ORCHESTRATOR_URL/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('says so when the site was not built', () => {
    const r = run({ AUTH_MODE: 'none', PORT: '0', ORCHESTRATOR_URL: 'http://127.0.0.1:9/score', ORCHESTRATOR_KEY: 'k', SITE_DIR: join(tmpdir(), 'gc-no-site') });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /npm run build/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});


import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Router } from 'express';
import { createDemoApp } from '../src/app.js';
import { loadDemoConfig } from '../src/config.js';
import { renderIndexPage } from '../src/page.js';
import { createHash } from 'node:crypto';

const docsDir = mkdtempSync(join(tmpdir(), 'gc-demo-docs-'));
writeFileSync(join(docsDir, 'guide.md'), '# Guide\n\n<script>alert(1)</script>\n');
writeFileSync(join(tmpdir(), 'gc-demo-secret.txt'), 'secret');

let server: Server;
let base: string;
before(async () => {
  const chatRouter = Router();
  chatRouter.post('/', (_req, res) => {
    res.json({ mounted: true });
  });
  const app = createDemoApp({ config: { port: 0, host: '127.0.0.1', docsDir, onAppService: false }, chatRouter });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('demo app', () => {
  it('serves the page under a strict CSP', async () => {
    const res = await fetch(base + '/');
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('x-powered-by'), null);
    const html = await res.text();
    assert.match(html, /<grounded-chat endpoint="\/api\/chat">/);
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline scripts');
    assert.doesNotMatch(html, /\sstyle=|<style/, 'no inline styles');
  });

  it('mounts the chat router at /api/chat', async () => {
    const res = await fetch(base + '/api/chat', { method: 'POST' });
    assert.deepEqual(await res.json(), { mounted: true });
  });

  it('serves docs as plain text so cited Markdown never runs', async () => {
    const res = await fetch(base + '/docs/guide.md');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  it('does not serve files outside the docs folder', async () => {
    for (const path of ['/docs/../gc-demo-secret.txt', '/docs/%2e%2e/gc-demo-secret.txt', '/docs/..%2fgc-demo-secret.txt']) {
      const res = await fetch(base + path);
      assert.notEqual(res.status, 200, path);
      assert.doesNotMatch(await res.text(), /secret/);
    }
  });

  it('serves the widget bundle as JavaScript', async () => {
    const res = await fetch(base + '/widget/grounded-chat.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
  });

  it('answers unknown paths with a plain 404', async () => {
    const res = await fetch(base + '/nope');
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'Not found');
  });
});

describe('server-rendered index page', () => {
  let ssrServer: Server;
  let ssrBase: string;
  before(async () => {
    const app = createDemoApp({
      config: { port: 0, host: '127.0.0.1', docsDir, onAppService: false },
      chatRouter: Router(),
      indexPage: await renderIndexPage(),
    });
    ssrServer = app.listen(0, '127.0.0.1');
    await new Promise((r) => ssrServer.once('listening', r));
    ssrBase = `http://127.0.0.1:${(ssrServer.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => ssrServer.close(() => r())));

  it('paints the chat shell as declarative shadow DOM before any script runs', async () => {
    const res = await fetch(ssrBase + '/');
    const html = await res.text();
    assert.match(html, /<grounded-chat[^>]*endpoint="\/api\/chat"[^>]*><template shadowroot(mode)?="open"/);
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'still no inline scripts');
  });

  it('allows exactly the shell\'s own styles by hash, and nothing else inline', async () => {
    const res = await fetch(ssrBase + '/');
    const csp = res.headers.get('content-security-policy') ?? '';
    const html = await res.text();
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    assert.ok(styles.length > 0);
    const styleSrc = /style-src ([^;]*)/.exec(csp)![1]!.split(' ');
    for (const css of styles) {
      const hash = `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
      assert.ok(styleSrc.includes(hash), `style-src allows ${hash}`);
    }
    assert.ok(!styleSrc.includes("'unsafe-inline'"));
    assert.match(csp, /script-src 'self'(;|$)/);
  });
});

describe('demo config', () => {
  it('rejects a bad port with a readable message', () => {
    assert.throws(() => loadDemoConfig({ PORT: 'eighty' }), /PORT/);
  });
  it('trusts the proxy only on App Service', () => {
    assert.equal(loadDemoConfig({}).onAppService, false);
    assert.equal(loadDemoConfig({ WEBSITE_SITE_NAME: 'gc-demo' }).onAppService, true);
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
});

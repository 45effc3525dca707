// A contract A stand-in for the browser tests, served by web-test-runner's dev server.
//
// POST /mock/<script>/stream, where <script> is base64url JSON describing the response:
//   { status?, type?, headers?, body?  }          a plain (non-stream) response
//   { lines: [obj|string], delay?, first?, hang? } an NDJSON stream: one line every `delay` ms
//                                                  (`first` ms before the first); `hang` keeps it open
// POST /mock/<script>/feedback records the body; GET /mock/feedback returns what was recorded.
// GET /size-budget measures the built drop-in (gzip -9, bundle-size.mjs) against its budgets.
// GET /csp/* serves test/csp/* with a strict Content-Security-Policy header, and /csp/dist/* the
// built drop-in, so the CSP page exercises the real bundle without web-test-runner's injected scripts.
import { PassThrough } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { execFile } from 'node:child_process';
import { tsImport } from 'tsx/esm/api';
import { BUDGETS, bundleSize } from '../bundle-size.mjs';

const widgetDir = new URL('..', import.meta.url).pathname;
const feedback = [];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'";

const readBody = (req) =>
  new Promise((done) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => done(s));
  });

export async function mockMiddleware(ctx, next) {
  if (ctx.path === '/size-budget') {
    const { files, initial, total } = bundleSize(join(widgetDir, 'dist/grounded-chat.js'));
    ctx.body = { initial, total, budgets: BUDGETS, files: files.map((f) => ({ file: f.file.slice(widgetDir.length), lazy: f.lazy, gz: f.gz })) };
    return;
  }
  if (ctx.path === '/ssr/shell') {
    // Server-side rendering in this Node process, from the sources.
    const { renderShell, shellStyleHashes } = await tsImport('../src/ssr.ts', import.meta.url);
    const html = await renderShell(JSON.parse(ctx.query.attrs ?? '{}'));
    ctx.body = { html, hashes: await shellStyleHashes(html) };
    return;
  }
  if (ctx.path === '/ssr/page') {
    // A page with the server-rendered shell and no script of the widget, under a strict CSP that
    // allows the shell's <style> by hash (as the demo site does).
    const { renderShell, shellStyleHashes } = await tsImport('../src/ssr.ts', import.meta.url);
    const shell = await renderShell({ endpoint: '/api/chat', suggestions: ['How do I start?'] });
    const hashes = await shellStyleHashes(shell);
    ctx.set('Content-Security-Policy', `default-src 'self'; script-src 'self'; style-src 'self' ${hashes.join(' ')}`);
    ctx.type = 'text/html';
    ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shell</title><script src="/csp/probe.js"></script></head><body>${shell}</body></html>`;
    return;
  }
  if (ctx.path === '/ssr/node-import') {
    // Importing the package in plain Node (no DOM shim of ours) must not touch window or document.
    // Its ES build (dist/index.js, what `import '@grounded-chat/widget'` loads; `npm test` builds it
    // first) in plain Node; the sources through tsx when it is not built. (A tsx start on a loaded
    // machine took longer than the test's 10 s.)
    const built = existsSync(join(widgetDir, 'dist/index.js'));
    const entry = built ? './dist/index.js' : './src/index.ts';
    ctx.body = await new Promise((done) =>
      execFile(
        process.execPath,
        [...(built ? [] : ['--import', 'tsx']), '--input-type=module', '-e', `const m = await import('${entry}'); console.log(JSON.stringify({ ok: typeof m.GroundedChatElement, window: typeof window, document: typeof document }))`],
        { cwd: widgetDir },
        (err, stdout, stderr) => done({ code: err?.code ?? 0, stdout: stdout.trim(), stderr: stderr.trim() }),
      ),
    );
    return;
  }
  if (ctx.path.startsWith('/csp/')) {
    const rel = normalize(ctx.path.slice('/csp/'.length)).replace(/^(\.\.[/\\])+/, '');
    const file = rel.startsWith('dist/') ? join(widgetDir, rel) : join(widgetDir, 'test/csp', rel);
    try {
      ctx.body = await readFile(file);
      ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
      ctx.set('Content-Security-Policy', CSP);
      ctx.set('Cache-Control', 'no-store');
    } catch {
      ctx.status = 404;
    }
    return;
  }
  if (ctx.path === '/mock/feedback') {
    ctx.body = feedback;
    return;
  }
  const m = /^\/mock\/([\w-]+)\/(stream|feedback)$/.exec(ctx.path);
  if (!m) return next();
  const script = JSON.parse(Buffer.from(m[1], 'base64url').toString());
  const request = await readBody(ctx.req);
  if (m[2] === 'feedback') {
    feedback.push(JSON.parse(request));
    ctx.status = 204;
    return;
  }
  for (const [k, v] of Object.entries(script.headers ?? {})) ctx.set(k, v);
  if (!script.lines) {
    ctx.status = script.status ?? 200;
    ctx.type = script.type ?? 'application/json';
    ctx.body = typeof script.body === 'string' ? script.body : JSON.stringify(script.body ?? {});
    return;
  }
  ctx.status = script.status ?? 200;
  ctx.type = script.type ?? 'application/x-ndjson';
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  const out = new PassThrough();
  ctx.body = out;
  ctx.req.socket.setNoDelay(true);
  let i = 0;
  let closed = false;
  ctx.req.on('close', () => (closed = true));
  const write = () => {
    if (closed) return out.end();
    if (i >= script.lines.length) return script.hang ? undefined : out.end();
    const line = script.lines[i++];
    out.write((typeof line === 'string' ? line : JSON.stringify(line)) + '\n');
    setTimeout(write, script.delay ?? 5);
  };
  setTimeout(write, script.first ?? script.delay ?? 5);
}

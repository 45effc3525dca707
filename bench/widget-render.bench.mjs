#!/usr/bin/env node
// Rendering cost of <grounded-chat> in headless Chromium (the built drop-in, widget/dist/).
//
//   node bench/widget-render.bench.mjs        (after `npm run build`; CHROME_PATH overrides /usr/bin/chromium)
//
// 1. Streams a 4,000-token Markdown answer (headings, lists, tables, code, citations) at 200 tokens/s,
//    one NDJSON line per token, from a local server; prints long tasks over 50 ms and the scripting
//    time of the whole stream (CDP Performance.getMetrics ScriptDuration).
// 2. Restores 500 stored messages from sessionStorage; prints the time to first render (all messages
//    in the log) and until their Markdown is rendered.
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { loadavg, cpus } from 'node:os';
import puppeteer from 'puppeteer-core';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'widget/dist');
if (!existsSync(join(dist, 'grounded-chat.js'))) {
  console.error('widget/dist/grounded-chat.js is missing: run `npm run build` first.');
  process.exit(1);
}

const LOAD = loadavg()[0];
const TOKENS = 4000;
const RATE = 200; // tokens per second

/** A long Markdown answer cut into `TOKENS` pieces of about one word each. */
function answerTokens() {
  const section = (i) =>
    [
      `## Section ${i}: configuring the server kit\n\n`,
      `The server kit relays each question to the orchestrator over **contract B** [1], and streams the answer back as NDJSON [2]. `,
      `It keeps the \`sessionState\` the server returns, and sends prior turns as user and assistant messages [3].\n\n`,
      `- Set \`ORCHESTRATOR_URL\` to the scoring endpoint.\n- Set \`ORCHESTRATOR_KEY\` or use *Entra ID*.\n- Keep \`AUTH_MODE=easyauth\` on App Service.\n\n`,
      `| Variable | Meaning | Default |\n|---|---|---|\n| \`PORT\` | listening port | 8080 |\n| \`LOCAL_INDEX_DIR\` | where the index lives | .grounded-chat |\n\n`,
      '```ts\nimport express from "express";\nconst app = express();\napp.use("/api/chat", chatRouter({ orchestratorUrl }));\napp.listen(8080);\n```\n\n',
      `> The widget never sends a system message; the system prompt is the server's [2].\n\n`,
    ].join('');
  let text = '';
  for (let i = 1; text.split(/(?<=\s)/).length < TOKENS; i++) text += section(i);
  return text.split(/(?<=\s)/).slice(0, TOKENS);
}
const tokens = answerTokens();
const CITATIONS = [1, 2, 3].map((n) => ({ id: String(n), title: `Source ${n}`, snippet: `Snippet ${n}.`, filepath: `docs/source-${n}.md` }));

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<style>body{margin:0}main{height:100vh}</style>
<script type="module" src="/widget/grounded-chat.js"></script></head>
<body><main><grounded-chat endpoint="/api/chat" persist="session"></grounded-chat></main></body></html>`;

const TYPES = { '.js': 'text/javascript', '.map': 'application/json' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  } else if (url.pathname.startsWith('/widget/')) {
    const file = join(dist, normalize(url.pathname.slice('/widget/'.length)).replace(/^(\.\.[/\\])+/, ''));
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  } else if (url.pathname === '/api/chat/stream') {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
    res.socket.setNoDelay(true);
    res.write(JSON.stringify({ delta: { role: 'assistant', context: { citations: CITATIONS } } }) + '\n');
    const start = performance.now();
    let i = 0;
    const tick = () => {
      // Keep to the rate on average: send every token that is due.
      const due = Math.min(tokens.length, Math.floor(((performance.now() - start) / 1000) * RATE) + 1);
      let out = '';
      for (; i < due; i++) out += JSON.stringify({ delta: { content: tokens[i] } }) + '\n';
      if (out) res.write(out);
      if (i < tokens.length) setTimeout(tick, 1000 / RATE);
      else res.end(JSON.stringify({ delta: { context: { followupQuestions: ['What next?'] } } }) + '\n');
    };
    tick();
  } else res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

try {
  // ── 1. streaming ────────────────────────────────────────────────────────────────────────────────
  const page = await browser.newPage();
  await page.setViewport({ width: 900, height: 800 });
  await page.evaluateOnNewDocument(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(origin + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => customElements.get('grounded-chat') && document.querySelector('grounded-chat').shadowRoot?.querySelector('textarea'));
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0;
  const script0 = await metric('ScriptDuration');
  const task0 = await metric('TaskDuration');
  const layout0 = await metric('LayoutDuration');
  const style0 = await metric('RecalcStyleDuration');
  // Long tasks twice over: the browser's own (wall time, inflated when other processes compete
  // for the CPU) and, from a trace, each main-thread task's CPU time.
  await page.tracing.start({ categories: ['disabled-by-default-devtools.timeline'] });
  const t0 = await page.evaluate(() => {
    window.__longTasks.length = 0;
    const el = document.querySelector('grounded-chat');
    window.__firstToken = 0;
    const obs = new MutationObserver(() => {
      const a = el.shadowRoot.querySelectorAll('.msg.assistant .bubble');
      if (!window.__firstToken && a.length && a[a.length - 1].textContent.trim().length > 10) {
        window.__firstToken = performance.now();
        obs.disconnect();
      }
    });
    obs.observe(el.shadowRoot, { subtree: true, childList: true, characterData: true });
    el.send('How do I configure the server kit?');
    return performance.now();
  });
  await page.waitForFunction(() => document.querySelector('grounded-chat').messages.at(-1)?.status === 'done', { timeout: (TOKENS / RATE) * 1000 + 60_000, polling: 200 });
  const wall = (await page.evaluate(() => performance.now())) - t0;
  const trace = JSON.parse(Buffer.from(await page.tracing.stop()).toString()).traceEvents;
  // The page's main thread: of the renderers' main threads, the busiest.
  const mains = trace.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const tasksOf = (t) => trace.filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === t.pid && e.tid === t.tid).map((e) => (e.tdur ?? e.dur) / 1000);
  const cpuTasks = mains.map(tasksOf).sort((a, b) => b.reduce((x, y) => x + y, 0) - a.reduce((x, y) => x + y, 0))[0] ?? [];
  if (process.env.DEBUG) {
    const all = trace.filter((e) => e.ph === 'X' && e.tdur);
    for (const r of all.filter((e) => e.name === 'RunTask' && e.tdur > 30000)) {
      const kids = {};
      for (const e of all) if (e !== r && e.pid === r.pid && e.tid === r.tid && e.ts >= r.ts && e.ts + e.dur <= r.ts + r.dur) kids[e.name] = (kids[e.name] ?? 0) + e.tdur / 1000;
      console.log(`  DEBUG task ${(r.tdur / 1000).toFixed(0)} ms CPU at +${((r.ts - trace.find((e) => e.ts > 0).ts) / 1000).toFixed(0)} ms:`, Object.entries(kids).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
    }
  }
  const script = (await metric('ScriptDuration')) - script0;
  const task = (await metric('TaskDuration')) - task0;
  const layout = (await metric('LayoutDuration')) - layout0;
  const style = (await metric('RecalcStyleDuration')) - style0;
  const stats = await page.evaluate(() => {
    const root = document.querySelector('grounded-chat').shadowRoot;
    return {
      longTasks: window.__longTasks,
      firstToken: window.__firstToken,
      chars: document.querySelector('grounded-chat').messages.at(-1).content.length,
      tables: root.querySelectorAll('.msg.assistant table').length,
      codes: root.querySelectorAll('.msg.assistant pre').length,
      cites: root.querySelectorAll('.msg.assistant .cite').length,
    };
  });
  // The observer delivers entries late: a long task from before the send (starting the trace, for
  // one) can land after the list was emptied. Only those that started after the send count.
  const early = stats.longTasks.filter((t) => t.duration > 50 && t.start < t0);
  const over = stats.longTasks.filter((t) => t.duration > 50 && t.start >= t0);
  console.log(`machine: ${cpus().length} CPUs, load average ${LOAD.toFixed(1)} at the start (long tasks are inflated on a busy machine)`);
  console.log(`streaming a ${TOKENS}-token Markdown answer (${stats.chars} characters) at ${RATE} tokens/s:`);
  console.log(`  wall time                 ${(wall / 1000).toFixed(1)} s (ideal ${(TOKENS / RATE).toFixed(1)} s)`);
  console.log(`  first text on screen      ${(stats.firstToken - t0).toFixed(0)} ms after send`);
  console.log(`  scripting time (total)    ${(script * 1000).toFixed(0)} ms  (${((script / (wall / 1000)) * 100).toFixed(1)}% of the stream's duration)`);
  console.log(`  main-thread task time     ${(task * 1000).toFixed(0)} ms wall (layout ${(layout * 1000).toFixed(0)} ms, style ${(style * 1000).toFixed(0)} ms)`);
  const cpuOver = cpuTasks.filter((d) => d > 50);
  console.log(`  tasks > 50 ms of CPU      ${cpuOver.length}  (longest ${Math.max(0, ...cpuTasks).toFixed(0)} ms CPU; ${cpuTasks.length} main-thread tasks, ${cpuTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms CPU in all)  — budget: none`);
  console.log(`  long tasks > 50 ms wall   ${over.length}${over.length ? `  (longest ${Math.max(...over.map((t) => t.duration)).toFixed(0)} ms)` : ''}  — budget: none${early.length ? `  (not counted: ${early.length} before the send, ${early.map((t) => t.duration.toFixed(0)).join(', ')} ms)` : ''}`);
 if (process.env.DEBUG) console.log(stats.longTasks.map((t) => `${(t.start - t0).toFixed(0)}:${t.duration.toFixed(0)}`).join(' '));
  const during = stats.longTasks.filter((t) => t.start >= t0);
  console.log(`  longest task observed     ${during.length ? Math.max(...during.map((t) => t.duration)).toFixed(0) + ' ms' : 'none over the 50 ms long-task threshold'}`);
  console.log(`  rendered                  ${stats.tables} tables, ${stats.codes} code blocks, ${stats.cites} citation buttons`);

  // ── 2. restoring 500 stored messages ───────────────────────────────────────────────────────────
  const messages = [];
  for (let i = 0; i < 500; i++) {
    messages.push(
      i % 2
        ? { id: `m${i}`, role: 'assistant', status: 'done', content: tokens.slice((i * 40) % 3000, ((i * 40) % 3000) + 80).join(''), context: { citations: CITATIONS } }
        : { id: `m${i}`, role: 'user', content: `Question number ${i}: how does the server kit relay a chat?` },
    );
  }
  const stored = JSON.stringify({ v: 1, messages, sessionState: 's' });
  const runs = [];
  for (let run = 0; run < 5; run++) {
    const p = await browser.newPage();
    await p.setViewport({ width: 900, height: 800 });
    await p.evaluateOnNewDocument((s) => sessionStorage.setItem('grounded-chat:/api/chat', s), stored);
    await p.evaluateOnNewDocument(() => {
      const poll = () => {
        const el = document.querySelector('grounded-chat');
        const root = el?.shadowRoot;
        const n = root?.querySelectorAll('.msg').length ?? 0;
        if (n > 0 && !window.__first) window.__first = performance.now();
        if (n >= 500 && !window.__all) window.__all = performance.now();
        if (n >= 500 && !root.querySelector('.plain') && !window.__md) window.__md = performance.now();
        if (!window.__md || !window.__all) requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
      window.__longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    await p.tracing.start({ categories: ['disabled-by-default-devtools.timeline'] });
    await p.goto(origin + '/', { waitUntil: 'load' });
    await p.waitForFunction(() => window.__md && window.__all, { timeout: 30_000 });
    const restoreTrace = JSON.parse(Buffer.from(await p.tracing.stop()).toString()).traceEvents;
    const maxCpu = Math.max(0, ...restoreTrace.filter((e) => e.name === 'RunTask' && e.ph === 'X').map((e) => (e.tdur ?? 0) / 1000));
    runs.push(await p.evaluate(() => ({ first: window.__first, all: window.__all, md: window.__md, script: performance.getEntriesByType('resource').find((e) => e.name.endsWith('/grounded-chat.js'))?.responseEnd ?? 0, longest: Math.max(0, ...window.__longTasks) })).then((r) => ({ ...r, cpu: maxCpu })));
    await p.close();
  }
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  console.log(`restoring 500 stored messages (median of ${runs.length} page loads, ms since navigation start):`);
  console.log(`  script loaded             ${med('script').toFixed(0)} ms`);
  console.log(`  time to first render      ${med('first').toFixed(0)} ms (the latest messages on screen)`);
  console.log(`  all 500 in the log        ${med('all').toFixed(0)} ms`);
  console.log(`  all Markdown rendered     ${med('md').toFixed(0)} ms`);
  console.log(`  longest task              ${med('cpu').toFixed(0)} ms CPU (${med('longest').toFixed(0)} ms wall)`);
} finally {
  await browser.close();
  server.close();
}

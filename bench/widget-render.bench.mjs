#!/usr/bin/env node
// Rendering cost of <grounded-chat> in headless Chromium (the built drop-in, widget/dist/).
//
//   node bench/widget-render.bench.mjs        (after `npm run build`; CHROME_PATH overrides /usr/bin/chromium)
//
// 1. Streams a 4,000-token Markdown answer (headings, lists, tables, code, citations) at 200 tokens/s,
//    one NDJSON line per token, from a local server, to <grounded-chat> and, in the same run and
//    fed the same stream, to deep-chat 2.4.2 (the reference: its drop-in bundle from the npm
//    registry, cached in bench/.cache/ as bench/widget-size.bench.mjs does; its `connect.handler`
//    reads the same NDJSON and hands each token to deep-chat's stream). From a trace of the page's
//    renderer main thread: main-thread time from the question to the answer's end (CPU and wall)
//    and tasks over 50 ms, for both, and the ratio ours / deep-chat's (goal ≈ 0.15x).
//    RUNS=n alternates n runs of each (default 1: deep-chat's run alone takes 25-120 s) and prints medians.
// 2. Restores 500 stored messages from sessionStorage; prints the time to first render (all messages
//    in the log) and until their Markdown is rendered.
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
const RUNS = Math.max(1, +(process.env.RUNS ?? 1));

// The reference: deep-chat's drop-in bundle, from the npm registry (cached).
const DEEP_CHAT = 'deep-chat@2.4.2';
const cacheDir = join(root, 'bench/.cache');
const deepChatTgz = join(cacheDir, 'deep-chat-2.4.2.tgz');
let deepChat;
try {
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(deepChatTgz)) execFileSync('npm', ['pack', DEEP_CHAT, '--pack-destination', cacheDir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  deepChat = execFileSync('tar', ['xzf', deepChatTgz, '-O', 'package/dist/deepChat.bundle.js'], { maxBuffer: 64 * 1024 * 1024 });
} catch (e) {
  console.log(`${DEEP_CHAT} unavailable (${e.message.split('\n')[0]}): ours only`);
}
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

// deep-chat, the same size, fed the same NDJSON stream through its custom handler. Its Markdown
// (remarkable) renders the answer; the handler's fetch and parse cost what ours do.
const DEEP_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<style>body{margin:0}main{height:100vh}</style>
<script type="module">
import '/deep-chat.js';
const el = document.querySelector('deep-chat');
el.chatStyle = { width: '100%', height: '100vh' };
el.connect = {
  stream: true,
  handler: async (body, signals) => {
    const res = await fetch('/api/chat/stream', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: body.messages }) });
    signals.onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf('\\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (typeof line.delta?.content === 'string') await signals.onResponse({ text: line.delta.content });
      }
    }
    signals.onClose();
    window.__done = true;
  },
};
</script></head>
<body><main><deep-chat style="display:block;width:100%;height:100vh"></deep-chat></main></body></html>`;

const TYPES = { '.js': 'text/javascript', '.map': 'application/json' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  } else if (url.pathname === '/deep-chat.html') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(DEEP_PAGE);
  } else if (url.pathname === '/deep-chat.js' && deepChat) {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(deepChat);
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

/** Streams the answer to one widget; returns main-thread figures from a trace between two marks. */
async function streamOnce(kind) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 900, height: 800 });
    await page.goto(origin + kind.path, { waitUntil: 'load' });
    if (kind.ours) {
      await page.waitForFunction(() => customElements.get('grounded-chat') && document.querySelector('grounded-chat').shadowRoot?.querySelector('textarea'));
      // As a visitor does: focus the input (which loads the Markdown chunk) before asking.
      await page.evaluate(() => document.querySelector('grounded-chat').shadowRoot.querySelector('textarea').focus());
    } else await page.waitForFunction(() => customElements.get('deep-chat') && document.querySelector('deep-chat').shadowRoot?.childElementCount);
    await new Promise((r) => setTimeout(r, 800));
    await page.tracing.start({ categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    await page.evaluate((ours) => {
      window.__done = false;
      window.__firstText = 0;
      console.timeStamp('gc-bench-send');
      window.__t0 = performance.now();
      const q = 'How do I configure the server kit?';
      if (!ours) return document.querySelector('deep-chat').submitUserMessage({ text: q });
      const el = document.querySelector('grounded-chat');
      const obs = new MutationObserver(() => {
        const a = el.shadowRoot.querySelectorAll('.msg.assistant .bubble');
        if (a.length && a[a.length - 1].textContent.trim().length > 10) {
          window.__firstText = performance.now() - window.__t0;
          obs.disconnect();
        }
      });
      obs.observe(el.shadowRoot, { subtree: true, childList: true, characterData: true });
      void el.send(q).then(() => (window.__done = true));
    }, kind.ours);
    await page.waitForFunction(() => window.__done, { timeout: (TOKENS / RATE) * 1000 + 120_000, polling: 200 });
    // The last render, layout and paint happen before the end mark.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => (console.timeStamp('gc-bench-over'), r()), 300))));
    const events = JSON.parse(Buffer.from(await page.tracing.stop()).toString()).traceEvents;
    const mark = (name) => events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === name);
    const from = mark('gc-bench-send');
    const to = mark('gc-bench-over');
    const tasks = events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === from.pid && e.tid === from.tid && e.ts + e.dur >= from.ts && e.ts <= to.ts);
    const cpu = (t) => (t.tdur ?? t.dur) / 1000;
    const rendered = await page.evaluate((ours) => {
      const el = document.querySelector(ours ? 'grounded-chat' : 'deep-chat');
      const root = el.shadowRoot;
      const q = (sel) => root.querySelectorAll(sel).length;
      return { chars: ours ? el.messages.at(-1).content.length : 0, tables: q('table'), codes: q('pre'), cites: ours ? q('.msg.assistant .cite') : 0, firstText: window.__firstText };
    }, kind.ours);
    return {
      ...rendered,
      cpu: tasks.reduce((a, t) => a + cpu(t), 0),
      wall: tasks.reduce((a, t) => a + t.dur / 1000, 0),
      over: tasks.filter((t) => t.dur > 50_000).length,
      overCpu: tasks.filter((t) => cpu(t) > 50).length,
      longest: Math.max(0, ...tasks.map((t) => t.dur / 1000)),
      longestCpu: Math.max(0, ...tasks.map(cpu)),
      span: (to.ts - from.ts) / 1000,
    };
  } finally {
    await page.close();
  }
}

try {
  // ── 1. streaming, ours and deep-chat's, alternately ─────────────────────────────────────────────
  const kinds = [{ name: 'grounded-chat', path: '/', ours: true }, ...(deepChat ? [{ name: 'deep-chat 2.4.2', path: '/deep-chat.html', ours: false }] : [])];
  const results = new Map(kinds.map((k) => [k.name, []]));
  for (let run = 0; run < RUNS; run++) for (const k of kinds) results.get(k.name).push(await streamOnce(k));
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const m = (name, key) => med(results.get(name).map((r) => r[key]));
  const first = results.get('grounded-chat')[0];
  console.log(`machine: ${cpus().length} CPUs, load average ${LOAD.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} after the streams (wall figures are inflated on a busy machine; CPU figures much less)`);
  console.log(`streaming a ${TOKENS}-token Markdown answer (${first.chars} characters) at ${RATE} tokens/s, the same stream to each; median of ${RUNS} run(s) each.`);
  console.log('From a trace of the page\'s renderer main thread, from the question to the end of the answer:');
  console.log(`  ${''.padEnd(18)} ${'main thread CPU'.padStart(16)} ${'main thread wall'.padStart(17)} ${'tasks > 50 ms wall / CPU'.padStart(25)} ${'longest task wall / CPU'.padStart(24)} ${'stream took'.padStart(12)}   rendered`);
  for (const k of kinds) {
    const r = results.get(k.name);
    console.log(
      `  ${k.name.padEnd(18)} ${`${m(k.name, 'cpu').toFixed(0)} ms`.padStart(16)} ${`${m(k.name, 'wall').toFixed(0)} ms`.padStart(17)} ${`${r.map((x) => x.over).join(',')} / ${r.map((x) => x.overCpu).join(',')}`.padStart(25)} ${`${m(k.name, 'longest').toFixed(0)} / ${m(k.name, 'longestCpu').toFixed(0)} ms`.padStart(24)} ${`${(m(k.name, 'span') / 1000).toFixed(1)} s`.padStart(12)}   ${r[0].tables} tables, ${r[0].codes} code blocks${k.ours ? `, ${r[0].cites} citation buttons` : ''}`,
    );
  }
  if (deepChat) {
    const d = kinds[1].name;
    console.log(`  ours / deep-chat's: ${(m('grounded-chat', 'cpu') / m(d, 'cpu')).toFixed(2)}x main-thread CPU, ${(m('grounded-chat', 'wall') / m(d, 'wall')).toFixed(2)}x wall  (goal ≈ 0.15x)`);
  }
  console.log(`  budget (ours): no task over 50 ms (wall inflates with the machine's load: judge by CPU when it is busy); first text on screen ${m('grounded-chat', 'firstText').toFixed(0)} ms after the question`);

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
  const medOf = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  console.log(`restoring 500 stored messages (median of ${runs.length} page loads, ms since navigation start):`);
  console.log(`  script loaded             ${medOf('script').toFixed(0)} ms`);
  console.log(`  time to first render      ${medOf('first').toFixed(0)} ms (the latest messages on screen)`);
  console.log(`  all 500 in the log        ${medOf('all').toFixed(0)} ms`);
  console.log(`  all Markdown rendered     ${medOf('md').toFixed(0)} ms`);
  console.log(`  longest task              ${medOf('cpu').toFixed(0)} ms CPU (${medOf('longest').toFixed(0)} ms wall)`);
} finally {
  await browser.close();
  server.close();
}

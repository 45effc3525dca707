// What the orchestrator adds beyond search and model time, and what composing a prompt costs.
//
// 1. Overhead: zero-latency HTTPS stand-ins for Azure AI Search and Azure OpenAI (instant
//    answers), the orchestrator (dist/server.js, Azure configuration) in front of them. Reference,
//    in the same run: the same two calls made directly with the same SDKs
//    (@azure/search-documents search + openai AzureOpenAI streamed chat, consumed fully).
//    Added = orchestrator p50/p99 − direct p50/p99 (goal: ≤ 5 ms at p99), plus requests/s.
//    The orchestrator is called the way the server kit calls it (a keep-alive undici Pool);
//    after a warm-up, BENCH_ROUNDS (5) interleaved rounds of BENCH_N/rounds sequential requests,
//    each figure the median of the rounds' (the rounds' p99 range is printed beside it).
// 2. Prompt composition for a 200-turn history with 5 sources (o200k token counts), against the
//    character estimate it replaced; and the two maintained o200k tokenizers counting the same
//    text (gpt-tokenizer, used, against js-tiktoken).
//
// The bench re-runs itself with NODE_EXTRA_CA_CERTS pointing at a certificate it makes, so both
// the orchestrator and the direct SDK calls trust the stand-ins with their default TLS settings.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, summarize } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 1000);

if (!process.env.GC_BENCH_CERT) {
  const dir = mkdtempSync(join(tmpdir(), 'gc-bench-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const child = spawn(process.execPath, [import.meta.filename], { stdio: 'inherit', env: { ...process.env, GC_BENCH_CERT: dir, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } });
  const code = await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? 1);
}

const orchRequire = createRequire(join(root, 'orchestrator/package.json'));
const load = (name) => import(pathToFileURL(orchRequire.resolve(name)).href);
const { AzureOpenAI } = await load('openai');
const { SearchClient, AzureKeyCredential } = await load('@azure/search-documents');

// ── stand-ins ──
const certDir = process.env.GC_BENCH_CERT;
const DOCS = Array.from({ length: 5 }, (_, i) => ({ '@search.score': 5 - i, id: `d${i}`, title: `Doc ${i}`, heading: [`Doc ${i}`, 'Section'], filepath: `d${i}.md`, content: `Passage ${i}: `.padEnd(1200, 'text about mounting the server kit ') }));
const SEARCH_BODY = JSON.stringify({ value: DOCS });
const chunk = (content, finish = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: finish }] })}\n\n`;
const STREAM =
  `data: ${JSON.stringify({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [] })}\n\n` +
  Array.from({ length: 20 }, (_, i) => chunk(`word${i} ${i === 5 ? '[1] ' : ''}`)).join('') +
  chunk('', 'stop') +
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage: { prompt_tokens: 900, completion_tokens: 40, total_tokens: 940 } })}\n\ndata: [DONE]\n\n`;
function serveStandIn() {
  const server = createServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url.includes('/docs/search')) res.writeHead(200, { 'content-type': 'application/json' }).end(SEARCH_BODY);
      else res.writeHead(200, { 'content-type': 'text/event-stream' }).end(STREAM);
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}
// The stand-ins run in a process of their own, as the real services are never in their caller's
// process: both paths then pay the same hops to them, and neither shares an event loop with them
// (in one process with the direct calls they answered without a context switch, which the
// orchestrator, in another process, could not match). BENCH_STANDIN=same-process restores that.
if (process.env.GC_BENCH_ROLE === 'standin') {
  const server = await serveStandIn();
  console.log(`standin https://127.0.0.1:${server.address().port}`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0)); // the bench ended, or died
} else {
const sameProcess = process.env.BENCH_STANDIN === 'same-process';
let upstream, stopStandIn;
if (sameProcess) {
  const server = await serveStandIn();
  upstream = `https://127.0.0.1:${server.address().port}`;
  stopStandIn = () => {
    server.close();
    server.closeAllConnections();
  };
} else {
  const child = spawn(process.execPath, [import.meta.filename], { env: { ...process.env, GC_BENCH_ROLE: 'standin' }, stdio: ['pipe', 'pipe', 'inherit'] });
  upstream = await new Promise((done, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /standin (https:\/\/[\d.]+:\d+)/.exec(out);
      if (m) done(m[1]);
    });
    child.on('exit', () => fail(new Error(`stand-in exited: ${out}`)));
  });
  stopStandIn = () => child.stdin.end();
}

// ── the orchestrator ──
// BENCH_ORCH_NODE_ARGS: extra node flags for the orchestrator, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
const orchArgs = (process.env.BENCH_ORCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const orch = spawn(process.execPath, [...orchArgs, join(root, 'orchestrator/dist/server.js')], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', AZURE_SEARCH_ENDPOINT: upstream, AZURE_SEARCH_INDEX: 'kb', AZURE_SEARCH_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: upstream, AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_CHAT_DEPLOYMENT: 'chat', MODEL_FOLLOWUPS: 'false' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const orchUrl = await new Promise((done, fail) => {
  let out = '';
  orch.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
    if (m) done(m[1]);
  });
  orch.on('exit', () => fail(new Error(`orchestrator exited: ${out}`)));
});

// ── the reference: the two SDK calls made directly ──
const search = new SearchClient(upstream, 'kb', new AzureKeyCredential('k'));
const openai = new AzureOpenAI({ endpoint: upstream, apiKey: 'k', deployment: 'chat', apiVersion: '2024-10-21' });
async function direct(question) {
  const found = await search.search(question, { top: 5, select: ['id', 'content', 'title', 'url', 'filepath', 'heading'] });
  const docs = [];
  for await (const r of found.results) docs.push(r.document);
  const stream = await openai.chat.completions.create({ model: 'chat', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: docs.map((d) => d.content).join('\n') }, { role: 'user', content: question }] });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  return text;
}
// The orchestrator is called as its real caller calls it: the server kit's keep-alive undici Pool
// (server-kit/src/orchestrator-client.ts). BENCH_CLIENT=fetch uses global fetch instead (slower
// on the client side: it wraps every body in a web stream), as this bench did before.
const kitRequire = createRequire(join(root, 'server-kit/package.json'));
const { Pool } = await import(pathToFileURL(kitRequire.resolve('undici')).href);
const pool = new Pool(orchUrl, { connections: 16 });
const useFetch = process.env.BENCH_CLIENT === 'fetch';
async function viaOrchestrator(question) {
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
  const body = JSON.stringify({ question });
  const text = useFetch
    ? await (await fetch(`${orchUrl}/score`, { method: 'POST', headers, body })).text()
    : await (await pool.request({ path: '/score', method: 'POST', headers, body })).body.text();
  if (!text.includes('"usage"')) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
  return text;
}
async function timed(fn, n) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(`How do I mount the server kit? (${i})`);
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}
async function throughput(fn, n, concurrency = 8) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(`question ${next++}`);
  }));
  return (n / (performance.now() - t0)) * 1000;
}

// Warm-up: both paths' connections, JIT and token-count cache, before anything is timed.
for (let i = 0; i < 100; i++) await Promise.all([direct('warm up'), viaOrchestrator('warm up')]);
// Interleaved rounds so machine noise hits both alike; each figure is the median of the rounds'.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const perRound = Math.ceil(N / ROUNDS);
const d = [], o = [], dr = [], or = [];
for (let round = 0; round < ROUNDS; round++) {
  d.push(await timed(direct, perRound));
  o.push(await timed(viaOrchestrator, perRound));
}
for (let round = 0; round < 3; round++) {
  dr.push({ rps: await throughput(direct, perRound * 2) });
  or.push({ rps: await throughput(viaOrchestrator, perRound * 2) });
}
const med = (xs, k) => {
  const v = xs.map((x) => x[k]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
const spread = (xs, k) => `${fmt(Math.min(...xs.map((x) => x[k])))}–${fmt(Math.max(...xs.map((x) => x[k])))}`;
const dp50 = med(d, 'p50'), dp99 = med(d, 'p99'), op50 = med(o, 'p50'), op99 = med(o, 'p99');
const dRps = med(dr, 'rps'), oRps = med(or, 'rps');
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; client: ${useFetch ? 'global fetch' : "undici Pool (the server kit's)"}; stand-ins: ${sameProcess ? 'in the bench process' : 'own process'}`);
console.log(`per request, zero-latency search + model (${ROUNDS} rounds of ${perRound} sequential, median of the rounds):`);
console.log(`  direct SDK calls (reference): p50 ${fmt(dp50)}  p99 ${fmt(dp99)}  (rounds' p99 ${spread(d, 'p99')})`);
console.log(`  through the orchestrator:     p50 ${fmt(op50)}  p99 ${fmt(op99)}  (rounds' p99 ${spread(o, 'p99')})`);
console.log(`  added by the orchestrator:    p50 ${fmt(op50 - dp50)}  p99 ${fmt(op99 - dp99)}  (goal ≤ 5 ms at p99)  ratio p50 ${(op50 / dp50).toFixed(2)}×  p99 ${(op99 / dp99).toFixed(2)}×`);
console.log(`  requests/s at 8 in flight:    direct ${dRps.toFixed(0)}  orchestrator ${oRps.toFixed(0)}  ratio ${(oRps / dRps).toFixed(2)}×  (median of 3 rounds)`);
await pool.close();
orch.kill('SIGTERM');
stopStandIn();

// ── prompt composition, 200 turns ──
const { buildPrompt } = await import(pathToFileURL(join(root, 'orchestrator/dist/prompt.js')).href);
const { estimateTokens } = await import(pathToFileURL(join(root, 'orchestrator/dist/text.js')).href);
const history = Array.from({ length: 200 }, (_, i) => ({ inputs: { question: `Question ${i}: how do I configure the server kit for case ${i}?`.padEnd(300, ' more words') }, outputs: { answer: `Answer ${i} with a citation [1]. `.padEnd(900, 'explaining the configuration in detail ') } }));
const passages = DOCS.map((d) => ({ id: d.id, title: d.title, headingPath: d.heading, sourcePath: d.filepath, text: d.content, score: d['@search.score'] }));
const charTokenizer = { count: estimateTokens, truncate: (t, n) => t.slice(0, n * 4) };
const compose = (tokenizer) => () => buildPrompt({ question: 'And the last question?', history, passages, maxPromptTokens: 6000, tokenizer });
const timeSync = (fn, n) => {
  for (let i = 0; i < 20; i++) fn();
  const s = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    s.push(performance.now() - t0);
  }
  return summarize(s);
};
const withTokens = timeSync(compose(undefined), 200);
const withChars = timeSync(compose(charTokenizer), 200);
console.log(`\nprompt for a 200-turn history + 5 sources (6000-token budget):`);
console.log(`  o200k token counts (gpt-tokenizer): p50 ${fmt(withTokens.p50)}  p99 ${fmt(withTokens.p99)}`);
console.log(`  character estimate (reference):     p50 ${fmt(withChars.p50)}  p99 ${fmt(withChars.p99)}  ratio p50 ${(withTokens.p50 / withChars.p50).toFixed(1)}×`);

const { countTokens } = await load('gpt-tokenizer/encoding/o200k_base');
const t1 = performance.now();
const { Tiktoken } = await import('js-tiktoken/lite');
const o200k = (await import('js-tiktoken/ranks/o200k_base')).default;
const tiktoken = new Tiktoken(o200k);
const loadMs = performance.now() - t1;
const text = history.map((t) => t.inputs.question + t.outputs.answer).join('\n');
const g = timeSync(() => countTokens(text), 30);
const j = timeSync(() => tiktoken.encode(text).length, 30);
console.log(`\ncounting ${text.length} characters with o200k (same count: ${countTokens(text) === tiktoken.encode(text).length}):`);
console.log(`  gpt-tokenizer (used):   p50 ${fmt(g.p50)}`);
console.log(`  js-tiktoken (reference): p50 ${fmt(j.p50)}  (ranks loaded in ${fmt(loadMs)})  ratio ${(g.p50 / j.p50).toFixed(2)}×`);
}

// What the local index's semantic search costs, against keyword-only (reference) on the docs/
// corpus: the embedding model's load time and the RSS it adds; the first build of a persisted
// index (temp indexDir) with and without embeddings; reopening the saved index (what a second
// start with unchanged docs pays: a new LocalIndex on the same indexDir, `await ready()`); and
// query latency p50/p95/p99 over ~30 realistic questions, warm, with the ratio semantic/keyword;
// and the offline answerer's plan over each question's passages (planExtractive), which with
// semantic search weighs every retrieved window (with its windows left out, for their share).
// Why: semantic search embeds every passage at build time and every question at query time;
// this says how much of a start and of a request that is (docs/orchestrator.md, "Semantic search").
// Needs the model in ~/.cache/grounded-chat/models (or LOCAL_MODELS_DIR); never downloads it
// (node scripts/fetch-embedding-model.mjs puts it there). Without it, prints keyword figures only.
// Run after `npx tsc -b`:  node bench/local-semantic.bench.mjs   (BENCH_ROUNDS: query passes and
// reopens, default 10; BENCH_BUILDS: builds per variant, default 2; BENCH_DOCS=<folder> benches
// another corpus)
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chunkCorpus, LocalIndex } from '../orchestrator/dist/index.js';
import { EmbedderUnavailable } from '../orchestrator/dist/retrieval/embedder.js';
import { loadLocalEmbedder } from '../orchestrator/dist/retrieval/local-embedder.js';
import { planExtractive } from '../orchestrator/dist/answer/extractive.js';
import { percentile } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BUILDS = Number(process.env.BENCH_BUILDS ?? 2);
const corpusDir = process.env.BENCH_DOCS ? resolve(process.env.BENCH_DOCS) : join(root, 'docs');
const docFiles = (await readdir(corpusDir, { recursive: true }).catch(() => [])).filter((f) => /\.(md|markdown|mdx|txt)$/i.test(f));
if (!docFiles.length) throw new Error(`${corpusDir}: no Markdown or text files to index`);

const QUESTIONS = process.env.BENCH_DOCS
  ? undefined // another corpus: questions from its own headings, below
  : [
      'How do I mount the server kit in Express?',
      'What is contract B?',
      'How do I run the demo on my machine?',
      'How does the offline extractive answerer work?',
      'Which environment variables configure the orchestrator?',
      'How are keys and secrets kept safe?',
      'How do I put the chat widget on my own website?',
      'Can I change the colours of the widget to match my brand?',
      'How do I index my own documents?',
      'What happens when the upstream model is slow?',
      'How do I deploy the whole thing to Azure?',
      'How much does running it on Azure cost per month?',
      'How do I tear down the Azure resources?',
      'How does sign-in work with Entra ID?',
      'Can several server instances share rate limits?',
      'What error codes can the server kit return?',
      'How are citations shown to the user?',
      'Is the model output trusted or sanitised?',
      'What does the telemetry record about a conversation?',
      'How do I turn on Application Insights?',
      'How do I run the tests?',
      'How do I run the benchmarks?',
      'How do I release a new version of the packages?',
      'What is the Content Security Policy of the demo site?',
      'How does the widget translate its strings into another language?',
      'Is the widget accessible to screen reader users?',
      'How big is the widget bundle?',
      'How do I re-ingest documents after they change?',
      'How are answers evaluated for quality?',
      'What happens to a request when the client disconnects?',
      'Can I use an OpenAI-compatible server instead of Azure OpenAI?',
      'How do I pull the id out of a URL?',
    ];

const ms = (x) => `${x.toFixed(1)} ms`;
const ms2 = (x) => `${x.toFixed(2)} ms`;
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const x = (cand, ref) => `${(cand / ref).toFixed(2)}×`;
const median = (xs) => percentile([...xs].sort((a, b) => a - b), 50);
const rss = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss;
};

async function timed(fn) {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

/** First builds into fresh temp indexDirs; keeps the last one for the reopen and query runs. */
async function builds(embedder) {
  const samples = [];
  let dir;
  let passages = 0;
  for (let i = 0; i < BUILDS; i++) {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'gc-bench-sem-'));
    const index = new LocalIndex({ corpusDir, indexDir: dir, embedder });
    const [t] = await timed(() => index.ready());
    if (index.stats?.source !== 'built') throw new Error(`expected a build, got ${index.stats?.source}`);
    if (embedder && !index.semantic) throw new Error('the semantic build has no vectors');
    passages = index.size;
    index.close();
    samples.push(t);
  }
  return { ms: median(samples), passages, dir };
}

/** A new LocalIndex on the saved indexDir, ROUNDS times; returns the median and an open one. */
async function reopens(dir, embedder) {
  const samples = [];
  let index;
  for (let i = 0; i < ROUNDS; i++) {
    index?.close();
    index = new LocalIndex({ corpusDir, indexDir: dir, embedder });
    const [t] = await timed(() => index.ready());
    if (index.stats?.source !== 'loaded') throw new Error(`expected the saved index, got ${index.stats?.source} (${index.stats?.reason})`);
    if (Boolean(embedder) !== index.semantic) throw new Error(`semantic is ${index.semantic} on reopen`);
    samples.push(t);
  }
  return { ms: median(samples), index };
}

/** One warm-up pass, then ROUNDS passes over the questions. */
async function latencies(index, questions) {
  let answered = 0;
  for (const q of questions) if ((await index.retrieve(q)).length) answered++;
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of questions) {
      const t = performance.now();
      await index.retrieve(q);
      samples.push(performance.now() - t);
    }
  }
  samples.sort((a, b) => a - b);
  return { n: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), answered };
}

/** planExtractive over each question's retrieved passages, ROUNDS passes after one warm-up. */
async function plans(index, questions, strip = (p) => p) {
  const sets = [];
  for (const q of questions) sets.push([q, (await index.retrieve(q)).map(strip)]);
  for (const [q, ps] of sets) planExtractive(q, ps);
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [q, ps] of sets) {
      const t = performance.now();
      planExtractive(q, ps);
      samples.push(performance.now() - t);
    }
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}
const withoutWindows = ({ windows: _windows, ...p }) => p;

// ── keyword-only (reference) ──
const rssStart = rss();
const kwBuild = await builds(undefined);
const kwOpen = await reopens(kwBuild.dir, undefined);
const questions = QUESTIONS ?? [];
if (!questions.length) {
  // Another corpus: the last heading of ~30 of its passages, as questions.
  const { chunks } = await chunkCorpus(corpusDir);
  const step = Math.max(1, Math.floor(chunks.length / 30));
  for (let i = 0; i < chunks.length && questions.length < 30; i += step) if (chunks[i].headingPath.length) questions.push(chunks[i].headingPath.at(-1));
}
const kwQuery = await latencies(kwOpen.index, questions);
const kwPlan = await plans(kwOpen.index, questions);
kwOpen.index.close();

// ── the model ──
const rssBeforeModel = rss();
let embedder;
let loadMs;
try {
  [loadMs, embedder] = await timed(() => loadLocalEmbedder({ modelsDir: process.env.LOCAL_MODELS_DIR || undefined, download: false }));
} catch (err) {
  if (!(err instanceof EmbedderUnavailable)) throw err;
  console.log(`semantic search unavailable: ${err.message}`);
}
const rssAfterModel = rss();

console.log(`corpus: ${process.env.BENCH_DOCS ? corpusDir : 'docs/'} — ${docFiles.length} files, ${kwBuild.passages} passages; ${questions.length} questions × ${ROUNDS} warm passes; ${BUILDS} build(s), ${ROUNDS} reopens per variant (medians, the lower middle of an even count); ${embedder?.id.split(';')[0] ?? 'no model'}`);

const rows = [['', 'keyword (ref)', 'semantic', 'semantic/keyword']];
if (!embedder) {
  rows.push(['first build', ms(kwBuild.ms), '—', '—'], ['reopen saved', ms(kwOpen.ms), '—', '—']);
  rows.push(['query p50 / p95 / p99', `${ms(kwQuery.p50)} / ${ms(kwQuery.p95)} / ${ms(kwQuery.p99)}`, '—', '—']);
  rows.push(['answer plan p50 / p95', `${ms2(kwPlan.p50)} / ${ms2(kwPlan.p95)}`, '—', '—']);
} else {
  const smBuild = await builds(embedder);
  const smOpen = await reopens(smBuild.dir, embedder);
  const smQuery = await latencies(smOpen.index, questions);
  const smPlan = await plans(smOpen.index, questions);
  const smPlanBare = await plans(smOpen.index, questions, withoutWindows);
  smOpen.index.close();
  const rssEnd = rss();
  rows.push(
    ['model load (cold, once)', '—', ms(loadMs), '—'],
    ['RSS added by the model', '—', mib(rssAfterModel - rssBeforeModel), `(${mib(rssBeforeModel)} → ${mib(rssAfterModel)})`],
    ['first build', ms(kwBuild.ms), ms(smBuild.ms), x(smBuild.ms, kwBuild.ms)],
    ['  passages', String(kwBuild.passages), String(smBuild.passages), `${((smBuild.ms - kwBuild.ms) / smBuild.passages).toFixed(1)} ms/passage embedded`],
    ['reopen saved (ready())', ms(kwOpen.ms), ms(smOpen.ms), x(smOpen.ms, kwOpen.ms)],
    ['  + model load (new process)', ms(kwOpen.ms), ms(smOpen.ms + loadMs), x(smOpen.ms + loadMs, kwOpen.ms)],
    ['query p50', ms(kwQuery.p50), ms(smQuery.p50), x(smQuery.p50, kwQuery.p50)],
    ['query p95', ms(kwQuery.p95), ms(smQuery.p95), x(smQuery.p95, kwQuery.p95)],
    ['query p99', ms(kwQuery.p99), ms(smQuery.p99), x(smQuery.p99, kwQuery.p99)],
    ['questions with passages', `${kwQuery.answered}/${questions.length}`, `${smQuery.answered}/${questions.length}`, ''],
    ['answer plan p50', ms2(kwPlan.p50), ms2(smPlan.p50), x(smPlan.p50, kwPlan.p50)],
    ['answer plan p95', ms2(kwPlan.p95), ms2(smPlan.p95), x(smPlan.p95, kwPlan.p95)],
    ['  its windows left out, p50', '—', ms2(smPlanBare.p50), `windows ${x(smPlan.p50, smPlanBare.p50)}`],
    ['RSS at start / end', mib(rssStart), mib(rssEnd), ''],
  );
  await rm(smBuild.dir, { recursive: true, force: true });
}
await rm(kwBuild.dir, { recursive: true, force: true });
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ').trimEnd());

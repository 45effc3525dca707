// Local retrieval on the docs/ corpus: MiniSearch and Orama as libraries, and the orchestrator's LocalIndex
// (SQLite FTS5) against the MiniSearch LocalIndex it replaced for the right-file check.
// Prints index build time, saved-index load time and query p50/p99 for both, with the ratio
// Orama / MiniSearch (reference: MiniSearch), plus whether the right file comes first for a few
// known questions, and whether questions about absent topics retrieve nothing.
// Run after `npx tsc -b`:  node bench/retrieval.bench.mjs   (BENCH_ROUNDS, BENCH_QUERIES, BENCH_PASSES tune it;
// BENCH_DOCS=<folder> benches another corpus; an empty one falls back to generated text)
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MiniSearch from 'minisearch';
import { create, insertMultiple, load, save, search } from '@orama/orama';
import { chunkCorpus, LocalIndex, STOP_WORDS, words, contentTerms } from '../orchestrator/dist/index.js';
import { fmt, summarize } from './lib.mjs';
import { ENGINES } from './retrieval-engines.mjs';

const root = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const MIN_QUERIES = Number(process.env.BENCH_QUERIES ?? 240);

// ── corpus: docs/ when it has documents, else generated text so the bench always runs ──
let corpusDir = process.env.BENCH_DOCS ? resolve(process.env.BENCH_DOCS) : join(root, 'docs');
let generated;
const docFiles = (await readdir(corpusDir).catch(() => [])).filter((f) => /\.(md|markdown|mdx|txt)$/i.test(f));
if (docFiles.length < 2) {
  generated = await mkdtemp(join(tmpdir(), 'gc-bench-docs-'));
  corpusDir = generated;
  const topics = ['server kit', 'widget', 'orchestrator', 'local index', 'extractive answerer', 'configuration', 'security', 'deployment'];
  for (const [i, topic] of topics.entries()) {
    const sections = Array.from({ length: 6 }, (_, s) =>
      `## ${topic} part ${s + 1}\n\n` +
      Array.from({ length: 4 }, (_, p) => `The ${topic} handles case ${s}-${p}: it reads settings, validates input and streams output with citations. Mount, configure and test the ${topic} step by step.`).join('\n\n'),
    );
    await writeFile(join(generated, `${topic.replace(/ /g, '-')}.md`), `# The ${topic}\n\nWhat the ${topic} is for.\n\n${sections.join('\n\n')}\n`);
  }
}

const { files, chunks } = await chunkCorpus(corpusDir);
const totalWords = chunks.reduce((n, c) => n + words(c.text).length, 0);
console.log(`corpus: ${generated ? 'generated fallback text (docs/ is empty)' : 'docs/'} — ${files.length} files, ${chunks.length} passages, ${totalWords} words`);

const docs = chunks.map((c) => ({ id: c.id, title: c.title, headings: c.headingPath.join('\n'), text: c.text, sourcePath: c.sourcePath }));

// Same fields, boosts and stop words for both libraries.
const msOptions = {
  idField: 'id',
  fields: ['title', 'headings', 'text'],
  storeFields: ['sourcePath'],
  tokenize: (t) => words(t),
  // Stop words out and stemmed, as LocalIndex does (queries below are `contentTerms`, i.e. stems).
  processTerm: (t) => contentTerms(t)[0] ?? null,
  searchOptions: { boost: { headings: 2, title: 1.5 }, prefix: (t) => t.length >= 4, fuzzy: (t) => (t.length >= 6 ? 1 : false) },
};
const buildMini = () => {
  const ms = new MiniSearch(msOptions);
  ms.addAll(docs);
  return ms;
};
const oramaSchema = { id: 'string', title: 'string', headings: 'string', text: 'string', sourcePath: 'string' };
const buildOrama = async () => {
  const db = create({ schema: oramaSchema, components: { tokenizer: { stemming: false, stopWords: [...STOP_WORDS] } } });
  await insertMultiple(db, docs);
  return db;
};
const searchMini = (ms, q) => ms.search(q);
const searchOrama = (db, q, tolerance = 0) =>
  search(db, { term: q, properties: ['title', 'headings', 'text'], boost: { headings: 2, title: 1.5 }, tolerance, limit: 5 });

async function time(fn) {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}
async function median(fn, rounds = ROUNDS) {
  const samples = [];
  let last;
  for (let i = 0; i < rounds; i++) {
    const [ms, r] = await time(fn);
    samples.push(ms);
    last = r;
  }
  return [summarize(samples).p50, last];
}
const ratio = (orama, mini) => `${(orama / mini).toFixed(2)}×`;

// ── build ──
await median(buildMini, 3); // warm-up (JIT)
await median(buildOrama, 3);
const [miniBuild, ms] = await median(buildMini);
const [oramaBuild, db] = await median(buildOrama);
console.log(`index build (median of ${ROUNDS}):      MiniSearch ${fmt(miniBuild)}   Orama ${fmt(oramaBuild)}   Orama/MiniSearch ${ratio(oramaBuild, miniBuild)}`);

// ── saved index → ready (what a restart with unchanged docs pays) ──
const miniJson = JSON.stringify(ms);
const oramaJson = JSON.stringify(await save(db));
const [miniLoad] = await median(() => MiniSearch.loadJSON(miniJson, msOptions));
const [oramaLoad] = await median(async () => {
  const fresh = create({ schema: oramaSchema, components: { tokenizer: { stemming: false, stopWords: [...STOP_WORDS] } } });
  await load(fresh, JSON.parse(oramaJson));
  return fresh;
});
console.log(`load saved index (median of ${ROUNDS}): MiniSearch ${fmt(miniLoad)} (${(miniJson.length / 1024).toFixed(0)} KiB)   Orama ${fmt(oramaLoad)} (${(oramaJson.length / 1024).toFixed(0)} KiB)   Orama/MiniSearch ${ratio(oramaLoad, miniLoad)}`);

// ── queries: known questions, every heading, and 3-word samples from passages ──
const known = generated
  ? [
      ['How do I mount the server kit?', 'server-kit.md'],
      ['How does the widget stream output?', 'widget.md'],
      ['How is the local index configured?', 'local-index.md'],
    ]
  : [
      ['How do I mount the server kit in Express?', 'server-kit.md'],
      ['What is contract B?', 'contracts.md'],
      ['How do I run the demo on my machine?', 'getting-started.md'],
      ['How does the offline extractive answerer work?', 'orchestrator.md'],
      ['Which environment variables configure the orchestrator?', 'configuration.md'],
      ['How are keys and secrets kept safe?', 'security.md'],
    ];
const absent = [
  'What is the boiling point of mercury?',
  'Who won the 1998 World Cup?',
  'How do I bake sourdough bread?',
  'What is the capital of France?',
  'What is the speed of light?',
  'How tall is Mount Everest?',
  "What's the weather in Paris today?",
  'What is the meaning of life?',
  'Which football team is the best?',
  'Explain quantum entanglement',
];
const queries = [...known.map(([q]) => q), ...absent];
for (const c of chunks) if (c.headingPath.length) queries.push(c.headingPath.at(-1));
let seed = 7;
const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
while (queries.length < MIN_QUERIES) {
  const w = words(chunks[rand(chunks.length)].text).filter((t) => !STOP_WORDS.has(t) && t.length > 3);
  if (w.length >= 3) queries.push([w[rand(w.length)], w[rand(w.length)], w[rand(w.length)]].join(' '));
}

const PASSES = Number(process.env.BENCH_PASSES ?? 3);
async function latencies(fn) {
  for (const q of queries) await fn(q); // warm-up pass (JIT)
  const samples = [];
  for (let pass = 0; pass < PASSES; pass++) {
    for (const q of queries) {
      const t = performance.now();
      await fn(q);
      samples.push(performance.now() - t);
    }
  }
  return summarize(samples);
}
const local = new LocalIndex({ corpusDir });
await local.ready();
// Like for like: prefix matching, no typo tolerance (Orama's default is prefix matching too).
const noFuzzy = { ...msOptions.searchOptions, fuzzy: false };
const mq = await latencies((q) => ms.search(contentTerms(q).join(' '), noFuzzy));
const oq = await latencies((q) => searchOrama(db, q));
// With typo tolerance (edit distance 1): MiniSearch only for terms of 6+ letters, Orama for all.
const mf = await latencies((q) => searchMini(ms, contentTerms(q).join(' ')));
const of = await latencies((q) => searchOrama(db, q, 1));
const lq = await latencies((q) => local.retrieve(q));
const n = queries.length * PASSES;
console.log(`query, prefix (${queries.length} queries × ${PASSES}):  MiniSearch p50 ${fmt(mq.p50)} p99 ${fmt(mq.p99)}   Orama p50 ${fmt(oq.p50)} p99 ${fmt(oq.p99)}   Orama/MiniSearch p50 ${ratio(oq.p50, mq.p50)} p99 ${ratio(oq.p99, mq.p99)}`);
console.log(`query, prefix + typo (n=${n}):       MiniSearch p50 ${fmt(mf.p50)} p99 ${fmt(mf.p99)}   Orama p50 ${fmt(of.p50)} p99 ${fmt(of.p99)}   Orama/MiniSearch p50 ${ratio(of.p50, mf.p50)} p99 ${ratio(of.p99, mf.p99)}`);
console.log(`LocalIndex.retrieve (as served: typo + gate + top 5, n=${n}): p50 ${fmt(lq.p50)} p99 ${fmt(lq.p99)}`);

// ── relevance ──
const top1 = async (fn) => {
  const misses = [];
  for (const [q, file] of known) {
    const got = await fn(q);
    if (got !== file) misses.push(`"${q}" → ${got ?? 'nothing'} (want ${file})`);
  }
  return misses;
};
// The orchestrator's LocalIndex (SQLite FTS5) and the MiniSearch LocalIndex it replaced (same gate).
const msDir = await mkdtemp(join(tmpdir(), 'gc-bench-ms-'));
await ENGINES.minisearch.build(corpusDir, msDir);
const oldLocal = await ENGINES.minisearch.open(corpusDir, msDir);
const localMiss = await top1(async (q) => (await local.retrieve(q))[0]?.sourcePath);
const oldMiss = await top1(async (q) => (await oldLocal.retrieve(q))[0]?.sourcePath);
const oramaMiss = await top1(async (q) => (await searchOrama(db, q)).hits[0]?.document.sourcePath);
await rm(msDir, { recursive: true, force: true });
console.log(`right file first:                      LocalIndex (SQLite FTS5) ${known.length - localMiss.length}/${known.length}   LocalIndex before (MiniSearch) ${known.length - oldMiss.length}/${known.length}   Orama ${known.length - oramaMiss.length}/${known.length}`);
for (const m of localMiss) console.log(`  LocalIndex miss: ${m}`);
for (const m of oldMiss) console.log(`  MiniSearch LocalIndex miss: ${m}`);
for (const m of oramaMiss) console.log(`  Orama miss: ${m}`);
let localEmpty = 0;
let oramaEmpty = 0;
for (const q of absent) {
  if ((await local.retrieve(q)).length === 0) localEmpty++;
  if ((await searchOrama(db, q)).hits.length === 0) oramaEmpty++;
}
console.log(`absent topics retrieving nothing:      LocalIndex ${localEmpty}/${absent.length}   Orama (no per-term gate) ${oramaEmpty}/${absent.length}`);

if (generated) await rm(generated, { recursive: true, force: true });

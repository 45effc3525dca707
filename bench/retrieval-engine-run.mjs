// One engine in its own process, so memory and restart time are its own (see retrieval-scale.bench.mjs).
//   node bench/retrieval-engine-run.mjs build|serve ENGINE CORPUS_DIR INDEX_DIR [QUERIES_JSON]
// Prints one JSON line.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENGINES } from './retrieval-engines.mjs';
import { summarize } from './lib.mjs';

const [mode, name, corpusDir, indexDir, queriesFile] = process.argv.slice(2);
const engine = ENGINES[name];
const mb = (n) => Math.round(n / 1024 / 1024);
const mem = () => ({ rssMB: mb(process.memoryUsage().rss), heapMB: mb(process.memoryUsage().heapUsed) });

if (mode === 'build') {
  const t = performance.now();
  let lastShown = 0;
  const onProgress = process.env.BENCH_PROGRESS ? (done, total) => {
    if (done === total || performance.now() - lastShown > 2000) {
      lastShown = performance.now();
      process.stderr.write(`  ${name}: ${done}/${total} files\n`);
    }
  } : undefined;
  const cpu = process.cpuUsage();
  const { passages } = await engine.build(corpusDir, indexDir, onProgress);
  const used = process.cpuUsage(cpu); // every thread of the process: the workers' too
  console.log(JSON.stringify({ buildMs: performance.now() - t, cpuMs: (used.user + used.system) / 1000, passages, peakRssMB: mb(process.resourceUsage().maxRSS * 1024), ...mem() }));
} else {
  const r = await engine.open(corpusDir, indexDir);
  const readyMs = performance.now(); // since this process started: module loading included
  const atReady = mem();
  const { queries, known, absent, long, changeFiles } = JSON.parse(await readFile(queriesFile, 'utf8'));
  const changeFile = changeFiles[name];
  for (const q of queries) await r.retrieve(q); // warm-up pass (JIT, page cache)
  const samples = [];
  const top1 = {};
  for (let pass = 0; pass < 3; pass++) {
    for (const q of queries) {
      const t = performance.now();
      const hits = await r.retrieve(q);
      samples.push(performance.now() - t);
      if (pass === 0) top1[q] = hits.slice(0, 5).map((h) => h.id);
    }
  }
  const s = summarize(samples);
  // Long questions, timed apart (see retrieval-scale.bench.mjs); the median and the slowest.
  const longSamples = [];
  for (const q of long ?? []) await r.retrieve(q);
  for (let pass = 0; pass < 3; pass++) {
    for (const q of long ?? []) {
      const t = performance.now();
      const hits = await r.retrieve(q);
      longSamples.push(performance.now() - t);
      if (pass === 0) top1[q] = hits.slice(0, 5).map((h) => h.id);
    }
  }
  const ls = longSamples.length ? summarize(longSamples) : undefined;
  let absentEmpty = 0;
  for (const q of absent) if ((await r.retrieve(q)).length === 0) absentEmpty++;
  let knownAnswered = 0;
  for (const q of known) if ((await r.retrieve(q)).length > 0) knownAnswered++;
  const afterQueries = mem();
  // One file changes: how long until the index serves the new content?
  const original = await readFile(join(corpusDir, changeFile));
  await appendFile(join(corpusDir, changeFile), `\n\nA zymurgical ${name} postscript about quokkas.\n`);
  const t = performance.now();
  const updated = await engine.update(corpusDir, indexDir, r, changeFile);
  const updateMs = updated === 'rebuild' ? -1 : performance.now() - t; // -1: no update path, it rebuilds
  const found = updated === 'rebuild' ? false : (await r.retrieve('zymurgical quokkas postscript')).some((h) => h.sourcePath === changeFile);
  await writeFile(join(corpusDir, changeFile), original); // the next engine restarts on unchanged documents
  console.log(JSON.stringify({
    readyMs, loadRssMB: atReady.rssMB, loadHeapMB: atReady.heapMB, rssMB: afterQueries.rssMB, heapMB: afterQueries.heapMB,
    n: s.n, p50: s.p50, p99: s.p99, max: Math.max(...samples), longP50: ls?.p50, longMax: ls ? Math.max(...longSamples) : undefined, absentEmpty, absent: absent.length, knownAnswered, known: known.length,
    updateMs, updateFound: found, top1,
  }));
}

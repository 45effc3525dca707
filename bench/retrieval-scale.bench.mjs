// Local retrieval at documentation-site scale (issue 17): the orchestrator's LocalIndex (SQLite
// FTS5) against MiniSearch as the orchestrator used it before and MiniSearch tuned, on one corpus
// in one run. Reference: MiniSearch as it was (ratios are engine / reference).
//
// The corpus is built at run time from the Markdown and text documentation this machine's npm and
// Debian packages ship (retrieval-corpus.mjs: distinct files only, gzipped changelogs included,
// nothing committed). BENCH_EXTRA_DOCS=dir1:dir2 adds folders (e.g. more npm packages installed
// into a temp dir) when the machine's own docs fall short of 50,000 passages.
//
// Each engine builds in its own process, then a second process per engine restarts from the saved
// index (ready time measured from process start, module loading included), runs the queries as
// the orchestrator does (retrieve, relevance gate, top 5), then applies one changed file.
//   npm run bench -- retrieval-scale      (BENCH_ENGINES=sqlite-fts5,minisearch to choose)
import { spawnSync } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { listCorpusFiles, words, STOP_WORDS } from '../orchestrator/dist/index.js';
import { buildCorpus, defaultRoots } from './retrieval-corpus.mjs';
import { fmt } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const TARGET = 50_000;
const engines = (process.env.BENCH_ENGINES ?? 'minisearch,minisearch-tuned,sqlite-fts5').split(',');
const work = await mkdtemp(join(tmpdir(), 'gc-scale-'));
const corpusDir = join(work, 'corpus');
try {
  const extra = (process.env.BENCH_EXTRA_DOCS ?? '').split(':').filter(Boolean);
  let t = performance.now();
  const found = await buildCorpus(corpusDir, defaultRoots(root, extra));
  const by = Object.entries(found.counts).map(([s, c]) => `${s} ${c.files}${c.gz ? ` (${c.gz} gunzipped)` : ''}`).join(', ');
  console.log(`load average at the start: ${loadavg().map((x) => x.toFixed(1)).join(', ')}`);
  console.log(`corpus: ${found.files} distinct files, ${(found.bytes / 1024 / 1024).toFixed(0)} MB (${by}; ${found.duplicates} duplicate copies skipped), gathered in ${fmt(performance.now() - t)}`);

  const run = (args) => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', join(import.meta.dirname, 'retrieval-engine-run.mjs'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`${args.slice(0, 2).join(' ')} failed (${r.status})`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  };

  // MiniSearch tuned changes only the query path: it starts from a copy of MiniSearch's saved index.
  const built = {};
  for (const e of engines) {
    if (e === 'minisearch-tuned' && built.minisearch) {
      await cp(join(work, 'minisearch'), join(work, e), { recursive: true });
      built[e] = { ...built.minisearch, shared: true };
    } else {
      built[e] = run(['build', e, corpusDir, join(work, e)]);
    }
  }
  const passages = built[engines.at(-1)].passages;
  console.log(`passages: ${passages.toLocaleString('en')} ${passages >= TARGET ? `(≥ ${TARGET.toLocaleString('en')})` : `— SHORT of ${TARGET.toLocaleString('en')}: set BENCH_EXTRA_DOCS to more documentation`}`);

  // Queries: 204 four-word queries drawn from the corpus's own words (seeded), realistic questions
  // about what this corpus covers, and questions it does not cover (must retrieve nothing).
  const files = await listCorpusFiles(corpusDir);
  let seed = 17;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const { readFile } = await import('node:fs/promises');
  const queries = [];
  while (queries.length < 204) {
    const text = await readFile(join(corpusDir, files[rand(files.length)].path), 'utf8');
    const w = words(text.slice(0, 20_000)).filter((x) => !STOP_WORDS.has(x) && x.length > 3 && !/\d/.test(x));
    if (w.length >= 20) queries.push(Array.from({ length: 4 }, () => w[rand(w.length)]).join(' '));
  }
  const known = [
    'How do I configure a proxy for npm?',
    'Which security vulnerability was fixed in this release?',
    'How do I enable TLS certificate verification?',
    'What changed in the handling of symbolic links?',
    'How do I parse command line arguments?',
    'How is the locale and timezone configured?',
    'Why does the build fail with a segmentation fault?',
    'How do I stream a large file without loading it into memory?',
  ];
  const absent = [
    'What is a good recipe for lasagna?',
    'Who won the 2018 FIFA World Cup?',
    'How tall is Taylor Swift?',
    'Who painted the Mona Lisa?',
    'How do I train for a marathon?',
    'Should I plant tomatoes in spring?',
  ];
  // Long questions (8+ content terms) take another path (a plain OR and the gate in JS, see
  // orchestrator/src/retrieval/local-query.ts) and cost several times a short one: timed apart,
  // not mixed into the p50/p99 above.
  const long = [
    'How do I configure the proxy settings for npm when my company network requires authentication?',
    'Why does the build fail with a segmentation fault after upgrading the compiler to a newer version?',
    'How can I stream a large JSON file from disk without loading the whole file into memory at once?',
    'Which command line options control the verbosity and format of the log output written to standard error?',
    'What changed in the handling of symbolic links and file permissions when copying directories recursively?',
    'How do I set up TLS client certificates and verify the server certificate chain against a custom CA bundle?',
  ];
  const md = files.filter((f) => f.path.endsWith('.md') && f.size > 2000 && f.size < 50_000);
  const changeFiles = Object.fromEntries(engines.map((e, i) => [e, md[(i * 97) % md.length].path]));
  const qFile = join(work, 'queries.json');
  await writeFile(qFile, JSON.stringify({ queries: [...queries, ...known, ...absent], known, absent, long, changeFiles }));

  const served = {};
  for (const e of engines) served[e] = run(['serve', e, corpusDir, join(work, e), qFile]);

  const ref = 'minisearch';
  const ratio = (e, k) => (served[ref] && e !== ref ? ` (${(served[e][k] / served[ref][k]).toFixed(2)}×)` : '');
  const bRatio = (e, k) => (built[ref] && e !== ref ? ` (${(built[e][k] / built[ref][k]).toFixed(2)}×)` : '');
  console.log(`\n${passages.toLocaleString('en')} passages, ${served[engines[0]].n} retrieve() calls (${queries.length + known.length + absent.length} queries × 3) per engine, plus ${long.length} long questions × 3 timed apart ("long q."); ratio vs ${ref} in brackets`);
  const rows = [['engine', 'build', 'build CPU (all threads)', 'peak RSS build', 'restart → ready', 'RSS ready', 'RSS after queries', 'heap', 'query p50', 'p99', 'max', 'long q. p50', 'long max', 'one file changed', 'off-topic empty', 'realistic answered']];
  for (const e of engines) {
    const b = built[e];
    const s = served[e];
    rows.push([
      e,
      b.shared ? '(= minisearch)' : `${(b.buildMs / 1000).toFixed(1)} s${bRatio(e, 'buildMs')}`,
      b.shared ? '' : `${(b.cpuMs / 1000).toFixed(1)} s${bRatio(e, 'cpuMs')}`,
      `${b.peakRssMB} MB`,
      `${fmt(s.readyMs)}${ratio(e, 'readyMs')}`,
      `${s.loadRssMB} MB`,
      `${s.rssMB} MB${ratio(e, 'rssMB')}`,
      `${s.heapMB} MB`,
      `${fmt(s.p50)}${ratio(e, 'p50')}`,
      `${fmt(s.p99)}${ratio(e, 'p99')}`,
      fmt(s.max),
      s.longP50 === undefined ? '' : `${fmt(s.longP50)}${ratio(e, 'longP50')}`,
      s.longMax === undefined ? '' : fmt(s.longMax),
      s.updateMs < 0 ? 'full rebuild' : `${fmt(s.updateMs)}${s.updateFound ? '' : ' (NOT found after)'}`,
      `${s.absentEmpty}/${s.absent}`,
      `${s.knownAnswered}/${s.known}`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  if (served[ref]) {
    for (const e of engines.filter((x) => x !== ref)) {
      let same = 0;
      let overlap = 0;
      let n = 0;
      for (const [q, ids] of Object.entries(served[ref].top1)) {
        const other = served[e].top1[q] ?? [];
        n++;
        if ((ids[0] ?? null) === (other[0] ?? null)) same++;
        if (ids.length || other.length) overlap += other.filter((id) => ids.includes(id)).length / Math.max(ids.length, other.length);
        else overlap += 1;
      }
      console.log(`agreement with ${ref}: ${e} same first passage ${same}/${n}, top-5 overlap ${((overlap / n) * 100).toFixed(0)}%`);
    }
  }

  // Memory does not grow with the corpus: the same engines on a tenth of it (every tenth file,
  // about the 6,800 passages of the issue's smaller corpus), in fresh processes.
  const small = join(work, 'small');
  const smallFiles = files.filter((_, i) => i % 10 === 0);
  for (const f of smallFiles) {
    await mkdir(dirname(join(small, f.path)), { recursive: true });
    await copyFile(join(corpusDir, f.path), join(small, f.path));
  }
  const smallMd = smallFiles.filter((f) => f.path.endsWith('.md') && f.size > 2000 && f.size < 50_000);
  const qSmall = join(work, 'queries-small.json');
  await writeFile(qSmall, JSON.stringify({ queries: [...queries, ...known, ...absent], known, absent, changeFiles: Object.fromEntries(engines.map((e, i) => [e, smallMd[(i * 7) % smallMd.length].path])) }));
  const smallRows = [['engine', 'passages', 'build', 'RSS ready', 'RSS after queries', 'query p50', 'p99']];
  for (const e of engines.filter((x) => x !== 'minisearch-tuned' || !engines.includes('minisearch'))) {
    const b = run(['build', e, small, join(work, `${e}-small`)]);
    const s = run(['serve', e, small, join(work, `${e}-small`), qSmall]);
    smallRows.push([e, b.passages.toLocaleString('en'), `${(b.buildMs / 1000).toFixed(1)} s`, `${s.loadRssMB} MB`, `${s.rssMB} MB`, fmt(s.p50), fmt(s.p99)]);
  }
  console.log(`\nthe same on every tenth file (${smallFiles.length} files), for memory at a smaller corpus:`);
  const sw = smallRows[0].map((_, i) => Math.max(...smallRows.map((r) => r[i].length)));
  for (const r of smallRows) console.log(r.map((c, i) => c.padEnd(sw[i])).join('  '));
  console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(1)).join(', ')} (2 cores: figures above ~2 mean other work shared the CPU)`);
} finally {
  await rm(work, { recursive: true, force: true });
}

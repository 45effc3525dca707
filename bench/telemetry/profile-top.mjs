// Where a server's CPU went, from the V8 profiles `BENCH_CPU_PROF=DIR node bench/telemetry.bench.mjs`
// writes (one directory per variant and process, e.g. DIR/on-web). Only the samples of the measured
// window are read (DIR/window.json, written by the bench: no start-up, no warm-up), so the figures
// are per chat. Self time (a function's own samples, so the columns add up to the process's CPU):
// by package (node_modules/<name>, node: internals, the app's own dist/ modules, GC); the same billed
// to the nearest package or app frame (node internals count for their caller); the top functions.
//   node bench/telemetry/profile-top.mjs DIR/on-web [TOP] [PACKAGE]   PACKAGE: top functions billed to it only
//   node bench/telemetry/profile-top.mjs DIR/on-web DIR/off-web [TOP]  what the first adds to the second, by package
// The profiler itself slows the process down (more at a finer BENCH_CPU_PROF_INTERVAL): read the
// shares, not the absolute milliseconds.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

function packageOf(url, fn) {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const w = /\/(server-kit|orchestrator|demo-site|widget)\/dist\/(.*)$/.exec(url);
  if (w) return `${w[1]}/${w[2].split('/')[0].replace(/\.js$/, '')}`;
  return url;
}

function analyze(dir, only) {
  const window = JSON.parse(readFileSync(join(dirname(dir.replace(/\/$/, '')), 'window.json'), 'utf8'));
  // The main thread's profile (thread 0); the module loader's hook thread writes a second one.
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(dir, f))[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    if (t < window.startUs || t > window.endUs) continue;
    // A sample's time is the gap to the next one (what V8's DevTools front end bills it).
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (timeDeltas[i + 1] ?? 0));
  }
  const ownerOf = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      if (f.url && !f.url.startsWith('node:')) return packageOf(f.url, f.functionName);
    }
    const f = byId.get(id).callFrame;
    return packageOf(f.url, f.functionName || '(anonymous)');
  };
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  const out = { file, chats: window.chats, total: 0, idle: 0, byPackage: new Map(), byOwner: new Map(), byFunction: new Map() };
  for (const [id, us] of selfUs) {
    const f = byId.get(id).callFrame;
    const fn = f.functionName || '(anonymous)';
    if (fn === '(idle)') { out.idle += us; continue; }
    out.total += us;
    const pkg = packageOf(f.url, fn);
    const owner = ownerOf(id);
    add(out.byPackage, pkg, us);
    add(out.byOwner, owner, us);
    if (only && !`${pkg} ${owner}`.includes(only)) continue;
    const where = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(server-kit|orchestrator|demo-site)\//, '$1/');
    add(out.byFunction, `${fn}  ${where}:${f.lineNumber + 1}`, us);
  }
  return out;
}

const args = process.argv.slice(2);
const ms = (us) => (us / 1000).toFixed(1).padStart(8);
const sorted = (map, top) => [...map].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, top);

if (args[1] && existsSync(args[1]) && statSync(args[1]).isDirectory()) {
  const [a, b] = [analyze(args[0]), analyze(args[1])];
  const top = Number(args[2]) || 25;
  const per = (us, p) => `${(us / 1000 / p.chats).toFixed(3).padStart(7)}`;
  console.log(`${a.file}\n  minus ${b.file}`);
  console.log(`  busy ${per(a.total, a).trim()} - ${per(b.total, b).trim()} = ${(a.total / a.chats / 1000 - b.total / b.chats / 1000).toFixed(3)} ms/chat`);
  console.log('  ms/chat added, billed to the nearest package or app frame');
  const keys = new Set([...a.byOwner.keys(), ...b.byOwner.keys()]);
  const diff = new Map([...keys].map((k) => [k, (a.byOwner.get(k) ?? 0) / a.chats - (b.byOwner.get(k) ?? 0) / b.chats]));
  for (const [k, v] of sorted(diff, top)) console.log(`  ${(v / 1000).toFixed(3).padStart(7)}  ${k}`);
} else {
  const [dir, topArg, only] = args;
  const p = analyze(dir, only);
  const top = Number(topArg) || 25;
  const per = (us) => `${(us / 1000 / p.chats).toFixed(3).padStart(7)} ms/chat`;
  console.log(`${p.file}\n  busy ${ms(p.total)} ms (${per(p.total).trim()}, ${p.chats} chats), idle ${ms(p.idle)} ms`);
  console.log('  self time by package');
  for (const [k, v] of sorted(p.byPackage, top)) console.log(`  ${ms(v)} ms ${per(v)}  ${k}`);
  console.log('  self time billed to the nearest package or app frame (node internals count for their caller)');
  for (const [k, v] of sorted(p.byOwner, top)) console.log(`  ${ms(v)} ms ${per(v)}  ${k}`);
  console.log(`  top functions (self)${only ? `, billed to ${only}` : ''}`);
  for (const [k, v] of sorted(p.byFunction, top)) console.log(`  ${ms(v)} ms ${per(v)}  ${k}`);
}

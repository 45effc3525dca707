// Where a server's CPU went, from the V8 profiles `BENCH_CPU_PROF=DIR node bench/telemetry.bench.mjs`
// writes (one directory per variant and process, e.g. DIR/on-web). Only the samples of the measured
// window are read (DIR/window.json, written by the bench: no start-up, no warm-up), so the figures
// are per chat. Prints self time by package (node_modules/<name>, node: internals, the app's own
// code, GC), the same billed to the nearest package frame, and the top functions.
//   node bench/telemetry/profile-top.mjs DIR/on-web [TOP] [PACKAGE]   (PACKAGE: top functions billed to it only)
// Self time, not inclusive: a function's own samples, so the columns add up to the process's CPU.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [dir, topArg, only] = process.argv.slice(2);
const top = Number(topArg) || 25;
const window = JSON.parse(readFileSync(join(dirname(dir.replace(/\/$/, '')), 'window.json'), 'utf8'));
const chats = window.chats;
// The main thread's profile (thread 0); the module loader's hook thread writes a second one.
const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(dir, f))[0];
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const { samples, timeDeltas } = profile;
let t = profile.startTime;
for (let i = 0; i < samples.length; i++) {
  t += timeDeltas[i] ?? 0;
  if (t < window.startUs || t > window.endUs) continue;
  // A sample's time is the gap to the next one (what V8's DevTools front end bills it).
  const us = timeDeltas[i + 1] ?? 0;
  selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + us);
}

function packageOf(url, fn) {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const w = /\/(server-kit|orchestrator|demo-site|widget)\/dist\/(.*)$/.exec(url);
  if (w) return `${w[1]}/${w[2].split('/')[0].replace(/\.js$/, '')}`;
  return url;
}

const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** The nearest frame (itself or up) in a package or the app: node internals and natives are billed to their caller. */
function ownerOf(id) {
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur).callFrame;
    if (f.url && !f.url.startsWith('node:')) return packageOf(f.url, f.functionName);
  }
  return packageOf(byId.get(id).callFrame.url, byId.get(id).callFrame.functionName || '(anonymous)');
}
const byOwner = new Map();
const byPackage = new Map();
const byFunction = new Map();
let total = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  const fn = n.callFrame.functionName || '(anonymous)';
  if (fn === '(idle)') { idle += us; continue; }
  total += us;
  const pkg = packageOf(n.callFrame.url, fn);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const owner = ownerOf(id);
  byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
  if (only && !`${pkg} ${ownerOf(id)}`.includes(only)) continue;
  const key = `${fn}  ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(server-kit|orchestrator|demo-site)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}

const ms = (us) => (us / 1000).toFixed(1).padStart(8);
const per = (us) => (chats ? `${(us / 1000 / chats).toFixed(3).padStart(7)} ms/chat` : '');
console.log(`${file}\n  busy ${ms(total)} ms${chats ? ` (${per(total).trim()}, ${chats} chats)` : ''}, idle ${ms(idle)} ms`);
console.log('  self time by package');
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(v)} ms ${per(v)}  ${k}`);
console.log('  self time billed to the nearest package or app frame (node internals count for their caller)');
for (const [k, v] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(v)} ms ${per(v)}  ${k}`);
console.log('  top functions (self)');
for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(v)} ms ${per(v)}  ${k}`);

// The server kit under load, against nginx (one worker, proxy_buffering off) in front of the same
// contract-B stand-in, in the same run:
//   1. burst: 200 streams opened at a time, each closed at its first answer byte → streams started/s
//   2. p99 time to first byte with 200 streams held in flight and new ones arriving at 40/s
//   3. memory per stream held open (kit only; RSS of its process)
// The kit runs with limits off, and with rate limit + concurrent streams + token quotas on, in
// memory and in Redis (a redis-server started here, if installed). nginx is skipped with a note
// when it is not installed (`apt-get install -y nginx`).
// A floor row: Express + a bare undici relay (server-kit/bench/floor-server.mjs), what Node itself
// costs per stream before any of the kit's work.
// Also printed: the server's CPU per stream started in the burst (the stand-in's for the direct
// row, nginx's worker, the kit's process), which moves much less with the machine's load than
// streams/s do, with the bench client's own (it shares the cores, so it bounds every row's
// streams/s); and memory per held stream as RSS and as V8 heap + external, both after a first
// round of held streams has grown the process to its working size (so a shrinking RSS cannot
// give a negative figure).
// Then, per server, a warm burst: the same burst after WARM (default 3000) more streams. The first
// burst runs 20 streams into a fresh process, so much of its CPU is V8 optimizing the hot path of
// Node's HTTP stack, undici, Express and the kit (with --trace-opt, TurboFan's jobs took about
// 0.4 s in the floor's process and 0.7 s in the kit's over start-up plus that burst, while 1,000
// warm streams cost either about 0.35-0.55 s of CPU in all); the warm burst shows the per-stream
// cost once that is done. It runs last, so the phases above are measured as before. WARM=0 skips it.
// KIT_COMPARE=<a server-kit dist directory> adds a "kit (compare), limits off" row built from
// that directory, e.g. the previous commit's, for a before/after in the same run.
// Node resolves its imports from there: copy it inside a tree with node_modules (or link one next to it).
// BENCH_NODE_FLAGS='--flag …' starts every Node server (stand-in, floor, kits) with those flags;
// BENCH_NODE=/path/to/node runs them on another Node binary (e.g. the Node 22 that App Service runs).
import http from 'node:http';
import { fork, spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, summarize, fmt } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const kitBench = join(root, 'server-kit/bench');
const ROUNDS = Number(process.env.BURST_ROUNDS ?? 5);
const ARRIVALS = Number(process.env.ARRIVALS ?? 200);
const HELD = Number(process.env.HELD ?? 1000);
// The warm burst: the same burst again after this many more streams (0: skipped).
const WARM = Number(process.env.WARM ?? 3000);
const body = JSON.stringify({ messages: [{ role: 'user', content: 'How do I mount the server kit in Express?' }] });
// The memory phase's streams: the stand-in keeps them open until the client leaves.
const holdBody = JSON.stringify({ messages: [{ role: 'user', content: 'hold: How do I mount the server kit in Express?' }] });
const TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function child(script, args, env) {
  const proc = fork(script, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--expose-gc', ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)], ...(process.env.BENCH_NODE ? { execPath: process.env.BENCH_NODE } : {}), env: { ...process.env, ...env } });
  return new Promise((r, fail) => {
    proc.once('message', (m) => r({ port: m.port, proc }));
    // A child that cannot start (e.g. a KIT_COMPARE build outside a tree with node_modules) must not hang the bench.
    proc.once('exit', (code) => fail(new Error(`${script} exited (${code}) before listening`)));
  });
}
const ask = (proc, what) => new Promise((r) => { proc.once('message', r); proc.send(what); });

/** ms until the first byte matching `marker`; the visitor then leaves. */
function firstByte(port, path, marker, hold = false, payload = body) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: hold ? undefined : agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } });
    req.on('response', (res) => {
      let seen = '';
      res.on('data', (c) => {
        if (seen === null) return;
        seen += c;
        if (seen.includes(marker)) {
          seen = null;
          done({ ms: performance.now() - t0, req });
          if (!hold) res.destroy();
        }
      });
      res.on('error', () => {});
    });
    req.on('error', hold ? () => {} : fail);
    req.end(payload);
  });
}

/** CPU time (µs) a server process has used so far: over IPC for our children, /proc for nginx. */
async function cpuOf(t) {
  if (t.cpuProc) {
    const { cpu } = await ask(t.cpuProc, 'cpu');
    return cpu.user + cpu.system;
  }
  if (t.cpuPid) {
    try {
      const fields = readFileSync(`/proc/${t.cpuPid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) / TICKS) * 1e6; // utime + stime
    } catch {}
  }
  return undefined;
}

async function burst(t, warmUp = 0) {
  for (let i = 0; i < 20; i++) await firstByte(t.port, t.path, t.marker);
  for (let i = 0; i < warmUp; i += 200) await Promise.all(Array.from({ length: 200 }, () => firstByte(t.port, t.path, t.marker)));
  const cpu0 = await cpuOf(t);
  const mine0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) await Promise.all(Array.from({ length: 200 }, () => firstByte(t.port, t.path, t.marker)));
  const startsPerSec = (ROUNDS * 200) / ((performance.now() - t0) / 1000);
  const mine = process.cpuUsage(mine0);
  const cpu1 = await cpuOf(t);
  // The client's own CPU too: it shares the cores, so it bounds every row's starts/s.
  const clientUs = (mine.user + mine.system) / (ROUNDS * 200);
  return { startsPerSec, clientUs, cpuUs: cpu0 === undefined || cpu1 === undefined ? undefined : (cpu1 - cpu0) / (ROUNDS * 200) };
}

async function ttfbUnderLoad(t) {
  const held = await Promise.all(Array.from({ length: 200 }, () => firstByte(t.port, t.path, t.marker, true)));
  const times = [];
  const pending = [];
  for (let i = 0; i < ARRIVALS; i++) {
    pending.push(firstByte(t.port, t.path, t.marker).then((x) => times.push(x.ms)));
    await new Promise((r) => setTimeout(r, 25));
  }
  await Promise.all(pending);
  for (const h of held) h.req.destroy();
  await new Promise((r) => setTimeout(r, 300));
  return summarize(times);
}

async function holdStreams(t) {
  const held = [];
  for (let i = 0; i < HELD; i += 100) held.push(...(await Promise.all(Array.from({ length: 100 }, () => firstByte(t.port, t.path, t.marker, true, holdBody)))));
  return held;
}

async function memoryPerStream(t) {
  // A first round grows the heap and the process to their working size; the figure is the second.
  for (const h of await holdStreams(t)) h.req.destroy();
  // The baseline is the lowest of readings over 2 s: right after a thousand streams close, what
  // they held can take up to a second to be let go (seen: 45 MB, then 29 MB), and such a
  // baseline made held streams read as 2 KB each instead of 17.
  let before;
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const m = await ask(t.proc, 'mem');
    if (!before || m.heap + m.external < before.heap + before.external) before = m;
  }
  const held = await holdStreams(t);
  const during = await ask(t.proc, 'mem');
  for (const h of held) h.req.destroy();
  await new Promise((r) => setTimeout(r, 300));
  // Per stream the kit says is open (all of them, unless some failed).
  const open = Math.max(1, (during.open ?? HELD) - (before.open ?? 0));
  return { open, rssKb: (during.rss - before.rss) / open / 1024, heapKb: (during.heap + during.external - before.heap - before.external) / open / 1024 };
}

const cleanups = [];
try {
  const up = await child(join(kitBench, 'standin.mjs'), []);
  cleanups.push(() => up.proc.kill());
  const upstreamUrl = `http://127.0.0.1:${up.port}/score`;
  const targets = [{ name: 'direct (stand-in)', port: up.port, path: '/score', marker: '"answer":"first"', cpuProc: up.proc }];

  let nginxNote = '';
  if (spawnSync('sh', ['-c', 'command -v nginx']).status === 0) {
    const dir = mkdtempSync(join(tmpdir(), 'gc-nginx-'));
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir};
  upstream up { server 127.0.0.1:${up.port}; keepalive 256; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; } } }`);
    const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    cleanups.push(() => (nginx.kill(), rmSync(dir, { recursive: true, force: true })));
    for (let i = 0; i < 50; i++) {
      const ok = await new Promise((r) => http.get({ host: '127.0.0.1', port, path: '/' }, (res) => (res.resume(), r(true))).on('error', () => r(false)));
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // worker_processes 1: the master's one child does the proxying.
    const worker = (() => {
      try {
        return Number(readFileSync(`/proc/${nginx.pid}/task/${nginx.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
      } catch {
        return undefined;
      }
    })();
    targets.push({ name: 'nginx', port, path: '/score', marker: '"answer":"first"', cpuPid: worker });
  } else nginxNote = 'nginx is not installed: skipped (apt-get install -y nginx to compare)';

  // The floor: Express + an undici relay with none of the kit, the most Node can do here.
  const floor = await child(join(kitBench, 'floor-server.mjs'), [upstreamUrl]);
  cleanups.push(() => floor.proc.kill('SIGINT'));
  targets.push({ name: 'floor (Express+undici, no kit)', port: floor.port, path: '/api/chat/stream', marker: '"content":"first"', cpuProc: floor.proc });
  const kits = [['kit, limits off', 'off'], ['kit, limits+quotas in memory', 'memory']];
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status === 0) {
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    cleanups.push(() => redis.kill());
    await new Promise((r) => setTimeout(r, 500));
    kits.push(['kit, limits+quotas in Redis', `redis://127.0.0.1:${port}`]);
  }
  if (process.env.KIT_COMPARE) kits.unshift(['kit (compare), limits off', 'off', resolve(process.env.KIT_COMPARE)]);
  for (const [name, mode, dist] of kits) {
    const k = await child(join(kitBench, 'kit-server.mjs'), [upstreamUrl, mode], dist ? { KIT_DIST: dist } : {});
    cleanups.push(() => k.proc.kill('SIGINT'));
    targets.push({ name, port: k.port, path: '/api/chat/stream', marker: '"content":"first"', proc: k.proc, cpuProc: k.proc });
  }

  const results = [];
  for (const t of targets) {
    const { startsPerSec, cpuUs, clientUs } = await burst(t);
    const load = await ttfbUnderLoad(t);
    const mem = t.proc ? await memoryPerStream(t) : undefined;
    // Last, so the phases above run exactly as before: the same burst once V8 has optimized the hot path.
    const warm = WARM > 0 ? await burst(t, WARM) : undefined;
    results.push({ ...t, startsPerSec, cpuUs, clientUs, load, mem, warm });
  }
  const ref = results.find((r) => r.name === 'nginx');
  const direct = results[0];
  console.log(`burst: ${ROUNDS}×200 streams; p99: 200 in flight, ${ARRIVALS} arrivals at 40/s; memory: ${HELD} streams held; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const r of results) {
    const vs = ref ? `  ${(r.startsPerSec / ref.startsPerSec).toFixed(2)}× nginx` : '';
    const cpu = r.cpuUs === undefined ? '' : `  ${r.cpuUs.toFixed(0).padStart(5)} µs CPU/stream${ref?.cpuUs ? ` (${(r.cpuUs / ref.cpuUs).toFixed(2)}× nginx)` : ''} (client ${r.clientUs.toFixed(0)} µs)`;
    const mem = r.mem === undefined ? '' : `  ${r.mem.rssKb.toFixed(1)} KB/stream RSS (noisy), ${r.mem.heapKb.toFixed(1)} KB heap+external (${r.mem.open} open)`;
    const signed = (ms) => `${ms >= 0 ? '+' : ''}${fmt(ms)}`;
    const added = r === direct ? '' : `  (${signed(r.load.p99 - direct.load.p99)} vs direct${ref && r !== ref ? `, ${signed(r.load.p99 - ref.load.p99)} vs nginx` : ''})`;
    console.log(`  ${r.name.padEnd(30)} ${r.startsPerSec.toFixed(0).padStart(6)} starts/s${vs}${cpu}   p99 ${fmt(r.load.p99)}${added}${mem}`);
  }
  if (ref?.warm) {
    console.log(`warm burst: the same ${ROUNDS}×200 burst after ${WARM} more streams (V8 has optimized the hot path; nginx has nothing to warm)`);
    for (const r of results) {
      const cpu = r.warm.cpuUs === undefined ? '' : `  ${r.warm.cpuUs.toFixed(0).padStart(5)} µs CPU/stream${ref.warm.cpuUs ? ` (${(r.warm.cpuUs / ref.warm.cpuUs).toFixed(2)}× nginx)` : ''}`;
      console.log(`  ${r.name.padEnd(30)} ${r.warm.startsPerSec.toFixed(0).padStart(6)} starts/s  ${(r.warm.startsPerSec / ref.warm.startsPerSec).toFixed(2)}× nginx${cpu}  (client ${r.warm.clientUs.toFixed(0)} µs)`);
    }
  }
  if (nginxNote) console.log(`  note: ${nginxNote}`);
} finally {
  agent.destroy();
  for (const c of cleanups.reverse()) c();
}
process.exit(0);

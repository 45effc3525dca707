// Profiles one server in the burst (the burst bench's phase 1 alone), for finding where a
// stream's CPU goes:
//   node server-kit/bench/profile-burst.mjs kit|floor [limits: off|memory] [--prof]
// Starts the stand-in and the server, after WARMUP (default 20, as the bench) streams runs BURST_ROUNDS (default 5) × 200 streams each closed at
// its first answer byte, prints streams/s and the server's CPU µs per stream, and with --prof
// writes a .cpuprofile of the server's measured window (not its start or warm-up) to PROF_DIR
// (default /tmp/gc-prof). The profiler samples the main thread only: V8's compiler and GC threads,
// which process.cpuUsage() counts, are not in it (SERVER_NODE_ARGS=--trace-opt shows the
// compiler's work). SERVER_NODE_ARGS: node flags for the server; KIT_DIST as in kit-server.mjs.
import http from 'node:http';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const [which = 'kit', limits = 'off'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const prof = process.argv.includes('--prof');
const ROUNDS = Number(process.env.BURST_ROUNDS ?? 5);
const dir = import.meta.dirname;
const body = JSON.stringify({ messages: [{ role: 'user', content: 'How do I mount the server kit in Express?' }] });
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function child(script, args, execArgv = []) {
  const proc = fork(script, args, { stdio: ['ignore', process.env.SERVER_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'], execArgv: ['--expose-gc', ...execArgv] });
  return new Promise((r) => proc.once('message', (m) => r({ port: m.port, proc })));
}
const ask = (proc, what) => new Promise((r) => { proc.once('message', r); proc.send(what); });
const cpu = async (proc) => (await ask(proc, 'cpu')).cpu;

function firstByte(port) {
  return new Promise((done, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/api/chat/stream', method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } });
    req.on('response', (res) => {
      let seen = '';
      res.on('data', (c) => {
        if (seen === null) return;
        seen += c;
        if (seen.includes('"content":"first"')) {
          seen = null;
          done();
          res.destroy();
        }
      });
      res.on('error', () => {});
    });
    req.on('error', fail);
    req.end(body);
  });
}

const up = await child(join(dir, 'standin.mjs'), []);
const url = `http://127.0.0.1:${up.port}/score`;
// --prof: the server loads prof-hook.mjs, and the driver profiles the measured window only.
const execArgv = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean).concat(prof ? ['--import', join(dir, 'prof-hook.mjs')] : []);
const profDir = process.env.PROF_DIR ?? '/tmp/gc-prof';
const profFile = join(profDir, `${which}-${limits.replace(/[^a-z0-9]+/gi, '_')}-${Date.now()}.cpuprofile`);
const server = which !== 'kit' ? await child(join(dir, which.endsWith('.mjs') ? which : 'floor-server.mjs'), [url], execArgv) : await child(join(dir, process.env.KIT_SERVER ?? 'kit-server.mjs'), [url, limits], execArgv);
try {
  for (let i = 0; i < Number(process.env.WARMUP ?? 20); i++) await firstByte(server.port);
  if (prof) {
    mkdirSync(profDir, { recursive: true });
    await new Promise((r) => { server.proc.once('message', r); server.proc.send({ prof: 'start' }); });
  }
  const c0 = await cpu(server.proc);
  const u0 = await cpu(up.proc);
  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) await Promise.all(Array.from({ length: 200 }, () => firstByte(server.port)));
  const s = (performance.now() - t0) / 1000;
  const c1 = await cpu(server.proc);
  const u1 = await cpu(up.proc);
  if (prof) {
    await new Promise((r) => { server.proc.once('message', r); server.proc.send({ prof: 'stop', file: profFile }); });
    console.log(`profile of the measured window: ${profFile}`);
  }
  const n = ROUNDS * 200;
  const per = (a, b) => ((b.user + b.system - a.user - a.system) / n).toFixed(0);
  const sys = ((c1.system - c0.system) / n).toFixed(0);
  const me = process.cpuUsage();
  console.log(`${which} (${limits}): ${(n / s).toFixed(0)} streams/s; CPU µs a stream: server ${per(c0, c1)} (${sys} system), stand-in ${per(u0, u1)}, client ${((me.user + me.system) / n).toFixed(0)} (incl. warm-up)`);
} finally {
  agent.destroy();
  await new Promise((r) => setTimeout(r, 300));
  server.proc.kill('SIGINT');
  up.proc.kill();
  await new Promise((r) => server.proc.once('exit', r));
}

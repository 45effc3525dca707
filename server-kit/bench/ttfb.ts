/**
 * Time to first answer piece: through the kit vs. straight from a contract-B stand-in, with many
 * streams in flight. Run (after `npx tsc -b`): node --import tsx bench/ttfb.ts [inFlight=200] [requests=600] [ratePerSec=40]
 */
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const inFlightTarget = Number(process.argv[2] ?? 200);
const total = Number(process.argv[3] ?? 600);
const rate = Number(process.argv[4] ?? 40);


// Stand-in and kit run in their own processes, as in production; this process is the visitors.
function child(script: string, args: string[] = []): Promise<{ port: number; proc: ChildProcess }> {
  const execArgv = process.env.PROF && script.includes('kit') ? ['--cpu-prof', '--cpu-prof-dir=/tmp/kitprof'] : [];
  const proc = fork(fileURLToPath(new URL(script, import.meta.url)), args, { stdio: 'inherit', execArgv });
  return new Promise((resolve) => proc.once('message', (m: any) => resolve({ port: m.port, proc })));
}
const up = await child('./standin.mjs');
const upPort = up.port;
const kitChild = await child(process.env.KIT_SCRIPT ?? './kit-server.mjs', [`http://127.0.0.1:${upPort}/score`]);
const kitPort = kitChild.port;

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const body = JSON.stringify({ messages: [{ role: 'user', content: 'How do I mount the server kit in Express?' }] });

function once(port: number, path: string, marker: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } });
    req.on('response', (res) => {
      let seen = false;
      res.on('data', (chunk: Buffer) => {
        if (!seen && chunk.includes(marker)) {
          seen = true;
          resolve(Number(process.hrtime.bigint() - start) / 1e6);
          res.destroy(); // the visitor leaves: frees the stream
        }
      });
      res.on('error', () => {});
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Keeps `inFlight` background streams open, and measures `total` arrivals at `rate`/s. */
async function run(port: number, path: string, marker: string) {
  // Background load: long streams held open.
  // Warm-up: a few sequential requests, then open the held streams and wait until all flow.
  for (let i = 0; i < 20; i++) await once(port, path, marker);
  const hold: http.ClientRequest[] = [];
  const flowing: Promise<void>[] = [];
  for (let i = 0; i < inFlightTarget; i++) {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json' } });
    flowing.push(new Promise((r) => req.on('response', (res) => { res.once('data', () => r()); res.resume(); })));
    req.on('error', () => {});
    req.end(body);
    hold.push(req);
  }
  await Promise.all(flowing);
  await new Promise((r) => setTimeout(r, 500));
  const times: number[] = [];
  const slow: string[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const idx = i;
    pending.push(
      once(port, path, marker).then((t) => {
        times.push(t);
        if (t > 20) slow.push(`#${idx}: ${t.toFixed(1)}`);
      }),
    );
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  await Promise.all(pending);
  for (const h of hold) h.destroy();
  if (process.env.VERBOSE) console.log(path, 'slow:', slow.join(' '));
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { p50: q(0.5), p99: q(0.99) };
}

const direct = await run(upPort, '/score', '"answer":"first"');
const viaKit = await run(kitPort, '/api/chat/stream', process.env.KIT_MARKER ?? '"content":"first"');
console.log(`in flight ${inFlightTarget}, ${total} requests at ${rate}/s`);
console.log(`direct SSE first piece   p50 ${direct.p50.toFixed(2)} ms  p99 ${direct.p99.toFixed(2)} ms`);
console.log(`via kit NDJSON first     p50 ${viaKit.p50.toFixed(2)} ms  p99 ${viaKit.p99.toFixed(2)} ms`);
console.log(`added by the kit         p50 ${(viaKit.p50 - direct.p50).toFixed(2)} ms  p99 ${(viaKit.p99 - direct.p99).toFixed(2)} ms`);
agent.destroy();
async function cpu(proc: ChildProcess) {
  proc.send('cpu');
  const m: any = await new Promise((r) => proc.once('message', r));
  return `${((m.cpu.user + m.cpu.system) / 1e6).toFixed(1)} s CPU over ${m.uptime.toFixed(1)} s`;
}
if (process.env.VERBOSE) {
  console.log('stand-in', await cpu(up.proc));
  console.log('kit     ', await cpu(kitChild.proc));
  const c = process.cpuUsage();
  console.log('visitors', `${((c.user + c.system) / 1e6).toFixed(1)} s CPU`);
}
up.proc.kill();
kitChild.proc.kill('SIGINT');
await new Promise((r) => setTimeout(r, 500));
process.exit(0);

// What telemetry costs. Reference: the same small relay (bench/telemetry/relay.mjs: node:http in,
// undici Pool out, the kit's telemetry helpers on its path) with telemetry off, in the same run.
//   off        no connection string: the helpers run against the no-op OpenTelemetry API
//   on         applicationinsights 3.x with its default sampling, exporting to a loopback HTTPS sink
//   on, all    the same with every trace sampled (OTEL_TRACES_SAMPLER=always_on): the worst case
// Figures: time to first byte p50/p99 through each relay (requests interleaved across the three,
// so all see the same machine), the relays' memory after the run, and the helpers' cost per call.
// Budget (issue 12): at most 1 ms added at p99.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fmt, freePort, summarize } from './lib.mjs';

const N = Number(process.env.BENCH_N ?? 300);
const here = import.meta.dirname;
const KIT_REGISTER = '@grounded-chat/server-kit/telemetry/register';

// The ingestion sink: HTTPS with a certificate made here, trusted by the children through
// NODE_EXTRA_CA_CERTS, answering Breeze's shape; it only counts what arrives.
const dir = mkdtempSync(join(tmpdir(), 'gc-bench-telemetry-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
  '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
const received = { envelopes: 0 };
const sink = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const n = (() => { try { const p = JSON.parse(body); return Array.isArray(p) ? p.length : 1; } catch { return 0; } })();
    received.envelopes += n;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ itemsReceived: n, itemsAccepted: n, errors: [] }));
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const connectionString = `InstrumentationKey=4f6c0b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f;IngestionEndpoint=https://127.0.0.1:${sink.address().port}/`;

// The upstream: a contract-B stand-in, first answer piece at once, three more, then the end.
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"answer":"first"}\n\n');
    setImmediate(() => res.end('data: {"answer":" second"}\n\ndata: {"answer":" third"}\n\n'));
  });
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const UPSTREAM_URL = `http://127.0.0.1:${upstream.address().port}`;

const common = {
  PATH: process.env.PATH,
  NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
  APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
  APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
  APPLICATIONINSIGHTS_CONFIGURATION_CONTENT: JSON.stringify({ azureMonitorExporterOptions: { disableOfflineStorage: true } }),
  TMPDIR: dir,
};
const variants = {
  off: {},
  on: { APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString },
  'on, all': { APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString, OTEL_TRACES_SAMPLER: 'always_on' },
};

function spawnNode(args, env) {
  const child = spawn(process.execPath, ['--expose-gc', '--import', KIT_REGISTER, ...args], { env: { ...common, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  return { child, out: () => out };
}

async function startRelay(env) {
  const port = await freePort();
  const { child } = spawnNode([join(here, 'telemetry', 'relay.mjs')], { ...env, PORT: String(port), UPSTREAM_URL });
  for (let i = 0; i < 300; i++) {
    try {
      await new Promise((ok, fail) => http.get({ host: '127.0.0.1', port, path: '/__mem' }, (r) => r.resume().on('end', ok)).on('error', fail));
      return { port, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('relay did not start');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function firstByte(port) {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path: '/api/chat/stream', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let t;
      res.on('data', () => (t ??= Number(process.hrtime.bigint() - t0) / 1e6));
      res.on('end', () => done(t));
    });
    req.on('error', fail);
    req.end('{"messages":[{"role":"user","content":"q"}]}');
  });
}
const memOf = (port) =>
  new Promise((done, fail) =>
    http.get({ host: '127.0.0.1', port, path: '/__mem' }, (r) => {
      let s = '';
      r.on('data', (c) => (s += c)).on('end', () => done(JSON.parse(s)));
    }).on('error', fail),
  );

async function micro(env) {
  const { child, out } = spawnNode([join(here, 'telemetry', 'micro.mjs')], env);
  await new Promise((r) => child.on('exit', r));
  return JSON.parse(out().trim().split('\n').at(-1));
}

const relays = {};
try {
  for (const [name, env] of Object.entries(variants)) relays[name] = await startRelay(env);
  const samples = Object.fromEntries(Object.keys(relays).map((k) => [k, []]));
  for (let i = 0; i < 30; i++) for (const r of Object.values(relays)) await firstByte(r.port);
  for (let i = 0; i < N; i++) for (const [name, r] of Object.entries(relays)) samples[name].push(await firstByte(r.port));
  const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  const mem = {};
  for (const [name, r] of Object.entries(relays)) mem[name] = await memOf(r.port);

  console.log(`time to first byte through a small relay, ${N} sequential streams each, interleaved`);
  for (const name of Object.keys(variants)) {
    const added = name === 'off' ? '' : `   added p50 ${fmt(s[name].p50 - s.off.p50)}  p99 ${fmt(s[name].p99 - s.off.p99)}  ratio p99 ${(s[name].p99 / s.off.p99).toFixed(2)}x`;
    console.log(`  ${name.padEnd(8)} p50 ${fmt(s[name].p50)}  p99 ${fmt(s[name].p99)}${added}`);
  }
  console.log('relay memory after the run (after gc)');
  for (const name of Object.keys(variants)) {
    const m = mem[name];
    const vs = name === 'off' ? '' : `   +${((m.rss - mem.off.rss) / 2 ** 20).toFixed(1)} MiB rss (${(m.rss / mem.off.rss).toFixed(2)}x)`;
    console.log(`  ${name.padEnd(8)} rss ${(m.rss / 2 ** 20).toFixed(1)} MiB  heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MiB${vs}`);
  }
  console.log('telemetry helpers, ns per call (inside a request span)');
  const m = {};
  for (const [name, env] of Object.entries(variants)) m[name] = await micro(env);
  for (const op of Object.keys(m.off)) {
    console.log(`  ${op.padEnd(14)} ${Object.keys(variants).map((v) => `${v} ${Math.round(m[v][op])}`).join('   ')}`);
  }
  console.log(`envelopes the sink received: ${received.envelopes}`);
} finally {
  agent.destroy();
  for (const r of Object.values(relays)) r.child.kill('SIGTERM');
  upstream.close();
  sink.close();
  sink.closeAllConnections?.();
}

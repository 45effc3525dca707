#!/usr/bin/env node
// `npm start`: runs the whole chain on embedded defaults as two processes talking HTTP, as on Azure:
//   orchestrator (contract B, port 8081) ◀── demo site + server kit (contract A, port 8080) ◀── browser
// A key is generated for this run and handed to both through the environment; it is never written down.
// Ports: DEMO_PORT / ORCHESTRATOR_PORT (0 picks a free port; the chosen ones are printed).
// The demo runs with AUTH_MODE=none (no sign-in), so it listens on loopback only unless told
// otherwise: HOST=0.0.0.0 opens it to the network, on purpose. The orchestrator is always loopback.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const demoPort = await choosePort(process.env.DEMO_PORT ?? '8080');
const orchestratorPort = await choosePort(process.env.ORCHESTRATOR_PORT ?? '8081');
const key = randomBytes(24).toString('base64url');
const children = [];
let stopping = false;

// Each starts with its telemetry register module first (Application Insights when
// APPLICATIONINSIGHTS_CONNECTION_STRING is set; nothing loaded otherwise): docs/telemetry.md.
const orchestrator = launch('orchestrator', join(root, 'orchestrator/dist/server.js'), join(root, 'orchestrator/dist/telemetry/register.js'), {
  PORT: String(orchestratorPort),
  HOST: '127.0.0.1',
  ORCHESTRATOR_KEYS: key,
  LOCAL_SOURCE_URL_BASE: process.env.LOCAL_SOURCE_URL_BASE ?? '/docs/',
});
await waitFor(`http://127.0.0.1:${orchestratorPort}/health/ready`, orchestrator, 120_000);

const demoHost = process.env.HOST ?? '127.0.0.1';
const demo = launch('demo-site', join(root, 'demo-site/dist/server.js'), join(root, 'server-kit/dist/telemetry/register.js'), {
  PORT: String(demoPort),
  HOST: demoHost,
  ORCHESTRATOR_URL: `http://127.0.0.1:${orchestratorPort}/score`,
  ORCHESTRATOR_KEY: key,
  // Locally no sign-in; where App Service says it runs the site (WEBSITE_SITE_NAME), its own
  // default (Easy Auth, believed only with WEBSITE_AUTH_ENABLED) applies instead.
  ...(process.env.AUTH_MODE || process.env.WEBSITE_SITE_NAME ? {} : { AUTH_MODE: 'none' }),
});
await waitFor(`http://${demoHost === '0.0.0.0' || demoHost === '::' ? '127.0.0.1' : demoHost.includes(':') ? `[${demoHost}]` : demoHost}:${demoPort}/healthz`, demo, 30_000);

const shown = demoHost === '127.0.0.1' || demoHost === '0.0.0.0' || demoHost === '::' ? 'localhost' : demoHost.includes(':') ? `[${demoHost}]` : demoHost;
const reach = demoHost === '127.0.0.1' || demoHost === '::1' ? 'this machine only; HOST=0.0.0.0 to open it to the network' : `listening on ${demoHost}`;
console.log(`\n  grounded-chat is running at http://${shown}:${demoPort}\n  (${reach}; orchestrator on http://127.0.0.1:${orchestratorPort}; Ctrl+C stops both)\n`);

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(0));

function launch(name, script, register, env) {
  const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream, out) =>
    stream.on('data', (chunk) => {
      for (const line of String(chunk).split('\n')) if (line) out.write(`[${name}] ${line}\n`);
    });
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[${name}] exited (${signal ?? code}); stopping`);
    stop(code || 1);
  });
  children.push(child);
  return child;
}

function stop(code) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 300).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}

async function waitFor(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // stop() exits the process; never resolve so nothing after the wait runs meanwhile.
    if (child.exitCode !== null) return stop(child.exitCode || 1), new Promise(() => {});
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`timed out waiting for ${url}`);
  stop(1);
  return new Promise(() => {});
}

async function choosePort(value) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid port: ${value}`);
    process.exit(1);
  }
  if (port !== 0) return port;
  return new Promise((done, fail) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = srv.address();
      srv.close(() => done(free));
    });
    srv.on('error', fail);
  });
}

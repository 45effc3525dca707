/**
 * Graceful shutdown of the real demo-site process (`node dist/server.js`, as App Service runs it):
 * SIGTERM with an answer streaming. The process stops accepting connections at once; an open
 * answer that finishes within SHUTDOWN_TIMEOUT_MS is delivered whole; one that does not is ended
 * with a `shutting_down` error line; either way the process exits 0 by itself.
 *
 * The orchestrator is a stand-in on 127.0.0.1 whose answers the test holds open or releases.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';

const serverJs = join(import.meta.dirname, '..', 'dist', 'server.js');
const GRACE_MS = 1_500;

/** The orchestrator stand-in: every answer starts at once and waits for the test to finish it. */
async function startOrchestrator() {
  const open: ServerResponse[] = [];
  let onOpen: (() => void) | undefined;
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"answer":"The first part, "}\n\n');
    open.push(res);
    onOpen?.();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`,
    /** Resolves once `n` answers are open. */
    opened: (n: number) => new Promise<void>((r) => ((onOpen = () => open.length >= n && r()), onOpen())),
    finishAll: () => {
      for (const res of open) res.end('data: {"answer":"and the end."}\n\n');
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

interface Site {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Resolves when `pattern` has been printed. */
  printed: (pattern: RegExp) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startSite(orchestratorUrl: string): Promise<Site> {
  const child = spawn(process.execPath, [serverJs], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', AUTH_MODE: 'none', ORCHESTRATOR_URL: orchestratorUrl, ORCHESTRATOR_KEY: 'k', SHUTDOWN_TIMEOUT_MS: String(GRACE_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<{ pattern: RegExp; done: () => void }> = [];
  const onData = (c: Buffer) => {
    out += c;
    for (const w of [...waiters]) if (w.pattern.test(out)) (waiters.splice(waiters.indexOf(w), 1), w.done());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const printed = (pattern: RegExp) =>
    new Promise<void>((done, fail) => {
      if (pattern.test(out)) return done();
      waiters.push({ pattern, done });
      void exited.then(() => fail(new Error(`the site exited before printing ${pattern}:\n${out}`)));
    });
  await printed(/listening on http:\/\/127\.0\.0\.1:\d+/);
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
  return { child, port, output: () => out, printed, exited };
}

/** Opens an answer stream; `lines` resolves with every NDJSON line once the stream ends (or breaks). */
async function openAnswer(port: number, question: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: question }] }),
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let sawContent!: () => void;
  const started = new Promise<void>((r) => (sawContent = r));
  const lines = (async () => {
    let broken = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (/"content"/.test(text)) sawContent();
      }
    } catch {
      broken = true;
    }
    return { broken, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>) };
  })();
  await started;
  return { lines };
}

/** True once a new connection to the port is refused (the listening socket is closed). */
async function refusesConnections(port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const refused = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(false)));
      s.once('error', (e: NodeJS.ErrnoException) => r(e.code === 'ECONNREFUSED'));
    });
    if (refused) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const content = (lines: Array<Record<string, any>>) => lines.map((l) => l.delta?.content ?? '').join('');

const cleanup: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('SIGTERM to the demo-site process', () => {
  it('stops accepting, delivers an answer that finishes within the grace period whole, and exits 0', { timeout: 30_000 }, async () => {
    const orchestrator = await startOrchestrator();
    cleanup.push(orchestrator.close);
    const site = await startSite(orchestrator.url);
    cleanup.push(() => site.child.exitCode === null && site.child.kill('SIGKILL'));
    const answer = await openAnswer(site.port, 'a question');
    await orchestrator.opened(1);

    site.child.kill('SIGTERM');
    await site.printed(/SIGTERM, stopping/);
    assert.ok(await refusesConnections(site.port), 'new connections are refused while the answer is open');
    orchestrator.finishAll();

    const { broken, lines } = await answer.lines;
    assert.equal(broken, false, 'the stream ended cleanly');
    assert.equal(content(lines), 'The first part, and the end.');
    assert.equal(lines.some((l) => l.error), false, 'no error line');
    assert.deepEqual(await site.exited, { code: 0, signal: null }, `exited 0 by itself:\n${site.output()}`);
  });

  it('ends an answer still open at the deadline with a shutting_down line, and exits 0', { timeout: 30_000 }, async () => {
    const orchestrator = await startOrchestrator();
    cleanup.push(orchestrator.close);
    const site = await startSite(orchestrator.url);
    cleanup.push(() => site.child.exitCode === null && site.child.kill('SIGKILL'));
    const answer = await openAnswer(site.port, 'a long question');
    await orchestrator.opened(1);

    site.child.kill('SIGTERM');
    await site.printed(/SIGTERM, stopping/);
    assert.ok(await refusesConnections(site.port), 'new connections are refused while the answer is open');
    // The orchestrator never finishes: the deadline ends the answer.
    const { lines } = await answer.lines;
    assert.equal(content(lines), 'The first part, ');
    assert.equal(lines.at(-1)?.error?.code, 'shutting_down', JSON.stringify(lines.at(-1)));
    assert.match(String(lines.at(-1)?.error?.message), /\w/, 'a readable message');
    assert.deepEqual(await site.exited, { code: 0, signal: null }, `exited 0 by itself:\n${site.output()}`);
  });
});

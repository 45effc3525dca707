/**
 * SIGTERM on a real process (App Service sends it before stopping an instance): the kit's
 * shutdownOnSignal in a child process with streams open. New connections are refused, a chat
 * that ends within the grace period ends normally, one that does not gets a `shutting_down` line,
 * an idle keep-alive connection is closed, and the process exits by itself with code 0.
 * Asserted on the bytes the clients received and on the exit code; no sleeps (each step waits
 * for the event that proves the previous one).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ask, startStandIn, type StandIn } from './helpers.js';

/** One raw HTTP exchange: everything the client received, and how the connection ended. */
function rawStream(port: number, question: string) {
  const socket = net.connect(port, '127.0.0.1');
  const body = JSON.stringify(ask(question));
  socket.write(
    `POST /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  let received = '';
  const waiters: Array<() => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => {
    received += c;
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ error?: string }>((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code }));
    socket.on('close', () => resolve({}));
  });
  return {
    get received() {
      return received;
    },
    /** Resolves once the bytes received contain `text`. */
    async until(text: string) {
      while (!received.includes(text)) await new Promise<void>((r) => waiters.push(r));
    },
    closed,
  };
}

/** The NDJSON lines of a chunked HTTP/1.1 response, and whether its last chunk arrived. */
function decodeChunked(raw: string): { status: number; lines: any[]; complete: boolean } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  let rest = raw.slice(split + 4);
  let body = '';
  let complete = false;
  assert.match(head, /transfer-encoding: chunked/i);
  while (rest.length > 0) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (size === 0) {
      complete = true;
      break;
    }
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
  return { status: Number(head.split(' ')[1]), lines: body.split('\n').filter(Boolean).map((l) => JSON.parse(l)), complete };
}

describe('SIGTERM on a real process', () => {
  let upstream: StandIn;
  let finishShort!: () => void;
  const shortGate = new Promise<void>((r) => (finishShort = r));
  before(async () => {
    upstream = await startStandIn((_req, res, body) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"answer":"a"}\n\n');
      if (JSON.parse(body).question === 'short') void shortGate.then(() => res.end('data: {"answer":"b"}\n\n'));
      else {
        // A long answer: keeps the stream busy until the kit gives up on it.
        const t = setInterval(() => res.write(': thinking\n\n'), 50);
        res.on('close', () => clearInterval(t));
      }
    });
  });
  after(() => upstream.close());

  it('refuses new connections, finishes or ends open streams, closes idle ones, and exits 0 by itself', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/sigterm-app.ts', import.meta.url))], {
      env: { ...process.env, UPSTREAM_URL: upstream.url, GRACE_MS: '4000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    // A hang is a failure, not a stuck suite. The grace period is long enough for the short
    // chat to finish on a loaded machine; the long one never would.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const out = createInterface({ input: child.stdout! });
      const messages: any[] = [];
      const waiting: Array<() => void> = [];
      out.on('line', (l) => {
        messages.push(JSON.parse(l));
        for (const w of waiting.splice(0)) w();
      });
      const message = async (key: string) => {
        for (;;) {
          const m = messages.find((x) => key in x);
          if (m) return m;
          await new Promise<void>((r) => waiting.push(r));
        }
      };
      const { port } = await message('port');

      const short = rawStream(port, 'short');
      const long = rawStream(port, 'long');
      await short.until('"content":"a"');
      await long.until('"content":"a"');
      // An idle keep-alive connection: one finished request, nothing in flight.
      const idle = net.connect(port, '127.0.0.1');
      idle.write('GET /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      let idleReply = '';
      idle.setEncoding('utf8');
      const idleClosed = new Promise<void>((r) => idle.on('close', () => r()));
      idle.on('error', () => {});
      await new Promise<void>((r) => idle.on('data', (c: string) => ((idleReply += c), idleReply.includes('method_not_allowed') && r())));

      child.kill('SIGTERM');
      await message('signal');
      // The listener is closed: a new connection is refused outright.
      const refused = await new Promise<string | undefined>((r) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => (s.destroy(), r(undefined)));
        s.on('error', (e: NodeJS.ErrnoException) => r(e.code));
      });
      assert.equal(refused, 'ECONNREFUSED');

      // The short chat finishes normally within the grace period.
      finishShort();
      await short.closed;
      const s = decodeChunked(short.received);
      assert.equal(s.status, 200);
      assert.ok(s.complete, 'the short stream ended with its last chunk');
      assert.deepEqual(s.lines.map((l) => l.delta?.content ?? l.error?.code ?? 'role'), ['role', 'a', 'b']);

      // The long one is ended at the deadline with an error line, as a complete response.
      assert.deepEqual(await long.closed, {});
      const l = decodeChunked(long.received);
      assert.ok(l.complete, 'the long stream ended with its last chunk, not a cut connection');
      assert.deepEqual(l.lines.map((x) => x.delta?.content ?? x.error?.code ?? 'role'), ['role', 'a', 'shutting_down']);
      assert.match(l.lines.at(-1).error.message, /\w/);

      await idleClosed;
      assert.deepEqual(await exited, { code: 0, signal: null }, 'exited by itself');
      // And the orchestrator saw the long call go away.
      assert.equal(upstream.requests.length, 2);
    } finally {
      clearTimeout(watchdog);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

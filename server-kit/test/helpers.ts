/** Test scaffolding: contract-B stand-ins on 127.0.0.1:0 and an Express app mounting the router. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createChatRouter, type ChatRouterOptions, type Logger } from '../src/index.js';

export type Recorded = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
export type StandIn = { url: string; requests: Recorded[]; close(): Promise<void> };

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A stand-in orchestrator: records each request, then lets `handler` answer it. */
export async function startStandIn(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => unknown,
): Promise<StandIn> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      void handler(req, res, body);
    });
  });
  const base = await listen(server);
  return { url: `${base}/score`, requests, close: () => closeServer(server) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes an SSE stream of objects, one `data:` event each, with an optional pause between. */
export async function sse(res: http.ServerResponse, events: unknown[], pauseMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) {
    res.write(`data: ${JSON.stringify(e)}\n\n`);
    if (pauseMs) await sleep(pauseMs);
  }
  res.end();
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export type Logged = { level: 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

export function memoryLogger(): Logger & { entries: Logged[] } {
  const entries: Logged[] = [];
  return {
    entries,
    warn: (message, fields) => entries.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => entries.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
}

export type App = { url: string; close(): Promise<void>; logger: ReturnType<typeof memoryLogger> };

/** Express app with the router at /api/chat. Options default to no auth and no rate limit. */
export async function startApp(
  options: Partial<ChatRouterOptions> & Pick<ChatRouterOptions, 'orchestrator'>,
  setup?: (app: express.Express) => void,
): Promise<App> {
  const logger = memoryLogger();
  const app = express();
  setup?.(app);
  app.use('/api/chat', createChatRouter({ rateLimit: false, logger, env: {}, ...options }));
  const server = http.createServer(app);
  const url = await listen(server);
  return { url: `${url}/api/chat`, logger, close: () => closeServer(server) };
}

export type Reply = { status: number; headers: http.IncomingHttpHeaders; text: string; json: any };

/** POSTs and reads the whole reply. `body` given as a string is sent as is. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parsed });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Parses NDJSON text into objects, asserting every line is JSON. */
export function lines(text: string): any[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

/**
 * Opens a stream and yields NDJSON lines as they arrive, so a test can act between lines.
 */
export async function openStream(url: string, body: unknown, headers: Record<string, string> = {}) {
  const data = JSON.stringify(body);
  const req = http.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers },
  });
  req.end(data);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  res.setEncoding('utf8');
  let buffer = '';
  const queue: any[] = [];
  let waiter: (() => void) | undefined;
  let ended = false;
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      queue.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
    waiter?.();
  });
  res.on('end', () => {
    ended = true;
    waiter?.();
  });
  return {
    res,
    req,
    /** The next line, or undefined at the end of the stream. */
    async next(): Promise<any | undefined> {
      while (queue.length === 0 && !ended) await new Promise<void>((r) => (waiter = r));
      return queue.shift();
    },
    async rest(): Promise<any[]> {
      const out: any[] = [];
      for (let l = await this.next(); l !== undefined; l = await this.next()) out.push(l);
      return out;
    },
  };
}

export const ask = (question = 'How do I mount the kit?') => ({ messages: [{ role: 'user', content: question }] });

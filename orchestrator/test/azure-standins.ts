/**
 * HTTPS stand-ins for the Azure services, on 127.0.0.1 with a certificate made here, speaking the
 * services' REST shapes: Azure AI Search `docs/search.post.search`, Azure OpenAI chat
 * completions (streaming, with `prompt_filter_results` first and `content_filter_results` per
 * chunk) and embeddings, an OpenAI-compatible `/v1/chat/completions`, and an App Service style
 * managed-identity token endpoint (what `DefaultAzureCredential` calls on Azure). Every request
 * is recorded so tests assert what the real SDKs sent.
 *
 * The orchestrator under test runs as a child process (`src/server.ts`, configured by its
 * environment like in production) that trusts the certificate through NODE_EXTRA_CA_CERTS,
 * which Node reads only at start — production code keeps the SDKs' defaults.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
  body: any;
  /** Resolves when the client closed the connection before the response ended. */
  closedEarly: Promise<boolean>;
}

export type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

export async function makeCertificate(): Promise<{ dir: string; key: string; cert: string; certPath: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
  return { dir, key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface StandIn {
  url: string;
  requests: Recorded[];
  /** Route handlers, replaceable per test: `search`, `chat`, `embeddings`, `token`, and index management (`index`: GET/PUT indexes('name'), `docsIndex`: docs/search.index). */
  handlers: { search: Handler; chat: Handler; embeddings: Handler; token: Handler; index?: Handler; docsIndex?: Handler };
  reset(): void;
  close(): Promise<void>;
}

export async function startStandIn(tls: { key: string; cert: string }, defaults: StandIn['handlers']): Promise<StandIn> {
  const requests: Recorded[] = [];
  const handlers = { ...defaults };
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const closedEarly = new Promise<boolean>((r) => res.on('close', () => r(!res.writableFinished)));
    const rec: Recorded = { method: req.method ?? '', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers, body: raw ? safeJson(raw) : undefined, closedEarly };
    requests.push(rec);
    const p = rec.path;
    const route = p.endsWith('/docs/search.index') ? 'docsIndex' : p.includes('/docs/search') ? 'search' : /^\/indexes\('[^']+'\)$/.test(p) ? 'index' : p.endsWith('/chat/completions') ? 'chat' : p.endsWith('/embeddings') ? 'embeddings' : p.startsWith('/msi/') ? 'token' : undefined;
    if (!route || !handlers[route]) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NotFound","message":"no route"}}');
      return;
    }
    try {
      await handlers[route]!(rec, res);
    } catch {
      res.destroy();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    handlers,
    reset() {
      requests.length = 0;
      Object.assign(handlers, defaults);
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const safeJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

// ── Azure OpenAI wire shapes ────────────────────────────────────────────────────────────────

const NO_FILTER = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };

/** The first event of an Azure stream: no choices, only the prompt's filter results. */
export const promptFilterChunk = () => ({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: { ...NO_FILTER, jailbreak: { filtered: false, detected: false } } }] });

export const contentChunk = (content: string, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-2024-11-20',
  choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: finish, content_filter_results: finish === 'content_filter' ? { ...NO_FILTER, violence: { filtered: true, severity: 'high' } } : NO_FILTER }],
});

export const usageChunk = (prompt: number, completion: number) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-2024-11-20', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });

export interface StreamScript {
  pieces: string[];
  finish?: string;
  usage?: [number, number];
  /** Destroy the socket after this many pieces (a stream cut midway). */
  cutAfter?: number;
  /** Wait between pieces (a slow model). */
  pauseMs?: number;
}

export async function streamChat(res: ServerResponse, script: StreamScript): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'apim-request-id': 'req-1' });
  const send = (o: unknown) => new Promise<void>((r) => res.write(`data: ${JSON.stringify(o)}\n\n`, () => r()));
  await send(promptFilterChunk());
  await send({ ...contentChunk(''), choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, content_filter_results: {} }] });
  for (const [i, piece] of script.pieces.entries()) {
    if (script.cutAfter !== undefined && i >= script.cutAfter) {
      res.destroy(); // what was written has been flushed (each write awaited)
      return;
    }
    if (res.destroyed) return;
    await send(contentChunk(piece));
    if (script.pauseMs) await new Promise((r) => setTimeout(r, script.pauseMs));
  }
  await send(contentChunk('', script.finish ?? 'stop'));
  // Azure may send filter annotations after the finish; then the usage chunk.
  await send({ ...contentChunk(''), choices: [{ index: 0, delta: {}, finish_reason: null, content_filter_results: NO_FILTER }] });
  const [p, c] = script.usage ?? [100, 20];
  await send(usageChunk(p, c));
  res.end('data: [DONE]\n\n');
}

export function completion(res: ServerResponse, content: string): void {
  json(res, 200, { id: 'chatcmpl-2', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

export const contentFilterError = { error: { code: 'content_filter', param: 'prompt', status: 400, message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { ...NO_FILTER, jailbreak: { filtered: true, detected: true } } } } };

/** An embeddings response in the encoding asked for (`float`, or `base64` of little-endian float32). */
export function embedding(res: ServerResponse, vector: number[], encoding: string = 'float'): void {
  const value = encoding === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
  json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: value }], model: 'text-embedding-3-small', usage: { prompt_tokens: 5, total_tokens: 5 } });
}

// ── the orchestrator under test ────────────────────────────────────────────────────────────

const PKG = resolve(import.meta.dirname, '..');

export interface Child {
  url: string;
  stdout: () => string;
  stderr: () => string;
  process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `src/server.ts` with `env` (and nothing else of ours), trusting `certPath`. */
export async function startOrchestrator(env: Record<string, string>, certPath: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: PKG,
    env: { PATH: process.env.PATH, PORT: '0', EXTRACTIVE_DELAY_MS: '0', LOCAL_EMBEDDINGS: 'off', NODE_EXTRA_CA_CERTS: certPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`orchestrator did not start: ${stdout} ${stderr}`)), 30_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    });
    child.on('exit', () => fail(new Error(`orchestrator exited: ${stdout} ${stderr}`)));
  });
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    process: child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Server-sent events of a contract-B stream, parsed. */
export function parseSse(text: string): Record<string, unknown>[] {
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('data: '))
    .map((b) => JSON.parse(b.slice(6)) as Record<string, unknown>);
}

/** A plain HTTP server, for tests that need a non-TLS peer. */
export { createHttpServer };

// ── an Azure AI Search index in memory: definition, documents, listing ────────────────────────

export interface MemoryIndex {
  definition?: Record<string, unknown> & { fields: { name: string; key?: boolean }[] };
  docs: Map<string, Record<string, unknown>>;
  /** Handlers to install on a stand-in: `index`, `docsIndex`, `search` (the `*` listing with $select). */
  handlers: { index: Handler; docsIndex: Handler; search: Handler };
}

/** The service's REST shapes for index management and indexing, over a Map (enough for ingestion). */
export function memoryIndex(name: string): MemoryIndex {
  const state: MemoryIndex = { docs: new Map(), handlers: undefined as never };
  const keyField = () => state.definition?.fields.find((f) => f.key)?.name ?? 'id';
  const notFound = (res: ServerResponse) => json(res, 404, { error: { code: 'ResourceNotFound', message: `No index with the name '${name}' was found in the service.` } });
  state.handlers = {
    index(req, res) {
      if (req.method === 'GET') return state.definition ? json(res, 200, state.definition) : notFound(res);
      if (req.method === 'PUT') {
        const created = !state.definition;
        state.definition = req.body;
        return json(res, created ? 201 : 200, req.body);
      }
      json(res, 405, { error: { code: 'MethodNotAllowed', message: 'no' } });
    },
    docsIndex(req, res) {
      if (!state.definition) return notFound(res);
      const key = keyField();
      const results = (req.body.value as Record<string, unknown>[]).map((action) => {
        const { '@search.action': verb, ...doc } = action;
        const k = String(doc[key]);
        if (verb === 'delete') state.docs.delete(k);
        else state.docs.set(k, verb === 'merge' || verb === 'mergeOrUpload' ? { ...state.docs.get(k), ...doc } : doc);
        return { key: k, status: true, errorMessage: null, statusCode: verb === 'delete' ? 200 : 201 };
      });
      json(res, 200, { value: results });
    },
    search(req, res) {
      if (!state.definition) return notFound(res);
      const select = typeof req.body.select === 'string' ? (req.body.select as string).split(',').map((x) => x.trim()) : undefined;
      const value = [...state.docs.values()].map((d) => ({ '@search.score': 1, ...(select ? Object.fromEntries(select.filter((f) => f in d).map((f) => [f, d[f]])) : d) }));
      json(res, 200, { value });
    },
  };
  return state;
}

/** An embeddings response for a batch: one vector per input, usage counting words as tokens. */
export function batchEmbedding(res: ServerResponse, inputs: string[], dimensions: number): void {
  const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: Array.from({ length: dimensions }, (_, i) => ((text.length + i) % 7) / 7) }));
  const tokens = inputs.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
  json(res, 200, { object: 'list', data, model: 'text-embedding-3-small', usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

/** Runs `src/cli.ts` with `args` and `env` (and nothing else of ours), trusting `certPath`. */
export function runCli(args: string[], env: Record<string, string>, certPath: string): Child & { done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: PKG,
    env: { PATH: process.env.PATH, LOCAL_EMBEDDINGS: 'off', NODE_EXTRA_CA_CERTS: certPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return {
    url: '',
    stdout: () => stdout,
    stderr: () => stderr,
    process: child,
    exited,
    done: exited.then((code) => ({ code, stdout, stderr })),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');

export interface RunningChain {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts the chain exactly as `npm start` does after its build step, on free ports and a fresh index dir. */
export async function startChain(extraEnv: Record<string, string> = {}): Promise<RunningChain> {
  const indexDir = mkdtempSync(join(tmpdir(), 'gc-e2e-index-'));
  const child: ChildProcess = spawn(process.execPath, [join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: { ...process.env, DEMO_PORT: '0', ORCHESTRATOR_PORT: '0', LOCAL_INDEX_DIR: indexDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`chain did not start in time:\n${out}`)), 90_000);
    const check = () => {
      const m = /running at (http:\/\/localhost:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`chain exited with ${code} before starting:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export interface StreamResult {
  status: number;
  contentType: string | null;
  lines: Array<Record<string, any>>;
  /** How many separate reads delivered at least one complete line. */
  readsWithLines: number;
  content: string;
  context: Record<string, any>;
}

/** Posts a chat to the kit's stream route and collects the NDJSON lines as they arrive. */
export async function streamChat(base: string, messages: Array<{ role: string; content: string }>): Promise<StreamResult> {
  const res = await fetch(`${base}/api/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages }),
  });
  const lines: Array<Record<string, any>> = [];
  let readsWithLines = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    const complete = parts.filter((l) => l.trim());
    if (complete.length) readsWithLines++;
    for (const line of complete) lines.push(JSON.parse(line));
  }
  if (buffer.trim()) lines.push(JSON.parse(buffer));
  let content = '';
  const context: Record<string, any> = {};
  for (const line of lines) {
    if (typeof line.delta?.content === 'string') content += line.delta.content;
    if (line.delta?.context) Object.assign(context, line.delta.context);
  }
  return { status: res.status, contentType: res.headers.get('content-type'), lines, readsWithLines, content, context };
}

/** Collapses whitespace so a quote can be matched against the passage it came from. */
export const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

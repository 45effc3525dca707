/**
 * Starts the orchestrator as its container does (the server entry point, configured by the
 * environment) on a free loopback port, and calls the routes the online deployment declares.
 * So the check is "the server answers on these routes", not "two strings are equal".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR } from './arm.ts';

export type Reply = { status: number; body: unknown };
export type Probe = { liveness: Reply; readiness: Reply; score: Reply; unknown: Reply };

const KEY = 'infra-test-key';

export async function probeOrchestrator(routes: Record<string, string | number>): Promise<Probe> {
  const indexDir = mkdtempSync(join(tmpdir(), 'gc-infra-index-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT_DIR, 'orchestrator/src/server.ts')], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      PORT: '0', // a free port; the declared port is checked against the image and the config
      HOST: '127.0.0.1',
      ORCHESTRATOR_KEYS: KEY,
      LOCAL_INDEX_DIR: indexDir,
      EXTRACTIVE_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer) => {
        out += chunk;
        // Printed once the index is ready.
        const m = /orchestrator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`orchestrator exited (${code}) before listening:\n${out}`)));
    });
    const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
      const res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${KEY}`,
          'content-type': 'application/json',
          'azureml-model-deployment': 'blue',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, body: parsed };
    };
    return {
      liveness: await call('GET', String(routes.livenessPath)),
      readiness: await call('GET', String(routes.readinessPath)),
      score: await call('POST', String(routes.scoringPath), { question: 'How do I deploy grounded-chat to Azure?', chat_history: [] }),
      unknown: await call('GET', '/health/nope'),
    };
  } finally {
    child.kill('SIGTERM');
    rmSync(indexDir, { recursive: true, force: true });
  }
}

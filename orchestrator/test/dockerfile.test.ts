/**
 * infra/orchestrator.Dockerfile stays consistent with the server: the port it exposes and sets is
 * the server's, it listens on all interfaces, its command is the build output of the server
 * entry, the index it builds is where the server looks from its working directory, and the
 * routes the deployment's inference_config names are served. The command is run here (from
 * source, as the image's WORKDIR layout is the repository's) with the Dockerfile's environment.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCorpusDir, defaultIndexDir, loadConfig } from '../src/config.js';
import { startOrchestrator } from './azure-standins.js';
import { tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(resolve(ROOT, 'infra/orchestrator.Dockerfile'), 'utf8');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const envOf = (stage: string): Record<string, string> =>
  Object.fromEntries([...stage.matchAll(/^ENV (.+)$/gm)].flatMap((m) => [...m[1]!.matchAll(/(\w+)=(\S+)/g)].map((kv) => [kv[1]!, kv[2]!])));

describe('infra/orchestrator.Dockerfile', () => {
  const env = envOf(finalStage);
  const workdir = /^WORKDIR (\S+)$/m.exec(finalStage)![1]!;
  const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(finalStage)![1]!) as string[];
  const routes = /inference_config: port (\d+), liveness (\S+), readiness (\S+), scoring (\S+)/.exec(dockerfile)!;

  it('exposes and sets the server\'s port, 8080, on all interfaces', () => {
    const exposed = /^EXPOSE (\d+)$/m.exec(finalStage)![1];
    assert.equal(env.PORT, '8080');
    assert.equal(exposed, '8080');
    assert.equal(routes[1], '8080');
    assert.equal(loadConfig({ PORT: env.PORT, HOST: env.HOST }).port, 8080);
    assert.equal(loadConfig({ HOST: env.HOST }).host, '0.0.0.0', 'probed from outside the container');
  });

  it('runs the build output of the server entry, and builds the index where the server looks', () => {
    assert.deepEqual(cmd, ['node', '--import', './orchestrator/dist/telemetry/register.js', 'orchestrator/dist/server.js']);
    const tsconfig = JSON.parse(readFileSync(resolve(ROOT, 'orchestrator/tsconfig.json'), 'utf8'));
    assert.equal(tsconfig.compilerOptions.rootDir, 'src');
    assert.equal(tsconfig.compilerOptions.outDir, 'dist');
    assert.ok(readFileSync(resolve(ROOT, 'orchestrator/src/server.ts'), 'utf8').length > 0);
    assert.ok(readFileSync(resolve(ROOT, 'orchestrator/src/telemetry/register.ts'), 'utf8').includes('APPLICATIONINSIGHTS_CONNECTION_STRING'), 'the --import module is the telemetry register');
    const ingest = /^RUN node orchestrator\/dist\/cli\.js ingest (\S+) --index-dir (\S+)$/m.exec(finalStage)!;
    assert.ok(ingest, 'the image builds the local index');
    assert.equal(resolve(workdir, ingest[1]!), defaultCorpusDir(workdir));
    assert.equal(ingest[2], defaultIndexDir(workdir));
    assert.match(finalStage, /^COPY docs docs$/m);
  });

  it('serves the inference_config routes when started like the container', async () => {
    const store = await tempDir();
    // The image's /app holds docs/ and orchestrator/ as the repository does; the server entry is
    // run from source (PORT 0: tests never take fixed ports).
    const child = await startOrchestrator({ ...env, PORT: '0', LOCAL_CORPUS_DIR: resolve(ROOT, 'docs'), LOCAL_INDEX_DIR: store.dir }, '/dev/null');
    try {
      assert.match(child.stdout(), /all interfaces/);
      assert.match(child.stdout(), /ORCHESTRATOR_KEYS is not set: POST \/score accepts requests without a key on 0\.0\.0\.0/);
      assert.equal((await fetch(`${child.url}${routes[2]}`)).status, 200);
      assert.equal((await fetch(`${child.url}${routes[3]}`)).status, 200);
      const res = await fetch(`${child.url}${routes[4]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'How do I mount the server kit?' }) });
      assert.equal(res.status, 200);
      assert.equal(await child.stop('SIGTERM'), 0);
    } finally {
      await child.stop('SIGKILL');
      await store.cleanup();
    }
  });
});

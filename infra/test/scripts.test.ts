/**
 * The deployment scripts and azure.yaml, offline: shellcheck on every script, azure.yaml parsed
 * and checked against what it points at (no maintained JSON schema for azure.yaml is published
 * on npm, the only registry here; its schema lives in the azure-dev repository), and the demo
 * site's zip built by the packaging script actually starting.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { IN_CI, INFRA_DIR, ROOT_DIR } from './arm.ts';

const run = promisify(execFile);

function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'test' ? [] : shellScripts(path);
    return entry.endsWith('.sh') ? [path] : [];
  });
}

const azureYaml = parse(readFileSync(join(ROOT_DIR, 'azure.yaml'), 'utf8'));

describe('shell scripts', () => {
  const scripts = shellScripts(INFRA_DIR);

  test('the scripts azure.yaml runs are among those checked, and all are executable', () => {
    for (const hook of Object.values(azureYaml.hooks) as Array<{ run: string }>) {
      const script = join(ROOT_DIR, hook.run.split(' ')[0]!);
      assert.ok(scripts.includes(script), `${hook.run} is a checked script`);
    }
    for (const s of scripts) assert.ok(statSync(s).mode & 0o100, `${relative(ROOT_DIR, s)} is executable`);
  });

  test('shellcheck passes every script under infra/', async (ctx) => {
    const found = await run('shellcheck', ['--version']).then(() => true, () => false);
    if (!found) {
      if (IN_CI) assert.fail('CI=true but shellcheck is not installed');
      return ctx.skip('shellcheck is not installed (apt-get install shellcheck)');
    }
    const result = await run('shellcheck', ['--external-sources', ...scripts]).then(
      () => '',
      (e: { stdout: string }) => e.stdout,
    );
    assert.equal(result, '');
  });

  test('deploy.sh refuses a bad environment name before touching Azure', async () => {
    const r = await run(join(INFRA_DIR, 'deploy.sh'), ['provision'], { env: { ...process.env, AZURE_ENV_NAME: 'Bad Name!' } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /AZURE_ENV_NAME/);
  });
});

describe('azure.yaml', () => {
  test('provisions infra/main.bicep with parameters main.bicep declares', () => {
    assert.equal(azureYaml.name, 'grounded-chat');
    assert.equal(azureYaml.infra.provider, 'bicep');
    const bicep = join(ROOT_DIR, azureYaml.infra.path, `${azureYaml.infra.module}.bicep`);
    assert.ok(existsSync(bicep), 'the module exists');
    const source = readFileSync(bicep, 'utf8');
    const declared = new Set([...source.matchAll(/^param (\w+)/gm)].map((m) => m[1]));
    const required = [...source.matchAll(/^param (\w+) \w+$/gm)].map((m) => m[1]);
    const file = JSON.parse(readFileSync(join(ROOT_DIR, azureYaml.infra.path, `${azureYaml.infra.module}.parameters.json`), 'utf8'));
    const given = Object.keys(file.parameters);
    assert.deepEqual(given.filter((p) => !declared.has(p)), [], 'no unknown parameter');
    assert.deepEqual(required.filter((p) => !given.includes(p!)), [], 'every required parameter is given');
  });

  test('the hooks run the deployment script steps azd needs', () => {
    assert.deepEqual(Object.keys(azureYaml.hooks).sort(), ['postprovision', 'predown', 'preprovision']);
    assert.equal(azureYaml.hooks.preprovision.run, 'infra/deploy.sh azd-preprovision');
    assert.equal(azureYaml.hooks.postprovision.run, 'infra/deploy.sh azd-postprovision');
    const deploy = readFileSync(join(INFRA_DIR, 'deploy.sh'), 'utf8');
    assert.match(deploy, /^\s+azd-preprovision\) azd_preprovision ;;$/m);
    assert.match(deploy, /^\s+azd-postprovision\) azd_postprovision ;;$/m);
  });
});

describe('demo-site package', () => {
  test('the zip runs on its own: no workspace links, health check answers', async (ctx) => {
    if (!existsSync(join(ROOT_DIR, 'demo-site/dist/server.js'))) {
      if (IN_CI) assert.fail('demo-site is not built (npm test builds it first)');
      return ctx.skip('run npm run build first');
    }
    const work = mkdtempSync(join(tmpdir(), 'gc-infra-zip-'));
    try {
      const zip = join(work, 'demo-site.zip');
      const app = join(work, 'app');
      // The zipped folder is kept (hard links): running it is running the zip's content, without
      // unpacking 35,000 files. That it is the same content is checked on the zip's listing.
      await run(join(INFRA_DIR, 'scripts/package-demo-site.sh'), [zip, '--no-build', '--keep-dir', app], { cwd: ROOT_DIR });
      const { stdout: listing } = await run('unzip', ['-Z', zip], { maxBuffer: 64 << 20 });
      const entries = listing.split('\n').filter((l) => /^[-dl][rwx-]{9}/.test(l));
      assert.ok(entries.length > 1000, 'the zip lists its entries');
      assert.deepEqual(entries.filter((l) => l.startsWith('l')), [], 'a zip deploy would drop symlinks');
      const { stdout: names } = await run('unzip', ['-Z1', zip], { maxBuffer: 64 << 20 });
      const zipped = names.split('\n').filter((n) => n && !n.endsWith('/')).sort();
      assert.deepEqual(zipped, filesUnder(app).sort(), 'the kept folder is what the zip holds');
      assert.ok(zipped.includes('node_modules/@grounded-chat/server-kit/dist/index.js'));
      assert.ok(!zipped.some((n) => n.startsWith('node_modules/@grounded-chat/orchestrator/')), 'no build-time-only package');
      const status = await startAndProbe(app);
      assert.equal(status, 200);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

/** Every file below `dir`, relative, following symlinks as zip does. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [relative(base, path)];
  });
}

/**
 * Starts the unpacked app as App Service would (the web app's startup command, telemetry
 * register module included, with a connection string so that the Application Insights SDK and
 * its instrumentations really load from the zip) and GETs /healthz.
 */
function startAndProbe(app: string): Promise<number> {
  const webapp = readFileSync(join(INFRA_DIR, 'modules/webapp.bicep'), 'utf8');
  const command = /appCommandLine: '([^']+)'/.exec(webapp)![1]!.split(' ');
  assert.equal(command[0], 'node');
  const child = spawn(process.execPath, command.slice(1), {
    cwd: app,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      AUTH_MODE: 'none',
      ORCHESTRATOR_URL: 'http://127.0.0.1:9/score',
      ORCHESTRATOR_KEY: 'unused',
      DOCS_DIR: join(app, 'docs'),
      // Nothing listens there: the SDK starts, its exports fail quietly.
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = async (chunk: Buffer) => {
      out += chunk;
      const m = /listening on http:\/\/[^\s/]+:(\d+)/.exec(out);
      if (!m) return;
      child.stdout.off('data', onData);
      try {
        const res = await fetch(`http://127.0.0.1:${m[1]}/healthz`);
        resolve(res.status);
      } catch (err) {
        reject(err);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (out += c));
    child.once('exit', (code) => reject(new Error(`demo-site exited (${code}):\n${out}`)));
    // Never hang the suite on a changed start-up line: fail with what it printed.
    setTimeout(() => reject(new Error(`demo-site did not say where it listens within 60 s:\n${out}`)), 60_000).unref();
  }).finally(() => child.kill('SIGTERM'));
}

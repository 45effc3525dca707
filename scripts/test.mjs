#!/usr/bin/env node
// Runs every package's tests, then prints one closing line summed over all of them:
//   N passed, N failed
// A suite whose runner exits non-zero without reporting a failure still fails the run, so a
// crashed runner can never look like "0 failed".
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const countsDir = join(root, '.test-counts');
rmSync(countsDir, { recursive: true, force: true });

const nodeSuite = (name, cwd, files = 'test/*.test.ts') => ({
  name,
  cwd: join(root, cwd),
  cmd: `node --import tsx --test --test-reporter=spec ${files}`,
  parse: (out) => {
    const pass = [...out.matchAll(/^ℹ pass (\d+)$/gm)].at(-1);
    const fail = [...out.matchAll(/^ℹ fail (\d+)$/gm)].at(-1);
    const skip = [...out.matchAll(/^ℹ skipped (\d+)$/gm)].at(-1);
    if (!pass || !fail) return null;
    return { passed: +pass[1], failed: +fail[1], skipped: skip ? +skip[1] : 0 };
  },
});

const suites = [
  nodeSuite('orchestrator', 'orchestrator'),
  nodeSuite('server-kit', 'server-kit'),
  nodeSuite('demo-site', 'demo-site'),
  {
    name: 'widget',
    cwd: join(root, 'widget'),
    cmd: 'npm test --silent',
    env: { GC_TEST_COUNTS: join(countsDir, 'widget.json') },
    parse: () => {
      try {
        return JSON.parse(readFileSync(join(countsDir, 'widget.json'), 'utf8'));
      } catch {
        return null;
      }
    },
  },
  nodeSuite('end-to-end', '.', 'test/e2e/*.test.ts'),
  // The infra files mostly wait on child processes (bicep, deploy.sh, the packaging script): run
  // all five side by side (the two ARM files share one compile, infra/test/arm.ts).
  nodeSuite('infra', 'infra', '--test-concurrency=5 test/*.test.ts'),
  // Packs every package and installs the tarballs outside the repo (test/packaging/packaging.test.ts).
  nodeSuite('packaging', '.', 'test/packaging/*.test.ts'),
];

const only = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue;
  console.log(`\n━━ ${suite.name} ━━ ${suite.cmd}`);
  const { code, out } = await run(suite);
  let counts = suite.parse(out);
  if (!counts) counts = { passed: 0, failed: 1, skipped: 0 };
  else if (code !== 0 && counts.failed === 0) counts.failed = 1;
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  lines.push(`${suite.name}: ${counts.passed} passed, ${counts.failed} failed${code === 0 ? '' : ` (exit ${code})`}`);
}

console.log('\n' + lines.join('\n'));
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);

function run(suite) {
  return new Promise((done) => {
    const child = spawn(suite.cmd, {
      cwd: suite.cwd,
      shell: true,
      // Keyword-only local index unless a test turns semantic search on itself
      // (orchestrator/test/local-semantic.test.ts): every orchestrator a test starts would
      // otherwise load the embedding model and embed its corpus, seconds each, and the tests
      // that pin a ranking were written against the keyword index.
      env: { LOCAL_EMBEDDINGS: 'off', ...process.env, ...suite.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => done({ code: code ?? 1, out }));
  });
}

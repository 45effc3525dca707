/**
 * The packages as a developer gets them: packed with `npm pack`, installed from the tarballs into
 * scratch apps outside the repo (under os.tmpdir()), where the workspace's symlinks, hoisted
 * node_modules and tsconfig references cannot hide anything.
 *
 * - every tarball holds no build leftovers (.tsbuildinfo, tests), and every source map's sources
 *   travel with it (shipped files or sourcesContent);
 * - a site with only the widget installed, and a Node app with the kit (plus express and its
 *   documented @types/express peer), the orchestrator and the widget's SSR entry, type-check a
 *   strict TypeScript file importing each public entry point, with `nodenext` and with `bundler`
 *   resolution (skipLibCheck off, so the packages' own .d.ts files are checked);
 * - the orchestrator started from its installed package answers through the kit mounted in
 *   Express, as a stream, and the widget loaded from its installed package in headless Chromium
 *   shows that answer with its citation.
 *
 * Installs use the npm cache first (--prefer-offline); the machine's registry is npm's.
 * See docs/widget.md ("Installing") for the steps this test automates.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser } from 'puppeteer-core';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, 'fixtures');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const PUBLISHED = ['@grounded-chat/widget', '@grounded-chat/server-kit', '@grounded-chat/orchestrator'];
const ALL = [...PUBLISHED, '@grounded-chat/demo-site'];

interface Packed {
  name: string;
  filename: string;
  files: { path: string }[];
}

const scratch = mkdtempSync(join(tmpdir(), 'gc-packaging-'));
const packDir = join(scratch, 'tarballs');
const siteDir = join(scratch, 'site');
const serverDir = join(scratch, 'server');
let packed: Packed[] = [];
const tarball = (name: string) => join(packDir, packed.find((p) => p.name === name)!.filename);
const children: ChildProcess[] = [];

const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_workspaces: undefined } as NodeJS.ProcessEnv });

/** Versions the scratch apps add beside the tarballs: the ones this repo is built and tested with. */
const lockedVersion = (name: string) => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  return lock.packages[`node_modules/${name}`]!.version;
};

const TSCONFIGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;
function writeTsconfig(dir: string, kind: keyof typeof TSCONFIGS, types: string[]) {
  const compilerOptions = { ...TSCONFIGS[kind], target: 'es2022', lib: ['es2023', 'dom', 'dom.iterable'], strict: true, noEmit: true, skipLibCheck: false, skipDefaultLibCheck: true, types };
  writeFileSync(join(dir, `tsconfig.${kind}.json`), JSON.stringify({ compilerOptions, files: ['check.ts'] }, null, 2));
}
async function typecheck(dir: string, kind: keyof typeof TSCONFIGS) {
  try {
    await run(process.execPath, [tsc, '-p', `tsconfig.${kind}.json`], { cwd: dir });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    assert.fail(`tsc (${kind}) failed in ${dir}:\n${err.stdout}${err.stderr}`);
  }
}

/** Starts `node <args>` in `cwd` and resolves with the first match of `ready` in its output. */
function start(args: string[], cwd: string, env: Record<string, string>, ready: RegExp): Promise<RegExpExecArray> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${args.join(' ')} did not start:\n${out}`)), 60_000);
    const check = (chunk: Buffer) => {
      out += chunk;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

before(async () => {
  mkdirSync(packDir);
  const { stdout } = await npm(['pack', '--json', '--pack-destination', packDir, ...ALL.flatMap((n) => ['-w', n])], root);
  packed = JSON.parse(stdout) as Packed[];

  cpSync(join(fixtures, 'site'), siteDir, { recursive: true });
  cpSync(join(fixtures, 'server'), serverDir, { recursive: true });
  for (const [dir, name] of [
    [siteDir, 'packaged-site'],
    [serverDir, 'packaged-server'],
  ] as const)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  // A site installs the widget alone; the server app installs what docs/widget.md and the kit's README say.
  const deps = (names: string[]) => names.map((n) => `${n}@${lockedVersion(n)}`);
  await Promise.all([
    npm(['install', '--prefer-offline', tarball('@grounded-chat/widget')], siteDir),
    npm(
      [
        'install',
        '--prefer-offline',
        ...PUBLISHED.map(tarball),
        ...deps(['express', '@types/express', '@types/node', '@lit-labs/ssr']),
      ],
      serverDir,
    ),
  ]);
  writeTsconfig(siteDir, 'nodenext', []);
  writeTsconfig(siteDir, 'bundler', []);
  writeTsconfig(serverDir, 'nodenext', ['node']);
  writeTsconfig(serverDir, 'bundler', ['node']);
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  rmSync(scratch, { recursive: true, force: true });
});

describe('tarballs', () => {
  it('packs every package, without build leftovers or tests', () => {
    assert.deepEqual(packed.map((p) => p.name).sort(), [...ALL].sort());
    for (const p of packed) {
      const leftovers = p.files.map((f) => f.path).filter((f) => /\.tsbuildinfo$|(^|\/)test\/|\.test\.[jt]s$|(^|\/)node_modules\//.test(f));
      assert.deepEqual(leftovers, [], `${p.name} ships build leftovers`);
      assert.ok(p.files.some((f) => f.path === 'package.json'));
    }
  });

  it('ships the sources of every source map (as files or as sourcesContent)', () => {
    for (const name of PUBLISHED) {
      const dir = join(serverDir, 'node_modules', name);
      const files = new Set(packed.find((p) => p.name === name)!.files.map((f) => f.path));
      const maps = [...files].filter((f) => f.endsWith('.map'));
      assert.ok(maps.length > 0, `${name} has source maps`);
      for (const map of maps) {
        const m = JSON.parse(readFileSync(join(dir, map), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
        m.sources.forEach((src, i) => {
          if (m.sourcesContent?.[i]) return;
          const shipped = join(map, '..', src).replace(/\\/g, '/');
          assert.ok(files.has(shipped), `${name}/${map} points at ${src}, which is not in the tarball`);
        });
      }
    }
  });

  it('declares what a consumer needs: exports with types, sideEffects, engines, files', () => {
    for (const name of PUBLISHED) {
      const pkg = JSON.parse(readFileSync(join(serverDir, 'node_modules', name, 'package.json'), 'utf8'));
      assert.equal(pkg.type, 'module', name);
      assert.ok(pkg.engines?.node, `${name} engines.node`);
      assert.ok(Array.isArray(pkg.files), `${name} files`);
      assert.ok('sideEffects' in pkg, `${name} sideEffects`);
      for (const [entry, target] of Object.entries<Record<string, string> | string>(pkg.exports)) {
        if (typeof target === 'string') assert.match(entry, /\.json$/, `${name} ${entry} has no types`);
        else assert.ok(target.types && target.default, `${name} ${entry} has types and default`);
      }
    }
    const kit = JSON.parse(readFileSync(join(serverDir, 'node_modules/@grounded-chat/server-kit/package.json'), 'utf8'));
    assert.ok(kit.peerDependencies['@types/express'], 'the kit names @types/express as a peer');
    const widget = JSON.parse(readFileSync(join(siteDir, 'node_modules/@grounded-chat/widget/package.json'), 'utf8'));
    assert.deepEqual(Object.keys(widget.dependencies).sort(), ['lit', 'marked'], 'the widget depends on lit and marked only');
  });
});

describe('type-checks outside the repo', () => {
  // The four compilations run at once (each its own tsc process); each test awaits its own.
  const checks = new Map<string, Promise<void>>();
  const check = (dir: string, kind: keyof typeof TSCONFIGS) => checks.get(dir + kind)!;
  before(() => {
    for (const dir of [siteDir, serverDir])
      for (const kind of ['nodenext', 'bundler'] as const) {
        const p = typecheck(dir, kind);
        p.catch(() => {}); // reported by its test
        checks.set(dir + kind, p);
      }
  });
  it('a site with only the widget installed: nodenext', () => check(siteDir, 'nodenext'));
  it('a site with only the widget installed: bundler', () => check(siteDir, 'bundler'));
  it('the widget brings no zod and no kit along', () => {
    const { packages } = JSON.parse(readFileSync(join(siteDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const installed = Object.keys(packages).filter((p) => /node_modules\/(zod|@grounded-chat\/server-kit)$/.test(p));
    assert.deepEqual(installed, []);
  });
  it('a Node app with the kit, the orchestrator and the SSR entry: nodenext', () => check(serverDir, 'nodenext'));
  it('a Node app with the kit, the orchestrator and the SSR entry: bundler', () => check(serverDir, 'bundler'));
});

describe('runs from the installed packages', () => {
  let site = '';
  before(async () => {
    // Explicit corpus and index folders: see the note in the final report of issue 16 — the
    // defaults are resolved against the working directory once the orchestrator's path fix lands.
    const orchestrator = await start(
      [join(serverDir, 'node_modules/@grounded-chat/orchestrator/dist/server.js')],
      serverDir,
      { PORT: '0', HOST: '127.0.0.1', LOCAL_CORPUS_DIR: join(serverDir, 'my-docs'), LOCAL_INDEX_DIR: join(serverDir, '.index') },
      /orchestrator listening on (http:\/\/[\d.:]+)/,
    );
    const m = await start(['server.mjs'], serverDir, { PORT: '0', ORCHESTRATOR_URL: `${orchestrator[1]}/score` }, /site listening on (http:\/\/[\d.:]+) widget from (.*)/);
    site = m[1]!;
    assert.ok(m[2]!.startsWith(join(serverDir, 'node_modules', '@grounded-chat', 'widget')), `widget served from ${m[2]}`);
  });

  it('the kit mounted in Express streams an answer from the orchestrator', async () => {
    const res = await fetch(`${site}/api/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'How do I return a parcel?' }] }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /ndjson/);
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(lines.length > 1, 'more than one line');
    const content = lines.map((l) => l.delta?.content ?? '').join('');
    assert.match(content, /thirty days/);
    const citations = lines.flatMap((l) => l.delta?.context?.citations ?? []);
    assert.ok(citations.some((c: { title: string }) => /Returning a parcel/.test(c.title)), JSON.stringify(citations));
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    before(async () => {
      browser = await puppeteer.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    });
    after(() => browser?.close());

    it('the widget from the installed package shows the streamed answer and its source', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(site);
      await page.waitForFunction(() => customElements.get('grounded-chat') && document.querySelector('grounded-chat')?.shadowRoot?.querySelector('textarea'));
      await page.evaluate(() => document.querySelector('grounded-chat')!.send('How do I return a parcel?'));
      await page.waitForFunction(() => document.querySelector('grounded-chat')!.messages.at(-1)?.status === 'done', { timeout: 30_000 });
      const shown = await page.evaluate(() => {
        const root = document.querySelector('grounded-chat')!.shadowRoot!;
        return { answer: root.querySelector('.msg.assistant:last-child .bubble')?.textContent ?? '', sources: root.querySelector('.sources')?.textContent ?? '' };
      });
      assert.match(shown.answer, /thirty days/);
      assert.match(shown.sources, /Returning a parcel/);
      assert.deepEqual(errors, []);
    });
  });
});

/**
 * A corpus nobody on the project wrote: the READMEs of installed npm packages, copied from
 * node_modules into a temporary folder as `<package>/README.md`. The package list is a committed
 * text file (one package name a line, `#` comments); the READMEs are not committed, they are what
 * `npm ci` installs (package-lock.json pins the versions, so the corpus is reproducible).
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { TargetError } from './target.js';

const PACKAGE_NAME = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

/** Package names from a list file. */
export async function readPackageList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TargetError('corpus_unreadable', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const names = text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  for (const n of names) if (!PACKAGE_NAME.test(n)) throw new TargetError('corpus_unreadable', `${file}: "${n}" is not a package name`);
  return names;
}

/** The README of an installed package, searched in node_modules folders from `from` upwards. */
export async function findReadme(pkg: string, from: string): Promise<string | undefined> {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const folder = join(dir, 'node_modules', pkg);
    const entries = await readdir(folder).catch(() => [] as string[]);
    const readme = entries.find((e) => /^readme\.(md|markdown)$/i.test(e));
    if (readme) return join(folder, readme);
    if (dirname(dir) === dir) return undefined;
  }
}

/** Copies each package's README into a fresh temp folder; `cleanup` removes it. */
export async function buildReadmeCorpus(packages: string[], from = process.cwd()): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-eval-readmes-'));
  try {
    for (const pkg of packages) {
      const readme = await findReadme(pkg, from);
      if (!readme) throw new TargetError('corpus_unreadable', `no README for package "${pkg}" under node_modules (run npm ci)`);
      await mkdir(join(dir, pkg), { recursive: true });
      await copyFile(readme, join(dir, pkg, 'README.md'));
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

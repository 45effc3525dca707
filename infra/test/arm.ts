/**
 * Helpers for the infra tests: find the Bicep CLI (infra/tools/get-bicep.sh), compile
 * main.bicep once, and walk the compiled ARM JSON (nested module deployments included).
 *
 * The checks read the template as ARM will receive it, not the Bicep source: what a reviewer
 * signs off is what gets deployed.
 *
 * Compiled once for all test files: `compileShared` keeps the result in the temp folder under
 * a hash of the Bicep CLI's path (its version) and of every file the templates can load, so the
 * test files running side by side share one `bicep build` + `bicep lint`, and a re-run with
 * unchanged templates compiles nothing. The first file to start compiles; the others wait for
 * its result instead of compiling the same thing again on a shared CPU.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const INFRA_DIR = resolve(import.meta.dirname, '..');
export const ROOT_DIR = resolve(INFRA_DIR, '..');
export const IN_CI = process.env.CI === 'true';

export type ArmResource = {
  type: string;
  name: string;
  apiVersion?: string;
  scope?: string;
  existing?: boolean;
  condition?: unknown;
  properties?: any;
  [key: string]: any;
};

export type ArmTemplate = {
  parameters?: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[]; metadata?: { description?: string } }>;
  variables?: Record<string, unknown>;
  functions?: unknown[];
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
};

/** A template and the module path that leads to it ('' for main). */
export type Located = { path: string; template: ArmTemplate };

/** The `bicep` binary, or null when this machine has no .NET SDK (get-bicep.sh exit 3). */
export async function findBicep(): Promise<string | null> {
  try {
    const { stdout } = await run(resolve(INFRA_DIR, 'tools/get-bicep.sh'), [], { encoding: 'utf8' });
    return stdout.trim().split('\n').at(-1)!;
  } catch (err) {
    if ((err as { code?: number }).code === 3) return null;
    throw err;
  }
}

export type Compiled = { template: ArmTemplate; buildDiagnostics: string; lintDiagnostics: string; lintExit: number };

/** `bicep build` of main.bicep and `bicep lint` of every .bicep file, side by side. */
export async function compile(bicep: string): Promise<Compiled> {
  const build = run(bicep, ['build', 'main.bicep', '--stdout'], { cwd: INFRA_DIR, encoding: 'utf8', maxBuffer: 64 << 20 });
  const lint = run(bicep, ['lint', '--pattern', './**/*.bicep'], { cwd: INFRA_DIR, encoding: 'utf8' }).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
  );
  const [b, l] = await Promise.all([build, lint]);
  return {
    template: JSON.parse(b.stdout) as ArmTemplate,
    buildDiagnostics: b.stderr.trim(),
    lintDiagnostics: (l.stdout + l.stderr).trim(),
    lintExit: l.code,
  };
}

/** Every file a template can read: the .bicep sources, bicepconfig.json, loadTextContent inputs. */
function templateInputs(dir = INFRA_DIR): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return entry === 'test' || entry === 'tools' ? [] : templateInputs(path);
      return /\.(bicep|json)$/.test(entry) ? [path] : [];
    });
}

/** `compile`, shared between the test files of a run and across runs while nothing changed. */
export async function compileShared(bicep: string): Promise<Compiled> {
  const hash = createHash('sha256').update(bicep);
  for (const file of templateInputs()) hash.update(file).update(readFileSync(file));
  const cache = join(tmpdir(), `gc-infra-arm-${hash.digest('hex').slice(0, 20)}.json`);
  const lock = `${cache}.lock`;
  const read = () => JSON.parse(readFileSync(cache, 'utf8')) as Compiled;
  if (existsSync(cache)) return read();
  let owner = false;
  try {
    closeSync(openSync(lock, 'wx'));
    owner = true;
  } catch {
    // Another test file is compiling these very inputs: take its result (or compile after
    // two minutes, in case a crashed run left its lock behind).
    for (let waited = 0; waited < 120_000 && existsSync(lock) && !existsSync(cache); waited += 100) await sleep(100);
    if (existsSync(cache)) return read();
  }
  try {
    const compiled = await compile(bicep);
    const partial = `${cache}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(compiled));
    renameSync(partial, cache);
    return compiled;
  } finally {
    if (owner) rmSync(lock, { force: true });
  }
}

export function resourcesOf(template: ArmTemplate): ArmResource[] {
  return Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
}

/** Main and every nested module template, depth first. */
export function templates(template: ArmTemplate, path = ''): Located[] {
  const found: Located[] = [{ path, template }];
  const entries = Array.isArray(template.resources)
    ? template.resources.map((r, i) => [String(i), r] as const)
    : Object.entries(template.resources);
  for (const [key, r] of entries) {
    if (r.type === 'Microsoft.Resources/deployments' && r.properties?.template) {
      found.push(...templates(r.properties.template as ArmTemplate, path ? `${path}/${key}` : key));
    }
  }
  return found;
}

/** Every resource that the deployment creates (existing references and module wrappers left out). */
export function deployed(template: ArmTemplate): Array<ArmResource & { module: string; template: ArmTemplate }> {
  return templates(template).flatMap(({ path, template: t }) =>
    resourcesOf(t)
      .filter((r) => !r.existing && r.type !== 'Microsoft.Resources/deployments')
      .map((r) => ({ ...r, module: path, template: t })),
  );
}

/** The module template reached by `path` (e.g. 'web'). */
export function moduleTemplate(template: ArmTemplate, path: string): ArmTemplate {
  const hit = templates(template).find((t) => t.path === path);
  if (!hit) throw new Error(`no module ${path} in the compiled template`);
  return hit.template;
}

/**
 * The `resourceId(...)` expression ARM uses for a resource declared in the same template, from
 * its name: `[parameters('n')]` -> `[resourceId('T', parameters('n'))]`, and
 * `[format('{0}/{1}', a, b)]` -> `[resourceId('T', a, b)]`.
 */
export function resourceIdExpression(r: ArmResource): string {
  const format = /^\[format\('\{0\}(?:\/\{\d\})+', (.*)\)\]$/.exec(r.name);
  if (format) return `[resourceId('${r.type}', ${format[1]})]`;
  const plain = /^\[(.*)\]$/.exec(r.name);
  return `[resourceId('${r.type}', ${plain ? plain[1] : `'${r.name}'`})]`;
}

/** `variables('roleIds').acrPull` inside an expression -> the GUID from the template's variables. */
export function roleGuid(t: ArmTemplate, expression: string): string | undefined {
  const m = /variables\('roleIds'\)\.(\w+)/.exec(expression);
  if (!m) return undefined;
  return (t.variables?.roleIds as Record<string, string> | undefined)?.[m[1]!];
}

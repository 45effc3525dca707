/**
 * The compiled template for a test file: one `before` that compiles (shared, see arm.ts), and
 * `t`, a test that skips with a note where this machine has no .NET SDK, and fails instead under
 * CI=true, where the Bicep CLI must be there.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { compileShared, findBicep, IN_CI, type ArmTemplate, type Compiled } from './arm.ts';

export function compiledTemplate() {
  let compiled: Compiled | undefined;
  let skipReason: string | false = false;
  let ciFailure: string | false = false;

  before(async () => {
    const bicep = await findBicep();
    if (!bicep) {
      if (IN_CI) {
        ciFailure = 'CI=true but no .NET SDK: the Bicep CLI cannot be fetched, so infra/ is not compiled';
        return;
      }
      skipReason = 'no .NET SDK on this machine: Bicep compile skipped (it runs in CI)';
      console.log(`infra: ${skipReason}`);
      return;
    }
    compiled = await compileShared(bicep);
  });

  const t = (name: string, fn: () => unknown | Promise<unknown>) =>
    test(name, async (ctx) => {
      if (ciFailure) assert.fail(ciFailure);
      if (skipReason) return ctx.skip(skipReason);
      await fn();
    });

  return {
    t,
    arm: (): ArmTemplate => compiled!.template,
    compiled: (): Compiled => compiled!,
    /** True when the template is not there (skipped, or CI without the CLI). */
    missing: () => !compiled,
  };
}

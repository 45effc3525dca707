/**
 * The stand-in Azure CLI for the deploy.sh tests: each test file gets its own state file (so the
 * files run side by side), deploy.sh runs with fixtures/az first on PATH and the outputs of a
 * provisioning in its environment, as azd hands them to hooks.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INFRA_DIR } from './arm.ts';

export type State = {
  group?: { location: string } | null;
  apps?: Array<{ appId: string; displayName: string; audience: string; updates: string[]; federated: Array<Record<string, unknown>>; servicePrincipal?: boolean }>;
  whatIfs?: Array<Record<string, string>>;
  traffic: Record<string, number>;
  deployments: Record<string, { image: string }>;
  provisions: Array<Record<string, unknown>>;
  images: string[];
  calls: string[];
  unexpected: string[];
};

export function standInAz(scoringUrl: () => string = () => 'http://127.0.0.1:9/score') {
  const work = mkdtempSync(join(tmpdir(), 'gc-infra-az-'));
  const stateFile = join(work, 'state.json');

  const setState = (partial: Partial<State>) => {
    const state: State = { traffic: {}, deployments: {}, provisions: [], images: [], calls: [], unexpected: [], ...partial };
    writeFileSync(stateFile, JSON.stringify(state));
  };
  const state = (): State => JSON.parse(readFileSync(stateFile, 'utf8'));
  /** Keeps the endpoint, the apps and the secrets; forgets the call log. */
  const clearLog = () => {
    try {
      writeFileSync(stateFile, JSON.stringify({ ...state(), calls: [], provisions: [], images: [] }));
    } catch {}
  };

  const deploy = (args: string[]): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        join(INFRA_DIR, 'deploy.sh'),
        args,
        {
          env: {
            ...process.env,
            PATH: `${join(INFRA_DIR, 'test/fixtures')}:${process.env.PATH}`,
            FAKE_AZ_STATE: stateFile,
            AZURE_ENV_NAME: 'test',
            // Outputs of the last provisioning, as azd hands them to hooks.
            PROJECT_NAME: 'proj-test',
            ENDPOINT_NAME: 'ept-test',
            REGISTRY_NAME: 'crtest',
            REGISTRY_LOGIN_SERVER: 'crtest.azurecr.io',
            SCORING_URL: scoringUrl(),
            KEY_VAULT_NAME: 'kv-test-abc',
            AI_SERVICES_NAME: 'ais-test-abc',
            SITE_HOST_NAME: 'app-test-abc.azurewebsites.net',
            WEB_IDENTITY_PRINCIPAL_ID: '44444444-4444-4444-4444-444444444444',
          },
        },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });

  const dispose = () => rmSync(work, { recursive: true, force: true });
  return { stateFile, setState, state, clearLog, deploy, dispose };
}

/**
 * The endpoint key from Key Vault through the real @azure/keyvault-secrets client, against a
 * loopback HTTPS vault (a child process trusts the test's certificate via NODE_EXTRA_CA_CERTS):
 * the challenge, the cache, and one re-read when the orchestrator refuses a rotated key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { makeCertificate } from './tls.js';

describe('Key Vault', () => {
  it('reads the key with the SDK (challenge, vault scope), caches it, and re-reads it once after a 401', async () => {
    const tls = makeCertificate();
    try {
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(new URL('./fixtures/keyvault-child.ts', import.meta.url))],
          { env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.certFile, TLS_CERT: tls.cert, TLS_KEY: tls.key }, timeout: 60_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        ),
      );
      const r = JSON.parse(out.trim().split('\n').at(-1)!);
      assert.deepEqual(r.statuses, [200, 200, 200, 200]);
      assert.deepEqual(r.auths, ['Bearer key-v1', 'Bearer key-v1', 'Bearer key-v1', 'Bearer key-v2', 'Bearer key-v2'], 'refused once, re-read, retried');
      assert.equal(r.vaultLog[0], 'GET /secrets/orchestrator-key/ none', 'the SDK opens with the challenge request');
      assert.equal(r.vaultLog.filter((l: string) => l.endsWith('bearer')).length, 2, 'read at start and once after the rotation, cached otherwise');
      assert.ok(r.scopes.every((s: string) => s === 'https://vault.azure.net/.default'), r.scopes.join());
    } finally {
      tls.dispose();
    }
  });
});

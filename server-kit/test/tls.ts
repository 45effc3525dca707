/** A throwaway certificate for 127.0.0.1, made with openssl, for the HTTPS stand-ins of Azure services. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Tls = { cert: string; key: string; certFile: string; dispose(): void };

export function makeCertificate(): Tls {
  const dir = mkdtempSync(join(tmpdir(), 'gc-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

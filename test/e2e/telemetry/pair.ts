/**
 * What the two-process telemetry tests share: the fixture apps (an Express host with the kit's
 * register module, a node:http "orchestrator" with the orchestrator's; each imports only its own
 * package's telemetry) and the environment that points a child at the HTTPS loopback ingestion
 * server with offline storage and statsbeat off.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Ingestion } from './ingestion.js';

const root = join(import.meta.dirname, '..', '..', '..');
export const WEB_APP = join(root, 'server-kit', 'test', 'fixtures', 'telemetry', 'web-app.ts');
export const ORCH_APP = join(root, 'orchestrator', 'test', 'fixtures', 'telemetry', 'orchestrator-app.ts');
export const KIT_REGISTER = join(root, 'server-kit', 'src', 'telemetry', 'register.ts');
export const ORCH_REGISTER = join(root, 'orchestrator', 'src', 'telemetry', 'register.ts');

/** A child's environment: SDK options in `configuration` are merged over offline storage off. */
export function childEnv(ingestion: Ingestion, iKey: string, configuration: Record<string, unknown> = {}, endpoints = `IngestionEndpoint=${ingestion.url}`): Record<string, string> {
  const tmp = join(ingestion.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return {
    NODE_EXTRA_CA_CERTS: ingestion.caFile,
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
    APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
    APPLICATIONINSIGHTS_CONFIGURATION_CONTENT: JSON.stringify({ azureMonitorExporterOptions: { disableOfflineStorage: true }, ...configuration }),
    // Offline storage would write under the temp dir: one the test owns.
    TMPDIR: tmp,
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${iKey};${endpoints}`,
  };
}

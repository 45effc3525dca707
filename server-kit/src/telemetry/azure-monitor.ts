/**
 * Twin: orchestrator/src/telemetry/azure-monitor.ts. Duplicated on purpose: the kit and the orchestrator
 * deploy separately and the project has no shared runtime package (four workspaces, by design), so
 * neither may import the other. Change both together; test/e2e/telemetry-twins.test.ts fails when
 * their `azureMonitorOptions` differ, and test/e2e/telemetry-ingestion.test.ts starts each process
 * with its own copy and asserts the same of both.
 *
 * Starts Application Insights (`applicationinsights` 3.x, OpenTelemetry underneath) for one
 * process. Loaded only by a package's register module (`node --import …/telemetry/register`),
 * and only when APPLICATIONINSIGHTS_CONNECTION_STRING is set: `useAzureMonitor()` throws without
 * one, and an unset string must cost nothing.
 *
 * Both register modules start it with `httpInstrumentation: false`: the kit's chat router and the
 * orchestrator's server make their own request spans (request-span.ts in each package), which
 * costs far less per request than OpenTelemetry's http instrumentation (profiled; see
 * docs/telemetry.md#what-it-costs). With that instrumentation on (the option, or an operator's
 * APPLICATIONINSIGHTS_CONFIGURATION_CONTENT), ES modules being linked before any code runs, it can
 * only patch what they import (`node:http`'s createServer in the orchestrator) through the loader
 * hook registered here, before the app's main module loads; without the hook the orchestrator's
 * requests would go unseen.
 *
 * What it turns on: the Azure SDKs' own tracing (AI Search, Key Vault, identity: their
 * dependencies, with `traceparent`), and `@opentelemetry/instrumentation-undici`, because the
 * distro does not instrument undici (global `fetch`, the `openai` package): without it no
 * `traceparent` would cross to the next process. The kit's register turns the undici
 * instrumentation off (`undiciInstrumentation: false`): the kit's one undici call, to the
 * orchestrator, records its own dependency span (server-kit/src/telemetry/dependency-span.ts),
 * for a fraction of the instrumentation's cost; the orchestrator keeps it for the `openai` package.
 *
 * What it leaves off, because each costs CPU on every request (profiled: bench/telemetry.bench.mjs
 * with BENCH_CPU_PROF) and nothing this project reads needs it:
 * - outgoing `node:http` requests: the Azure SDKs record their own calls and everything else goes
 *   through undici, so they would only record the exporter's own uploads (ignored anyway) or
 *   duplicate the Azure SDKs' spans;
 * - the distro's standard metrics and performance counters (pre-aggregated request/dependency
 *   metrics, CPU and memory counters): the workbook reads the `requests`, `dependencies`,
 *   `customEvents` and `customMetrics` tables, not those;
 * - Live Metrics (a second connection, and work on every span);
 * - the instrumentations' own `http.*.request.duration` histograms (views that drop them): the
 *   same durations are on every request and dependency;
 * - the database instrumentations: this app has no databases.
 * APPLICATIONINSIGHTS_CONFIGURATION_CONTENT (JSON, read by the SDK after these defaults) turns any
 * of them back on; an `instrumentationOptions` entry there replaces ours whole, so it must say
 * `"enabled": true` too.
 *
 * The loader hook patches only `node:http` and `node:https` (the modules whose ESM imports the
 * http instrumentation must see), not every module the app loads, and is not registered at all
 * when the http instrumentation is off (unless APPLICATIONINSIGHTS_CONFIGURATION_CONTENT turns it on).
 */
import { register } from 'node:module';
import { createNoopMeter } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { AggregationType } from '@opentelemetry/sdk-metrics';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { flushAzureMonitor, shutdownAzureMonitor, useAzureMonitor, type AzureMonitorOpenTelemetryOptions } from 'applicationinsights';

export interface AzureMonitorStartOptions {
  connectionString: string;
  /** cloud_RoleName in Application Insights, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  env?: Record<string, string | undefined>;
  /**
   * Record incoming requests with OpenTelemetry's http instrumentation (every route of the app).
   * Default true; both register modules pass false, their apps making their own request spans
   * (request-span.ts): the instrumentation and its loader hook then stay off.
   */
  httpInstrumentation?: boolean;
  /** Register `@opentelemetry/instrumentation-undici` (every undici and `fetch` request). Default true. */
  undiciInstrumentation?: boolean;
}

export interface AzureMonitorHandle {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** What the loader hook wraps for the http instrumentation (import-in-the-middle's `include`). */
export const PATCHED_ESM_MODULES = ['node:http', 'node:https', 'http', 'https'];

/**
 * Meters whose instruments are dropped (see the header): the instrumentations' duration histograms.
 * A dropped instrument still hashes its attributes on every record (profiled: the largest part of
 * the metrics SDK's cost per request), so the view also strips them first.
 */
export const DROPPED_METERS = ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici'];
const NO_ATTRIBUTES = Object.freeze({});
const dropView = (meterName: string) => ({
  meterName,
  aggregation: { type: 1 as AggregationType.DROP },
  attributesProcessors: [{ process: () => NO_ATTRIBUTES }],
});

/**
 * Batch export schedule (OpenTelemetry's environment variables; an operator's value wins): events
 * go out with the spans every 5 s instead of every second (fewer uploads, each serialized on the
 * event loop), in batches of at most 128 (smaller pieces of work between requests than 512).
 */
export const EXPORT_SCHEDULE = {
  OTEL_BLRP_SCHEDULE_DELAY: '5000',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128',
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '128',
};

export function startAzureMonitor(options: AzureMonitorStartOptions): AzureMonitorHandle {
  const env = options.env ?? process.env;
  const httpInstrumentation = options.httpInstrumentation ?? true;
  if (httpInstrumentation || operatorTurnsHttpOn(env)) {
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: PATCHED_ESM_MODULES } });
  }
  for (const [name, value] of Object.entries(EXPORT_SCHEDULE)) env[name] ||= value;
  // The distro's resource detection reads OTEL_SERVICE_NAME; an operator's value wins.
  env.OTEL_SERVICE_NAME ||= options.serviceName;
  // An Azure SDK call (AI Search, Key Vault, identity) records its own HTTP span; without this the
  // http instrumentation records the same request again under it (two dependencies per call).
  // Read by the Azure SDK's instrumenter at each span; an operator's value wins.
  env.AZURE_HTTP_TRACING_CHILDREN_DISABLED ||= 'true';
  useAzureMonitor(azureMonitorOptions(options.connectionString, { httpInstrumentation }));
  // Its duration histogram is dropped anyway (DROPPED_METERS): a no-op meter spares the record per call.
  if (options.undiciInstrumentation ?? true) {
    registerInstrumentations({ instrumentations: [new UndiciInstrumentation()], meterProvider: { getMeter: () => createNoopMeter() } });
  }
  return { flush: flushAzureMonitor, shutdown: shutdownAzureMonitor };
}

/** APPLICATIONINSIGHTS_CONFIGURATION_CONTENT turns the http instrumentation on: it needs the loader hook. */
function operatorTurnsHttpOn(env: Record<string, string | undefined>): boolean {
  try {
    return JSON.parse(env.APPLICATIONINSIGHTS_CONFIGURATION_CONTENT ?? '{}')?.instrumentationOptions?.http?.enabled === true;
  } catch {
    return false;
  }
}

/** What `useAzureMonitor` is given (APPLICATIONINSIGHTS_CONFIGURATION_CONTENT overrides it). */
export function azureMonitorOptions(connectionString: string, { httpInstrumentation = true } = {}): AzureMonitorOpenTelemetryOptions {
  return {
    azureMonitorExporterOptions: { connectionString },
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    enablePerformanceCounters: false,
    views: DROPPED_METERS.map(dropView),
    instrumentationOptions: {
      // The distro hands this object to HttpInstrumentation whole; its type only names `enabled`.
      http: { enabled: httpInstrumentation, disableOutgoingRequestInstrumentation: true } as { enabled: boolean },
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  };
}

/**
 * Twin: server-kit/src/telemetry/azure-monitor.ts. Duplicated on purpose: the kit and the orchestrator
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
 * ES modules are linked before any code runs, so OpenTelemetry can only patch what they import
 * (`node:http`'s createServer in the orchestrator) through the loader hook registered here, before
 * the app's main module loads. Without it the orchestrator records no RequestData and its spans
 * lose their parent (checked: that is why it is here).
 *
 * What it turns on: incoming and outgoing `http` (RequestData / RemoteDependencyData), the Azure
 * SDKs' own tracing (AI Search, Key Vault, identity), and `@opentelemetry/instrumentation-undici`,
 * because the distro does not instrument undici (global `fetch`, the `openai` package, the kit's
 * undici Pool): without it no `traceparent` would cross to the next process. The database
 * instrumentations the distro would also load are off: this app has no databases. Live Metrics
 * is off by default (it opens a second connection); APPLICATIONINSIGHTS_CONFIGURATION_CONTENT
 * (JSON, read by the SDK after these defaults) turns it on, or changes any other option.
 */
import { register } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { flushAzureMonitor, shutdownAzureMonitor, useAzureMonitor, type AzureMonitorOpenTelemetryOptions } from 'applicationinsights';

export interface AzureMonitorStartOptions {
  connectionString: string;
  /** cloud_RoleName in Application Insights, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  env?: Record<string, string | undefined>;
}

export interface AzureMonitorHandle {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startAzureMonitor(options: AzureMonitorStartOptions): AzureMonitorHandle {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const env = options.env ?? process.env;
  // The distro's resource detection reads OTEL_SERVICE_NAME; an operator's value wins.
  env.OTEL_SERVICE_NAME ||= options.serviceName;
  // An Azure SDK call (AI Search, Key Vault, identity) records its own HTTP span; without this the
  // http instrumentation records the same request again under it (two dependencies per call).
  // Read by the Azure SDK's instrumenter at each span; an operator's value wins.
  env.AZURE_HTTP_TRACING_CHILDREN_DISABLED ||= 'true';
  useAzureMonitor(azureMonitorOptions(options.connectionString));
  registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });
  return { flush: flushAzureMonitor, shutdown: shutdownAzureMonitor };
}

/** What `useAzureMonitor` is given (APPLICATIONINSIGHTS_CONFIGURATION_CONTENT overrides it). */
export function azureMonitorOptions(connectionString: string): AzureMonitorOpenTelemetryOptions {
  return {
    azureMonitorExporterOptions: { connectionString },
    enableLiveMetrics: false,
    instrumentationOptions: {
      http: { enabled: true },
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  };
}

/**
 * `node --import @grounded-chat/server-kit/telemetry/register dist/server.js`
 *
 * Turns Application Insights on for the host app (the demo site, or yours) when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, before the app's own imports (OpenTelemetry
 * patches the Azure SDKs' tracing as they load). Unset: this module imports nothing else and
 * nothing connects anywhere. `applicationinsights`, `@opentelemetry/instrumentation` and
 * `@opentelemetry/instrumentation-undici` (imported by the module it shares with the orchestrator,
 * azure-monitor.ts, though the kit leaves undici uninstrumented) are optional peer dependencies of
 * the kit: install them in the app that uses this file.
 *
 * No signal handler here (one would change how the process exits): the host's shutdown calls
 * `flushTelemetry()` before it exits.
 */
const connectionString = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
if (connectionString) {
  const { startAzureMonitor } = await import('./azure-monitor.js');
  // The kit's router makes its routes' request spans (request-span.ts): no http instrumentation,
  // no loader hook, unless APPLICATIONINSIGHTS_CONFIGURATION_CONTENT turns it on for every route.
  // Its call to the orchestrator records its own dependency span (dependency-span.ts): no undici
  // instrumentation either.
  startAzureMonitor({ connectionString, serviceName: 'web', httpInstrumentation: false, undiciInstrumentation: false });
}
export {};

/**
 * `node --import @grounded-chat/server-kit/telemetry/register dist/server.js`
 *
 * Turns Application Insights on for the host app (the demo site, or yours) when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, before the app's own imports (OpenTelemetry
 * patches the Azure SDKs' tracing and subscribes to undici as they load). Unset: this module
 * imports nothing else and nothing connects anywhere. `applicationinsights` and `@opentelemetry/instrumentation-undici` are
 * optional peer dependencies of the kit: install them in the app that uses this file.
 *
 * No signal handler here (one would change how the process exits): the host's shutdown calls
 * `flushTelemetry()` before it exits.
 */
const connectionString = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
if (connectionString) {
  const { startAzureMonitor } = await import('./azure-monitor.js');
  // The kit's router makes its routes' request spans (request-span.ts): no http instrumentation,
  // no loader hook, unless APPLICATIONINSIGHTS_CONFIGURATION_CONTENT turns it on for every route.
  startAzureMonitor({ connectionString, serviceName: 'web', httpInstrumentation: false });
}
export {};

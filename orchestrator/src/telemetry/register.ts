/**
 * `node --import @grounded-chat/orchestrator/telemetry/register dist/server.js`
 *
 * Turns Application Insights on for this process when APPLICATIONINSIGHTS_CONNECTION_STRING is
 * set, before the app's own imports (OpenTelemetry patches the Azure SDK's tracing and subscribes
 * to undici as they load, so it must be first). Unset: this module imports nothing else and nothing
 * connects anywhere.
 *
 * No signal handler here (one would change how the process exits): the server's own shutdown
 * calls `flushTelemetry()` (flush.ts) before it exits.
 */
const connectionString = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
if (connectionString) {
  const { startAzureMonitor } = await import('./azure-monitor.js');
  // The server makes its own request spans (request-span.ts): no http instrumentation, no loader hook.
  startAzureMonitor({ connectionString, serviceName: 'orchestrator', httpInstrumentation: false });
}
export {};

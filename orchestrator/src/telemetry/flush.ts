/**
 * Twin: server-kit/src/telemetry/flush.ts. Duplicated on purpose: the kit and the orchestrator
 * deploy separately and the project has no shared runtime package (four workspaces, by design), so
 * neither may import the other. Change both together; test/e2e/telemetry-twins.test.ts fails when
 * they stop flushing the same providers.
 *
 * Sends what the SDK still holds (spans, events, metrics), through the global OpenTelemetry
 * providers, so a library can call it without importing the SDK. No SDK registered: resolves at
 * once. Call it on shutdown, before `process.exit`.
 */
import { metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';

type Flushable = { forceFlush?: () => Promise<void>; getDelegate?: () => unknown };

export async function flushTelemetry(): Promise<void> {
  const tracerProvider = trace.getTracerProvider() as Flushable;
  const providers = [tracerProvider.getDelegate?.() ?? tracerProvider, metrics.getMeterProvider(), logs.getLoggerProvider()] as Flushable[];
  await Promise.allSettled(providers.map((p) => (typeof p.forceFlush === 'function' ? p.forceFlush() : undefined)));
}

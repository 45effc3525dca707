#!/usr/bin/env node
/**
 * Entry point of the orchestrator service (`npm start -w @grounded-chat/orchestrator`, and the
 * online endpoint's container command). Configuration comes from the environment; a bad value
 * stops the start with one line per problem and no stack trace.
 */
import { ConfigError, loadConfig, type OrchestratorConfig } from './config.js';
import { startScoringServer } from './scoring-server.js';
import { createJsonLogger } from './telemetry/json-logger.js';
import { flushTelemetry } from './telemetry/flush.js';

function fail(lines: string[]): never {
  for (const line of lines) console.error(`orchestrator: ${line}`);
  process.exit(1);
}

let config: OrchestratorConfig;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(err.problems.map((p) => `invalid environment variable ${p}`));
  throw err;
}

// JSON lines with the trace id (the endpoint's AmlOnlineEndpointConsoleLog): docs/telemetry.md#logs.
const logger = createJsonLogger({ service: 'orchestrator' });
const starting = startScoringServer({ config, log: (line) => logger.info(line), logError: (line) => logger.error(line) });

// Installed before the server starts: a platform may stop us at any moment after we listen.
// SIGTERM (the platform replacing the container) drains: no new requests, open answers finish
// within SHUTDOWN_GRACE_MS. SIGINT (Ctrl+C) stops at once.
// The last answers' telemetry is sent before the process goes (a no-op without the SDK).
const exit = () => void flushTelemetry().finally(() => process.exit(0));
process.once('SIGTERM', () => {
  console.log(`orchestrator: SIGTERM, finishing open answers (up to ${config.shutdownGraceMs} ms)`);
  starting.then((s) => s.shutdown()).then(exit, exit);
});
process.once('SIGINT', () => {
  starting.then((s) => s.close()).then(exit, exit);
});

const started = await starting.catch((err: NodeJS.ErrnoException) =>
  fail(
    err instanceof ConfigError
      ? err.problems.map((p) => `invalid environment variable ${p}`)
      : [err.code === 'EADDRINUSE' ? `port ${config.port} is already in use (set PORT to another port)` : `could not start: ${err.message}`],
  ),
);

try {
  await started.ready;
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  fail([
    e.code === 'ENOENT'
      ? `the corpus folder ${config.corpusDir} does not exist (set LOCAL_CORPUS_DIR)`
      : `could not load the local index from ${config.corpusDir}: ${e.message}`,
  ]);
}


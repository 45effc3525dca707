#!/usr/bin/env node
/**
 * Entry point: `npm start -w @grounded-chat/demo-site`. Configured only by the environment, as App
 * Service runs it. A bad setting stops the process with a readable message, never a stack trace.
 */
import type { Server } from 'node:http';
import { createChatRouterFromEnv, type ChatRouter } from '@grounded-chat/server-kit';
import { createJsonLogger, flushTelemetry } from '@grounded-chat/server-kit/telemetry';
import { loadDemoConfig } from './config.js';
import { createDemoApp } from './app.js';
import { loadSite } from './site.js';
import { closeGracefully } from './shutdown.js';

function fail(message: string): never {
  console.error(`demo-site: ${message}`);
  process.exit(1);
}

let server: Server | undefined;
let chatRouter: ChatRouter | undefined;
let shutdownTimeoutMs = 10_000;
try {
  const config = loadDemoConfig(process.env);
  shutdownTimeoutMs = config.shutdownTimeoutMs;
  // JSON lines with the trace id (App Service's console log): docs/telemetry.md#logs.
  chatRouter = createChatRouterFromEnv(process.env, { logger: createJsonLogger({ service: 'web' }) });
  const site = loadSite(config.siteDir);
  const app = createDemoApp({ config, chatRouter, site });
  const s = app.listen(config.port, config.host, () => {
    const address = s.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(`demo-site listening on http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`);
  });
  s.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? `port ${config.port} is already in use` : err.message));
  server = s;
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (!server || !chatRouter) process.exit(0);
    console.log(`demo-site: ${signal}, stopping (open answers get ${shutdownTimeoutMs} ms to finish)`);
    // The last chats' telemetry is sent before the process goes (a no-op without the SDK).
    void closeGracefully(server, [chatRouter], shutdownTimeoutMs)
      .then(() => flushTelemetry())
      .then(() => process.exit(0), () => process.exit(0));
  });
}

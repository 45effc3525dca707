#!/usr/bin/env node
/**
 * Entry point: `npm start -w @grounded-chat/demo-site`. Configured only by the environment, as App
 * Service runs it. A bad setting stops the process with a readable message, never a stack trace.
 */
import type { Server } from 'node:http';
import { createChatRouterFromEnv } from '@grounded-chat/server-kit';
import { loadDemoConfig } from './config.js';
import { createDemoApp } from './app.js';
import { renderIndexPage } from './page.js';

function fail(message: string): never {
  console.error(`demo-site: ${message}`);
  process.exit(1);
}

let server: Server;
try {
  const config = loadDemoConfig(process.env);
  const chatRouter = createChatRouterFromEnv(process.env);
  const indexPage = await renderIndexPage();
  const app = createDemoApp({ config, chatRouter, indexPage });
  server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(`demo-site listening on http://localhost:${port}`);
  });
  server.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? `port ${config.port} is already in use` : err.message));
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server?.close(() => process.exit(0));
    // Open streams must not hold the process past App Service's shutdown window.
    setTimeout(() => process.exit(0), 5_000).unref();
    server?.closeIdleConnections?.();
  });
}

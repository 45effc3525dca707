/**
 * Graceful stop for App Service, which sends SIGTERM before it stops an instance (and kills it
 * some seconds later): stop accepting connections, let open chats finish until the grace period
 * ends, then end each with a `shutting_down` error line, close idle connections, and resolve.
 * Nothing hangs: every step has a bound.
 */
import type { Server } from 'node:http';
import type { ChatRouter } from './router.js';

export type ShutdownOptions = {
  /** How long open chats may go on, in ms. Default 20 000 (App Service waits about 30 s after SIGTERM). */
  graceMs?: number;
  /** Signals to listen to. Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Called when everything is closed. Default: nothing, so the process exits when its loop is empty. */
  onDone?: () => void;
};

/** Stops `server` and drains `routers`; resolves when all is closed. */
export async function shutdown(server: Server, routers: readonly ChatRouter[], graceMs = 20_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections?.();
  await Promise.all(routers.map((r) => r.drain(graceMs)));
  server.closeIdleConnections?.();
  // Keep-alive sockets between requests close at once; anything else gets a second more.
  const cut = setTimeout(() => server.closeAllConnections?.(), 1_000);
  await closed;
  clearTimeout(cut);
  await Promise.all(routers.map((r) => r.close()));
}

/** Installs the signal handlers; returns the function that runs the shutdown (once). */
export function shutdownOnSignal(server: Server, routers: readonly ChatRouter[], options: ShutdownOptions = {}): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= shutdown(server, routers, options.graceMs ?? 20_000).then(() => options.onDone?.());
    return running;
  };
  for (const s of options.signals ?? ['SIGTERM', 'SIGINT']) process.once(s, () => void run());
  return run;
}

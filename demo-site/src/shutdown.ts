/**
 * Graceful shutdown for App Service's SIGTERM (a restart, a scale-in, a slot swap), on the server
 * kit's `shutdown()`: stop accepting connections, answer new chats with `503 shutting_down`, let
 * open answers finish for `graceMs`, end the rest with a `shutting_down` error line (so the
 * visitor's widget says why instead of showing a cut answer), close idle keep-alive sockets and
 * the orchestrator connections.
 *
 * A hard bound on top: if anything still holds on `graceMs + HARD_MARGIN_MS` after the signal
 * (a socket that ignores the end, a limit store that hangs on close), every connection is cut and
 * the promise resolves anyway, so the process exits by itself before the platform kills it.
 */
import type { Server } from 'node:http';
import { shutdown, type ChatRouter } from '@grounded-chat/server-kit';

export const HARD_MARGIN_MS = 3_000;

export function closeGracefully(server: Server, routers: readonly ChatRouter[], graceMs: number): Promise<void> {
  return new Promise((done) => {
    const hard = setTimeout(() => {
      server.closeAllConnections();
      done();
    }, graceMs + HARD_MARGIN_MS);
    hard.unref();
    shutdown(server, routers, graceMs).then(
      () => {
        clearTimeout(hard);
        done();
      },
      () => {
        clearTimeout(hard);
        server.closeAllConnections();
        done();
      },
    );
  });
}

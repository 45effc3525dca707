/**
 * Graceful shutdown for App Service's SIGTERM (a restart, a scale-in, a deployment slot swap):
 * stop accepting connections, close idle keep-alive sockets, let open requests (streams of an
 * answer) finish, and after `timeoutMs` close what is left so the process exits before the
 * platform kills it. Returns a promise that resolves once the server is closed.
 */
import type { Server } from 'node:http';

export function closeGracefully(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      done();
    });
    server.closeIdleConnections();
  });
}

/** Graceful shutdown: an answer still streaming finishes; past the timeout, what is left is cut. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeGracefully } from '../src/shutdown.js';

function serve(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  return new Promise<{ server: typeof server; port: number }>((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as AddressInfo).port })),
  );
}

const get = (port: number) =>
  new Promise<{ body: string; error?: string }>((done) => {
    const req = request({ port, host: '127.0.0.1', path: '/' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ body }));
      res.on('error', (e) => done({ body, error: e.message }));
      res.on('aborted', () => done({ body, error: 'aborted' }));
    });
    req.on('error', (e) => done({ body: '', error: e.message }));
    req.end();
  });

describe('closeGracefully', () => {
  it('lets an open response finish, then closes', async () => {
    let finish!: () => void;
    let onStart!: () => void;
    const started = new Promise<void>((r) => (onStart = r));
    const { server, port } = await serve((_req, res) => {
      res.write('first ');
      finish = () => res.end('last');
      onStart();
    });
    const got = get(port);
    await started;
    const closed = closeGracefully(server, 60_000);
    const refused = await get(port);
    assert.ok(refused.error, 'a new connection is refused while the open one goes on');
    finish();
    assert.deepEqual(await got, { body: 'first last' });
    await closed;
  });

  it('cuts what is still open after the timeout', async () => {
    let onStart!: () => void;
    const started = new Promise<void>((r) => (onStart = r));
    const { server, port } = await serve((_req, res) => {
      res.write('never ends ');
      onStart();
    });
    const got = get(port);
    await started;
    await closeGracefully(server, 0);
    const r = await got;
    assert.ok(r.error, 'the open response was cut');
  });
});

// Below the floor, for profile-burst.mjs only (not a relay anyone should ship: no chunked
// decoding, keep-alive, TLS, timeouts or trace context): Express + a raw net.Socket upstream,
// to measure undici's share of a stream; ROUTER=1 mounts it through an express.Router as the kit
// is; HTTP_CLIENT=1 relays through node:http's client instead of a raw socket (ROUTER=one: a router of one middleware that dispatches by path; ROUTER=fn: a plain
// middleware mounted at the path); BARE=1 drops Express too (node:http alone).
//   node server-kit/bench/profile-burst.mjs floor-net.mjs
import http from 'node:http';
import net from 'node:net';
import express from 'express';
import { relayed, serveToParent, startAnswer } from './bench-child.mjs';
const url = new URL(process.argv[2]);
const app = express();
const upstreamAgent = new http.Agent({ keepAlive: true });
const handler = (req, res) =>
  startAnswer(req, res, (payload) => {
    if (process.env.HTTP_CLIENT) {
      // node:http's client instead of a raw socket: it shares its parser, streams and sockets code with the server side.
      const up = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: upstreamAgent, headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(payload) } });
      up.on('response', (r) => {
        r.on('data', (chunk) => res.write(relayed(chunk)));
        r.on('end', () => res.end());
        r.on('error', () => {});
      });
      up.on('error', () => res.destroy());
      res.once('close', () => up.destroy());
      up.end(payload);
      return;
    }
    const s = net.connect(Number(url.port), url.hostname);
    s.setNoDelay(true);
    s.write(`POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\naccept: text/event-stream\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
    s.on('data', (chunk) => res.write(relayed(chunk)));
    s.on('error', () => res.destroy());
    s.on('end', () => res.end());
    res.once('close', () => s.destroy());
  });
if (process.env.BARE) {
  serveToParent((req, res) => (req.method === 'POST' ? handler(req, res) : res.end()));
} else if (process.env.ROUTER === 'one') {
  // One middleware layer in the router, dispatching on the path itself.
  const router = express.Router();
  router.use((req, res, next) => (req.method === 'POST' && req.url === '/stream' ? handler(req, res) : next()));
  app.use('/api/chat', router);
  serveToParent(app);
} else if (process.env.ROUTER === 'fn') {
  app.use('/api/chat', (req, res, next) => (req.method === 'POST' && req.url === '/stream' ? handler(req, res) : next()));
  serveToParent(app);
} else if (process.env.ROUTER) {
  const router = express.Router();
  router.post('/stream', handler);
  app.use('/api/chat', router);
  serveToParent(app);
} else {
  app.post('/api/chat/stream', handler);
  serveToParent(app);
}

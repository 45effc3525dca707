// The floor under the kit, for the burst bench: Express 5 and an undici dispatch relay with none
// of the kit (no auth, validation, limits, SSE parsing, deadlines or telemetry). What Node itself
// costs per stream; the kit's own cost is the difference. argv[2]: the stand-in's URL.
import http from 'node:http';
import express from 'express';
import { Pool } from 'undici';

const url = new URL(process.argv[2]);
const pool = new Pool(url.origin, { connections: null });
const app = express();
app.post('/api/chat/stream', (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const payload = JSON.stringify({ question: body.messages.at(-1).content, chat_history: [] });
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    res.write('{"delta":{"role":"assistant"}}\n');
    let controller;
    res.once('close', () => {
      if (!res.writableFinished) controller?.abort(new Error('gone'));
    });
    pool.dispatch(
      { origin: url.origin, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: payload },
      {
        onRequestStart: (c) => (controller = c),
        onResponseStart: () => {},
        // Not parsed: the bench only waits for this marker.
        onResponseData: (_c, chunk) => res.write(chunk.includes('"answer":"first"') ? '{"delta":{"content":"first"}}\n' : '\n'),
        onResponseEnd: () => res.end(),
        onResponseError: () => res.destroy(),
      },
    );
  });
});
const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('SIGINT', () => process.exit(0));
process.on('message', (m) => {
  if (m === 'cpu') process.send({ cpu: process.cpuUsage(), uptime: process.uptime() });
  if (m === 'mem') {
    globalThis.gc?.();
    const mm = process.memoryUsage();
    process.send({ rss: mm.rss, heap: mm.heapUsed, external: mm.external });
  }
});

// What the burst bench's server children share: the relay's start (read the chat, answer 200 with
// the role line, build contract B's payload) and the conversation with the parent (the port once
// listening, then CPU and memory on request; SIGINT exits).
import http from 'node:http';

/** Reads a chat request, starts the NDJSON answer and hands the payload for the orchestrator to `relay`. */
export function startAnswer(req, res, relay) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const payload = JSON.stringify({ question: body.messages.at(-1).content, chat_history: [] });
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    res.write('{"delta":{"role":"assistant"}}\n');
    relay(payload);
  });
}

/** The upstream chunk as the visitor sees it: not parsed, the bench only waits for this marker. */
export const relayed = (chunk) => (chunk.includes('"answer":"first"') ? '{"delta":{"content":"first"}}\n' : '\n');

/** Serves `handler` on 127.0.0.1 and answers the parent's 'cpu' and 'mem' messages (`mem` adds `extra()`). */
export function serveToParent(handler, extra = () => ({})) {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('SIGINT', () => process.exit(0));
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage(), uptime: process.uptime() });
    if (m === 'mem') {
      globalThis.gc?.();
      const mm = process.memoryUsage();
      process.send({ rss: mm.rss, heap: mm.heapUsed, external: mm.external, ...extra() });
    }
  });
  return server;
}

// The kit, built (dist), mounted in Express 5, relaying to the stand-in given as argv[2].
// argv[3]: limits `off` (default), `memory`, or `redis://…` (rate limit, concurrent streams and
// token quotas all on, with limits too high to refuse anything: the bench measures their cost).
import http from 'node:http';
import { join } from 'node:path';
import express from 'express';
// KIT_DIST: another build's dist directory (the bench's KIT_COMPARE row).
const { createChatRouter, redisStore, silentLogger } = await import(process.env.KIT_DIST ? join(process.env.KIT_DIST, 'index.js') : '../dist/index.js');
const limits = process.argv[3] ?? 'off';
const options = { orchestrator: { url: process.argv[2], key: 'k' }, rateLimit: false, logger: silentLogger, env: {} };
if (limits !== 'off') {
  Object.assign(options, {
    rateLimit: { max: 1e9, windowMs: 60_000, concurrentStreams: 1e6 },
    quotas: { perVisitorPerDay: 1e12, totalPerDay: 1e12 },
  });
  if (limits.startsWith('redis')) options.store = redisStore({ url: limits, prefix: `bench${process.pid}:` });
}
const app = express();
const router = createChatRouter(options);
app.use('/api/chat', router);
const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('SIGINT', () => process.exit(0));
process.on('message', (m) => {
  if (m === 'cpu') process.send({ cpu: process.cpuUsage(), uptime: process.uptime() });
  if (m === 'mem') {
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.send({ rss: m.rss, heap: m.heapUsed, external: m.external, open: router.openChats });
  }
});

// The kit, built (dist), mounted in Express 5, relaying to the stand-in given as argv[2].
// argv[3]: limits `off` (default), `memory`, or `redis://…` (rate limit, concurrent streams and
// token quotas all on, with limits too high to refuse anything: the bench measures their cost).
import { join } from 'node:path';
import express from 'express';
import { serveToParent } from './bench-child.mjs';
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
serveToParent(app, () => ({ open: router.openChats }));

// The kit, built (dist), mounted in Express 5, relaying to the stand-in given as argv[2].
import http from 'node:http';
import express from 'express';
import { createChatRouter, silentLogger } from '../dist/index.js';
const app = express();
app.use('/api/chat', createChatRouter({ orchestrator: { url: process.argv[2], key: 'k' }, rateLimit: false, logger: silentLogger, env: {} }));
const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('SIGINT', () => process.exit(0));
process.on('message', (m) => {
  if (m === 'cpu') process.send({ cpu: process.cpuUsage(), uptime: process.uptime() });
});

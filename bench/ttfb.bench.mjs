// Time to first streamed answer byte: through the server kit (contract A, NDJSON) versus the
// orchestrator called directly (contract B, SSE), in the same run, on the same orchestrator.
// Reference: the orchestrator's own first SSE event. What the kit adds is the difference.
import http from 'node:http';
import { join, resolve } from 'node:path';
import { fmt, freePort, startService, summarize } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 300);
const key = 'bench-key';
const question = 'How do I mount the server kit in Express?';

const oPort = await freePort();
const dPort = await freePort();
const orchestrator = await startService(
  join(root, 'orchestrator/dist/server.js'),
  { PORT: String(oPort), HOST: '127.0.0.1', ORCHESTRATOR_KEYS: key, EXTRACTIVE_DELAY_MS: '0' },
  `http://127.0.0.1:${oPort}/health/ready`,
);
const demo = await startService(
  join(root, 'demo-site/dist/server.js'),
  {
    PORT: String(dPort),
    HOST: '127.0.0.1',
    ORCHESTRATOR_URL: `http://127.0.0.1:${oPort}/score`,
    ORCHESTRATOR_KEY: key,
    AUTH_MODE: 'none',
    RATE_LIMIT_MAX: '0',
  },
  `http://127.0.0.1:${dPort}/healthz`,
);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** ms from request start to the first body byte that carries answer text. */
function firstAnswerByte({ port, path, headers, body, marker }) {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent }, (res) => {
      let seen = '';
      let t = null;
      res.on('data', (chunk) => {
        if (t !== null) return;
        seen += chunk;
        if (marker.test(seen)) t = Number(process.hrtime.bigint() - t0) / 1e6;
      });
      res.on('end', () => (t === null ? fail(new Error(`no answer in: ${seen.slice(0, 200)}`)) : done(t)));
    });
    req.on('error', fail);
    req.end(body);
  });
}

const direct = {
  port: oPort,
  path: '/score',
  headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
  body: JSON.stringify({ question, chat_history: [] }),
  // The first answer event may be an empty piece (as prompt flow sends); count the first real text.
  marker: /"answer":\s*"[^"]/,
};
const viaKit = {
  port: dPort,
  path: '/api/chat/stream',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ messages: [{ role: 'user', content: question }] }),
  marker: /"content":"[^"]/,
};

try {
  for (let i = 0; i < 20; i++) {
    await firstAnswerByte(direct);
    await firstAnswerByte(viaKit);
  }
  const a = [];
  const b = [];
  // Interleaved so both see the same machine state.
  for (let i = 0; i < N; i++) {
    a.push(await firstAnswerByte(direct));
    b.push(await firstAnswerByte(viaKit));
  }
  const d = summarize(a);
  const k = summarize(b);
  console.log(`time to first answer byte, ${N} sequential streams each`);
  console.log(`  orchestrator direct (SSE):     p50 ${fmt(d.p50)}  p99 ${fmt(d.p99)}`);
  console.log(`  via server kit (NDJSON):       p50 ${fmt(k.p50)}  p99 ${fmt(k.p99)}`);
  console.log(`  added by the kit:              p50 ${fmt(k.p50 - d.p50)}  p99 ${fmt(k.p99 - d.p99)}`);
  console.log(`  ratio kit/direct:              p50 ${(k.p50 / d.p50).toFixed(2)}x  p99 ${(k.p99 / d.p99).toFixed(2)}x`);
} finally {
  agent.destroy();
  demo.stop();
  orchestrator.stop();
}

// A small streaming relay for telemetry.bench.mjs: node:http in, undici Pool out (as the server
// kit relays), with the kit's telemetry helpers on its path: request span naming, trace context,
// and the chat event and metrics at the end. Started with or without the kit's register module.
import http from 'node:http';
import { Pool } from 'undici';
import { createKitTelemetry, nameRequestSpan, otelTraceContext } from '@grounded-chat/server-kit/telemetry';

const pool = new Pool(process.env.UPSTREAM_URL, { connections: 32 });
const telemetry = createKitTelemetry();

const server = http.createServer(async (req, res) => {
  if (req.url === '/__mem') {
    globalThis.gc?.();
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  req.resume();
  nameRequestSpan('POST', '/api/chat/stream');
  const started = performance.now();
  const trace = otelTraceContext(req);
  const upstream = await pool.request({
    path: '/score',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(trace.traceparent ? { traceparent: trace.traceparent } : {}) },
    body: '{"question":"q","chat_history":[]}',
  });
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let first;
  for await (const chunk of upstream.body) {
    first ??= performance.now() - started;
    res.write(chunk);
  }
  res.end(`{"delta":{"context":{"traceId":"${trace.traceId}"}}}\n`);
  telemetry.chatEnded({
    route: 'stream',
    outcome: 'ok',
    durationMs: performance.now() - started,
    firstContentMs: first,
    mode: 'generative',
    usage: { prompt_tokens: 100, completion_tokens: 20, model: 'bench-model' },
    citations: 1,
    userId: 'bench-user',
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');

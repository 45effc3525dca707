/**
 * withRequestSpan (src/telemetry/request-span.ts), the orchestrator's own request span, against the
 * OpenTelemetry SDK with in-memory exporters and a real node:http server: the parent comes from the
 * caller's `traceparent`, the attributes are the ones the Azure Monitor exporter reads for
 * RequestData, the flow's spans are its children, and it stands aside when a span is already active
 * (the http instrumentation turned back on).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { installMemoryOtel, type MemoryOtel } from './fixtures/telemetry/otel-memory.js';
import { FLOW_STEPS, inStep, nameRequestSpan, withRequestSpan } from '../src/telemetry/index.js';

let otel: MemoryOtel;
let url: string;
let respondWith = 200;
const server = createServer(
  withRequestSpan(async (req: IncomingMessage, res: ServerResponse) => {
    nameRequestSpan('POST', '/score');
    for await (const _ of req);
    await inStep(FLOW_STEPS.retrieve, () => 1);
    res.writeHead(respondWith).end('ok');
  }),
);

before(async () => {
  otel = installMemoryOtel();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  otel.reset();
  respondWith = 200;
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

async function post(path: string): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'user-agent': 'kit-test' }, body: '{}' });
  await res.text();
  // The span ends when the response closes, just after the client has it all.
  for (let i = 0; i < 100 && !otel.spans().some((s) => s.kind === SpanKind.SERVER); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('withRequestSpan', () => {
  it("records the request as a SERVER span in the caller's trace, named after its route, with the flow under it", async () => {
    await post('/score?ignored=secret');
    const request = otel.spans().find((s) => s.kind === SpanKind.SERVER);
    assert.ok(request, 'a SERVER span');
    assert.equal(request.name, 'POST /score');
    assert.equal(request.spanContext().traceId, TRACE_ID);
    assert.equal(request.parentSpanContext?.spanId, PARENT_ID);
    assert.equal(request.attributes['http.request.method'], 'POST');
    assert.equal(request.attributes['http.route'], '/score');
    assert.equal(request.attributes['url.path'], '/score', 'the path without its query');
    assert.equal(request.attributes['url.scheme'], 'http');
    assert.equal(request.attributes['server.address'], '127.0.0.1');
    assert.equal(typeof request.attributes['server.port'], 'number');
    assert.equal(request.attributes['client.address'], '127.0.0.1');
    assert.equal(request.attributes['user_agent.original'], 'kit-test');
    assert.equal(request.attributes['http.response.status_code'], 200);
    assert.notEqual(request.status.code, SpanStatusCode.ERROR);
    const step = otel.spans().find((s) => s.name === FLOW_STEPS.retrieve);
    assert.equal(step?.parentSpanContext?.spanId, request.spanContext().spanId);
  });

  it('marks a 5xx answer failed', async () => {
    respondWith = 503;
    await post('/score');
    const request = otel.spans().find((s) => s.kind === SpanKind.SERVER)!;
    assert.equal(request.attributes['http.response.status_code'], 503);
    assert.equal(request.status.code, SpanStatusCode.ERROR);
  });

  it('stands aside when a request span is already active (the http instrumentation turned back on)', async () => {
    let seen: string | undefined;
    const handler = withRequestSpan((_req, res) => {
      seen = trace.getActiveSpan()?.spanContext().spanId;
      res.end();
    });
    const res = { once: () => res, end: () => undefined } as unknown as ServerResponse;
    trace.getTracer('instrumentation').startActiveSpan('instrumentation request', { kind: SpanKind.SERVER }, (span) => {
      handler({ headers: {}, socket: {} } as IncomingMessage, res);
      span.end();
      assert.equal(seen, span.spanContext().spanId, "the handler ran in the instrumentation's span");
    });
    assert.deepEqual(otel.spans().filter((s) => s.kind === SpanKind.SERVER).map((s) => s.name), ['instrumentation request']);
  });
});

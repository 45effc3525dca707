/**
 * The kit's own dependency span for the orchestrator call (telemetry/dependency-span.ts), through
 * the real router and the real OrchestratorClient against a contract-B stand-in, with the
 * OpenTelemetry SDK in memory: the span is the request span's child, its traceparent is what the
 * orchestrator receives, statuses and failures are recorded without text, a visitor who leaves
 * ends it without an error, and it stands aside for the undici instrumentation.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { installMemoryOtel, type MemoryOtel } from './fixtures/telemetry/otel-memory.js';
import { json, lines, openStream, post, sleep, sse, startApp, startStandIn, type App, type StandIn } from './helpers.js';

let otel: MemoryOtel;
let upstream: StandIn;
let app: App;
let mode: 'stream' | 'busy' | 'slow' = 'stream';

before(async () => {
  otel = installMemoryOtel();
  upstream = await startStandIn(async (_req, res) => {
    if (mode === 'busy') return json(res, 503, { error: { code: 'overloaded', message: 'upstream secret text' } });
    if (mode === 'slow') return sse(res, Array.from({ length: 50 }, (_, i) => ({ answer: `part ${i} ` })), 20);
    return sse(res, [{ answer: 'Mount ' }, { answer: 'it.' }, { citations: [] }]);
  });
  app = await startApp({ orchestrator: { url: `${upstream.url}?code=SECRET-IN-QUERY`, key: 'k' } });
});
after(async () => {
  await app.close();
  await upstream.close();
});
beforeEach(() => {
  otel.reset();
  upstream.requests.length = 0;
  mode = 'stream';
});

const ask = { messages: [{ role: 'user', content: 'How do I mount it?' }] };

/** Waits for the spans of one chat: the request span (SERVER) and the kit's dependency (CLIENT). */
async function spansOfChat(): Promise<{ request: ReadableSpan; dependency: ReadableSpan | undefined; all: ReadableSpan[] }> {
  for (let i = 0; i < 100; i++) {
    const all = otel.spans();
    const request = all.find((s) => s.kind === SpanKind.SERVER);
    if (request) return { request, dependency: all.find((s) => s.kind === SpanKind.CLIENT), all };
    await sleep(10);
  }
  throw new Error('no request span was recorded');
}

describe('the kit’s dependency span', () => {
  it('is the request span’s child, and the orchestrator receives it as the parent', async () => {
    const reply = await post(`${app.url}/stream`, ask);
    assert.equal(reply.status, 200);
    const { request, dependency } = await spansOfChat();
    assert.ok(dependency, 'a CLIENT span for the orchestrator call');
    assert.equal(dependency.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.equal(dependency.spanContext().traceId, request.spanContext().traceId);
    const sent = upstream.requests[0]?.headers.traceparent;
    assert.equal(sent, `00-${dependency.spanContext().traceId}-${dependency.spanContext().spanId}-01`);
    // The visitor's trace id is the operation's.
    assert.equal(lines(reply.text)[0].delta.context.traceId, request.spanContext().traceId);
    assert.equal(dependency.name, 'POST');
    assert.equal(dependency.attributes['http.request.method'], 'POST');
    assert.equal(dependency.attributes['http.response.status_code'], 200);
    assert.equal(dependency.attributes['url.path'], '/score');
    assert.equal(dependency.attributes['server.address'], '127.0.0.1');
    assert.equal(typeof dependency.attributes['server.port'], 'number');
    assert.equal(dependency.status.code, SpanStatusCode.UNSET);
    // The query string (a key may live there) is not recorded.
    assert.doesNotMatch(JSON.stringify(dependency.attributes), /SECRET-IN-QUERY|code=/);
  });

  it('ends when the answer has been read, not when the head arrived', async () => {
    mode = 'slow';
    const started = Date.now();
    const reply = await post(`${app.url}/stream`, ask);
    assert.equal(reply.status, 200);
    const { dependency } = await spansOfChat();
    assert.ok(dependency);
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
    // 50 events 20 ms apart: the call lasts most of a second.
    assert.ok(ms(dependency.duration) > 500, `duration ${ms(dependency.duration)} ms (wall ${Date.now() - started} ms)`);
  });

  it('records an error status as error.type, with no upstream text', async () => {
    mode = 'busy';
    const reply = await post(`${app.url}/stream`, ask);
    assert.equal(reply.status, 502);
    const { dependency } = await spansOfChat();
    assert.ok(dependency);
    assert.equal(dependency.attributes['http.response.status_code'], 503);
    assert.equal(dependency.attributes['error.type'], '503');
    assert.equal(dependency.status.code, SpanStatusCode.ERROR);
    assert.doesNotMatch(JSON.stringify([dependency.attributes, dependency.status, dependency.events]), /secret text|overloaded/);
  });

  it('records an unreachable orchestrator by its error code', async () => {
    const down = await startApp({ orchestrator: { url: 'http://127.0.0.1:1/score', key: 'k' } });
    try {
      const reply = await post(`${down.url}/stream`, ask);
      assert.equal(reply.status, 502);
      const { dependency } = await spansOfChat();
      assert.ok(dependency);
      assert.equal(dependency.attributes['error.type'], 'ECONNREFUSED');
      assert.equal(dependency.status.code, SpanStatusCode.ERROR);
    } finally {
      await down.close();
    }
  });

  it('ends without an error when the visitor leaves mid-answer', async () => {
    mode = 'slow';
    const stream = await openStream(`${app.url}/stream`, ask);
    await stream.next();
    await stream.next();
    stream.req.destroy();
    let dependency: ReadableSpan | undefined;
    for (let i = 0; i < 100 && !dependency; i++) {
      await sleep(10);
      dependency = otel.spans().find((s) => s.kind === SpanKind.CLIENT);
    }
    assert.ok(dependency, 'the span ended when the visitor left (the answer would take a second)');
    assert.equal(dependency.status.code, SpanStatusCode.UNSET);
    assert.equal(dependency.attributes['error.type'], undefined);
  });

  it('stands aside when the undici instrumentation subscribes (its span is the call’s)', async () => {
    const seen: unknown[] = [];
    const onCreate = (message: unknown) => seen.push(message);
    diagnosticsChannel.subscribe('undici:request:create', onCreate);
    try {
      const reply = await post(`${app.url}/stream`, ask);
      assert.equal(reply.status, 200);
      const { all } = await spansOfChat();
      assert.equal(all.filter((s) => s.kind === SpanKind.CLIENT).length, 0, 'no span of the kit’s own');
      assert.equal(upstream.requests[0]?.headers.traceparent, undefined, 'the subscriber (the instrumentation) would inject it');
      assert.ok(seen.length > 0, 'the subscriber saw the request');
    } finally {
      diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    }
  });
});

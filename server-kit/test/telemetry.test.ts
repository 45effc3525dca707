/**
 * The kit's telemetry against the OpenTelemetry SDK with in-memory exporters: each event with its
 * numbers and privacy rules, the metrics, and the trace context the router hands the visitor.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { before, beforeEach, describe, it } from 'node:test';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { installMemoryOtel, type MemoryOtel } from './fixtures/telemetry/otel-memory.js';
import {
  AI_CUSTOM_EVENT_NAME,
  AI_CUSTOM_MEASUREMENTS,
  KIT_EVENT_FIELDS as F,
  KIT_EVENTS,
  KIT_METRIC_ATTRIBUTES,
  KIT_METRICS,
  contextOfTrace,
  createKitTelemetry,
  emitEvent,
  hashUserId,
  nameRequestSpan,
  otelTraceContext,
} from '../src/telemetry/index.js';

let otel: MemoryOtel;
before(() => {
  otel = installMemoryOtel();
});
beforeEach(() => otel.reset());

const KEY = 'test-hash-key';
const tracer = () => trace.getTracer('test');

async function events() {
  return (await otel.logs()).map((r) => ({
    name: r.attributes[AI_CUSTOM_EVENT_NAME],
    properties: Object.fromEntries(Object.entries(r.attributes).filter(([k]) => !k.startsWith('microsoft.'))),
    measurements: JSON.parse(String(r.attributes[AI_CUSTOM_MEASUREMENTS] ?? '{}')),
    traceId: r.spanContext?.traceId,
  }));
}

describe('createKitTelemetry', () => {
  it('records a chat with its numbers, model and hashed user, and no question', async () => {
    const telemetry = createKitTelemetry({ userHashKey: KEY, env: {} });
    const traceId = tracer().startActiveSpan('POST /api/chat/stream', (span) => {
      telemetry.chatEnded({
        route: 'stream',
        outcome: 'ok',
        durationMs: 900,
        firstContentMs: 120,
        upstreamHeadersMs: 80,
        userId: 'alice@example.com',
        mode: 'generative',
        usage: { prompt_tokens: 1200, completion_tokens: 85, model: 'gpt-4o-mini' },
        citations: 3,
        question: 'what is the secret?',
      });
      span.end();
      return span.spanContext().traceId;
    });
    const [chat] = await events();
    const c = F.chat;
    assert.equal(chat?.name, KIT_EVENTS.chat);
    assert.equal(chat?.traceId, traceId);
    assert.deepEqual(chat?.properties, {
      [c.properties.route]: 'stream',
      [c.properties.outcome]: 'ok',
      [c.properties.mode]: 'generative',
      [c.properties.model]: 'gpt-4o-mini',
      [c.properties.user]: hashUserId('alice@example.com', KEY),
    });
    assert.deepEqual(chat?.measurements, {
      [c.measurements.timeToFirstTokenMs]: 120,
      [c.measurements.durationMs]: 900,
      [c.measurements.upstreamHeadersMs]: 80,
      [c.measurements.inputTokens]: 1200,
      [c.measurements.outputTokens]: 85,
      [c.measurements.citations]: 3,
    });
  });

  it('records the question only when recordText is on', async () => {
    createKitTelemetry({ recordText: true, env: {} }).chatEnded({ route: 'complete', outcome: 'ok', durationMs: 1, question: 'what is x?' });
    const [chat] = await events();
    assert.equal(chat?.properties[F.chat.properties.question], 'what is x?');
  });

  it('counts tokens by model and type, and records time to first token', async () => {
    const telemetry = createKitTelemetry({ env: {} });
    telemetry.chatEnded({ route: 'stream', outcome: 'ok', durationMs: 10, firstContentMs: 42, mode: 'extractive', usage: { prompt_tokens: 100, completion_tokens: 20, model: 'm1' } });
    telemetry.chatEnded({ route: 'stream', outcome: 'ok', durationMs: 10, firstContentMs: 58, mode: 'extractive', usage: { prompt_tokens: 50, completion_tokens: 5, model: 'm1' } });
    telemetry.chatEnded({ route: 'complete', outcome: 'timeout', durationMs: 10, mode: 'extractive' });
    const m = await otel.metrics();
    const tokens = m.get(KIT_METRICS.tokens) ?? [];
    const sum = (type: string) => tokens.find((p) => p.attributes[KIT_METRIC_ATTRIBUTES.tokenType] === type && p.attributes[KIT_METRIC_ATTRIBUTES.model] === 'm1')?.value;
    assert.equal(sum('input'), 150);
    assert.equal(sum('output'), 25);
    const ttft = m.get(KIT_METRICS.timeToFirstToken)?.find((p) => p.attributes[KIT_METRIC_ATTRIBUTES.mode] === 'extractive')?.value as { count: number; sum: number };
    assert.equal(ttft.count, 2, 'a chat without a first piece records none');
    assert.equal(ttft.sum, 100);
  });

  it('links feedback to the rated answer’s trace, comment kept out by default', async () => {
    const answerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    createKitTelemetry({ userHashKey: KEY, env: {} }).feedback({ rating: 'down', traceId: answerTrace, messageId: 'm-1', comment: 'wrong about pricing', userId: 'bob' });
    createKitTelemetry({ recordFeedbackComment: true, env: {} }).feedback({ rating: 'up', comment: 'great' });
    const [down, up] = await events();
    const f = F.feedback;
    assert.equal(down?.name, KIT_EVENTS.feedback);
    assert.equal(down?.traceId, answerTrace);
    assert.equal(down?.properties[f.properties.answerTraceId], answerTrace);
    assert.equal(down?.properties[f.properties.rating], 'down');
    assert.equal(down?.properties[f.properties.user], hashUserId('bob', KEY));
    assert.equal(down?.properties[f.properties.comment], undefined);
    assert.deepEqual(down?.measurements, { [f.measurements.positive]: 0, [f.measurements.commentChars]: 19 });
    assert.equal(up?.properties[f.properties.comment], 'great');
    assert.equal(up?.measurements[f.measurements.positive], 1);
  });

  it('records limits and authentication failures with stable fields', async () => {
    const telemetry = createKitTelemetry({ userHashKey: KEY, env: {} });
    telemetry.rateLimited({ route: 'stream', userId: 'carol', keyedBy: 'principal', retryAfterS: 12 });
    telemetry.quotaExceeded({ route: 'complete', userId: 'carol', window: 'day', limitTokens: 50_000, usedTokens: 50_210, retryAfterS: 3600 });
    telemetry.authFailed({ route: 'stream', reason: 'invalid_token', authMode: 'entra' });
    const [rate, quota, auth] = await events();
    assert.equal(rate?.name, KIT_EVENTS.rateLimited);
    assert.deepEqual(rate?.properties, { route: 'stream', user: hashUserId('carol', KEY), keyed_by: 'principal' });
    assert.deepEqual(rate?.measurements, { retry_after_s: 12 });
    assert.equal(quota?.name, KIT_EVENTS.quotaExceeded);
    assert.deepEqual(quota?.measurements, { limit_tokens: 50_000, used_tokens: 50_210, retry_after_s: 3600 });
    assert.equal(auth?.name, KIT_EVENTS.authFailed);
    assert.deepEqual(auth?.properties, { route: 'stream', reason: 'invalid_token', auth_mode: 'entra' });
  });
});

describe('contextOfTrace', () => {
  it('puts an event in the given trace, and ignores a malformed id', async () => {
    const answerTrace = '0af7651916cd43dd8448eb211c80319c';
    emitEvent('test', { name: 'feedback' }, contextOfTrace(answerTrace));
    emitEvent('test', { name: 'feedback' }, contextOfTrace('not-a-trace'));
    const [linked, other] = await otel.logs();
    assert.equal(linked?.spanContext?.traceId, answerTrace);
    assert.equal(other?.spanContext, undefined);
  });
});

describe('otelTraceContext', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('uses the active request span and leaves traceparent to the dependency span (dependency-span.test.ts)', () => {
    tracer().startActiveSpan('POST', (span) => {
      assert.deepEqual(otelTraceContext(req({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })), {
        traceId: span.spanContext().traceId,
      });
      span.end();
    });
  });

  it('uses the active span’s trace even when the sampler dropped it', () => {
    const dropped = trace.wrapSpanContext({ traceId: '1bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });
    const ctx = context.with(trace.setSpan(context.active(), dropped), () => otelTraceContext(req({})));
    assert.deepEqual(ctx, { traceId: '1bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it('continues the caller’s trace itself when no span is active', () => {
    const ctx = otelTraceContext(req({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    assert.equal(ctx.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.match(ctx.traceparent ?? '', /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  it('names the request span after its route', () => {
    tracer().startActiveSpan('POST', (span) => {
      nameRequestSpan('POST', '/api/chat/stream');
      span.end();
    });
    const [span] = otel.spans();
    assert.equal(span?.name, 'POST /api/chat/stream');
    assert.equal(span?.attributes['http.route'], '/api/chat/stream');
  });
});

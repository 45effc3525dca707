/**
 * The orchestrator's telemetry helpers against the OpenTelemetry SDK with in-memory exporters:
 * step spans and their parentage, streams kept in a span, GenAI and retrieval attributes, custom
 * events as Application Insights reads them, privacy, and JSON logs with the trace id.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, beforeEach, describe, it } from 'node:test';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { installMemoryOtel, type MemoryOtel } from './fixtures/telemetry/otel-memory.js';
import {
  AI_CUSTOM_EVENT_NAME,
  AI_CUSTOM_MEASUREMENTS,
  FLOW_ATTRIBUTES,
  FLOW_STEPS,
  GEN_AI,
  ORCHESTRATOR_EVENTS,
  RETRIEVAL,
  activeTraceId,
  contentFilteredEvent,
  createJsonLogger,
  emitEvent,
  hashUserId,
  inStep,
  modelAttributes,
  retrievalAttributes,
  telemetryPrivacy,
  traceIterable,
  usageAttributes,
} from '../src/telemetry/index.js';

let otel: MemoryOtel;
before(() => {
  otel = installMemoryOtel();
});
beforeEach(() => otel.reset());

const tracer = () => trace.getTracer('test');
const spanNamed = (name: string) => {
  const span = otel.spans().find((s) => s.name === name);
  assert.ok(span, `span ${name} in ${otel.spans().map((s) => s.name).join(', ')}`);
  return span;
};

describe('inStep', () => {
  it('runs the step in a child span of the active span and returns its value', async () => {
    const value = await tracer().startActiveSpan('request', async (parent) => {
      const v = await inStep(FLOW_STEPS.retrieve, async () => {
        await new Promise((r) => setImmediate(r));
        return activeTraceId();
      });
      parent.end();
      return v;
    });
    const step = spanNamed(FLOW_STEPS.retrieve);
    const parent = spanNamed('request');
    assert.equal(step.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(value, parent.spanContext().traceId, 'the step ran with its span active');
    assert.equal(step.status.code, SpanStatusCode.UNSET);
  });

  it('marks a failed step with its stable code, never the message', async () => {
    const err = Object.assign(new Error('upstream said: secret body'), { name: 'FlowError', code: 'upstream_unavailable' });
    await assert.rejects(inStep(FLOW_STEPS.generate, () => Promise.reject(err)), err);
    const step = spanNamed(FLOW_STEPS.generate);
    assert.equal(step.status.code, SpanStatusCode.ERROR);
    assert.equal(step.status.message, 'upstream_unavailable');
    assert.equal(step.attributes['error.type'], 'upstream_unavailable');
    assert.equal(JSON.stringify(step.events).includes('secret body'), false);
  });

  it('does not count a cancellation as a failure', async () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    await assert.rejects(inStep(FLOW_STEPS.retrieve, () => Promise.reject(abort)));
    assert.equal(spanNamed(FLOW_STEPS.retrieve).status.code, SpanStatusCode.UNSET);
  });
});

describe('traceIterable', () => {
  async function* pieces(n: number, fail = false) {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setImmediate(r));
      // A provider's own span (an HTTP call) while the stream runs: it must be the step's child.
      tracer().startSpan(`call ${i}`).end();
      yield `p${i}`;
    }
    if (fail) throw Object.assign(new Error('cut'), { code: 'upstream_unavailable' });
  }

  it('keeps the span open over the whole stream and parents the calls made while it runs', async () => {
    const seen: string[] = [];
    const ends: Array<{ items: number; completed: boolean }> = [];
    const stream = traceIterable(FLOW_STEPS.generate, () => pieces(3), {
      attributes: modelAttributes({ system: 'openai', model: 'gpt-x' }),
      onItem: (_span, item) => seen.push(item),
      onEnd: (span, summary) => {
        ends.push(summary);
        span.setAttributes(usageAttributes({ inputTokens: 10, outputTokens: 3, finishReasons: ['stop'] }));
      },
    });
    assert.equal(otel.spans().length, 0, 'not ended before it is read');
    const out: string[] = [];
    for await (const p of stream) out.push(p);
    assert.deepEqual(out, ['p0', 'p1', 'p2']);
    assert.deepEqual(seen, out);
    assert.deepEqual(ends, [{ items: 3, completed: true, firstItemMs: (ends[0] as { firstItemMs?: number }).firstItemMs }]);
    const step = spanNamed(FLOW_STEPS.generate);
    for (let i = 0; i < 3; i++) assert.equal(spanNamed(`call ${i}`).parentSpanContext?.spanId, step.spanContext().spanId);
    assert.equal(step.attributes[GEN_AI.requestModel], 'gpt-x');
    assert.equal(step.attributes[GEN_AI.system], 'openai');
    assert.equal(step.attributes[GEN_AI.inputTokens], 10);
    assert.equal(step.attributes[GEN_AI.outputTokens], 3);
    assert.deepEqual(step.attributes[GEN_AI.finishReasons], ['stop']);
    assert.equal(typeof step.attributes[FLOW_ATTRIBUTES.timeToFirstPieceMs], 'number');
  });

  it('ends the span once when the consumer stops early', async () => {
    let ended = 0;
    for await (const p of traceIterable(FLOW_STEPS.generate, () => pieces(5), { onEnd: () => ended++ })) {
      if (p === 'p1') break;
    }
    assert.equal(ended, 1);
    assert.equal(otel.spans().filter((s) => s.name === FLOW_STEPS.generate).length, 1);
  });

  it('marks the span failed when the stream throws', async () => {
    await assert.rejects(async () => {
      for await (const _ of traceIterable(FLOW_STEPS.generate, () => pieces(1, true)));
    });
    assert.equal(spanNamed(FLOW_STEPS.generate).status.message, 'upstream_unavailable');
  });
});

describe('attributes', () => {
  it('describes a retrieval by store, top, hits and best score', () => {
    assert.deepEqual(retrievalAttributes({ store: 'azure-search', top: 5, hits: [{ score: 1.5 }, { score: 7.25 }, { score: 2 }] }), {
      [RETRIEVAL.store]: 'azure-search',
      [RETRIEVAL.top]: 5,
      [RETRIEVAL.hits]: 3,
      [RETRIEVAL.bestScore]: 7.25,
    });
    assert.deepEqual(retrievalAttributes({ store: 'local', top: 5, hits: [] }), { [RETRIEVAL.store]: 'local', [RETRIEVAL.top]: 5, [RETRIEVAL.hits]: 0 });
  });

  it('leaves out usage it does not know', () => {
    assert.deepEqual(usageAttributes({ outputTokens: 4 }), { [GEN_AI.outputTokens]: 4 });
    assert.deepEqual(usageAttributes({}), {});
  });
});

describe('emitEvent', () => {
  it('emits a log record Application Insights turns into a custom event, in the active trace', async () => {
    const traceId = tracer().startActiveSpan('request', (span) => {
      emitEvent('test', { name: 'chat', properties: { mode: 'generative', skipped: undefined }, measurements: { tokens: 12, nan: Number.NaN, none: undefined } });
      span.end();
      return span.spanContext().traceId;
    });
    const [record] = await otel.logs();
    assert.ok(record);
    assert.equal(record.attributes[AI_CUSTOM_EVENT_NAME], 'chat');
    assert.equal(record.attributes.mode, 'generative');
    assert.equal('skipped' in record.attributes, false);
    assert.deepEqual(JSON.parse(String(record.attributes[AI_CUSTOM_MEASUREMENTS])), { tokens: 12 });
    assert.equal(record.spanContext?.traceId, traceId);
  });

  it('records a content-filter hit with the user hashed', async () => {
    const privacy = telemetryPrivacy({ userHashKey: 'k' });
    contentFilteredEvent({ stage: 'completion', model: 'gpt-x', provider: 'azure-openai', userId: 'alice@example.com' }, privacy);
    const [record] = await otel.logs();
    assert.equal(record?.attributes[AI_CUSTOM_EVENT_NAME], ORCHESTRATOR_EVENTS.contentFiltered);
    assert.equal(record?.attributes.stage, 'completion');
    assert.equal(record?.attributes.user, hashUserId('alice@example.com', 'k'));
  });
});

describe('privacy', () => {
  it('hashes user ids with a key: stable per key, different across keys, not the id', () => {
    const a = hashUserId('alice@example.com', 'key-1');
    assert.equal(a, hashUserId('alice@example.com', 'key-1'));
    assert.notEqual(a, hashUserId('alice@example.com', 'key-2'));
    assert.notEqual(a, hashUserId('bob@example.com', 'key-1'));
    assert.match(a, /^[A-Za-z0-9_-]{22}$/);
  });

  it('records no text unless asked to', () => {
    assert.equal(telemetryPrivacy({}, {}).text('the question'), undefined);
    assert.equal(telemetryPrivacy({ recordText: true }, {}).text('the question'), 'the question');
    assert.equal(telemetryPrivacy({}, { TELEMETRY_RECORD_TEXT: 'true' }).recordText, true);
    assert.equal(telemetryPrivacy({}, { TELEMETRY_USER_HASH_KEY: 'e' }).hashUser('x'), hashUserId('x', 'e'));
  });

  it('without a configured key, still never records the id itself', () => {
    const hashed = telemetryPrivacy({}, {}).hashUser('alice@example.com');
    assert.equal(hashed.includes('alice'), false);
    assert.notEqual(hashed, hashUserId('alice@example.com', ''));
  });
});

describe('createJsonLogger', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    return { lines, destination };
  }

  it('writes one JSON object per line with the active trace id, text redacted', () => {
    const { lines, destination } = capture();
    const logger = createJsonLogger({ service: 'orchestrator', destination });
    const traceId = tracer().startActiveSpan('request', (span) => {
      logger.warn('slow retrieval', { question: 'what is x?', nested: { answer: 'y' }, ms: 12 });
      span.end();
      return span.spanContext().traceId;
    });
    logger.error('outside any request');
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.trace_id, traceId);
    assert.equal(lines[0]!.level, 'warn');
    assert.equal(lines[0]!.message, 'slow retrieval');
    assert.equal(lines[0]!.service, 'orchestrator');
    assert.equal(lines[0]!.question, '[redacted]');
    assert.deepEqual(lines[0]!.nested, { answer: '[redacted]' });
    assert.equal(lines[0]!.ms, 12);
    assert.equal('trace_id' in lines[1]!, false);
  });

  it('keeps text when recordText is on', () => {
    const { lines, destination } = capture();
    createJsonLogger({ service: 'o', destination, recordText: true }).info('q', { question: 'what is x?' });
    assert.equal(lines[0]!.question, 'what is x?');
  });
});

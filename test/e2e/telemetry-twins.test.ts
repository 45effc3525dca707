/**
 * The kit and the orchestrator each carry a copy of the small telemetry modules they both need
 * (events, privacy, json-logger, flush, azure-monitor, and nameRequestSpan): two deployables and no
 * shared runtime package, by design. This test keeps the twins in step by behaviour, not text: the
 * same input through both copies must give the same log record, the same hash, the same log line,
 * the same flushes, the same SDK options and the same exports. The hash matters most: a visitor
 * must hash alike in both processes for their telemetry to be joined.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import * as kitEvents from '../../server-kit/src/telemetry/events.js';
import * as kitPrivacy from '../../server-kit/src/telemetry/privacy.js';
import * as kitLogger from '../../server-kit/src/telemetry/json-logger.js';
import * as kitFlush from '../../server-kit/src/telemetry/flush.js';
import * as kitMonitor from '../../server-kit/src/telemetry/azure-monitor.js';
import { nameRequestSpan as kitNameRequestSpan } from '../../server-kit/src/telemetry/trace-context.js';
import { withRequestSpan as kitWithRequestSpan } from '../../server-kit/src/telemetry/request-span.js';
import * as orchEvents from '../../orchestrator/src/telemetry/events.js';
import * as orchPrivacy from '../../orchestrator/src/telemetry/privacy.js';
import * as orchLogger from '../../orchestrator/src/telemetry/json-logger.js';
import * as orchFlush from '../../orchestrator/src/telemetry/flush.js';
import * as orchMonitor from '../../orchestrator/src/telemetry/azure-monitor.js';
import { nameRequestSpan as orchNameRequestSpan } from '../../orchestrator/src/telemetry/spans.js';
import { withRequestSpan as orchWithRequestSpan } from '../../orchestrator/src/telemetry/request-span.js';

const TWINS = [
  ['events', kitEvents, orchEvents],
  ['privacy', kitPrivacy, orchPrivacy],
  ['json-logger', kitLogger, orchLogger],
  ['flush', kitFlush, orchFlush],
  ['azure-monitor', kitMonitor, orchMonitor],
] as const;

const spanExporter = new InMemorySpanExporter();
const logExporter = new InMemoryLogRecordExporter();
let loggerProvider: LoggerProvider;
let flushes = 0;
before(() => {
  new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }).register();
  loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const forceFlush = loggerProvider.forceFlush.bind(loggerProvider);
  loggerProvider.forceFlush = () => (flushes++, forceFlush());
  logs.setGlobalLoggerProvider(loggerProvider);
});

const tracer = () => trace.getTracer('twins');

/** Runs `fn` once per side inside one span, so both copies see the same trace. */
function bothInOneSpan<T>(fn: (side: 0 | 1) => T): [T, T] {
  return tracer().startActiveSpan('request', (span) => {
    const out: [T, T] = [fn(0), fn(1)];
    span.end();
    return out;
  });
}

describe('telemetry twins (server-kit/src/telemetry ~ orchestrator/src/telemetry)', () => {
  for (const [name, kit, orch] of TWINS) {
    it(`${name}: both copies export the same names`, () => {
      assert.deepEqual(Object.keys(kit).sort(), Object.keys(orch).sort());
    });
  }

  const EVENTS: kitEvents.CustomEvent[] = [
    { name: 'chat', properties: { route: 'stream', ok: true, n: 3, gone: undefined }, measurements: { ms: 12.5, nan: Number.NaN, inf: Infinity, none: undefined } },
    { name: 'content_filtered', properties: { stage: 'prompt' } },
    { name: 'empty' },
    { name: 'zero', measurements: { tokens: 0 } },
  ];
  it('events: the same event gives the same log record (what the exporter turns into customEvents)', async () => {
    assert.equal(kitEvents.AI_CUSTOM_EVENT_NAME, orchEvents.AI_CUSTOM_EVENT_NAME);
    assert.equal(kitEvents.AI_CUSTOM_MEASUREMENTS, orchEvents.AI_CUSTOM_MEASUREMENTS);
    for (const event of EVENTS) {
      logExporter.reset();
      bothInOneSpan((side) => (side === 0 ? kitEvents : orchEvents).emitEvent(`scope-${side}`, event));
      await loggerProvider.forceFlush();
      const [k, o] = logExporter.getFinishedLogRecords();
      assert.ok(k && o, `two records for ${event.name}`);
      const shape = (r: typeof k) => ({ body: r.body, severityNumber: r.severityNumber, severityText: r.severityText, attributes: r.attributes, traceId: r.spanContext?.traceId });
      assert.deepEqual(shape(k), shape(o), event.name);
      assert.equal(k.attributes[kitEvents.AI_CUSTOM_EVENT_NAME], event.name, 'the record is the event, not an empty one');
    }
  });

  it('privacy: the same id and key hash alike, and the text rule is the same', () => {
    const ids = ['alice@example.com', '', 'ünïcødé-名前', 'x'.repeat(10_000), '00000000-0000-0000-0000-000000000000'];
    const keys = ['k', 'hash-key-for-tests-only', 'ключ', Buffer.from([0, 1, 2, 255])];
    for (const id of ids) {
      for (const key of keys) {
        const k = kitPrivacy.hashUserId(id, key);
        assert.equal(k, orchPrivacy.hashUserId(id, key));
        assert.match(k, /^[A-Za-z0-9_-]{22}$/);
      }
    }
    const envs = [{}, { TELEMETRY_USER_HASH_KEY: 'shared' }, { TELEMETRY_RECORD_TEXT: 'true', TELEMETRY_USER_HASH_KEY: 's' }, { TELEMETRY_RECORD_TEXT: 'yes', TELEMETRY_USER_HASH_KEY: 's' }];
    for (const env of envs) {
      for (const options of [{ userHashKey: 'opt' }, { userHashKey: 'opt', recordText: true }, { userHashKey: 'opt', recordText: false }]) {
        const k = kitPrivacy.telemetryPrivacy(options, env);
        const o = orchPrivacy.telemetryPrivacy(options, env);
        assert.equal(k.recordText, o.recordText, JSON.stringify({ options, env }));
        assert.equal(k.text('the question'), o.text('the question'));
        assert.equal(k.hashUser('bob'), o.hashUser('bob'));
      }
      if ('TELEMETRY_USER_HASH_KEY' in env) assert.equal(kitPrivacy.telemetryPrivacy({}, env).hashUser('bob'), orchPrivacy.telemetryPrivacy({}, env).hashUser('bob'));
    }
  });

  it('json-logger: the same calls write the same lines', () => {
    assert.deepEqual(kitLogger.TEXT_FIELDS, orchLogger.TEXT_FIELDS);
    const capture = () => {
      const lines: Record<string, unknown>[] = [];
      const destination = new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
          done();
        },
      });
      return { lines, destination };
    };
    for (const options of [{ service: 's' }, { service: 's', recordText: true }, { service: 's', level: 'warn' }]) {
      const sides = [capture(), capture()];
      bothInOneSpan((side) => {
        const logger = (side === 0 ? kitLogger : orchLogger).createJsonLogger({ ...options, destination: sides[side]!.destination });
        logger.info('hello', { question: 'q?', nested: { answer: 'a', comment: 'c' }, messages: [1], n: 1 });
        logger.warn('careful', { snippet: 's', prompt: 'p', query: 'x', text: 't' });
        logger.error('failed', { code: 'timeout' });
      });
      const withoutTime = (lines: Record<string, unknown>[]) => lines.map(({ time: _t, ...rest }) => rest);
      assert.ok(sides[0]!.lines.length > 0);
      assert.deepEqual(withoutTime(sides[0]!.lines), withoutTime(sides[1]!.lines), JSON.stringify(options));
    }
  });

  it('flush: both flush the registered providers', async () => {
    const before = flushes;
    await kitFlush.flushTelemetry();
    assert.equal(flushes, before + 1);
    await orchFlush.flushTelemetry();
    assert.equal(flushes, before + 2);
  });

  it('azure-monitor: both start applicationinsights with the same options', () => {
    const cs = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/';
    // Functions (the views' attribute processors) compare by their source: each twin has its own.
    const shape = (o: unknown) => JSON.stringify(o, (_k, v: unknown) => (typeof v === 'function' ? `fn:${v.toString()}` : v));
    assert.equal(shape(kitMonitor.azureMonitorOptions(cs)), shape(orchMonitor.azureMonitorOptions(cs)));
    assert.equal(kitMonitor.azureMonitorOptions(cs).azureMonitorExporterOptions?.connectionString, cs);
  });

  it('nameRequestSpan: both name the request span after its route', () => {
    spanExporter.reset();
    for (const name of [kitNameRequestSpan, orchNameRequestSpan]) {
      tracer().startActiveSpan('POST', (span) => {
        name('POST', '/score');
        span.end();
      });
    }
    const [k, o] = spanExporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes }));
    assert.deepEqual(k, { name: 'POST /score', attributes: { 'http.route': '/score' } });
    assert.deepEqual(k, o);
  });

  it('withRequestSpan: both record the same span for the same request', async () => {
    spanExporter.reset();
    for (const withRequestSpan of [kitWithRequestSpan, orchWithRequestSpan]) {
      const closed: (() => void)[] = [];
      const req = {
        method: 'POST',
        url: '/stream?x=1',
        originalUrl: '/api/chat/stream?x=1',
        httpVersion: '1.1',
        headers: { host: 'example.test:8080', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'user-agent': 'ua', 'x-forwarded-for': '203.0.113.7:51234, 10.0.0.1' },
        socket: { remoteAddress: '10.0.0.9' },
      };
      const res = { statusCode: 200, once: (_e: string, f: () => void) => closed.push(f) };
      withRequestSpan((_q, _s) => kitNameRequestSpan('POST', '/api/chat/stream'))(req as never, res as never);
      closed.forEach((f) => f());
    }
    const [k, o] = spanExporter.getFinishedSpans().map((s) => ({ name: s.name, kind: s.kind, parent: s.parentSpanContext?.spanId, traceId: s.spanContext().traceId, attributes: s.attributes }));
    assert.equal(k?.attributes['url.path'], '/api/chat/stream');
    assert.equal(k?.attributes['client.address'], '203.0.113.7');
    assert.equal(k?.parent, 'b7ad6b7169203331');
    assert.deepEqual(k, o);
  });
});

/** The incremental SSE parser, fed every possible split of a tricky stream. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser, SseTooLargeError } from '../src/sse.js';

function parse(chunks: string[]): { events: string[]; unfinished: boolean } {
  const events: string[] = [];
  const p = new SseParser((d) => events.push(d));
  for (const c of chunks) p.push(c);
  return { events, unfinished: p.end() };
}

const STREAM =
  '\uFEFFdata: {"citations": []}\n\n' +
  ': comment\r\n' +
  'event: delta\r\nid: 1\r\nretry: 10\r\ndata:{"answer":"a"}\r\n\r\n' +
  'data: line1\rdata: line2\r\r' +
  'database: nope\ndata\n\n' +
  'data: x\r\ndata: y\r\n\r\n' +
  'data: last\n\n';
const EXPECTED = ['{"citations": []}', '{"answer":"a"}', 'line1\nline2', '', 'x\ny', 'last'];

describe('SseParser', () => {
  it('parses a whole stream: BOM, comments, other fields, CR, CRLF, LF, multi-line data, empty data', () => {
    assert.deepEqual(parse([STREAM]), { events: EXPECTED, unfinished: false });
  });

  it('gives the same events for every two-way split of the stream', () => {
    for (let i = 1; i < STREAM.length; i++) {
      assert.deepEqual(parse([STREAM.slice(0, i), STREAM.slice(i)]).events, EXPECTED, `split at ${i}`);
    }
  });

  it('gives the same events fed one character at a time', () => {
    assert.deepEqual(parse([...STREAM]).events, EXPECTED);
  });

  it('discards a line cut midway at the end and reports it', () => {
    assert.deepEqual(parse(['data: {"answer": "x"}\n\n', 'data: {"answer": "cu']), { events: ['{"answer": "x"}'], unfinished: true });
  });

  it('dispatches a last event whose blank line never came', () => {
    assert.deepEqual(parse(['data: {"answer": "x"}\n']), { events: ['{"answer": "x"}'], unfinished: false });
  });

  it('does not dispatch a blank line with no data', () => {
    assert.deepEqual(parse(['\n\n: ping\n\n']).events, []);
  });

  it('refuses to buffer an endless line or event', () => {
    const p = new SseParser(() => {}, 100);
    assert.throws(() => p.push('data: ' + 'x'.repeat(200)), SseTooLargeError);
    const q = new SseParser(() => {}, 100);
    assert.throws(() => {
      for (let i = 0; i < 20; i++) q.push('data: ' + 'y'.repeat(10) + '\n');
    }, SseTooLargeError);
  });
});

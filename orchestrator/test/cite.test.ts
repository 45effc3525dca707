import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CitationRepair, MAX_MARKER_CHARS, repairCitations } from '../src/answer/cite.js';

const SOURCES = [{ names: ['Server kit', 'Server kit › Mounting'] }, { names: ['Widget'] }, { names: ['Architecture'] }];

describe('citation repair', () => {
  // [what the model wrote, what the visitor sees, sources cited in order (0-based)]
  const table: [string, string, number[]][] = [
    ['Mount it [1].', 'Mount it [1].', [0]],
    ['Styles [2], then routes [1].', 'Styles [1], then routes [2].', [1, 0]],
    ['Both [1, 2].', 'Both [1][2].', [0, 1]],
    ['Both [1; 3] and [2 and 1].', 'Both [1][2] and [3][1].', [0, 2, 1]],
    ['Twice [1][1] and [1, 1].', 'Twice [1] and [1].', [0]],
    ['Doc style [doc2] and [Doc 3].', 'Doc style [1] and [2].', [1, 2]],
    ['Fullwidth 【1】 and 【3†source】.', 'Fullwidth [1] and [2].', [0, 2]],
    ['By title [Widget] and [server kit › mounting].', 'By title [1] and [2].', [1, 0]],
    ['Nowhere [4] and [0] and [12, 2].', 'Nowhere  and  and [1].', [1]],
    ['A link [Widget](https://x.example) stays.', 'A link [Widget](https://x.example) stays.', []],
    ['Prose [not a citation] stays.', 'Prose [not a citation] stays.', []],
    ['Array `a[0]` in code, [ ] empty.', 'Array `a[0]` in code, [ ] empty.', []],
    ['Unclosed [1 at the end', 'Unclosed [1 at the end', []],
    ['No citations at all.', 'No citations at all.', []],
  ];
  for (const [input, expected, used] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      const out = repairCitations(input, SOURCES);
      assert.equal(out.text, expected);
      assert.deepEqual(out.used, used);
    });
  }

  it('gives the same text however the stream is split', () => {
    for (const [input, expected] of table) {
      for (let cut = 0; cut <= input.length; cut++) {
        const r = new CitationRepair(SOURCES);
        const text = r.push(input.slice(0, cut)) + r.push(input.slice(cut)) + r.end();
        assert.equal(text, expected, `split at ${cut}: ${input}`);
      }
      // one character at a time
      const r = new CitationRepair(SOURCES);
      let text = '';
      for (const ch of input) text += r.push(ch);
      assert.equal(text + r.end(), expected);
    }
  });

  it('holds back no more than a marker can be long', () => {
    const r = new CitationRepair(SOURCES);
    const shown = r.push(`[${'x'.repeat(MAX_MARKER_CHARS + 5)}`);
    assert.ok(shown.startsWith('['), 'a bracket that runs on is prose, flushed');
  });
});

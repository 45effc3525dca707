import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countWords, indexWords, normalizeTerm, words } from '../src/text.js';
import { ByteSink, decodeTerms, TermScanner } from '../src/retrieval/local-terms.js';
import { preparePassages } from '../src/retrieval/local-prepare.js';
import { chunkDocument } from '../src/ingest/chunk.js';

/** What the index must get: text.ts's terms of `indexWords` (words, and camelCase parts). */
const reference = (text: string) => indexWords(text).map(normalizeTerm).filter((t): t is string => t !== null);

const SAMPLES = [
  'How do I configure the Server Kit? It configures, configured and configuration.',
  'The café serves Größe XL; naïve façade, ÉCOLE, İstanbul, ǅemal.',
  'Emoji 🙂 between words, 𝒜𝒷𝒸 mathematical letters, and 𝟙𝟚 digits; a lone \ud800 surrogate.',
  'es2022 v3 0x1F 4096 a1b2 — numbers and mixed tokens stay whole.',
  'Κάτι ελληνικά, русский текст, 日本語のテキスト, עברית, العربية.',
  "server's don't it's they're — apostrophes split, the stop list drops the tails.",
  'customised customising customise: Porter to its fixed point.',
  '', '   ', '!!!', 'a', 'the of and is',
  'x'.repeat(40) + ' supercalifragilisticexpialidociousness hashes d41d8cd98f00b204e9800998ecf8427e',
  'semver.minVersion(range) keepAliveTimeout pTimeout getIt HTTPServer XMLHttpRequest es2022Target',
  'İstanbulFoo camelCase after a length-changing capital; ǅemalBar; \u212AelvinSign aK',
];

describe('TermScanner (the build-time term scanner)', () => {
  it('gives exactly the terms words() + normalizeTerm() give, on varied text', () => {
    const scanner = new TermScanner();
    for (const text of SAMPLES) {
      assert.deepEqual(scanner.terms(text), reference(text), JSON.stringify(text));
      // Again, now that every word is in its table.
      assert.deepEqual(scanner.terms(text), reference(text), JSON.stringify(text));
    }
    // All samples as one text: words spanning the table's hits and misses.
    const all = SAMPLES.join('\n');
    assert.deepEqual(scanner.terms(all), reference(all));
  });

  it('indexes a camelCase identifier whole and by its parts', () => {
    const scanner = new TermScanner();
    const stems = (...w: string[]) => w.map((x) => normalizeTerm(x));
    assert.deepEqual(scanner.terms('semver.minVersion(range) keepAliveTimeout'), stems('semver', 'minversion', 'min', 'version', 'range', 'keepalivetimeout', 'keep', 'alive', 'timeout'));
    // Capitals alone, or after a digit, are not a boundary; a stop word part is dropped.
    assert.deepEqual(scanner.terms('HTTPServer es2022Target watchIt'), stems('httpserver', 'es2022target', 'watchit', 'watch'));
    // Not in text whose lower-casing changes its length ("İ" becomes two code units).
    assert.deepEqual(scanner.terms('İ minVersion'), stems('minversion'));
    // Queries are not split: words() is unchanged.
    assert.deepEqual(words('minVersion'), ['minversion']);
  });

  it('writes each term once per distinct set, in first-seen order', () => {
    const scanner = new TermScanner();
    const out = new ByteSink();
    const distinct = new ByteSink();
    scanner.newDistinctSet();
    scanner.scan('Widgets theme the widget; the theming widget.', out, distinct);
    assert.deepEqual(decodeTerms(out.bytes.subarray(0, out.length)), ['widget', 'theme', 'widget', 'theme', 'widget']);
    assert.deepEqual(decodeTerms(distinct.bytes.subarray(0, distinct.length)), ['widget', 'theme']);
    scanner.newDistinctSet();
    scanner.scan('theme', out, distinct);
    assert.deepEqual(decodeTerms(distinct.bytes.subarray(0, distinct.length)), ['widget', 'theme', 'theme']);
  });

  it('prepares passages with the same fields as the text.ts terms of each part', () => {
    const doc = '# Theming the widget\n\nSet `--gc-accent` to change colours.\n\n## Dark mode\n\nThe widget follows prefers-color-scheme. Café crème.\n';
    const chunks = chunkDocument('guide.md', doc);
    const prepared = preparePassages(chunks);
    assert.equal(prepared.length, chunks.length);
    for (const p of prepared) {
      const c = p.chunk;
      assert.deepEqual(decodeTerms(p.title), reference(c.title));
      assert.deepEqual(decodeTerms(p.headings), reference(c.headingPath.join('\n')));
      assert.deepEqual(decodeTerms(p.body), reference(c.text));
      assert.deepEqual(decodeTerms(p.own), [...new Set(reference(c.headingPath.at(-1) ?? ''))]);
      assert.deepEqual(decodeTerms(p.distinct), [...new Set([...reference(c.title), ...reference(c.headingPath.join('\n')), ...reference(c.text)])]);
    }
  });
});

describe('countWords', () => {
  it('counts what words() finds, ASCII or not', () => {
    for (const text of [...SAMPLES, 'A\u0010B\u0019C', 'ABC def-GHI_jkl']) assert.equal(countWords(text), words(text).length, JSON.stringify(text));
  });
});

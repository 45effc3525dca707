/**
 * The docs search over the real docs/: built as the build builds it (sections of the rendered
 * pages, the orchestrator's stop words), serialised and loaded back as the page loads it. It uses
 * the local index's terms, ranks the right section first, forgives a misspelt long word, and
 * finds nothing (so the page says so) for a word the docs never use.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentTerms, STOP_WORDS } from '@grounded-chat/orchestrator';
import { buildDocs } from '../src/build/docs-pages.js';
import { defaultDocsDir } from '../src/paths.js';
import { buildSearchFile, loadSearch, termsOf, type SearchFile } from '../src/search-index.js';

const sources = readdirSync(defaultDocsDir)
  .filter((n) => n.endsWith('.md'))
  .map((name) => ({ name, content: readFileSync(join(defaultDocsDir, name), 'utf8') }));
const { search: sections } = buildDocs(sources);
// Through JSON, as the page gets it.
const file = JSON.parse(JSON.stringify(buildSearchFile(sections, STOP_WORDS))) as SearchFile;
const find = loadSearch(file);
const first = (q: string) => find(q)[0]?.url;

describe('docs search', () => {
  it('indexes every section with the local index\'s terms (same stop words, same stems)', () => {
    assert.ok(sections.length > 50, `${sections.length} sections`);
    const terms = termsOf(new Set(file.stopWords));
    for (const s of sections) {
      const text = `${s.headings} ${s.text}`;
      assert.deepEqual(new Set(terms(text)), new Set(contentTerms(text)), s.url);
    }
  });

  it('ranks the section about the query first', () => {
    assert.equal(first('bearer token'), '/docs/widget.md#a-bearer-token');
    assert.equal(first('Content Security Policy'), '/docs/security.md#content-security-policy');
    assert.equal(first('graceful shutdown'), '/docs/server-kit.md#shutdown');
    assert.equal(first('the offline extractive answerer'), '/docs/orchestrator.md#the-offline-extractive-answerer');
    // Stemmed: "themes" and "theming" are one word.
    assert.equal(first('themes'), '/docs/widget.md#theming');
  });

  it('forgives a misspelt long word', () => {
    assert.equal(first('authentcation'), '/docs/server-kit.md#authentication');
    assert.equal(first('pasport'), '/docs/server-kit.md#passport-and-passport-azure-ad');
    assert.equal(first('extractve answerer'), '/docs/orchestrator.md#the-offline-extractive-answerer');
  });

  it('finds nothing for a word the docs never use, or for stop words alone', () => {
    assert.deepEqual(find('qwxzvk'), []);
    assert.deepEqual(find('the and of'), []);
    assert.deepEqual(find('   '), []);
  });

  it('links every hit to a section of a docs page', () => {
    for (const h of find('azure')) assert.match(h.url, /^\/docs\/[\w-]+\.md(#[\w-]+)?$/);
  });
});

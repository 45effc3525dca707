/**
 * Citations land: every passage the local index makes of every page of docs/ has its anchor as an
 * element id on that page's rendered HTML. Computed with the index's own chunker, so the test
 * follows whatever slugs the chunker produces (including its numbering of repeated headings).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chunkDocument } from '@grounded-chat/orchestrator';
import { renderDoc } from '../src/build/markdown.js';
import { defaultDocsDir } from '../src/paths.js';

const names = readdirSync(defaultDocsDir).filter((n) => n.endsWith('.md'));

describe('docs pages have every passage anchor of the local index', () => {
  it('covers the whole corpus', () => assert.ok(names.length >= 8, names.join(' ')));
  for (const name of names) {
    it(name, () => {
      const content = readFileSync(join(defaultDocsDir, name), 'utf8');
      const { html } = renderDoc(name, content, new Set(names));
      const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')));
      const chunks = chunkDocument(name, content);
      assert.ok(chunks.length > 0);
      for (const ch of chunks) {
        if (!ch.anchor) continue;
        assert.equal(ch.id.split('#')[0], name);
        assert.ok(ids.has(ch.anchor), `${ch.id}: #${ch.anchor} is an element id of the page`);
      }
    });
  }

  it('numbers repeated headings the way the chunker does', () => {
    const md = '# A\n\nIntro.\n\n## Setup\n\nOne.\n\n## Setup\n\nTwo.\n\n## `code` in it\n\nThree.\n';
    const { html, headings } = renderDoc('x.md', md, new Set());
    const anchors = chunkDocument('x.md', md).flatMap((c) => (c.anchor ? [c.anchor] : []));
    assert.deepEqual(headings.map((h) => h.id), anchors);
    for (const a of anchors) assert.match(html, new RegExp(`id="${a}"`));
  });
});

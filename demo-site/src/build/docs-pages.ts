/**
 * The docs pages: every Markdown file of docs/ rendered at build time (markdown.ts), at the same
 * URL the local index cites (`/docs/<file>.md#<anchor>`), with a sidebar and the site search.
 * The Markdown source stays readable at `/docs/raw/<file>.md`, as plain text.
 */
import { chunkDocument } from '@grounded-chat/orchestrator';
import type { SearchDoc } from '../search-index.js';
import { escapeHtml, renderDoc, type RenderedDoc } from './markdown.js';
import type { PageInput } from './layout.js';
import { chatTag } from './pages.js';

export interface DocSource {
  /** File name inside docs/, e.g. `getting-started.md`. */
  name: string;
  content: string;
}

export interface BuiltDoc extends RenderedDoc {
  name: string;
  description: string;
}

/** Docs pages, in sidebar order: the guides people read first, then the rest by title. */
const FIRST = ['getting-started.md', 'architecture.md', 'widget.md', 'server-kit.md', 'orchestrator.md', 'configuration.md'];

export function buildDocs(sources: DocSource[]): { docs: BuiltDoc[]; search: SearchDoc[] } {
  const names = new Set(sources.map((s) => s.name));
  const docs = sources.map((s) => {
    const r = renderDoc(s.name, s.content, names);
    return { ...r, name: s.name, description: describe(r) };
  });
  const rank = (d: BuiltDoc) => (FIRST.includes(d.name) ? FIRST.indexOf(d.name) : FIRST.length);
  docs.sort((a, b) => rank(a) - rank(b) || a.title.localeCompare(b.title));
  const search: SearchDoc[] = [];
  for (const s of sources) {
    const doc = docs.find((d) => d.name === s.name)!;
    for (const ch of chunkDocument(s.name, s.content)) {
      search.push({
        id: search.length,
        url: `/docs/${s.name}${ch.anchor ? `#${ch.anchor}` : ''}`,
        page: doc.title,
        heading: ch.headingPath[ch.headingPath.length - 1] ?? doc.title,
        headings: ch.headingPath.join(' '),
        // Code stays indexed (people search for `getHeaders`); Markdown punctuation goes.
        text: ch.text.replace(/[#>*_`|~[\]()-]+/g, ' ').replace(/\s+/g, ' ').trim(),
      });
    }
  }
  return { docs, search };
}

/** The meta description: the page's first paragraph, cut at a word near 155 characters. */
function describe(r: RenderedDoc): string {
  const paragraphs = [...r.html.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => plainText(m[1]!));
  const text = paragraphs.find((p) => p.length >= 60) ?? `${r.title}: a page of the grounded-chat documentation.`;
  if (text.length <= 155) return text;
  return text.slice(0, text.lastIndexOf(' ', 152)) + '…';
}

function plainText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function sidebar(docs: BuiltDoc[], current?: BuiltDoc): string {
  const items = docs
    .map((d) => {
      const here = d === current;
      const toc = here
        ? `<ul>${d.headings
            .filter((h) => h.depth === 2)
            .map((h) => `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`)
            .join('')}</ul>`
        : '';
      return `<li><a href="/docs/${escapeHtml(d.name)}"${here ? ' aria-current="page"' : ''}>${escapeHtml(d.title)}</a>${toc}</li>`;
    })
    .join('\n          ');
  return `<nav class="sidebar" aria-label="Docs">
        <form class="search" role="search" action="/docs/" data-search>
          <label for="docs-search">Search the docs</label>
          <input id="docs-search" name="q" type="search" autocomplete="off" placeholder="e.g. rate limits">
          <ul class="results" data-results aria-live="polite"></ul>
        </form>
        <ul class="pages">
          ${items}
        </ul>
      </nav>`;
}

export const docPageId = (name: string) => `docs-${name.replace(/\.\w+$/, '').replace(/[^a-z0-9-]/gi, '-').toLowerCase()}`;

export function docPage(doc: BuiltDoc, docs: BuiltDoc[]): PageInput {
  return {
    path: `/docs/${doc.name}`,
    title: `${doc.title} — grounded-chat docs`,
    description: doc.description,
    widget: true,
    bodyClass: 'docs',
    // The launcher comes first in the document (it is fixed to the corner on screen), so the
    // keyboard reaches it right after the site's navigation, not after the whole page.
    body: `      ${chatTag(docPageId(doc.name), { mode: 'launcher', suggestions: [`What does “${doc.title}” cover?`] })}
      <div class="docs-layout">
      ${sidebar(docs, doc)}
      <article class="doc">
${doc.html}
        <p class="source"><a href="/docs/raw/${escapeHtml(doc.name)}">Markdown source of this page</a></p>
      </article>
      </div>`,
  };
}

export function docsIndexPage(docs: BuiltDoc[]): PageInput {
  return {
    path: '/docs/',
    title: 'Docs — grounded-chat',
    description: 'The grounded-chat documentation: getting started, the architecture, the widget, the server kit, the orchestrator, configuration and security.',
    bodyClass: 'docs',
    body: `      <div class="docs-layout">
      ${sidebar(docs)}
      <article class="doc">
        <h1>Docs</h1>
        <p>These pages are also the corpus the chat answers from: every citation opens one of them at the cited section.</p>
        <ul class="cards">
          ${docs.map((d) => `<li><a href="/docs/${escapeHtml(d.name)}">${escapeHtml(d.title)}</a><p>${escapeHtml(d.description)}</p></li>`).join('\n          ')}
        </ul>
      </article>
      </div>`,
  };
}

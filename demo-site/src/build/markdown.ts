/**
 * Markdown → HTML for the docs pages, at build time, with the widget's safety rules
 * (widget/src/markdown.ts, docs/security.md): `marked` only tokenizes; every token is written out
 * here with its text escaped. Raw HTML renders as its literal text, links keep only http:, https:,
 * mailto: and same-site relative URLs, and images are never loaded (shown as links: no beacons).
 *
 * Rejected: `marked.parse` with a sanitizer. Its renderer passes HTML through by default, so one
 * forgotten override would let a doc run script on the site's origin; an allow-list walker cannot.
 *
 * Heading ids are the local index's passage anchors, computed by the index's own chunker
 * (`chunkDocument` of @grounded-chat/orchestrator), so a citation's `#anchor` always lands.
 */
import { chunkDocument } from '@grounded-chat/orchestrator';
import { Lexer, type Token, type Tokens } from 'marked';

export interface Heading {
  depth: number;
  text: string;
  id: string;
}

export interface RenderedDoc {
  title: string;
  html: string;
  headings: Heading[];
  /** Plain text of the page, for the search index. */
  text: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: '\u00a0' };
/** marked hands some text over entity-encoded; decode before escaping once, as the widget does. */
const decode = (s: string): string =>
  s.replace(/&(#x?[0-9a-f]+|\w+);/gi, (m, e: string) => {
    if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
    const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : +e.slice(1);
    return n > 0 && n < 0x110000 && !(n >= 0xd800 && n < 0xe000) ? String.fromCodePoint(n) : m;
  });
const t = (s: string) => escapeHtml(decode(s));

/**
 * The URL a link may keep, or null. Absolute URLs must be http(s) or mailto; relative ones stay on
 * this site, and a link to another doc (`server-kit.md#x`) is rewritten to its rendered page.
 */
export function safeHref(href: string | null | undefined, docNames: ReadonlySet<string>): string | null {
  if (!href) return null;
  const h = href.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(h)) {
    try {
      return /^(https?|mailto):$/.test(new URL(h).protocol) ? h : null;
    } catch {
      return null;
    }
  }
  if (h.startsWith('//') || h.startsWith('\\')) return null;
  if (h.startsWith('#')) return h;
  const m = /^(?:\.\/)?([\w.-]+\.md)(#.*)?$/.exec(h);
  if (m && docNames.has(m[1]!)) return `/docs/${m[1]}${m[2] ?? ''}`;
  // Relative links to files outside docs/ (../widget/README.md) have no page on this site.
  return h.startsWith('/') ? h : null;
}

interface Ctx {
  docNames: ReadonlySet<string>;
}

function inline(tokens: Token[] | undefined, c: Ctx): string {
  return (tokens ?? [])
    .map((tk) => {
      switch (tk.type) {
        case 'text':
          return tk.tokens ? inline(tk.tokens, c) : t(tk.text);
        case 'escape':
          return t(tk.text);
        case 'strong':
          return `<strong>${inline(tk.tokens, c)}</strong>`;
        case 'em':
          return `<em>${inline(tk.tokens, c)}</em>`;
        case 'del':
          return `<del>${inline(tk.tokens, c)}</del>`;
        case 'codespan':
          return `<code>${t(tk.text)}</code>`;
        case 'br':
          return '<br>';
        case 'link': {
          const href = safeHref(tk.href, c.docNames);
          return href ? `<a href="${escapeHtml(href)}">${inline(tk.tokens, c)}</a>` : inline(tk.tokens, c);
        }
        case 'image': {
          const href = safeHref(tk.href, c.docNames);
          const label = `Image: ${t(tk.text || '')}`;
          return href ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
        }
        default:
          // Inline HTML and anything unknown: its literal text.
          return escapeHtml('text' in tk && typeof tk.text === 'string' ? tk.text : tk.raw);
      }
    })
    .join('');
}

const align = (a: string | null | undefined) => (a ? ` class="align-${a}"` : '');

function block(tk: Token, c: Ctx, id?: string): string {
  switch (tk.type) {
    case 'space':
    case 'def':
      return '';
    case 'paragraph':
      return `<p>${inline(tk.tokens, c)}</p>\n`;
    case 'text':
      return tk.tokens ? inline(tk.tokens, c) : t(tk.text);
    case 'heading': {
      const depth = Math.min(6, Math.max(1, (tk as Tokens.Heading).depth));
      if (!id) return `<h${depth}>${inline(tk.tokens, c)}</h${depth}>\n`;
      const anchor = escapeHtml(id);
      return `<h${depth} id="${anchor}">${inline(tk.tokens, c)} <a class="anchor" href="#${anchor}" aria-label="Link to this section">#</a></h${depth}>\n`;
    }
    case 'code': {
      const lang = (tk as Tokens.Code).lang?.split(/\s/)[0];
      const cls = lang && /^[\w+-]+$/.test(lang) ? ` class="language-${lang}"` : '';
      return `<pre tabindex="0"><code${cls}>${escapeHtml(tk.text)}</code></pre>\n`;
    }
    case 'blockquote':
      return `<blockquote>${blocks(tk.tokens, c)}</blockquote>\n`;
    case 'list': {
      const l = tk as Tokens.List;
      const items = l.items.map((i) => `<li>${blocks(i.tokens, c)}</li>`).join('');
      return l.ordered ? `<ol${l.start && l.start !== 1 ? ` start="${Number(l.start)}"` : ''}>${items}</ol>\n` : `<ul>${items}</ul>\n`;
    }
    case 'table': {
      const x = tk as Tokens.Table;
      const head = x.header.map((h) => `<th scope="col"${align(h.align)}>${inline(h.tokens, c)}</th>`).join('');
      const rows = x.rows.map((r) => `<tr>${r.map((d) => `<td${align(d.align)}>${inline(d.tokens, c)}</td>`).join('')}</tr>`).join('');
      return `<div class="table" tabindex="0"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>\n`;
    }
    case 'checkbox':
      return (tk as Tokens.Checkbox).checked ? '☑ ' : '☐ ';
    case 'hr':
      return '<hr>\n';
    case 'html':
      // HTML comments are authors' notes; any other block HTML shows as its literal text.
      return /^\s*<!--[\s\S]*-->\s*$/.test(tk.raw) ? '' : `<p>${escapeHtml(tk.raw.trim())}</p>\n`;
    default:
      return `<p>${escapeHtml(tk.raw.trim())}</p>\n`;
  }
}

const blocks = (tokens: Token[] | undefined, c: Ctx): string => (tokens ?? []).map((tk) => block(tk, c)).join('');

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

/** Heading text as plain text (what the sidebar and the search index show). */
const plain = (tokens: Token[] | undefined): string =>
  (tokens ?? []).map((tk) => ('tokens' in tk && tk.tokens ? plain(tk.tokens) : decode('text' in tk ? String(tk.text) : tk.raw))).join('');

/**
 * The ids of the top-level headings, in order, as the chunker gives them: each heading is fed to
 * `chunkDocument` with a one-word body so that every section yields exactly one passage, whose
 * anchor is that heading's slug (same slugger, same duplicate numbering).
 */
function headingIds(sourcePath: string, headings: Tokens.Heading[]): string[] {
  if (!headings.length) return [];
  const probe = headings.map((h) => `${'#'.repeat(h.depth)} ${h.text}\n\nx\n`).join('\n');
  const anchors = chunkDocument(sourcePath, probe).flatMap((ch) => (ch.anchor ? [ch.anchor] : []));
  if (anchors.length !== headings.length) throw new Error(`${sourcePath}: the chunker gave ${anchors.length} anchors for ${headings.length} headings`);
  return anchors;
}

/** Renders one docs file. `docNames` are the other rendered docs, for rewriting their links. */
export function renderDoc(sourcePath: string, content: string, docNames: ReadonlySet<string>): RenderedDoc {
  const normalized = content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const fm = FRONT_MATTER.exec(normalized);
  const body = fm ? normalized.slice(fm[0].length) : normalized;
  const fmTitle = fm ? /^title:[ \t]*["']?(.+?)["']?[ \t]*$/m.exec(fm[1]!)?.[1] : undefined;
  const tokens = Lexer.lex(body, { gfm: true });
  const headingTokens = tokens.filter((tk): tk is Tokens.Heading => tk.type === 'heading');
  const ids = headingIds(sourcePath, headingTokens);
  const c: Ctx = { docNames };
  const headings: Heading[] = [];
  let html = '';
  let h = 0;
  for (const tk of tokens) {
    if (tk.type === 'heading') {
      const id = ids[h++]!;
      headings.push({ depth: (tk as Tokens.Heading).depth, text: plain(tk.tokens).trim(), id });
      html += block(tk, c, id);
    } else html += block(tk, c);
  }
  const title = fmTitle ?? headings.find((x) => x.depth === 1)?.text ?? sourcePath.replace(/\.\w+$/, '');
  const text = body
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/[#>*_`|[\]()-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { title, html, headings, text };
}

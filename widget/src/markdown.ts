/**
 * Markdown → Lit templates. Loaded lazily (its own chunk, with `marked`'s lexer).
 *
 * XSS-safe by construction: `marked` only tokenizes; every token is rendered through a Lit template
 * whose dynamic values are text or attribute bindings. Raw HTML tokens render as their literal
 * text, links keep only http:, https: and mailto: URLs, and images are never loaded (no beacons):
 * they are shown as links.
 */
import { html, nothing, render, type TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { Lexer, type Token, type Tokens } from 'marked';

export interface MarkdownContext {
  /** Renders inline `[n]`: returns the citation button, or nothing to keep the text. */
  cite(n: number): TemplateResult | undefined;
  /** Copies a code block. */
  copy(text: string): void;
  copyLabel: string;
  /** The label of a code block's button once it copied (`copied` is that block's text). */
  copiedLabel: string;
  copied?: string;
  imageLabel(alt: string): string;
  /** What `cite` depends on (the message's citations): blocks re-render when it changes. */
  deps: unknown;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: '\u00a0' };
const decode = (s: string): string =>
  s.indexOf('&') < 0
    ? s
    : s.replace(/&(#x?[0-9a-f]+|\w+);/gi, (m, e: string) => {
        if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
        const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : +e.slice(1);
        return n > 0 && n < 0x110000 && !(n >= 0xd800 && n < 0xe000) ? String.fromCodePoint(n) : m;
      });

/** Returns the URL if it is http:, https: or mailto:, else null. */
export const safeUrl = (href: string | null | undefined): string | null => {
  if (!href) return null;
  try {
    const u = new URL(href, document.baseURI);
    return /^(https?|mailto):$/.test(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
};

const CITE = /\[(\d{1,3})\]/g;

function text(s: string, c: MarkdownContext): unknown {
  s = decode(s);
  if (s.indexOf('[') < 0) return s;
  const out: unknown[] = [];
  let last = 0;
  for (const m of s.matchAll(CITE)) {
    const b = c.cite(+m[1]!);
    if (!b) continue;
    out.push(s.slice(last, m.index), b);
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out;
}

function inline(tokens: Token[] | undefined, c: MarkdownContext): unknown[] {
  return (tokens ?? []).map((t) => {
    switch (t.type) {
      case 'text':
        return t.tokens ? inline(t.tokens, c) : text(t.text, c);
      case 'escape':
        return decode(t.text);
      case 'strong':
        return html`<strong>${inline(t.tokens, c)}</strong>`;
      case 'em':
        return html`<em>${inline(t.tokens, c)}</em>`;
      case 'del':
        return html`<del>${inline(t.tokens, c)}</del>`;
      case 'codespan':
        return html`<code>${decode(t.text)}</code>`;
      case 'br':
        return html`<br />`;
      case 'link': {
        const href = safeUrl(t.href);
        return href
          ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${inline(t.tokens, c)}</a>`
          : inline(t.tokens, c);
      }
      case 'image': {
        const label = c.imageLabel(decode(t.text || ''));
        const href = safeUrl(t.href);
        return href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${label}</a>` : label;
      }
      default:
        // html, and anything unknown: its literal text.
        return 'text' in t && typeof t.text === 'string' ? t.text : t.raw;
    }
  });
}

const cell = (x: Tokens.TableCell, c: MarkdownContext, head?: boolean) =>
  head
    ? html`<th class=${x.align ?? nothing} scope="col">${inline(x.tokens, c)}</th>`
    : html`<td class=${x.align ?? nothing}>${inline(x.tokens, c)}</td>`;

function block(t: Token, c: MarkdownContext): unknown {
  switch (t.type) {
    case 'space':
    case 'def':
      return nothing;
    case 'paragraph':
      return html`<p>${inline(t.tokens, c)}</p>`;
    case 'text':
      return t.tokens ? inline(t.tokens, c) : text(t.text, c);
    case 'heading':
      return html`<p role="heading" aria-level="3" class="h h${t.depth}">${inline(t.tokens, c)}</p>`;
    case 'code':
      return html`<div class="code" part="code-block">
        <button type="button" class="copy-code" @click=${() => c.copy(t.text)}>
          ${c.copied === t.text ? c.copiedLabel : c.copyLabel}
        </button>
        <pre tabindex="0"><code>${t.text}</code></pre>
      </div>`;
    case 'blockquote':
      return html`<blockquote>${blocks(t.tokens, c)}</blockquote>`;
    case 'list': {
      const items = (t as Tokens.List).items.map(
        (i) => html`<li>${blocks(i.tokens, c)}</li>`,
      );
      return t.ordered ? html`<ol start=${t.start || 1}>${items}</ol>` : html`<ul>${items}</ul>`;
    }
    case 'table': {
      const x = t as Tokens.Table;
      return html`<div class="table" tabindex="0">
        <table>
          <thead><tr>${x.header.map((h) => cell(h, c, true))}</tr></thead>
          <tbody>${x.rows.map((r) => html`<tr>${r.map((d) => cell(d, c))}</tr>`)}</tbody>
        </table>
      </div>`;
    }
    case 'checkbox':
      // A task list item's box, as a character: nothing to label or to operate.
      return (t as Tokens.Checkbox).checked ? '☑ ' : '☐ ';
    case 'hr':
      return html`<hr />`;
    case 'cont':
      // A settled piece of an overlong line (settleLongLines), with its inline Markdown.
      return html`<p class="cont">${inline(t.tokens, c)}</p>`;
    default:
      // Block HTML and anything unknown: shown as its literal text, never parsed.
      return html`<p>${t.raw.trim()}</p>`;
  }
}

const blocks = (tokens: Token[] | undefined, c: MarkdownContext): unknown[] => (tokens ?? []).map((t) => block(t, c));

/**
 * Mid-stream, closes what the last block has opened so it renders as it will end up: an open code
 * span or bold run is closed, and a link whose URL is still arriving shows as its text. (An open
 * code fence needs nothing: it renders as code up to the end.) Only the last, still open, block
 * is touched; the text kept for the final render is the one received.
 */
function heal(s: string): string {
  if ((s.match(/^ {0,3}(```|~~~)/gm)?.length ?? 0) % 2) return s;
  const i = s.lastIndexOf('\n\n') + 1;
  let b = s.slice(i).replace(/!?\[([^\]\n]*)\]\([^)\s]*$/, '$1');
  if ((b.split('`').length - 1) % 2) b += '`';
  else if ((b.replace(/`[^`]*`/g, '').split('**').length - 1) % 2) b = b.trimEnd() + '**';
  return s.slice(0, i) + b;
}

/** Longest run of one unbroken line rendered as one block; see settleLongLines. */
const LONG_LINE = 4000;

const FENCE = /^ {0,3}(```|~~~)/gm;

/** Where the first line longer than LONG_LINE starts in `s`, or -1 (one pass, by newlines). */
function longLine(s: string): number {
  for (let i = 0, j; i < s.length; i = j + 1) {
    j = s.indexOf('\n', i);
    if (j < 0) j = s.length;
    if (j - i > LONG_LINE) return i;
  }
  return -1;
}

/**
 * A line that runs past LONG_LINE characters (a model emitting one unbroken line: no space, no
 * newline; or one huge paragraph) is settled in pieces of at most LONG_LINE, each a finished block
 * with its inline Markdown (`.cont`, no margins, so it reads as one paragraph), and the blocks
 * before it are settled too. Without this, every piece that arrives lexes, renders and lays out
 * the whole line again: cost grows with the line, and a 64 KB line froze the page; and once over,
 * the answer would render as one huge text block. Not inside a code fence, where a long line is
 * code.
 */
function settleLongLines(rest: string, cache: Cache): string {
  for (let start; (start = longLine(rest)) >= 0; ) {
    const before = rest.slice(0, start);
    if ((before.match(FENCE)?.length ?? 0) % 2 || /^ {0,3}(```|~~~)/.test(rest.slice(start, start + 8))) break;
    for (const t of before ? Lexer.lex(before) : []) settle(cache, t.raw, t);
    let at = start;
    while (rest.length - at > LONG_LINE && rest.lastIndexOf('\n', at + LONG_LINE) < at) {
      // At a space in the piece's second half when there is one (a long paragraph of words keeps
      // its words, links and citations whole), else at LONG_LINE.
      const space = rest.lastIndexOf(' ', at + LONG_LINE - 1);
      const piece = rest.slice(at, (at = space > at + LONG_LINE / 2 ? space + 1 : at + LONG_LINE));
      settle(cache, piece, { type: 'cont', raw: piece, text: piece, tokens: Lexer.lexInline(piece) } as unknown as Token);
    }
    rest = rest.slice(at);
  }
  return rest;
}
const settle = (cache: Cache, raw: string, t: Token) => {
  cache.done += raw;
  cache.tokens.push(t);
};

interface Cache {
  /** Source text whose tokens are final. */
  done: string;
  tokens: Token[];
}
/**
 * Finished blocks per message, kept after an answer ends too: rendering a message again (the
 * next question makes it no longer the last, a copy button changes) lexes only its open tail,
 * never a whole long answer at once. The newest CACHED messages are kept.
 */
const caches = new Map<string, Cache>();
const CACHED = 200;

/**
 * Renders `src` for the message `key`. Only its tail is lexed again: every block but the last
 * two is final and keeps its rendered DOM (guard), so a token costs the same at the end of a
 * long answer as at its start.
 */
export function renderMarkdown(key: string, src: string, c: MarkdownContext, streaming: boolean): unknown {
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  let cache = caches.get(key);
  caches.delete(key);
  if (!cache || !src.startsWith(cache.done)) cache = { done: '', tokens: [] };
  caches.set(key, cache);
  if (caches.size > CACHED) caches.delete(caches.keys().next().value!);
  const rest = settleLongLines(src.slice(cache.done.length), cache);
  const tail = Lexer.lex(streaming ? heal(rest) : rest);
  // Keep the last two blocks open: a paragraph may still turn into a heading or a table.
  while (tail.length > 2) {
    const t = tail.shift()!;
    settle(cache, t.raw, t);
  }
  // Blocks go in groups of CHUNK: once a group is final, a render skips it whole (guard), and the
  // browser lays out and paints ~N/CHUNK groups rather than N blocks each time the answer grows.
  const all = [...cache.tokens, ...tail];
  const item = (t: Token) => guard([t, c.deps, c.copyLabel, c.copied], () => block(t, c));
  const group = (ts: Token[]) => html`<div class="chunk">${ts.map(item)}</div>`;
  const out: unknown[] = [];
  for (let i = 0; i < all.length; i += CHUNK) {
    const ts = all.slice(i, i + CHUNK);
    out.push(i + CHUNK <= cache.tokens.length ? guard([ts[0], c.deps, c.copyLabel, c.copied], () => group(ts)) : group(ts));
  }
  return out;
}
const CHUNK = 16;

// The first render of an answer compiles the lexer's regular expressions and this module's code,
// and Lit prepares its templates (~10 ms, 4x that on a slow phone): pay it in a task of its own
// when this chunk loads (the visitor focused the input), not in the first render of an answer.
// When the page is idle: after the element has switched to the Markdown renderer.
(globalThis.requestIdleCallback ?? setTimeout)(() => {
  const c: MarkdownContext = { cite: () => undefined, copy() {}, copyLabel: '', copiedLabel: '', imageLabel: String, deps: 0 };
  // Rendered into a detached element, so Lit prepares these templates now too.
  for (const streaming of [true, false]) render(renderMarkdown('', '# a\n\n- *b* **c** `d` [e](https://f) [1]\n\n| g |\n|---|\n| h |\n\n> i &amp;\n\n```\nj\n```\n\n' + 'k'.repeat(4001), c, streaming), document.createElement('div'));
  caches.delete('');
});

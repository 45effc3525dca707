/**
 * Passages as the extractive answerer reads them: Markdown lexed into units (prose paragraphs,
 * list items, block quotes and table rows rendered to plain text; fenced code blocks verbatim) and the prose
 * cut into sentences. Parsed once per passage text (a small cache), as lexing and sentence
 * segmentation are most of the answerer's cost. See ./extractive.ts for how sentences are chosen.
 */
import { Lexer, type Token, type Tokens } from 'marked';
import { contentTerms, words } from '../text.js';
import { apiNameOf } from './api-name.js';
import { MAX_QUOTED_CODE_CHARS } from './code-choice.js';
/** A block of a passage: prose (sentences come from it) or a fenced code block (verbatim). */
export interface Unit {
  kind: 'prose' | 'code';
  text: string;
  /** A table row (its cells' text joined by ` | `): quoted whole, as one sentence. */
  row?: boolean;
  /** A row's table header (its cells' text), which the row reads under. */
  header?: string;
  /** The name a list item documents (`onComment` for "- **onComment**: If a function is passed…"), for every unit of the item. */
  label?: string;
  /** A prose unit's fenced code block that directly follows it, nothing between (a citation's snippet may show it). */
  codeAfter?: number;
}

/**
 * A code block and the blocks right after it with nothing between, up to MAX_QUOTED_CODE_CHARS in
 * all: one example in parts (a folder tree, then the call that lists it; a call, then what it
 * prints). Quoting the first alone shows the set-up without what answers.
 */
export function codeRun(units: Unit[], first: number): number[] {
  const run = [first];
  let chars = units[first]!.text.length;
  for (let u = first + 1; units[u]?.kind === 'code' && chars + units[u]!.text.length <= MAX_QUOTED_CODE_CHARS; u++) {
    run.push(u);
    chars += units[u]!.text.length;
  }
  return run;
}

/** The text a quote shows for the code block `first`: its run (`codeRun`), blocks apart. */
export function codeRunText(units: Unit[], first: number): string {
  return codeRun(units, first)
    .map((u) => units[u]!.text)
    .join('\n\n');
}

export interface Sentence {
  passage: number;
  unit: number;
  /** Position within the passage, for reading order and tie-breaks. */
  position: number;
  text: string;
  score: number;
  /** The unit of the fenced code block this sentence introduces (it ends with `:`), if any. */
  code?: number;
  /** Content terms, for the near-duplicate check. */
  terms: string[];
  /** A short example competing with sentences (./code-choice.ts): its score has a half point added. */
  short?: boolean;
}

export interface PassageProse {
  units: Unit[];
  sentences: Sentence[];
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
export const MIN_SENTENCE_CHARS = 12;
const CODE_SPAN = /`[^`]*`/g;
/** `[3]` anywhere, code span or not: a reader (or a plain-text client) would take it for a marker. */
const CITATION_LIKE = /\[\d+\]/;
/** A GitHub footnote reference, attached to a word (`ESM[^cjs].`): not text a reader sees, dropped like link targets. */
const FOOTNOTE_REF = /(?<=[^\s[])\[\^[\w-]+\]/g;
export const MAX_SENTENCE_CHARS = 450;
/** A table row is a sentence from two words on ("429 | TooManyRequests"). */
const MIN_ROW_CHARS = 6;

export interface ParsedProse {
  units: Unit[];
  /** `lead`: the passage's opening sentence (first of its first prose unit). */
  /** `header`: a table row's header, scored with the row as a heading is with a lead sentence. */
  sentences: { unit: number; text: string; code?: number; terms: string[]; lead: boolean; header?: string }[];
}

/**
 * Parsed prose by passage text. The same few dozen passages answer most questions, and lexing
 * plus sentence segmentation is most of the answerer's cost, so it is done once per text.
 */
const proseCache = new Map<string, ParsedProse>();
const PROSE_CACHE_ENTRIES = 2_000;

export function parseProse(markdown: string): ParsedProse {
  const cached = proseCache.get(markdown);
  if (cached) return cached;
  const collector: Collector = { units: [] };
  collectProse(Lexer.lex(markdown, { gfm: true }), collector, false);
  const { units } = collector;
  const sentences: ParsedProse['sentences'] = [];
  const firstProse = units.findIndex((unit) => unit.kind === 'prose');
  units.forEach((unit, u) => {
    if (unit.kind !== 'prose') return;
    const segments = unit.row ? [unit.text] : sentenceSegments(unit.text);
    segments.forEach((segment, i) => {
      const text = segment.trim();
      if (text.length < (unit.row ? MIN_ROW_CHARS : MIN_SENTENCE_CHARS) || text.length > MAX_SENTENCE_CHARS) return;
      if (words(text).length < (unit.row ? 2 : 3)) return;
      // A bracket in a quote would read as (or break) an `[n]` citation marker downstream; inside
      // a code span it is code (`merge.all(arrayOfObjects, [options])`), which renders as code.
      if (/[[\]]/.test(text.replace(CODE_SPAN, '')) || CITATION_LIKE.test(text)) return;
      const sentence: ParsedProse['sentences'][number] = { unit: u, text, terms: contentTerms(text), lead: u === firstProse && i === 0 };
      if (unit.header) sentence.header = unit.header;
      // "…, usually `/api/chat`:" and then the code: the code is what the sentence promises.
      const code = unit.codeAfter;
      if (code !== undefined && i === segments.length - 1 && introducesCode(text) && units[code]!.text.length <= MAX_QUOTED_CODE_CHARS) {
        sentence.code = code;
      }
      sentences.push(sentence);
    });
  });
  const parsed = { units, sentences };
  if (proseCache.size >= PROSE_CACHE_ENTRIES) proseCache.delete(proseCache.keys().next().value!);
  proseCache.set(markdown, parsed);
  return parsed;
}

/**
 * Does a sentence directly before a code block introduce it? One that ends with `:` ("mount it
 * like this:"), or one that points at it ("The following code closes the file once the response
 * finishes.", "This example serves a single file.", "… as shown below.").
 */
export function introducesCode(sentence: string): boolean {
  return sentence.endsWith(':') || INTRODUCES.test(sentence.replace(CODE_SPAN, ' '));
}
const INTRODUCES = /\b(?:following|below|as follows|this (?:example|code|snippet))\b/i;

/**
 * The unit's sentences as contiguous substrings. The segmenter knows nothing of Markdown, so it
 * may end a "sentence" inside a code span (`{"message":"..."}`); such pieces are joined again
 * until their backticks balance, so a quote never opens a code span it doesn't close.
 */
export function sentenceSegments(text: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const { segment } of segmenter.segment(text)) {
    pending += segment;
    if ((pending.match(/`/g)?.length ?? 0) % 2 === 0) {
      out.push(pending);
      pending = '';
    }
  }
  if (pending) out.push(pending);
  return out;
}

export interface Collector {
  units: Unit[];
  /** The prose unit just collected, while nothing else has come after it. */
  previous?: number;
  /** The name the list item being collected documents (`itemLabel`). */
  label?: string;
}

export function collectProse(tokens: Token[], c: Collector, inListItem: boolean): void {
  for (const token of tokens) {
    switch (token.type) {
      case 'space':
        break;
      case 'paragraph':
      case 'text': {
        const t = token as Tokens.Paragraph | Tokens.Text;
        c.previous = undefined;
        if (inListItem && t.tokens && isNavigation(t.tokens)) break;
        const text = collapse(dropReferenceBrackets((t.tokens ? inlineText(t.tokens) : t.text).replace(FOOTNOTE_REF, '')));
        if (text) {
          c.units.push({ kind: 'prose', text, ...(c.label ? { label: c.label } : {}) });
          c.previous = c.units.length - 1;
        }
        break;
      }
      case 'list':
        for (const item of (token as Tokens.List).items) {
          const outer = c.label;
          c.label = itemLabel(item.tokens) ?? outer;
          collectProse(item.tokens, c, true);
          c.label = outer;
        }
        break;
      case 'blockquote':
        c.previous = undefined;
        collectProse((token as Tokens.Blockquote).tokens, c, false);
        break;
      case 'code': {
        const code = token as Tokens.Code;
        // Indented code has no fence to render it by, and is rare in docs: not quoted.
        const text = code.codeBlockStyle === 'indented' ? '' : code.raw.replace(/^\n+|\s+$/g, '');
        if (text) {
          c.units.push({ kind: 'code', text, ...(c.label ? { label: c.label } : {}) });
          if (c.previous !== undefined) c.units[c.previous]!.codeAfter = c.units.length - 1;
        }
        c.previous = undefined;
        break;
      }
      case 'table': {
        // Each body row is a unit of its own (the header only names the columns): an options or
        // API table answers row by row ("`uuid.validate()` | Test a string to see if it is a
        // valid UUID"). A row that is mostly links is navigation, as a list item would be.
        c.previous = undefined;
        const table = token as Tokens.Table;
        const header = table.header.map((cell) => collapse(inlineText(cell.tokens))).filter(Boolean).join(' ');
        for (const row of table.rows) {
          const tokens = row.flatMap((cell) => [...cell.tokens, { type: 'text', raw: ' ', text: ' ' } as Tokens.Text]);
          if (isNavigation(tokens)) continue;
          const text = row.map((cell) => collapse(dropReferenceBrackets(inlineText(cell.tokens)))).filter(Boolean).join(' | ');
          if (text) c.units.push({ kind: 'prose', text, row: true, ...(header ? { header } : {}) });
        }
        break;
      }
      default:
        // html, hr, headings: not quotable prose
        c.previous = undefined;
        break;
    }
  }
}

/**
 * A list item that points elsewhere rather than saying something: mostly link text ("- [Widget]
 * (widget.md)"), or a label and a link ("- Every environment variable: [configuration]
 * (configuration.md)."). Rendered to text such items read as non-sentences.
 */
export function isNavigation(tokens: Token[]): boolean {
  const letters = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, '').length;
  const all = letters(inlineText(tokens));
  if (all === 0) return false;
  const linked = tokens.filter((t) => t.type === 'link').reduce((n, t) => n + letters(inlineText([t])), 0);
  if (linked / all >= 0.5) return true;
  // Label, then a link as the item's last words (only punctuation after it).
  let last = tokens.length - 1;
  while (last >= 0 && tokens[last]!.type === 'text' && letters((tokens[last] as Tokens.Text).text) === 0) last--;
  if (last < 1 || tokens[last]!.type !== 'link') return false;
  const before = inlineText(tokens.slice(0, last)).trimEnd();
  return /[:—–]$|\bsee$/i.test(before);
}

/**
 * The name a list item documents, when it opens with one as its label: an option list's
 * "- **onComment**: If a function is passed…", "- `opts.string` - a string or array…",
 * "- `noTTYOutput` (type:boolean) - enable…". Its later sentences ("If array is passed for this
 * option, …") do not repeat the name, so a quote of one shows it (./extractive.ts). Code-like
 * names only: a bold word that titles a point ("**Fast**: …") is not one.
 */
export function itemLabel(tokens: Token[]): string | undefined {
  const first = tokens[0] as Tokens.Text | Tokens.Paragraph | undefined;
  if (!first || (first.type !== 'text' && first.type !== 'paragraph') || !first.tokens?.length) return undefined;
  const [head, next] = first.tokens;
  let name: string;
  let closed = false;
  if (head!.type === 'codespan') name = (head as Tokens.Codespan).text;
  else if (head!.type === 'strong') {
    const inner = (head as Tokens.Strong).tokens;
    if (!inner.every((t) => t.type === 'codespan' || t.type === 'text')) return undefined;
    name = inlineText(inner).replace(/`/g, '').trim();
    // "**onComment:**" carries its own colon.
    if (name.endsWith(':')) [name, closed] = [name.slice(0, -1).trimEnd(), true];
    // Bold prose is a title unless it reads as a name (`maxAge`, `opts.alias`) or is code.
    if (!inner.some((t) => t.type === 'codespan') && !apiNameOf(name)) return undefined;
  } else return undefined;
  if (!closed && !(next?.type === 'text' && /^\s*(?:[:=(]|[-–—]\s)/.test((next as Tokens.Text).text))) return undefined;
  // A backtick in the name would break the code span it is shown in.
  return ITEM_NAME.test(name) && !/^\d|`/.test(name) ? name : undefined;
}
/** An option, property or flag (`opts.string`, `--verbose`, `options['--']`), or a call signature. */
const ITEM_NAME = /^(?:-{1,2}[\w-]+|[A-Za-z_$][\w$]*(?:(?:\.[\w$]+)|(?:\[[^\]\s]+\]))*(?:\([^()]*\))?)$/;

/**
 * Inline tokens → plain text: links keep their text, `code` keeps its backticks, HTML drops, an
 * image reads as its alt text. A link around images only is a badge (`[![npm](…svg)](…)`, "NPM
 * version", "Build Status"): it says nothing a sentence should quote, and drops.
 */
export function inlineText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.type === 'link' && isBadge(t as Tokens.Link)) continue;
    switch (t.type) {
      case 'codespan':
        out += '`' + (t as Tokens.Codespan).text + '`';
        break;
      case 'br':
        out += ' ';
        break;
      case 'html':
        break;
      case 'image':
        out += (t as Tokens.Image).text;
        break;
      default: {
        const nested = (t as { tokens?: Token[] }).tokens;
        out += nested ? inlineText(nested) : ((t as { text?: string }).text ?? '');
      }
    }
  }
  return out;
}

function isBadge(link: Tokens.Link): boolean {
  const inner = link.tokens ?? [];
  return inner.some((t) => t.type === 'image') && inner.every((t) => t.type === 'image' || (t.type === 'text' && !t.raw.trim()));
}

export const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * A reference link whose definition is elsewhere in the document (`[\`store\`]`, `[custom
 * store][cs]`, defined at the README's end, so not in this passage) reaches the lexer as plain
 * text, brackets and all; it reads as its text, as an inline link does. Brackets inside code spans
 * are code and stay; so do `[3]`, `[^1]` and `[!NOTE]`, which are no links (and which the
 * sentence filter then refuses).
 */
export function dropReferenceBrackets(text: string): string {
  return text.replace(/`[^`]*`|\[((?:`[^`]*`|[^[\]`])+)\](?:\[[^[\]`]*\])?/g, (whole, inner: string | undefined) =>
    inner === undefined || /^\s*(?:\d+|[\^!].*)\s*$/.test(inner) ? whole : inner,
  );
}

/**
 * Chunks Markdown and plain-text documents into passages for the index.
 *
 * Why marked's lexer and not a line scanner: it already knows CommonMark's block grammar (fenced
 * and indented code, setext headings, lists, tables, HTML blocks), so a `# comment` inside a
 * shell fence is never taken for a heading and a fence is never cut in two. We only walk its
 * top-level block tokens and keep their `raw` text, so passages quote the source verbatim.
 *
 * Why these sizes: 120–300 words is roughly one idea with its context. Smaller passages lose the
 * sentence that explains the code; larger ones dilute BM25 scores and overflow prompt budgets.
 * We split on headings first (a heading is the author's own topic boundary), then, inside a long
 * section, between blocks (paragraphs, lists, code), never inside one.
 *
 * Ids are `path#slug` with GitHub's slug rules (github-slugger, including its `-1` suffix for a
 * repeated heading), so an id doubles as a link anchor on GitHub or any renderer that uses them.
 * A long section's later parts get `~2`, `~3` (a character no slug contains, so never ambiguous).
 */
import GithubSlugger from 'github-slugger';
import { Lexer, type Token } from 'marked';
import { basename, extname } from 'node:path';
import { countWords } from '../text.js';

/** Bump when chunking output changes for the same input: persisted indexes then rebuild. */
export const CHUNKER_VERSION = 4;

/**
 * Bounds, so one hostile or broken document cannot make every answer that cites it huge (a 1 MiB
 * heading once became a 3.3 MB citation title and broke the stream): a heading is cut to
 * `MAX_HEADING_CHARS` (with `…`), and a block longer than `MAX_BLOCK_CHARS` is split at
 * whitespace, so no passage is longer than about `maxWords` words or `MAX_BLOCK_CHARS` characters.
 */
export const MAX_HEADING_CHARS = 200;
export const MAX_BLOCK_CHARS = 8_000;

export interface ChunkOptions {
  /** A trailing part shorter than this merges into the previous part of the same section. */
  minWords?: number;
  /** A part grows block by block up to about this many words. A single larger block stays whole. */
  maxWords?: number;
}

export const DEFAULT_CHUNK_OPTIONS: Required<ChunkOptions> = { minWords: 120, maxWords: 300 };

/** A passage as stored in the index: everything a `Passage` has except query-time fields. */
export interface Chunk {
  id: string;
  title: string;
  headingPath: string[];
  sourcePath: string;
  text: string;
  /** Slug of the innermost heading, for a citation URL's fragment; absent before any heading. */
  anchor?: string;
}

export const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown', '.mdx']);
export const TEXT_EXTENSIONS = new Set(['.txt', '.text']);

/**
 * Chunks one document. `sourcePath` is relative to the corpus root with `/` separators.
 * `readmeTitle` is the title of a README that names none (see `fallbackTitle`): the caller knows
 * the folder around it (./corpus.ts, `readmeTitle`), the chunker only the relative path.
 */
export function chunkDocument(sourcePath: string, content: string, options: ChunkOptions = {}, readmeTitle?: string): Chunk[] {
  const opts = { ...DEFAULT_CHUNK_OPTIONS, ...options };
  const normalized = content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const ext = extname(sourcePath).toLowerCase();
  if (TEXT_EXTENSIONS.has(ext)) return chunkPlainText(sourcePath, normalized, opts, readmeTitle);
  return chunkMarkdown(sourcePath, normalized, opts, readmeTitle);
}

interface Block {
  raw: string;
  words: number;
}

interface Section {
  headingPath: string[];
  anchor?: string;
  blocks: Block[];
}

function chunkMarkdown(sourcePath: string, content: string, opts: Required<ChunkOptions>, readmeTitle?: string): Chunk[] {
  const { body, frontMatterTitle } = splitFrontMatter(content);
  // Block tokens only: marked's `lex` then lexes every block's inline content too, which nothing
  // here reads (a heading's text is taken as written, see inlinePlain) and which cost two thirds
  // of its time. \r is already gone (chunkDocument), as `lex` would have made sure.
  const tokens = new Lexer({ gfm: true }).blockTokens(body);
  const slugger = new GithubSlugger();

  const sections: Section[] = [];
  let current: Section = { headingPath: [], blocks: [] };
  sections.push(current);
  // Headings above the current one, by depth; a new heading pops everything at its depth or deeper.
  const stack: { depth: number; text: string }[] = [];
  // The document's own title is its first heading when that is an H1; a later H1 ("License" at
  // the end of a README that opens with "## Installation") names a section, not the document.
  let leadingH1: string | undefined;
  let headings = 0;

  for (const token of tokens) {
    if (token.type === 'heading') {
      const text = boundHeading(inlinePlain(token.text.slice(0, MAX_HEADING_CHARS * 4)));
      const depth = (token as Token & { depth: number }).depth;
      if (headings++ === 0 && depth === 1 && text) leadingH1 = text;
      while (stack.length && stack[stack.length - 1]!.depth >= depth) stack.pop();
      stack.push({ depth, text });
      current = { headingPath: stack.map((h) => h.text), anchor: slugger.slug(text), blocks: [] };
      sections.push(current);
      continue;
    }
    if (token.type === 'space' || token.type === 'def') continue;
    // HTML comments are authors' notes, not content.
    if (token.type === 'html' && /^\s*<!--[\s\S]*-->\s*$/.test(token.raw)) continue;
    const raw = token.raw.replace(/\s+$/, '');
    if (!raw) continue;
    for (const piece of splitLong(raw)) current.blocks.push({ raw: piece, words: countWords(piece) });
  }

  const title = frontMatterTitle ?? leadingH1 ?? fallbackTitle(sourcePath, readmeTitle);
  const chunks: Chunk[] = [];
  for (const section of sections) {
    const parts = packBlocks(section.blocks, opts);
    parts.forEach((part, i) => {
      const base = section.anchor ? `${sourcePath}#${section.anchor}` : sourcePath;
      chunks.push({
        id: i === 0 ? base : `${base}~${i + 1}`,
        title,
        headingPath: section.headingPath,
        sourcePath,
        text: part.map((b) => b.raw).join('\n\n'),
        ...(section.anchor ? { anchor: section.anchor } : {}),
      });
    });
  }
  return chunks;
}

function chunkPlainText(sourcePath: string, content: string, opts: Required<ChunkOptions>, readmeTitle?: string): Chunk[] {
  const blocks = content
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .flatMap(splitLong)
    .map((raw) => ({ raw, words: countWords(raw) }));
  const title = fallbackTitle(sourcePath, readmeTitle);
  return packBlocks(blocks, opts).map((part, i) => ({
    id: i === 0 ? sourcePath : `${sourcePath}~${i + 1}`,
    title,
    headingPath: [],
    sourcePath,
    text: part.map((b) => b.raw).join('\n\n'),
  }));
}

/** Greedy packing of whole blocks into parts of at most `maxWords` (a lone bigger block stays whole). */
function packBlocks(blocks: Block[], opts: Required<ChunkOptions>): Block[][] {
  const parts: Block[][] = [];
  let part: Block[] = [];
  let count = 0;
  for (const block of blocks) {
    if (part.length && count + block.words > opts.maxWords) {
      parts.push(part);
      part = [];
      count = 0;
    }
    part.push(block);
    count += block.words;
  }
  if (part.length) parts.push(part);
  // A short tail reads better with what precedes it, as long as the result stays near the cap.
  if (parts.length >= 2) {
    const tail = parts[parts.length - 1]!;
    const prev = parts[parts.length - 2]!;
    const tailWords = sum(tail);
    if (tailWords < opts.minWords && sum(prev) + tailWords <= opts.maxWords * 1.25) {
      parts.splice(parts.length - 2, 2, [...prev, ...tail]);
    }
  }
  return parts;
}

const sum = (blocks: Block[]) => blocks.reduce((n, b) => n + b.words, 0);

/**
 * Front matter (`---` YAML block at the very top). We only need `title`, so a two-line reader
 * beats a YAML dependency; everything else in the block is dropped from the passage text.
 */
export function splitFrontMatter(content: string): { body: string; frontMatterTitle?: string } {
  const m = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/.exec(content);
  if (!m) return { body: content };
  const body = content.slice(m[0].length);
  const line = /^title:[ \t]*(.+?)[ \t]*$/m.exec(m[1]!);
  if (!line) return { body };
  let title = line[1]!;
  if ((title.startsWith('"') && title.endsWith('"')) || (title.startsWith("'") && title.endsWith("'"))) {
    title = title.slice(1, -1);
  }
  return title ? { body, frontMatterTitle: title } : { body };
}

/**
 * The title of a document that names none: `getting-started.md` → `getting-started`. A README's
 * file name says nothing about what it documents (and its first heading is often a logo or badges
 * in HTML), so a README takes `readmeTitle` (the caller's: a package.json name beside it, or the
 * folder's name), else its folder's name in `sourcePath`: `yargs/README.md` → `yargs`, so a
 * question that names the package finds every passage of its README through the title.
 */
export function fallbackTitle(sourcePath: string, readmeTitle?: string): string {
  const name = basename(sourcePath, extname(sourcePath));
  if (!isReadme(sourcePath)) return name;
  const folder = sourcePath.split('/').at(-2);
  return boundHeading((readmeTitle?.trim() || folder || name).replace(/\s+/g, ' '));
}

/** `README.md`, `readme.markdown`, `Readme.txt`: a file that introduces the folder it is in. */
export function isReadme(path: string): boolean {
  return /^readme$/i.test(basename(path, extname(path)));
}

/** An image, inline (`![alt](src)`) or by reference (`![alt][ref]`), and a link around one. */
const IMAGE = /!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])/g;
const LINKED_IMAGE = /\[\s*!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])\s*\](?:\([^)]*\)|\[[^\]]*\])?/g;

/**
 * Heading text without inline Markdown: `Mount with \`app.use\`` → `Mount with app.use`. A code
 * span keeps its text as written, tags included (`The \`<grounded-chat>\` widget` → `The
 * <grounded-chat> widget`, slug `the-grounded-chat-widget` as on GitHub); outside code, emphasis
 * markers and HTML tags go, and so do images beside text: a README's title is often its name
 * and a row of badges (`# mri [![CI](…/badge.svg)](…)`), and the badges' alt text ("CI", "NPM
 * monthly downloads", "Build Status") would be searched as the title, shown as the citation's
 * title and embedded with every passage of the file. An image that is the whole heading (a
 * logo) keeps its alt text, as the only name there is.
 */
export function inlinePlain(text: string): string {
  return plainOf(text, true) || plainOf(text, false);
}

function plainOf(text: string, dropImages: boolean): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part.slice(1, -1)
        : (dropImages ? part.replace(LINKED_IMAGE, ' ').replace(IMAGE, ' ') : part)
            .replace(/!\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])/g, '$1')
            .replace(/\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])/g, '$1')
            .replace(/(\*\*|__)(.+?)\1/g, '$2')
            .replace(/(\*|_)(.+?)\1/g, '$2')
            .replace(/<[^>]+>/g, ''),
    )
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A heading cut to `MAX_HEADING_CHARS`, at a word boundary when there is one, marked with `…`. */
export function boundHeading(text: string): string {
  if (text.length <= MAX_HEADING_CHARS) return text;
  const cut = text.slice(0, MAX_HEADING_CHARS - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > MAX_HEADING_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

/** A block over `MAX_BLOCK_CHARS` as pieces cut at the last whitespace before the limit. */
export function splitLong(raw: string): string[] {
  if (raw.length <= MAX_BLOCK_CHARS) return [raw];
  const out: string[] = [];
  let rest = raw;
  while (rest.length > MAX_BLOCK_CHARS) {
    const window = rest.slice(0, MAX_BLOCK_CHARS);
    const at = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const cut = at > MAX_BLOCK_CHARS / 2 ? at : MAX_BLOCK_CHARS;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) out.push(rest);
  return out.filter(Boolean);
}

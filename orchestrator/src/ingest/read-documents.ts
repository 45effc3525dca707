/**
 * Reads a folder of Markdown, plain text, HTML and PDF into passages with the local index's own
 * chunker (./chunk.ts), so Azure and local answers cite the same passages (docs/ingestion.md#formats).
 *
 * HTML becomes Markdown first (node-html-markdown: maintained, no DOM dependency, keeps headings,
 * lists, tables and code), so its headings become the heading path; the page's <title> is handed
 * to the chunker as front matter, which the chunker already reads. Rejected: html-to-text (plain
 * text loses the headings the chunker splits on).
 *
 * PDF text comes from unpdf (Mozilla's pdf.js built for servers, no canvas, works offline on
 * Node 20). PDF text has no Markdown structure, and a line that starts with `#` or four spaces
 * would mislead a Markdown lexer, so it goes through the chunker's plain-text path (paragraphs),
 * one page after another. Rejected: pdf-parse (unmaintained pdf.js fork).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { NodeHtmlMarkdown } from 'node-html-markdown';
import { chunkDocument, MARKDOWN_EXTENSIONS, TEXT_EXTENSIONS, type Chunk } from './chunk.js';
import { readmeTitle, sha256 } from './corpus.js';

export const HTML_EXTENSIONS = new Set(['.html', '.htm']);
export const PDF_EXTENSIONS = new Set(['.pdf']);
const ALL = new Set([...MARKDOWN_EXTENSIONS, ...TEXT_EXTENSIONS, ...HTML_EXTENSIONS, ...PDF_EXTENSIONS]);

export interface SourceFile {
  /** Relative to the folder, POSIX separators. */
  path: string;
  size: number;
  sha256: string;
}

export interface ReadResult {
  files: SourceFile[];
  chunks: Chunk[];
  /** Files that could not be read or parsed, with why (the others are still ingested). */
  failed: { path: string; reason: string }[];
}

/** Every supported document under `dir`, sorted, skipping dot-folders and node_modules. */
export async function listDocuments(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !ALL.has(extname(entry.name).toLowerCase())) continue;
    const rel = relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (rel.split('/').some((part) => part.startsWith('.') || part === 'node_modules')) continue;
    out.push(rel);
  }
  return out.sort();
}

/** Reads and chunks every supported document of `dir`. */
export async function readDocuments(dir: string, maxBytes = 50 * 1024 * 1024): Promise<ReadResult> {
  const result: ReadResult = { files: [], chunks: [], failed: [] };
  for (const path of await listDocuments(dir)) {
    const full = join(dir, ...path.split('/'));
    try {
      const size = (await stat(full)).size;
      if (size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
      const buf = await readFile(full);
      const chunks = await chunkFile(path, buf, readmeTitle(dir, path));
      result.files.push({ path, size: buf.length, sha256: sha256(buf) });
      result.chunks.push(...chunks);
    } catch (e) {
      result.failed.push({ path, reason: (e as Error).message.split('\n')[0]!.slice(0, 200) });
    }
  }
  return result;
}

/** One file's passages, by its extension (`readme`: see ./corpus.ts, `readmeTitle`). */
export async function chunkFile(path: string, buf: Buffer, readme?: string): Promise<Chunk[]> {
  const ext = extname(path).toLowerCase();
  if (HTML_EXTENSIONS.has(ext)) return chunkDocument(path, htmlToMarkdown(buf.toString('utf8')), {}, readme);
  if (PDF_EXTENSIONS.has(ext)) return chunkPdf(path, buf);
  return chunkDocument(path, buf.toString('utf8'), {}, readme);
}

export function htmlToMarkdown(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.replace(/\s+/g, ' ').trim();
  // Only the body is content; <head> would otherwise leak its <title> text into the first passage.
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html.replace(/<head[\s\S]*?<\/head>/i, '');
  const markdown = NodeHtmlMarkdown.translate(body);
  return title ? `---\ntitle: ${JSON.stringify(title)}\n---\n${markdown}` : markdown;
}

async function chunkPdf(path: string, buf: Buffer): Promise<Chunk[]> {
  const { extractText, getDocumentProxy, getMeta } = await import('unpdf');
  const pdf = await getDocumentProxy(new Uint8Array(buf));
  const { text } = await extractText(pdf, { mergePages: false });
  const meta = await getMeta(pdf).catch(() => undefined);
  const infoTitle = (meta?.info as { Title?: unknown } | undefined)?.Title;
  const title = typeof infoTitle === 'string' && infoTitle.trim() ? infoTitle.trim() : basename(path, extname(path));
  // The chunker's plain-text path is chosen by extension; ids and paths are then put back on the PDF.
  const asText = `${path}.txt`;
  const chunks = chunkDocument(asText, text.map((page) => page.trim()).filter(Boolean).join('\n\n'));
  return chunks.map((c) => ({ ...c, id: path + c.id.slice(asText.length), sourcePath: path, title }));
}

// Builds the large-corpus bench's documents at run time from documentation this machine already
// has: the Markdown and text files that installed npm packages ship (node_modules here, and the
// global ones), and what Debian packages ship under /usr/share/doc (READMEs, NEWS, changelogs,
// gzipped ones decompressed in-process). Nothing is committed; the files are written to a temp
// folder that the caller removes.
//
// Distinct files only: every candidate is hashed and a content seen before is skipped, so a
// README that 20 packages vendor counts once. Debian's `copyright` files are skipped (mostly the
// same licence texts again with a different header). Files over MAX_BYTES are skipped too (a few
// machine-generated changelogs of several MB would otherwise dominate).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';

const MAX_BYTES = 2 * 1024 * 1024;
const DOC_EXT = new Set(['.md', '.markdown', '.mdx', '.txt', '.text']);
// Extension-less Debian docs that are prose: README, NEWS, changelog, TODO, AUTHORS…
const DEB_PROSE = /^(readme|news|changelog|changes|history|todo|authors|thanks|faq|bugs|install|usage|notes)\b/i;

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.isFile()) yield full;
  }
}

/** Where a source file lands in the corpus, with an extension the chunker reads; null = skip. */
function target(source, name) {
  let n = name;
  let gz = false;
  if (n.endsWith('.gz')) {
    gz = true;
    n = n.slice(0, -3);
  }
  const ext = extname(n).toLowerCase();
  if (DOC_EXT.has(ext)) return { name: n, gz };
  if (source !== 'deb') return null;
  if (/^copyright$/i.test(n) || !DEB_PROSE.test(n)) return null;
  // changelog.Debian, NEWS.Debian, README.Debian, changelog.Debian.amd64: plain text.
  if (ext && !/^\.(debian|amd64|arm64|i386|all)$/i.test(ext) && ext !== '') return null;
  return { name: `${n}.txt`, gz };
}

const looksBinary = (buf) => buf.subarray(0, 8000).includes(0);

/**
 * Writes the distinct documents into `outDir` and returns what it found, by source.
 * `roots`: [{ source: 'npm' | 'deb', dir }].
 */
export async function buildCorpus(outDir, roots) {
  const seen = new Set();
  const counts = {};
  let bytes = 0;
  let duplicates = 0;
  for (const { source, dir } of roots) {
    counts[source] ??= { files: 0, gz: 0 };
    for await (const full of walk(dir)) {
      const t = target(source, basename(full));
      if (!t) continue;
      let buf;
      try {
        buf = await readFile(full);
        if (t.gz) buf = gunzipSync(buf);
      } catch {
        continue;
      }
      if (buf.length === 0 || buf.length > MAX_BYTES || looksBinary(buf)) continue;
      const hash = createHash('sha256').update(buf).digest('hex');
      if (seen.has(hash)) {
        duplicates++;
        continue;
      }
      seen.add(hash);
      // The corpus lister skips dot-folders and node_modules: rename those path parts.
      const parts = relative(dir, dirname(full)).split(sep).filter(Boolean).map((p) => (p === 'node_modules' ? 'nm' : p.replace(/^\./, '_')));
      const rel = join(source, ...parts, t.name.replace(/^\./, '_'));
      await mkdir(dirname(join(outDir, rel)), { recursive: true });
      await writeFile(join(outDir, rel), buf);
      counts[source].files++;
      if (t.gz) counts[source].gz++;
      bytes += buf.length;
    }
  }
  return { counts, bytes, duplicates, files: seen.size };
}

/** The documentation roots of this machine: npm packages (local and global) and Debian's docs. */
export function defaultRoots(repoRoot, extra = []) {
  return [
    { source: 'npm', dir: resolve(repoRoot, 'node_modules') },
    { source: 'npm-global', dir: '/usr/lib/node_modules' },
    ...extra.map((dir, i) => ({ source: `npm-extra${i + 1}`, dir: resolve(dir) })),
    { source: 'deb', dir: '/usr/share/doc' },
  ];
}

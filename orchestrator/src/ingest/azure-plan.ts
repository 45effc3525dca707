/**
 * What re-ingestion changes: passages compared by a stable key and a content hash against what
 * the index holds (docs/ingestion.md#re-ingestion). Pure functions, tested without a service.
 *
 * Why the hash lives in the index and not in a local manifest: the index is the one truth every
 * machine shares (a laptop, CI, a colleague), a run killed midway leaves exactly the passages it
 * uploaded carrying their hashes, so the next run resumes where it stopped, and a manifest that
 * drifted from the index (deleted, from another branch) could never make ingestion skip a passage
 * the index lacks. The cost is one listing query per run (key, hash, source path only).
 */
import { createHash } from 'node:crypto';
import type { Chunk } from './chunk.js';

/** Azure AI Search keys allow letters, digits, `_`, `-`, `=` and must not start with `_`. */
export const passageKey = (id: string): string => `p${Buffer.from(id, 'utf8').toString('base64url')}`;
/** The passage id back from a key (for messages); the key itself when it is not one of ours. */
export const passageIdOf = (key: string): string => (/^p[\w-]+$/.test(key) ? Buffer.from(key.slice(1), 'base64url').toString('utf8') : key);

export interface PassageDoc {
  key: string;
  id: string;
  chunk: Chunk;
  url?: string;
  hash: string;
}

/** sha256 of everything a stored passage is made of, embedding deployment included (a new model re-embeds). */
export function passageHash(chunk: Chunk, url: string | undefined, embedding: string): string {
  return createHash('sha256').update(JSON.stringify([chunk.text, chunk.title, chunk.headingPath, chunk.sourcePath, url ?? null, embedding])).digest('hex');
}

/** Citation URL of a passage: base + path + #anchor, like the local index's. */
export const passageUrl = (chunk: Chunk, base?: string): string | undefined =>
  base ? `${base}${chunk.sourcePath.split('/').map(encodeURIComponent).join('/')}${chunk.anchor ? `#${chunk.anchor}` : ''}` : undefined;

export interface Existing {
  key: string;
  hash?: string;
  sourcePath?: string;
}

export interface Plan {
  add: PassageDoc[];
  change: PassageDoc[];
  remove: Existing[];
  unchanged: number;
}

export function toDocs(chunks: Chunk[], embedding: string, urlBase?: string): PassageDoc[] {
  const seen = new Set<string>();
  const docs: PassageDoc[] = [];
  for (const chunk of chunks) {
    const key = passageKey(chunk.id);
    if (seen.has(key)) continue; // the chunker's ids are unique; defensive, a repeated key would fail the batch
    seen.add(key);
    const url = passageUrl(chunk, urlBase);
    docs.push({ key, id: chunk.id, chunk, ...(url ? { url } : {}), hash: passageHash(chunk, url, embedding) });
  }
  return docs;
}

/**
 * Passages to add (new key), change (same key, other hash), remove (in the index, not in the
 * folder: a removed file, or a section that a changed file no longer has), and how many stay.
 */
export function planChanges(docs: PassageDoc[], existing: Existing[]): Plan {
  const stored = new Map(existing.map((e) => [e.key, e]));
  const plan: Plan = { add: [], change: [], remove: [], unchanged: 0 };
  for (const doc of docs) {
    const before = stored.get(doc.key);
    if (!before) plan.add.push(doc);
    else if (before.hash !== doc.hash) plan.change.push(doc);
    else plan.unchanged++;
  }
  const wanted = new Set(docs.map((d) => d.key));
  plan.remove = existing.filter((e) => !wanted.has(e.key));
  return plan;
}

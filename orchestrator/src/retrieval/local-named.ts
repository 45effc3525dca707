/**
 * The documents a question names ("With mri, how do I …", "In pino, how do I …"): when it names
 * one and the search found passages of it, the answer comes from those alone. The asker said
 * which document the answer is in; another package's options table that shares "flag" and
 * "boolean" with the question is noise beside it, and a cited source the question did not ask
 * about reads as a wrong answer.
 *
 * A question names a document when every word of the document's title is one of its terms and
 * each of those words is a name rather than a topic, by two tests: the ranker's (./local-rank.ts
 * `namesTitle`: no more passages use it in their text than carry it in their title, so
 * "configured" does not name a page titled "Configuration" that every page's text configures),
 * and at most MAX_OTHER_FILES other documents' text uses it. `mri`, `pino` and `yargs` are names
 * in a folder of READMEs; "Telemetry" is a topic in this project's docs, which several pages
 * discuss, and a question that says "telemetry" may well be answered by the configuration page.
 * The ranker's test alone counts passages, not documents: a long page titled "Telemetry" carries
 * its title in more passages than all the other pages that discuss telemetry, and with it alone
 * the docs eval's "Is telemetry sent to Application Insights?" lost its answer from the
 * configuration page. The documents' test alone takes every word for a name in a corpus of a few
 * files.
 */
import type { Db } from './local-store.js';
import { contentTerms } from '../text.js';

/** Most other documents whose text may use a title's word for the title to be a name. */
export const MAX_OTHER_FILES = 2;

export class NamedDocuments {
  private readonly titleOf;
  private readonly filesUsing;
  private readonly passagesUsing;
  /** Per title word: the files whose text uses it, or undefined when it is no name by the ranker's test. */
  private readonly cache = new Map<string, { files?: Set<string> }>();

  constructor(db: Db) {
    this.titleOf = db.prepare<[string], string>('SELECT title FROM passages WHERE path = ? LIMIT 1').pluck();
    // The distinct files whose text uses a stem (contentless FTS5: rowids only, joined to their paths).
    this.passagesUsing = db.prepare<[string], number>('SELECT count(*) FROM fts WHERE fts MATCH ?').pluck();
    this.filesUsing = db
      .prepare<[string, number], string>('SELECT DISTINCT path FROM passages WHERE rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?) LIMIT ?')
      .pluck();
  }

  /** Of `paths` (the files of the passages found), those the question's `terms` name. */
  named(terms: readonly string[], paths: Iterable<string>): Set<string> {
    const out = new Set<string>();
    for (const path of new Set(paths)) {
      const title = contentTerms(this.titleOf.get(path) ?? '');
      if (title.length && title.every((t) => terms.includes(t) && this.isName(t, path))) out.add(path);
    }
    return out;
  }

  private isName(term: string, path: string): boolean {
    let found = this.cache.get(term);
    if (!found) {
      const phrase = `"${term.replace(/"/g, '""')}"`;
      const inText = this.passagesUsing.get(`body : ${phrase}`) ?? 0;
      const inTitle = this.passagesUsing.get(`title : ${phrase}`) ?? 0;
      found = { files: inText > inTitle ? undefined : new Set(this.filesUsing.all(`body : ${phrase}`, MAX_OTHER_FILES + 2)) };
      if (this.cache.size > 1_000) this.cache.clear();
      this.cache.set(term, found);
    }
    return found.files !== undefined && [...found.files].filter((f) => f !== path).length <= MAX_OTHER_FILES;
  }
}

/** The picks in the documents the question names, when it names any of theirs; else all of them. */
export function ofNamedDocuments<T extends { rowid: number }>(picked: T[], pathOf: (rowid: number) => string | undefined, named: (paths: string[]) => Set<string>): T[] {
  if (picked.length < 2) return picked;
  const paths = picked.map((p) => pathOf(p.rowid)).filter((p): p is string => p !== undefined);
  const names = named(paths);
  if (!names.size) return picked;
  const kept = picked.filter((p) => names.has(pathOf(p.rowid) ?? ''));
  return kept.length ? kept : picked;
}

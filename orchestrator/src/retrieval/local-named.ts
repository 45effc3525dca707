/**
 * The documents a question names ("With mri, how do I …", "In pino, how do I …"): when it names
 * one and the search found passages of it, the answer comes from those alone. The asker said
 * which document the answer is in; another package's options table that shares "flag" and
 * "boolean" with the question is noise beside it, and a cited source the question did not ask
 * about reads as a wrong answer.
 *
 * A question names a document when every word of the document's title is one of its terms and
 * each of those words is a name rather than a topic, by two tests: the ranker's (./local-rank.ts
 * `Ranker.isTitleName`: no more passages use it in their text than carry it in their title, so
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
import type { Passage } from '../seams.js';
import type { Db } from './local-store.js';
import { contentTerms } from '../text.js';

/** Most other documents whose text may use a title's word for the title to be a name. */
export const MAX_OTHER_FILES = 2;

export class NamedDocuments {
  private readonly filesUsing;
  /** Per title word that passes the ranker's test: the files whose text uses it. */
  private readonly cache = new Map<string, Set<string>>();

  /** `isTitleName`: the ranker's test of a title word (./local-rank.ts `Ranker.isTitleName`). */
  constructor(
    db: Db,
    private readonly isTitleName: (stem: string) => boolean,
  ) {
    // The distinct files whose text uses a stem (contentless FTS5: rowids only, joined to their paths).
    this.filesUsing = db
      .prepare<[string, number], string>('SELECT DISTINCT path FROM passages WHERE rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?) LIMIT ?')
      .pluck();
  }

  /** The passages of the documents the question's `terms` name, when it names any of theirs; else all of them. */
  keep(passages: Passage[], terms: readonly string[]): Passage[] {
    if (passages.length < 2) return passages;
    const titles = new Map(passages.map((p) => [p.sourcePath, p.title]));
    const named = new Set([...titles].filter(([path, title]) => this.names(terms, path, title)).map(([path]) => path));
    return named.size ? passages.filter((p) => named.has(p.sourcePath)) : passages;
  }

  private names(terms: readonly string[], path: string, title: string): boolean {
    const words = contentTerms(title);
    return words.length > 0 && words.every((t) => terms.includes(t) && this.isName(t, path));
  }

  private isName(term: string, path: string): boolean {
    if (!this.isTitleName(term)) return false;
    let files = this.cache.get(term);
    if (!files) {
      files = new Set(this.filesUsing.all(`body : "${term.replace(/"/g, '""')}"`, MAX_OTHER_FILES + 2));
      if (this.cache.size > 1_000) this.cache.clear();
      this.cache.set(term, files);
    }
    return [...files].filter((f) => f !== path).length <= MAX_OTHER_FILES;
  }
}

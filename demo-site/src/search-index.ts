/**
 * The docs search: a MiniSearch index (BM25+, fuzzy and prefix matching) over the rendered pages'
 * sections, built at build time and loaded by the page when the visitor first focuses the search.
 *
 * Why these terms and boosts: they are the local index's (orchestrator/src/text.ts and
 * local-index.ts), so the search box and the chat agree on what a word matches. Words are split
 * on letters and digits, the orchestrator's stop words are dropped (shipped inside the index
 * file, so the page does not bundle the stop-word package), and the rest are Porter-stemmed to a
 * fixed point ("theming" → "theme", "configuration" → "configur"). Field weights are those of the
 * local index's bm25(): title 1.5, headings 2, body 1.
 *
 * Why MiniSearch: small (about 7 KB compressed), maintained, serialisable, and its fuzzy match on
 * stems forgives a misspelt long word ("authentcation" still finds authentication). This module is
 * shared by the build (Node) and the page (bundled by esbuild); it imports nothing else.
 */
import MiniSearch, { type Options, type SearchOptions } from 'minisearch';
import { stemmer } from 'stemmer';

/** One section of a docs page, as indexed. */
export interface SearchDoc {
  id: number;
  /** `/docs/<file>.md#<anchor>`: the section's heading on its rendered page. */
  url: string;
  /** The page's title. */
  page: string;
  /** The section's own heading (shown), and the path of headings down to it (indexed). */
  heading: string;
  headings: string;
  text: string;
}

/** What the build writes and the page loads. */
export interface SearchFile {
  version: 1;
  stopWords: string[];
  index: unknown;
}

export const SEARCH_BOOST = { page: 1.5, headings: 2, text: 1 };

const WORD = /[\p{L}\p{N}]+/gu;
const STEM_MAX_LENGTH = 30;

/** Porter to a fixed point; short words, very long tokens and words with digits stay as written. */
export function stem(word: string): string {
  if (word.length <= 2 || word.length > STEM_MAX_LENGTH || /\d/.test(word)) return word;
  let out = word;
  for (let i = 0; i < 4; i++) {
    const next = stemmer(out);
    if (next === out) break;
    out = next;
  }
  return out;
}

/** The index's term handling for a stop-word list: text in, stems out. */
export function termsOf(stopWords: ReadonlySet<string>) {
  return (text: string): string[] => {
    const out: string[] = [];
    for (const w of text.toLowerCase().match(WORD) ?? []) if (!stopWords.has(w)) out.push(stem(w));
    return out;
  };
}

function options(stopWords: ReadonlySet<string>): Options<SearchDoc> {
  const terms = termsOf(stopWords);
  return {
    fields: ['page', 'headings', 'text'],
    storeFields: ['url', 'page', 'heading'],
    // The tokenizer does the whole job (split, stop words, stems); processTerm passes through.
    tokenize: terms,
    processTerm: (t) => t,
  };
}

/** Builds the index file (at build time). */
export function buildSearchFile(docs: SearchDoc[], stopWords: ReadonlySet<string>): SearchFile {
  const ms = new MiniSearch<SearchDoc>(options(stopWords));
  ms.addAll(docs);
  return { version: 1, stopWords: [...stopWords].sort(), index: ms.toJSON() };
}

export interface Hit {
  url: string;
  page: string;
  heading: string;
  score: number;
}

const SEARCH: SearchOptions = {
  boost: SEARCH_BOOST,
  // A stem of 4+ letters also matches as a prefix ("config" → "configur"), as in the local index.
  prefix: (term) => term.length >= 4,
  // One edit per four letters, for stems of 5+ letters: "authentcation" → "authent", "retreival" → "retriev" (a swap is two edits).
  fuzzy: (term) => (term.length >= 5 ? 0.25 : false),
  maxFuzzy: 3,
};

/** Loads the index file (in the page) and returns the search: every word first, then any word. */
export function loadSearch(file: SearchFile): (query: string, limit?: number) => Hit[] {
  const stopWords = new Set(file.stopWords);
  const terms = termsOf(stopWords);
  const ms = MiniSearch.loadJS<SearchDoc>(file.index as Parameters<typeof MiniSearch.loadJS>[0], options(stopWords));
  const hits = (query: string, combineWith: 'AND' | 'OR') =>
    ms.search(query, { ...SEARCH, combineWith }).map((r) => ({ url: r.url as string, page: r.page as string, heading: r.heading as string, score: r.score }));
  return (query, limit = 8) => {
    if (terms(query).length === 0) return [];
    const all = hits(query, 'AND');
    return (all.length ? all : hits(query, 'OR')).slice(0, limit);
  };
}

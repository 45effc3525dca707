// The engines the scale bench compares, each behind the same small interface:
//   build(corpusDir, indexDir) → saves an index; open(corpusDir, indexDir) → a retriever after a
//   restart; update(...) → applies one changed file.
// `minisearch` is the orchestrator's LocalIndex as it was before SQLite (orchestrator/src/retrieval/
// local-index.ts at 6591e82: same options, same gate, same JSON persistence), kept here so the
// bench can keep measuring it. `minisearch-tuned` is the same index with the cheaper query path
// that MiniSearch allows: dead terms dropped by a vocabulary check before searching, typo
// expansion only for terms the index lacks, heading terms precomputed at build. `sqlite-fts5` is
// the LocalIndex the orchestrator ships now.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
// The modules themselves, not the package's index: a restart is timed from process start, and the
// index would also load the flow, the prompt's tokenizer and the Azure SDKs (about 1 s and 70 MB).
import { chunkCorpus } from '../orchestrator/dist/ingest/corpus.js';
import { chunkDocument } from '../orchestrator/dist/ingest/chunk.js';
import { LocalIndex } from '../orchestrator/dist/retrieval/local-index.js';
import { contentTerms, FUZZY_MIN_LENGTH, normalizeTerm, PREFIX_MIN_LENGTH, queryTerms, words } from '../orchestrator/dist/text.js';

const MS_OPTIONS = {
  idField: 'id',
  fields: ['title', 'headings', 'text'],
  storeFields: [],
  tokenize: (text) => words(text),
  processTerm: (term) => normalizeTerm(term),
  searchOptions: {
    boost: { headings: 2, title: 1.5 },
    prefix: (term) => term.length >= PREFIX_MIN_LENGTH,
    fuzzy: (term) => (term.length >= FUZZY_MIN_LENGTH ? 1 : false),
    combineWith: 'OR',
  },
};
const AS_IS = { tokenize: (q) => q.split(' '), processTerm: (t) => t };
const toDoc = (c) => ({ id: c.id, title: c.title, headings: c.headingPath.join('\n'), text: c.text });
const required = (n) => Math.min(n, Math.max(2, Math.ceil(n * 0.5)));
const onTopic = (n) => Math.min(n, Math.ceil(n * 0.5));

class MiniSearchRetriever {
  constructor(search, passages, tuned) {
    this.search = search;
    this.passages = new Map(passages.map((c) => [c.id, c]));
    this.tuned = tuned;
    this.headingTerms = new Map();
  }
  own(chunk) {
    let own = this.headingTerms.get(chunk.id);
    if (!own) this.headingTerms.set(chunk.id, (own = new Set(contentTerms(chunk.headingPath.at(-1) ?? ''))));
    return own;
  }
  async retrieve(query, { top = 5 } = {}) {
    let terms = queryTerms(query);
    if (!terms.length) return [];
    const need = required(terms.length);
    const needOnTopic = onTopic(terms.length);
    let options = AS_IS;
    if (this.tuned) {
      // Vocabulary check first (MiniSearch keeps its terms in a radix tree, `_index`): a term the
      // index lacks outright can only match by typo; one with neither can never match.
      const index = this.search._index;
      const exact = new Set();
      const live = [];
      for (const t of terms) {
        if (index.has(t)) exact.add(t);
        if (exact.has(t) || (t.length >= PREFIX_MIN_LENGTH && index.atPrefix(t).size > 0) || (t.length >= FUZZY_MIN_LENGTH && index.fuzzyGet(t, 1).size > 0)) live.push(t);
      }
      if (live.length < needOnTopic) return [];
      terms = live;
      options = { ...AS_IS, fuzzy: (t) => (t.length >= FUZZY_MIN_LENGTH && !exact.has(t) ? 1 : false) };
    }
    const out = [];
    for (const hit of this.search.search(terms.join(' '), options)) {
      const matched = new Set(hit.queryTerms).size;
      const chunk = this.passages.get(String(hit.id));
      if (matched < need) {
        if (matched < needOnTopic) continue;
        const own = this.own(chunk);
        if (!Object.entries(hit.match).some(([t, fields]) => fields.includes('headings') && own.has(t))) continue;
      }
      out.push({ ...chunk, score: hit.score });
      if (out.length >= top) break;
    }
    return out;
  }
}

const miniSearch = (tuned) => ({
  async build(corpusDir, indexDir) {
    const { chunks } = await chunkCorpus(corpusDir);
    const search = new MiniSearch(MS_OPTIONS);
    search.addAll(chunks.map(toDoc));
    await mkdir(indexDir, { recursive: true });
    await writeFile(join(indexDir, 'passages.json'), JSON.stringify({ passages: chunks }));
    await writeFile(join(indexDir, 'index.json'), JSON.stringify(search));
    return { passages: chunks.length };
  },
  async open(corpusDir, indexDir) {
    const [p, i] = await Promise.all([readFile(join(indexDir, 'passages.json'), 'utf8'), readFile(join(indexDir, 'index.json'), 'utf8')]);
    const { passages } = JSON.parse(p);
    const r = new MiniSearchRetriever(MiniSearch.loadJSON(i, MS_OPTIONS), passages, tuned);
    if (tuned) for (const c of passages) r.own(c); // precomputed, as a tuned build would store them
    return r;
  },
  /**
   * The original rebuilds everything on any change. Tuned: MiniSearch can discard and add
   * documents, but the saved index is one JSON document, so it is written again whole.
   */
  async update(corpusDir, indexDir, retriever, path) {
    if (!tuned) return 'rebuild'; // what it does on any change: the build column is its cost
    const text = await readFile(join(corpusDir, path), 'utf8');
    for (const c of [...retriever.passages.values()]) {
      if (c.sourcePath === path) {
        retriever.search.discard(c.id);
        retriever.passages.delete(c.id);
      }
    }
    const fresh = chunkDocument(path, text);
    retriever.search.addAll(fresh.map(toDoc));
    for (const c of fresh) retriever.passages.set(c.id, c);
    await writeFile(join(indexDir, 'passages.json'), JSON.stringify({ passages: [...retriever.passages.values()] }));
    await writeFile(join(indexDir, 'index.json'), JSON.stringify(retriever.search));
  },
});

const fts5 = {
  async build(corpusDir, indexDir, onProgress) {
    const index = new LocalIndex({ corpusDir, indexDir, onProgress });
    const stats = await index.load({ force: true });
    index.close();
    return { passages: stats.passages };
  },
  async open(corpusDir, indexDir) {
    const index = new LocalIndex({ corpusDir, indexDir });
    const stats = await index.load();
    if (stats.source !== 'loaded') throw new Error(`expected the saved index to load, got ${stats.source} (${stats.reason})`);
    return index;
  },
  async update(corpusDir, indexDir, retriever) {
    const stats = await retriever.load();
    if (stats.source !== 'updated') throw new Error(`expected an in-place update, got ${stats.source} (${stats.reason})`);
  },
};

export const ENGINES = { minisearch: miniSearch(false), 'minisearch-tuned': miniSearch(true), 'sqlite-fts5': fts5 };

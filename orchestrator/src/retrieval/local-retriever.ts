/**
 * The local retriever as a provider: `LocalIndex` (the embedded full-text index over docs/) plus
 * two tricks that only make sense for a keyword index — widening a short follow-up with the
 * previous question's terms, and searching the asking sentence of a message that opens with
 * context as well as the whole message. They live here, not in the flow, because for vector or
 * semantic search (Azure AI Search) those appended terms are noise and the context is meaning,
 * and a generative model rewrites a follow-up into a standalone query instead (the flow then
 * passes no history).
 *
 * The index itself is used only through its public API (options, load, ready, retrieve, size).
 */
import type { HistoryTurn } from '../contract.js';
import type { Passage, RetrieveOptions, Retriever } from '../seams.js';
import { contentTerms, questionFocus } from '../text.js';
import { DEFAULT_TOP, LocalIndex, type LocalIndexOptions } from './local-index.js';

/** A question with at most this many content terms, asked after others, is a follow-up. */
export const FOLLOWUP_MAX_TERMS = 3;

/**
 * The search query. A short follow-up ("and in Koa?", "what about its options?") means little on
 * its own, so the previous user question's content terms are added to it.
 */
export function searchQuery(question: string, history: HistoryTurn[] = []): string {
  const terms = contentTerms(question);
  const previous = history.at(-1)?.inputs.question;
  if (!previous || terms.length > FOLLOWUP_MAX_TERMS) return question;
  const extra = contentTerms(previous).filter((t) => !terms.includes(t));
  return extra.length ? `${question} ${extra.join(' ')}` : question;
}

export class LocalRetriever implements Retriever {
  readonly name = 'local';
  readonly index: LocalIndex;

  constructor(options: LocalIndexOptions | LocalIndex) {
    this.index = options instanceof LocalIndex ? options : new LocalIndex(options);
  }

  /** Passages in the index (for the start-up line). */
  get size(): number {
    return this.index.size;
  }

  /** Whether the index searches by meaning too (docs/orchestrator.md, "Semantic search"). */
  get semantic(): boolean {
    return this.index.semantic;
  }

  ready(): Promise<void> {
    return this.index.ready();
  }

  /**
   * The whole message's passages, then, for a message that opens with context ("Our CLI shows the
   * docs after install. How do I open a URL in the user's browser?"), the asking sentence's
   * (../text.ts questionFocus) in the places left: the context's words thin out the gate (half of
   * all the terms), so the whole message finds few passages, or a file that shares the context's
   * words; the asking sentence alone finds the file that answers it. The whole message's passages
   * stay first: the context often names what "it" in the asking sentence is.
   */
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<Passage[]> {
    const { top = DEFAULT_TOP, signal, history } = options;
    const focus = questionFocus(query);
    const hits = await this.index.retrieve(searchQuery(query, history), { top, signal, namedSections: focus === query });
    if (focus === query || hits.length >= top) return hits;
    const seen = new Set(hits.map((h) => h.id));
    for (const h of await this.index.retrieve(focus, { top, signal })) {
      if (hits.length >= top) break;
      if (!seen.has(h.id)) hits.push(h);
    }
    return hits;
  }
}

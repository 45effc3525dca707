/**
 * The local retriever as a provider: `LocalIndex` (the embedded full-text index over docs/) plus
 * the one trick that only makes sense for a keyword index — widening a short follow-up with the
 * previous question's terms. It lives here, not in the flow, because for vector or semantic
 * search (Azure AI Search) those appended terms are noise, and a generative model rewrites a
 * follow-up into a standalone query instead (the flow then passes no history).
 *
 * The index itself is used only through its public API (options, load, ready, retrieve, size).
 */
import type { HistoryTurn } from '../contract.js';
import type { Passage, RetrieveOptions, Retriever } from '../seams.js';
import { contentTerms } from '../text.js';
import { LocalIndex, type LocalIndexOptions } from './local-index.js';

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

  ready(): Promise<void> {
    return this.index.ready();
  }

  retrieve(query: string, options: RetrieveOptions = {}): Promise<Passage[]> {
    const { top, signal, history } = options;
    return this.index.retrieve(searchQuery(query, history), { top, signal });
  }
}

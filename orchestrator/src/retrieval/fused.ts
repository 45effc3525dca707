/**
 * Several data stores (the architecture's "determine which data stores hold relevant data"):
 * every store is queried at once and the rankings are fused by reciprocal rank fusion (RRF,
 * Cormack et al. 2009, k = 60) — scores from different indexes are not comparable, ranks are.
 * A store that fails fails the retrieval (never a silently partial, possibly ungrounded answer).
 *
 * With a router (the model, when AZURE_SEARCH_ROUTING=model), only the stores it names are
 * queried; when it names none it knows of, fails, or misses its deadline, all stores are.
 */
import type { Passage, RetrieveOptions, Retriever } from '../seams.js';

export const RRF_K = 60;

export function reciprocalRankFusion(rankings: Passage[][], top: number, k = RRF_K): Passage[] {
  const fused = new Map<string, { passage: Passage; score: number }>();
  rankings.forEach((ranking, store) => {
    ranking.forEach((passage, rank) => {
      const key = `${store}\u0000${passage.id}`;
      fused.set(key, { passage, score: (fused.get(key)?.score ?? 0) + 1 / (k + rank + 1) });
    });
  });
  return [...fused.values()]
    .sort((a, b) => b.score - a.score)
    .slice(0, top)
    .map(({ passage, score }) => ({ ...passage, score }));
}

/** Picks the stores worth querying for a question, by name. */
export type StoreRouter = (query: string, stores: { name: string; description?: string }[], signal?: AbortSignal) => Promise<string[]>;

export interface FusedRetrieverOptions {
  descriptions?: Record<string, string>;
  route?: StoreRouter;
  /** Deadline for the router. */
  routeTimeoutMs?: number;
}

export class FusedRetriever implements Retriever {
  readonly name: string;
  constructor(
    readonly stores: Retriever[],
    private readonly options: FusedRetrieverOptions = {},
  ) {
    this.name = `fused(${stores.map((s) => s.name).join(',')})`;
  }

  /** The stores to query: the router's choice, or all of them. */
  async choose(query: string, signal?: AbortSignal): Promise<Retriever[]> {
    const { route, descriptions = {}, routeTimeoutMs = 4_000 } = this.options;
    if (!route) return this.stores;
    const step = AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(routeTimeoutMs)]);
    try {
      const names = new Set((await route(query, this.stores.map((s) => ({ name: s.name, description: descriptions[s.name] })), step)).map((n) => n.toLowerCase()));
      const chosen = this.stores.filter((s) => names.has(s.name.toLowerCase()));
      return chosen.length ? chosen : this.stores;
    } catch {
      signal?.throwIfAborted();
      return this.stores; // a router that fails costs cost, never recall
    }
  }
  async ready(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.ready()));
  }
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<Passage[]> {
    const top = options.top ?? 5;
    const stores = await this.choose(query, options.signal);
    const rankings = await Promise.all(stores.map((s) => s.retrieve(query, options)));
    return reciprocalRankFusion(rankings, top);
  }
}

/**
 * Several data stores (the architecture's "determine which data stores hold relevant data"):
 * every store is queried at once and the rankings are fused by reciprocal rank fusion (RRF,
 * Cormack et al. 2009, k = 60) — scores from different indexes are not comparable, ranks are.
 * A store that fails fails the retrieval (never a silently partial, possibly ungrounded answer).
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

export class FusedRetriever implements Retriever {
  readonly name: string;
  constructor(readonly stores: Retriever[]) {
    this.name = `fused(${stores.map((s) => s.name).join(',')})`;
  }
  async ready(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.ready()));
  }
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<Passage[]> {
    const top = options.top ?? 5;
    const rankings = await Promise.all(this.stores.map((s) => s.retrieve(query, options)));
    return reciprocalRankFusion(rankings, top);
  }
}

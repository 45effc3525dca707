/**
 * The seam between the local index and whatever turns text into vectors: one narrow interface, so
 * the index neither knows nor cares which model or runtime sits behind it (./local-embedder.ts is
 * the one the orchestrator ships; tests inject their own). docs/orchestrator.md, "Semantic search".
 */

/** `query` and `passage` may be embedded differently (some models want a prefix on queries). */
export type EmbedKind = 'query' | 'passage';

export interface Embedder {
  /**
   * Names the model and everything that changes its vectors (pooling, token limit). Stored beside
   * the vectors: a different id re-embeds the corpus instead of mixing two models' vectors.
   */
  readonly id: string;
  /** Unit-length vectors, one per text, all of the same length. */
  embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Why no embedder could be had (package not installed, model not found, download refused). */
export class EmbedderUnavailable extends Error {
  override readonly name = 'EmbedderUnavailable';
}

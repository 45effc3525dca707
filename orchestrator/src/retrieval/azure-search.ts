/**
 * Grounding in Azure AI Search through `@azure/search-documents` (docs/orchestrator.md#azure-ai-search).
 *
 * Query modes: `keyword` (BM25 over the text), `vector` (the query embedded by the configured
 * embedding deployment, or by the index's own vectorizer through a text vector query), `hybrid`
 * (both, fused by the service), each optionally reranked by the semantic ranker with extractive
 * captions. With semantic ranking the vector query asks for k = 50, because the ranker reranks the
 * top 50. A 206 partial semantic response still answers (the SDK returns its results).
 *
 * Bring your own index: every field name is configuration (`AzureSearchFields`), with defaults
 * matching the index our ingestion creates. Security trimming: `securityFilter` builds an OData
 * filter from the visitor forwarded by the server kit; with trimming on and no visitor, nothing is
 * retrieved (never everything).
 */
import type { TokenCredential } from '@azure/identity';
import { SearchClient, type AzureKeyCredential, type SearchOptions, type SearchClientOptions } from '@azure/search-documents';
import type { Passage, Principal, RetrieveOptions, Retriever } from '../seams.js';

export type AzureSearchQueryMode = 'keyword' | 'vector' | 'hybrid';

export interface AzureSearchFields {
  key: string;
  content: string;
  title?: string;
  url?: string;
  sourcePath?: string;
  /** A string, or a collection of strings (the heading path). */
  heading?: string;
  vector?: string;
}

export const DEFAULT_FIELDS: Required<AzureSearchFields> = {
  key: 'id',
  content: 'content',
  title: 'title',
  url: 'url',
  sourcePath: 'filepath',
  heading: 'heading',
  vector: 'contentVector',
};

/** Turns a query into its embedding (the embedding deployment). */
export type Embedder = (text: string, signal?: AbortSignal) => Promise<number[]>;

export interface AzureSearchRetrieverOptions {
  endpoint: string;
  indexName: string;
  credential: AzureKeyCredential | TokenCredential;
  /** Defaults to the name `azure-search`; with several stores, the store's name. */
  name?: string;
  mode?: AzureSearchQueryMode;
  fields?: Partial<AzureSearchFields>;
  /** The semantic configuration; unset = no semantic ranking. */
  semanticConfiguration?: string;
  /** Embeds the query for `vector`/`hybrid`; unset = a text vector query (the index's vectorizer). */
  embed?: Embedder;
  /** Results under these scores are not relevant. */
  minScore?: number;
  minRerankerScore?: number;
  /** OData filter for the visitor; return undefined for "no filter", null for "nothing visible". */
  securityFilter?: (principal: Principal | undefined) => string | undefined | null;
  /** Always applied (AND) to every query, e.g. `category eq 'docs'`. */
  filter?: string;
  clientOptions?: SearchClientOptions;
}

/** k for the vector query when the semantic ranker reranks (it takes the top 50). */
export const SEMANTIC_K = 50;

export class AzureSearchRetriever implements Retriever {
  readonly name: string;
  private readonly client: SearchClient<Record<string, unknown>>;
  private readonly fields: AzureSearchFields;
  private readonly mode: AzureSearchQueryMode;

  constructor(private readonly options: AzureSearchRetrieverOptions) {
    this.name = options.name ?? 'azure-search';
    this.client = new SearchClient(options.endpoint, options.indexName, options.credential, options.clientOptions);
    this.fields = { ...DEFAULT_FIELDS, ...options.fields };
    this.mode = options.mode ?? 'keyword';
  }

  /** The service is probed by the first query; no extra call (and cost) at start. */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<Passage[]> {
    const top = options.top ?? 5;
    const security = this.options.securityFilter?.(options.principal);
    if (security === null) return []; // trimming on and nobody to trim for: nothing is visible
    const filter = [this.options.filter, security].filter(Boolean).map((f) => `(${f})`).join(' and ') || undefined;
    const f = this.fields;
    const select = [f.key, f.content, f.title, f.url, f.sourcePath, f.heading].filter((x): x is string => Boolean(x));
    const semantic = this.options.semanticConfiguration;
    const k = semantic ? SEMANTIC_K : top;

    const searchOptions: Record<string, unknown> = {
      top,
      select,
      ...(filter ? { filter } : {}),
      abortSignal: options.signal,
    };
    if (this.mode !== 'keyword') {
      if (!f.vector) throw new Error('vector search needs the vector field name');
      const vectorQuery = this.options.embed
        ? { kind: 'vector', vector: await this.options.embed(query, options.signal), fields: [f.vector], kNearestNeighborsCount: k }
        : { kind: 'text', text: query, fields: [f.vector], kNearestNeighborsCount: k };
      searchOptions.vectorSearchOptions = { queries: [vectorQuery] };
    }
    if (semantic) {
      searchOptions.queryType = 'semantic';
      searchOptions.semanticSearchOptions = { configurationName: semantic, captions: { captionType: 'extractive', highlight: false } };
    }
    const text = this.mode === 'vector' ? undefined : query;
    const response = await this.client.search(text, searchOptions as SearchOptions<Record<string, unknown>>);
    const out: Passage[] = [];
    for await (const result of response.results) {
      if (this.options.minScore !== undefined && result.score < this.options.minScore) continue;
      if (this.options.minRerankerScore !== undefined && (result.rerankerScore ?? 0) < this.options.minRerankerScore) continue;
      out.push(this.toPassage(result.document, result.rerankerScore ?? result.score, result.captions?.[0]?.text));
      if (out.length >= top) break;
    }
    return out;
  }

  private toPassage(doc: Record<string, unknown>, score: number, caption?: string): Passage {
    const f = this.fields;
    const str = (name?: string) => (name && typeof doc[name] === 'string' ? (doc[name] as string) : undefined);
    const heading = f.heading ? doc[f.heading] : undefined;
    const headings = Array.isArray(heading) ? heading.filter((h): h is string => typeof h === 'string') : typeof heading === 'string' && heading ? [heading] : [];
    const sourcePath = str(f.sourcePath) ?? str(f.url) ?? String(doc[f.key] ?? '');
    const title = str(f.title) ?? sourcePath;
    return {
      id: String(doc[f.key] ?? sourcePath),
      title,
      headingPath: headings.length ? headings : [title],
      sourcePath,
      text: str(f.content) ?? '',
      ...(str(f.url) ? { url: str(f.url) } : {}),
      score,
      ...(caption ? { caption } : {}),
    };
  }
}

/** An OData string literal: single quotes doubled (the only escape OData string literals have). */
export const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Most groups put in one filter; a visitor in more is refused rather than silently cut. */
export const MAX_FILTER_GROUPS = 500;

/**
 * The security-trimming recipe of Microsoft's RAG samples: documents carry the object ids and
 * group ids allowed to read them (`oids`, `groups`, both `Collection(Edm.String)`, filterable).
 * Returns null — nothing visible — without a visitor.
 */
export function aclFilter(fields: { users?: string; groups?: string }): (principal: Principal | undefined) => string | null {
  return (principal) => {
    if (!principal) return null;
    const parts: string[] = [];
    if (fields.users) parts.push(`${fields.users}/any(u: u eq ${odataString(principal.id)})`);
    const groups = principal.groups ?? [];
    if (fields.groups && groups.length) {
      if (groups.length > MAX_FILTER_GROUPS) throw new Error(`the visitor is in more than ${MAX_FILTER_GROUPS} groups`);
      parts.push(`${fields.groups}/any(g: ${groups.map((g) => `g eq ${odataString(g)}`).join(' or ')})`);
    }
    return parts.length ? parts.join(' or ') : null;
  };
}

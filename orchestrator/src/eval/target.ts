/**
 * What the evaluation asks: an orchestrator over contract B (`POST /score`, JSON), either one this
 * process starts over a corpus folder (the local index and the offline answerer, on a free
 * loopback port) or a running one at a URL.
 *
 * Why always over HTTP, even in-process: the numbers then describe what a client of the endpoint
 * gets (the real request validation, the real response), and the same client code measures a
 * deployed orchestrator. For the in-process case the retriever is wrapped so the full ranked list
 * is known (hit@k and MRR over the top 5); a remote orchestrator only shows its citations, so
 * there the ranking is the citation order (docs/evaluation.md says so).
 */
import type { Citation, ScoreResponse } from '../contract.js';
import type { Passage, RetrieveOptions, Retriever } from '../seams.js';
import { loadConfig } from '../config.js';
import { LocalRetriever } from '../retrieval/local-retriever.js';
import type { Embedder } from '../retrieval/embedder.js';
import { ExtractiveChatModel } from '../answer/extractive.js';
import { startScoringServer, type ScoringServer } from '../scoring-server.js';

/** One answer as the evaluation sees it. */
export interface TargetAnswer {
  answer: string;
  citations: Citation[];
  /** Ranked passages (id and source path), best first: retrieved ones when known, else citations. */
  ranked: { id: string; sourcePath?: string }[];
  latencyMs: number;
  /** A contract-B error code when the request failed. */
  error?: string;
}

export interface EvalTarget {
  /** `local <folder>` or the orchestrator's URL, for the report. */
  readonly description: string;
  /** Whether `ranked` is the retriever's own list (else the citation order). */
  readonly ranking: 'retriever' | 'citations';
  ask(question: string, signal?: AbortSignal): Promise<TargetAnswer>;
  close(): Promise<void>;
}

/** A failure to reach or start the target; stable code, readable message. */
export class TargetError extends Error {
  constructor(
    readonly code: 'target_unavailable' | 'corpus_unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

export const RANK_DEPTH = 5;

/** Remembers the passages of the last retrieval, in full depth, while passing them on. */
class RecordingRetriever implements Retriever {
  readonly name: string;
  last: Passage[] = [];
  constructor(private readonly inner: Retriever) {
    this.name = inner.name;
  }
  ready() {
    return this.inner.ready();
  }
  async retrieve(query: string, options?: RetrieveOptions): Promise<Passage[]> {
    const top = Math.max(options?.top ?? RANK_DEPTH, RANK_DEPTH);
    const all = await this.inner.retrieve(query, { ...options, top });
    this.last = all;
    return all.slice(0, options?.top ?? all.length);
  }
}

/** Starts an orchestrator over `corpusDir` (in memory, nothing persisted) and asks it. */
export async function localTarget(corpusDir: string, options: { embedder?: () => Promise<Embedder>; log?: (line: string) => void } = {}): Promise<EvalTarget> {
  // The retriever a local orchestrator serves with (index plus its query handling), not the bare index.
  const recorder = new RecordingRetriever(new LocalRetriever({ corpusDir, ...options }));
  const server: ScoringServer = await startScoringServer({
    port: 0,
    host: '127.0.0.1',
    config: loadConfig({}),
    retriever: recorder,
    model: new ExtractiveChatModel({ delayMs: 0 }),
    log: () => {},
    logError: () => {},
  });
  try {
    await server.ready;
  } catch (err) {
    await server.close();
    throw new TargetError('corpus_unreadable', `cannot index ${corpusDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const remote = httpTarget(server.url);
  return {
    description: `local ${corpusDir}`,
    ranking: 'retriever',
    async ask(question, signal) {
      recorder.last = [];
      const got = await remote.ask(question, signal);
      return { ...got, ranked: recorder.last.slice(0, RANK_DEPTH).map((p) => ({ id: p.id, sourcePath: p.sourcePath })) };
    },
    close: () => server.close(),
  };
}

export interface HttpTargetOptions {
  key?: string;
  /** Per request, ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A running orchestrator: `url` is its base (…/score is appended unless the URL ends in /score). */
export function httpTarget(url: string, options: HttpTargetOptions = {}): EvalTarget {
  const endpoint = /\/score\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/score`;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    description: endpoint,
    ranking: 'citations',
    async ask(question, signal) {
      const started = performance.now();
      const timeout = AbortSignal.timeout(timeoutMs);
      let res: Response;
      try {
        res = await doFetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          },
          body: JSON.stringify({ question, chat_history: [] }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (err) {
        signal?.throwIfAborted();
        const code = timeout.aborted ? 'timeout' : 'target_unavailable';
        if (code === 'target_unavailable' && (err as Error).name !== 'AbortError') {
          throw new TargetError('target_unavailable', `cannot reach ${endpoint} (${causeCode(err)})`);
        }
        return failed(code, started);
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        return failed(res.ok ? 'bad_response' : `http_${res.status}`, started);
      }
      const latencyMs = performance.now() - started;
      if (!res.ok) {
        const code = (body as { error?: { code?: unknown } })?.error?.code;
        return { ...failed(typeof code === 'string' ? code : `http_${res.status}`, started), latencyMs };
      }
      const r = body as Partial<ScoreResponse>;
      if (typeof r.answer !== 'string' || !Array.isArray(r.citations)) return { ...failed('bad_response', started), latencyMs };
      const citations = r.citations.filter((c): c is Citation => typeof c?.id === 'string').map((c) => ({
        id: c.id,
        title: String(c.title ?? ''),
        snippet: String(c.snippet ?? ''),
        ...(typeof c.url === 'string' ? { url: c.url } : {}),
        ...(typeof c.filepath === 'string' ? { filepath: c.filepath } : {}),
      }));
      return {
        answer: r.answer,
        citations,
        ranked: citations.map((c) => ({ id: c.id, ...(c.filepath ? { sourcePath: c.filepath } : {}) })),
        latencyMs,
      };
    },
    close: async () => {},
  };
}

function failed(error: string, started: number): TargetAnswer {
  return { answer: '', citations: [], ranked: [], latencyMs: performance.now() - started, error };
}

function causeCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : 'network error';
}

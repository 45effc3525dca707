/** Worker thread of ./local-prepare-pool.ts: prepares the files it is sent, one batch at a time. */
import { parentPort } from 'node:worker_threads';
import type { ChunkOptions } from '../ingest/chunk.js';
import type { CorpusFile } from '../ingest/corpus.js';
import { prepareFile } from './local-prepare.js';

interface Job {
  seq: number;
  corpusDir: string;
  files: CorpusFile[];
  options: ChunkOptions;
}

parentPort!.on('message', (job: Job) => {
  Promise.all(job.files.map((f) => prepareFile(job.corpusDir, f, job.options))).then(
    (prepared) => parentPort!.postMessage({ seq: job.seq, prepared }),
    (err: NodeJS.ErrnoException) => parentPort!.postMessage({ seq: job.seq, error: { message: err.message, code: err.code } }),
  );
});

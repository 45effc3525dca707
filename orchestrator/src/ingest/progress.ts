/**
 * Progress of an ingestion: a bar (cli-progress) on a terminal, plain lines otherwise (CI logs,
 * pipes), so a log stays readable and a person at a terminal sees movement.
 */
import cliProgress from 'cli-progress';
import type { IngestProgress } from './azure-ingest.js';

export function progressFor(stream: NodeJS.WritableStream & { isTTY?: boolean }): IngestProgress {
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      begin(phase, total, unit = 'documents') {
        bar = new cliProgress.SingleBar({ format: `${phase} [{bar}] {value}/{total} ${unit}`, stream: stream as NodeJS.WriteStream, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(total, 0);
      },
      advance: (done) => bar?.update(done),
      end: () => bar?.stop(),
      line: (text) => stream.write(`${text}\n`),
    };
  }
  let total = 0;
  let label = '';
  let counted = 'documents';
  return {
    begin(phase, n, unit = 'documents') {
      total = n;
      label = phase;
      counted = unit;
    },
    advance: (done) => stream.write(`${label}: ${done}/${total} ${counted}\n`),
    end() {},
    line: (text) => stream.write(`${text}\n`),
  };
}

#!/usr/bin/env node
/**
 * `grounded-chat` — the command-line side of the orchestrator.
 *
 *   grounded-chat ingest <folder> [--target local|azure] [--index-dir DIR] [--force] [--dry-run]
 *   grounded-chat eval [--questions FILE] [--corpus DIR | --url URL] ...   (src/eval/main.ts)
 *
 * `ingest` chunks a folder and fills an index: the local one (persisted exactly as the
 * orchestrator loads it at start, so `ingest` then `npm start` doesn't index twice), or Azure AI
 * Search (src/ingest/azure-ingest.ts, docs/ingestion.md). node:util's parseArgs is enough for a
 * few options; no CLI framework. Exit codes: 0 done, 1 failed, 2 usage or configuration.
 */
import { parseArgs } from 'node:util';
import { stat } from 'node:fs/promises';
import { defaultIndexDir, embeddingOptionsFromEnv, resolveFromCwd } from './config.js';
import { embedderOption } from './retrieval/local-embedder.js';
import { LocalIndex } from './retrieval/local-index.js';
import { runAzureIngest } from './ingest/azure-cli.js';
import { progressFor } from './ingest/progress.js';
import { runEvalCli } from './eval/main.js';

const HELP = `Usage: grounded-chat <command> [options]

Commands:
  ingest <folder>        Chunk the documents in <folder> and fill an index (local: Markdown and
                         text; azure: Markdown, text, HTML and PDF).
  eval [options]         Evaluate retrieval and answers on a question set
                         (grounded-chat eval --help; docs/evaluation.md).

Options for ingest:
  --target local|azure   Which index to fill (default: local).
  --index-dir DIR        Where the local index is saved (default: LOCAL_INDEX_DIR or
                         ${defaultIndexDir()}).
  --force                Rebuild even when the saved index matches the documents (local).
  --dry-run              Print what would be added, changed and deleted; change nothing (azure).
  -h, --help             Show this help.

The orchestrator loads the local index from the same place at start
(LOCAL_CORPUS_DIR=<folder> LOCAL_INDEX_DIR=<DIR> npm start -w @grounded-chat/orchestrator).
--target azure reads AZURE_SEARCH_* and AZURE_OPENAI_* (docs/ingestion.md).

Exit codes: 0 done, 1 ingestion failed, 2 usage or configuration error.
`;

/** Runs the CLI; returns the exit code (so tests can call it in-process). */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  // eval has its own options (src/eval/main.ts); everything after the word is its.
  if (argv[0] === 'eval') return runEvalCli(argv.slice(1), { out, err });
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        target: { type: 'string', default: 'local' },
        'index-dir': { type: 'string' },
        force: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err.write(`grounded-chat: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, folder, ...extra] = positionals;
  if (values.help || command === 'help') {
    out.write(HELP);
    return 0;
  }
  if (command !== 'ingest') {
    err.write(`grounded-chat: ${command ? `unknown command "${command}"` : 'missing command'}\n\n${HELP}`);
    return 2;
  }
  if (!folder || extra.length) {
    err.write(`grounded-chat: ingest takes exactly one folder\n\n${HELP}`);
    return 2;
  }
  if (values.target !== 'local') {
    if (values.target === 'azure') return runAzureIngest(folder, { dryRun: values['dry-run'] }, out, err);
    err.write(`grounded-chat: --target must be local or azure, not "${values.target}"\n`);
    return 2;
  }
  if (values['dry-run']) {
    err.write('grounded-chat: --dry-run applies to --target azure (the local index is rebuilt in memory anyway)\n');
    return 2;
  }

  const corpusDir = resolveFromCwd(folder);
  const isDir = await stat(corpusDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    err.write(`grounded-chat: ${corpusDir} is not a folder\n`);
    return 1;
  }
  const envIndexDir = process.env.LOCAL_INDEX_DIR?.trim();
  const indexDir = resolveFromCwd(values['index-dir'] ?? (envIndexDir || defaultIndexDir()));
  // A bar on a terminal; in a log, a line per tenth of the work (a line per file would drown it).
  // Two phases: indexing the files, then embedding the passages that have no vector yet.
  const progress = progressFor(err);
  const tty = Boolean((err as { isTTY?: boolean }).isTTY);
  let phase: string | undefined;
  let lastTenth = -1;
  const phaseProgress = (name: string, unit: string) => (done: number, total: number) => {
    if (phase !== name) {
      if (phase) progress.end();
      progress.begin(name, total, unit);
      phase = name;
      lastTenth = -1;
    }
    const tenth = Math.floor((done * 10) / Math.max(total, 1));
    if (tty || tenth !== lastTenth) progress.advance(done);
    lastTenth = tenth;
  };
  const index = new LocalIndex({
    corpusDir,
    indexDir,
    onProgress: phaseProgress('indexing', 'documents'),
    onEmbedProgress: phaseProgress('embedding', 'passages'),
    log: (line) => err.write(`grounded-chat: ${line}\n`),
    ...embedderOption(embeddingOptionsFromEnv()),
  });
  const stats = await index.load({ force: values.force }).finally(() => phase && progress.end());
  const ms = stats.ms.toFixed(0);
  if (stats.source === 'loaded') {
    out.write(`up to date: ${stats.files} files, ${stats.passages} passages in ${indexDir} (checked in ${ms} ms; --force rebuilds)\n`);
  } else {
    out.write(`indexed ${stats.files} files into ${stats.passages} passages in ${ms} ms → ${indexDir} (${stats.reason})\n`);
  }
  if (stats.files === 0) err.write(`grounded-chat: warning: no .md, .markdown, .mdx or .txt files under ${corpusDir}\n`);
  return 0;
}

// Run when executed directly (the `grounded-chat` bin), not when imported by a test.
const invokedAs = process.argv[1] ?? '';
if (/(?:^|[\\/])cli\.[jt]s$/.test(invokedAs)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`grounded-chat: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}

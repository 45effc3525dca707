#!/usr/bin/env node
/**
 * `grounded-chat` — the command-line side of the orchestrator.
 *
 *   grounded-chat ingest <folder> [--target local|azure] [--index-dir DIR] [--force]
 *
 * `ingest` chunks a folder of Markdown/text and fills an index: the local one (persisted exactly
 * as the orchestrator loads it at start, so `ingest` then `npm start` doesn't index twice), or,
 * in a later release, Azure AI Search. node:util's parseArgs is enough for two options; no CLI
 * framework.
 */
import { parseArgs } from 'node:util';
import { stat } from 'node:fs/promises';
import { defaultIndexDir, resolveFromCwd } from './config.js';
import { LocalIndex } from './retrieval/local-index.js';

const HELP = `Usage: grounded-chat <command> [options]

Commands:
  ingest <folder>        Chunk the Markdown/text documents in <folder> and fill an index.

Options for ingest:
  --target local|azure   Which index to fill (default: local).
  --index-dir DIR        Where the local index is saved (default: LOCAL_INDEX_DIR or
                         ${defaultIndexDir()}).
  --force                Rebuild even when the saved index matches the documents.
  -h, --help             Show this help.

The orchestrator loads the local index from the same place at start
(LOCAL_CORPUS_DIR=<folder> LOCAL_INDEX_DIR=<DIR> npm start -w @grounded-chat/orchestrator).
`;

/** Runs the CLI; returns the exit code (so tests can call it in-process). */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        target: { type: 'string', default: 'local' },
        'index-dir': { type: 'string' },
        force: { type: 'boolean', default: false },
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
  if (values.target === 'azure') {
    err.write(
      'grounded-chat: the Azure AI Search target is not available yet in this release (and needs AZURE_SEARCH_ENDPOINT and AZURE_SEARCH_INDEX when it is). Use --target local.\n',
    );
    return 2;
  }
  if (values.target !== 'local') {
    err.write(`grounded-chat: --target must be local or azure, not "${values.target}"\n`);
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
  const index = new LocalIndex({ corpusDir, indexDir });
  const stats = await index.load({ force: values.force });
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

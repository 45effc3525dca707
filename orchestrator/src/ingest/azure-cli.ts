/**
 * The CLI side of `ingest --target azure`: configuration, credentials, the summary and the exit
 * code (docs/ingestion.md#exit-codes): 0 done, 1 ingestion failed (a service error, a file that
 * could not be read, a document the index refused, an interrupted run), 2 usage or configuration
 * (a variable missing or invalid, an existing index whose schema lacks a field).
 */
import { stat } from 'node:fs/promises';
import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import { AzureKeyCredential } from '@azure/search-documents';
import { AzureOpenAI } from 'openai';
import { ConfigError, resolveFromCwd } from '../config.js';
import { COGNITIVE_SERVICES_SCOPE, DEFAULT_AZURE_OPENAI_API_VERSION } from '../providers.js';
import { loadAzureIngestConfig } from './azure-ingest-config.js';
import { ingestToAzure, IngestError, type IngestSummary } from './azure-ingest.js';
import { passageIdOf } from './azure-plan.js';
import { progressFor } from './progress.js';

export async function runAzureIngest(folder: string, options: { dryRun: boolean }, out: NodeJS.WritableStream, err: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config;
  try {
    config = loadAzureIngestConfig(env, DEFAULT_AZURE_OPENAI_API_VERSION);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err.write(`grounded-chat: invalid configuration for --target azure:\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
  const dir = resolveFromCwd(folder);
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    err.write(`grounded-chat: ${dir} is not a folder\n`);
    return 2;
  }
  let entra: DefaultAzureCredential | undefined;
  const credentialFor = () => (entra ??= new DefaultAzureCredential());
  const openai = new AzureOpenAI({
    endpoint: config.openaiEndpoint,
    deployment: config.embeddingDeployment,
    apiVersion: config.apiVersion,
    maxRetries: config.maxRetries,
    ...(config.openaiApiKey ? { apiKey: config.openaiApiKey } : { azureADTokenProvider: getBearerTokenProvider(credentialFor(), COGNITIVE_SERVICES_SCOPE) }),
  });
  const credential = config.searchApiKey ? new AzureKeyCredential(config.searchApiKey) : credentialFor();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const summary = await ingestToAzure(dir, config, { openai, credential, progress: progressFor(err as NodeJS.WriteStream), signal: abort.signal }, { dryRun: options.dryRun });
    if (options.dryRun) printPlan(summary, config.indexName, out);
    for (const f of summary.failedFiles) err.write(`grounded-chat: skipped ${f.path}: ${f.reason}\n`);
    out.write(summaryLine(summary, config.indexName));
    return summary.failedFiles.length ? 1 : 0;
  } catch (e) {
    if (!(e instanceof IngestError)) throw e;
    err.write(`grounded-chat: ${e.message}\n`);
    return e.code === 'schema' || e.code === 'config' ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

function printPlan(s: IngestSummary, index: string, out: NodeJS.WritableStream): void {
  if (s.createdIndex) out.write(`would create index "${index}"\n`);
  for (const d of s.plan.add) out.write(`+ ${d.id}\n`);
  for (const d of s.plan.change) out.write(`~ ${d.id}\n`);
  for (const e of s.plan.remove) out.write(`- ${passageIdOf(e.key)}\n`);
}

export function summaryLine(s: IngestSummary, index: string): string {
  const verb = s.dryRun ? 'would change' : 'ingested into';
  return `${verb} "${index}": ${s.files} files, passages ${s.added} added, ${s.changed} changed, ${s.deleted} deleted, ${s.unchanged} unchanged; ${s.tokens} tokens embedded; ${(s.ms / 1000).toFixed(1)} s\n`;
}

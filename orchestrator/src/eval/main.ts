/**
 * `grounded-chat eval` / `npm run eval`: asks every question of a question file, scores the
 * answers, prints a table, and writes JSON (for CI and `--compare`) and HTML (for people).
 * Usage and the meaning of every metric: docs/evaluation.md.
 *
 * Exit codes (stable, for scripts): 0 done; 1 a regression against `--compare` or a `--require`
 * not met; 2 bad usage or input (question file, baseline); 3 the target could not be started or
 * reached. Every failure is one readable line on stderr, never a stack.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCorpusDir, embeddingOptionsFromEnv, resolveFromCwd } from '../config.js';
import { embedderOption } from '../retrieval/local-embedder.js';
import { PACKAGE_DIR } from './package-dir.js';
import { compare, loadBaseline, BaselineError, type Comparison } from './compare.js';
import { createJudge, type Judge } from './judge.js';
import { METRICS, rateIntervals, scoreQuestion, summarize, type Metrics, type QuestionResult } from './metrics.js';
import { loadQuestions, QuestionFileError } from './questions.js';
import { buildReadmeCorpus, readPackageList } from './readme-corpus.js';
import { renderHtml } from './report-html.js';
import { REPORT_FORMAT, type EvalReport } from './report-json.js';
import { renderTable } from './report-text.js';
import { httpTarget, localTarget, TargetError, type EvalTarget } from './target.js';

export const DEFAULT_QUESTIONS = resolve(PACKAGE_DIR, 'eval', 'docs.jsonl');

export const EVAL_HELP = `Usage: grounded-chat eval [options]

Asks every question of a question file, scores the answers and reports (docs/evaluation.md).

What to ask (default: a local orchestrator over docs/ with the offline answerer):
  --questions FILE       JSONL question file (default: ${DEFAULT_QUESTIONS}).
  --corpus DIR           Index DIR in memory and ask a local orchestrator over it.
  --readmes FILE         Corpus of installed packages' READMEs (FILE lists package names).
  --url URL              Ask a running orchestrator's /score instead (key: --key or ORCHESTRATOR_KEY).
  --split NAME           Only the questions labelled with this split.

Judge (groundedness and relevance, 1–5; off unless a model is configured):
  --judge-url URL        OpenAI-compatible base URL (or EVAL_JUDGE_BASE_URL).
  --judge-model NAME     Model or deployment (or EVAL_JUDGE_MODEL).
  --judge-key KEY        API key (or EVAL_JUDGE_API_KEY).

Output:
  --json FILE            Write the JSON report (- for stdout, which then gets no table).
  --html FILE            Write the self-contained HTML report.
  --compare FILE         A previous JSON report: exit 1 when a metric regressed.
  --require METRIC=MIN   Exit 1 unless the metric reaches MIN (repeatable), e.g. factRecall=0.9.
  -h, --help             Show this help.

Exit codes: 0 done, 1 regression or requirement not met, 2 bad usage or input, 3 target unavailable.
`;

export interface EvalCliIo {
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Injected into the judge's client and the remote target (tests). */
  fetch?: typeof fetch;
}

class UsageError extends Error {}

export async function runEvalCli(argv: string[], io: EvalCliIo = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  const env = io.env ?? process.env;
  const fail = (code: number, message: string) => {
    err.write(`grounded-chat eval: ${message}\n`);
    return code;
  };

  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        questions: { type: 'string' },
        corpus: { type: 'string' },
        readmes: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        split: { type: 'string' },
        'judge-url': { type: 'string' },
        'judge-model': { type: 'string' },
        'judge-key': { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        compare: { type: 'string' },
        require: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return fail(2, `${(e as Error).message}\n\n${EVAL_HELP}`);
  }
  if (values.help) {
    out.write(EVAL_HELP);
    return 0;
  }

  let requirements: { metric: keyof Metrics; min: number }[];
  try {
    if ([values.corpus, values.readmes, values.url].filter(Boolean).length > 1) {
      throw new UsageError('give at most one of --corpus, --readmes and --url');
    }
    requirements = (values.require ?? []).map(parseRequirement);
  } catch (e) {
    return fail(2, (e as Error).message);
  }
  const judgeUrl = values['judge-url'] ?? env.EVAL_JUDGE_BASE_URL;
  const judgeModel = values['judge-model'] ?? env.EVAL_JUDGE_MODEL;
  if (Boolean(judgeUrl) !== Boolean(judgeModel)) return fail(2, 'the judge needs both --judge-url and --judge-model');

  const questionsFile = resolveFromCwd(values.questions ?? DEFAULT_QUESTIONS);
  let target: EvalTarget | undefined;
  let cleanup = async () => {};
  try {
    let questions = await loadQuestions(questionsFile);
    if (values.split) {
      questions = questions.filter((q) => q.split === values.split);
      if (!questions.length) throw new QuestionFileError(`${questionsFile}: no questions in split "${values.split}"`);
    }
    const baseline = values.compare ? await loadBaseline(resolveFromCwd(values.compare)) : undefined;
    const judge: Judge | undefined =
      judgeUrl && judgeModel
        ? await createJudge({
            baseURL: judgeUrl,
            model: judgeModel,
            apiKey: values['judge-key'] ?? env.EVAL_JUDGE_API_KEY,
            ...(io.fetch ? { fetch: io.fetch } : {}),
          })
        : undefined;

    const local = () => ({ ...embedderOption(embeddingOptionsFromEnv(env)), log: (line: string) => err.write(`eval: ${line}\n`) });
    if (values.url) {
      target = httpTarget(values.url, { key: values.key ?? env.ORCHESTRATOR_KEY, ...(io.fetch ? { fetch: io.fetch } : {}) });
    } else if (values.readmes) {
      const corpus = await buildReadmeCorpus(await readPackageList(resolveFromCwd(values.readmes)));
      cleanup = corpus.cleanup;
      target = await localTarget(corpus.dir, local());
    } else {
      target = await localTarget(values.corpus ? resolveFromCwd(values.corpus) : defaultCorpusDir(), local());
    }

    const results: QuestionResult[] = [];
    for (const q of questions) {
      io.signal?.throwIfAborted();
      const result = scoreQuestion(q, await target.ask(q.question, io.signal));
      if (judge && !result.error) result.judge = await judge.judge(result, io.signal);
      results.push(result);
    }
    const report: EvalReport = {
      format: REPORT_FORMAT,
      createdAt: new Date().toISOString(),
      target: values.readmes ? `local READMEs of ${values.readmes}` : target.description,
      ranking: target.ranking,
      questionsFile: values.split ? `${questionsFile} (split ${values.split})` : questionsFile,
      ...(judge ? { judge: { model: judgeModel! } } : {}),
      metrics: summarize(results),
      intervals: rateIntervals(results),
      questions: results,
    };
    const comparison: Comparison | undefined = baseline ? compare(baseline, report) : undefined;

    if (values.json === '-') out.write(JSON.stringify(report, null, 1) + '\n');
    else out.write(renderTable(report.metrics, results, comparison?.regressions, `evaluation of ${report.target}`, report.intervals));
    if (values.json && values.json !== '-') await writeFile(resolveFromCwd(values.json), JSON.stringify(report, null, 1));
    if (values.html) await writeFile(resolveFromCwd(values.html), renderHtml(report, comparison));

    let code = 0;
    if (comparison) {
      const line = (s: string) => (values.json === '-' ? err : out).write(`${s}\n`);
      for (const r of comparison.regressions) line(`regression: ${r.metric} ${r.baseline} → ${r.current}`);
      if (comparison.newlyFailing.length) line(`newly failing: ${comparison.newlyFailing.join(', ')}`);
      if (comparison.regressions.length || comparison.newlyFailing.length) code = 1;
    }
    for (const { metric, min } of requirements) {
      const v = report.metrics[metric];
      if (typeof v !== 'number' || v < min) {
        err.write(`grounded-chat eval: ${metric} is ${v === null ? 'not measured' : v.toFixed(3)}, required ${min}\n`);
        code = 1;
      }
    }
    return code;
  } catch (e) {
    if (io.signal?.aborted) throw e;
    if (e instanceof QuestionFileError || e instanceof BaselineError) return fail(2, e.message);
    if (e instanceof TargetError) return fail(3, e.message);
    if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT' && /prompts/.test(e.message)) {
      return fail(2, `judge prompts not found (${(e as NodeJS.ErrnoException).path ?? 'eval/prompts'})`);
    }
    throw e;
  } finally {
    await target?.close();
    await cleanup();
  }
}

function parseRequirement(spec: string): { metric: keyof Metrics; min: number } {
  const m = /^(\w+)=([0-9]*\.?[0-9]+)$/.exec(spec);
  const known = METRICS.find((x) => x.key === m?.[1]);
  if (!m || !known) {
    throw new UsageError(`--require takes METRIC=MIN with METRIC one of ${METRICS.map((x) => x.key).join(', ')} (got "${spec}")`);
  }
  return { metric: known.key, min: Number(m[2]) };
}

// Run when executed directly (`node orchestrator/dist/eval/main.js`), not when imported.
if (/(?:^|[\\/])eval[\\/]main\.[jt]s$/.test(process.argv[1] ?? '')) {
  runEvalCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`grounded-chat eval: unexpected error: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}

/**
 * The evaluation CLI end to end: question files (bad ones named by line), metrics from real runs
 * over a tiny corpus, --compare and --require exit codes, a remote orchestrator over contract B,
 * the model judge against an OpenAI-compatible stand-in on 127.0.0.1 (429 with retry-after-ms,
 * 5xx, unparseable replies), and an HTML report that escapes hostile documents.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runEvalCli, DEFAULT_QUESTIONS } from '../src/eval/main.js';
import { carriesPhrase, matchesExpected, parseQuestions, QuestionFileError } from '../src/eval/questions.js';
import { findReadme, readPackageList } from '../src/eval/readme-corpus.js';
import { percentile, wilson } from '../src/eval/metrics.js';
import { escapeHtml } from '../src/eval/report-html.js';
import { fill, parseScore } from '../src/eval/judge.js';
import type { EvalReport } from '../src/eval/report-json.js';
import { loadConfig } from '../src/config.js';
import { startScoringServer, type ScoringServer } from '../src/scoring-server.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

const HOSTILE = `# Hostile page

The hostile widget renders \`<script>alert(1)</script>\` and \`<img src=x onerror=alert(2)>\` as plain text in every answer.
`;

const QUESTIONS = [
  { id: 'mount', question: 'How do I mount the server kit in Express?', expected: ['guides/server-kit.md#mounting-in-express'], phrase: 'app.use' },
  { id: 'rate', question: 'How does the kit limit requests per visitor?', expected: ['guides/server-kit.md'], phrase: 'express-rate-limit' },
  { id: 'hostile', question: 'What does the hostile widget render?', expected: ['hostile.md'], phrase: '<script>' },
  { id: 'missing-fact', question: 'How do I mount the server kit in Express?', expected: ['guides/server-kit.md#mounting-in-express'], phrase: 'a phrase no document has' },
  { id: 'egg', question: 'How long should I boil an egg?', answerable: false },
  { id: 'lasagna', question: 'What is a good recipe for lasagna?', answerable: false },
];

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function run(argv: string[], extra: { env?: NodeJS.ProcessEnv } = {}) {
  const out = capture();
  const err = capture();
  const code = await runEvalCli(argv, { out: out.stream, err: err.stream, env: extra.env ?? {} });
  return { code, out: out.text(), err: err.text() };
}

let corpus: Awaited<ReturnType<typeof makeCorpus>>;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let questionsFile: string;

before(async () => {
  corpus = await makeCorpus({ ...KIT_DOCS, 'hostile.md': HOSTILE });
  tmp = await tempDir();
  questionsFile = join(tmp.dir, 'q.jsonl');
  await writeFile(questionsFile, QUESTIONS.map((q) => JSON.stringify(q)).join('\n') + '\n');
});
after(async () => {
  await corpus.cleanup();
  await tmp.cleanup();
});

describe('question files', () => {
  it('the committed docs questions are not quoted word for word in docs/ (a quoted question finds itself)', async () => {
    const docsDir = join(import.meta.dirname, '..', '..', 'docs');
    const norm = (text: string) => text.toLowerCase().replace(/\s+/g, ' ');
    const pages = await Promise.all((await readdir(docsDir)).filter((f) => f.endsWith('.md')).map(async (f) => [f, norm(await readFile(join(docsDir, f), 'utf8'))] as const));
    const questions = parseQuestions(await readFile(DEFAULT_QUESTIONS, 'utf8'), 'docs.jsonl');
    assert.ok(questions.length >= 50 && pages.length >= 10);
    const quoted = questions.flatMap((q) => pages.filter(([, text]) => text.includes(norm(q.question).replace(/[?.!]$/, ''))).map(([f]) => `${q.id} in ${f}`));
    assert.deepEqual(quoted, []);
  });

  const bad: [string, RegExp][] = [
    ['{"question": "x"', /q:1: not valid JSON/],
    ['{"question": "How?", "phrase": "p"}', /q:1: an answerable question needs "expected"/],
    ['{"question": "How?", "expected": ["a.md"]}', /q:1: an answerable question needs a "phrase"/],
    ['{"question": "Egg?", "answerable": false, "phrase": "x"}', /takes no "expected" or "phrase"/],
    ['{"question": "", "answerable": false}', /"question" must not be empty/],
    ['{"question": "Egg?", "answerable": false, "colour": 1}', /q:1: .*colour/],
    ['{"id":"a","question":"Egg?","answerable":false}\n{"id":"a","question":"Ham?","answerable":false}', /q:2: duplicate id "a"/],
    ['\n// only a comment\n', /q: no questions/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text).slice(0, 60)}`, () => {
      assert.throws(() => parseQuestions(text, 'q'), (e: unknown) => e instanceof QuestionFileError && message.test(e.message));
    });
  }

  it('reads ids, defaults and phrase lists', () => {
    const qs = parseQuestions('{"question":"How?","expected":["a.md"],"phrase":["x","y"],"split":"tune"}\n\n{"id":"e","question":"Egg?","answerable":false}');
    assert.deepEqual(qs, [
      { id: 'q1', question: 'How?', answerable: true, expected: ['a.md'], phrases: ['x', 'y'], split: 'tune' },
      { id: 'e', question: 'Egg?', answerable: false, expected: [], phrases: [] },
    ]);
  });

  it('matches expected passages by id, later part and path', () => {
    const cases: [string, string, string[], boolean][] = [
      ['a.md#x', 'a.md', ['a.md#x'], true],
      ['a.md#x~2', 'a.md', ['a.md#x'], true],
      ['a.md#xy', 'a.md', ['a.md#x'], false],
      ['a.md#y', 'a.md', ['a.md'], true],
      ['b.md#y', 'b.md', ['a.md'], false],
    ];
    for (const [id, sourcePath, expected, want] of cases) assert.equal(matchesExpected({ id, sourcePath }, expected), want, `${id} vs ${expected}`);
  });

  it('the committed docs question set has 40+ answerable and 10+ unanswerable questions', async () => {
    const qs = parseQuestions(await readFile(DEFAULT_QUESTIONS, 'utf8'));
    assert.ok(qs.filter((q) => q.answerable).length >= 40);
    assert.ok(qs.filter((q) => !q.answerable).length >= 10);
  });

  it('nearest-rank percentiles', () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([5, 1, 4, 2, 3], 95), 5);
    assert.equal(percentile([], 50), null);
  });
});

describe('eval over a local corpus', () => {
  let report: EvalReport;
  let html: string;
  before(async () => {
    const json = join(tmp.dir, 'report.json');
    const htmlFile = join(tmp.dir, 'report.html');
    const r = await run(['--questions', questionsFile, '--corpus', corpus.dir, '--json', json, '--html', htmlFile]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /retrieval hit@1\s+\d/);
    assert.match(r.out, /✗ missing-fact: phrase missing/);
    assert.match(r.out, /fact in answer or citations\s+0\.750\s+0\.\d{3}–0\.\d{3} of 4/);
    assert.match(r.out, /refusal on unanswerable\s+1\.000\s+0\.\d{3}–1\.000 of 2/);
    report = JSON.parse(await readFile(json, 'utf8')) as EvalReport;
    html = await readFile(htmlFile, 'utf8');
  });

  it('scores each question from what the orchestrator answered', () => {
    const by = new Map(report.questions.map((q) => [q.id, q]));
    const mount = by.get('mount')!;
    assert.equal(mount.rank, 1);
    assert.ok(mount.citations.some((c) => c.id === 'guides/server-kit.md#mounting-in-express'));
    assert.ok(mount.answer.includes('app.use'), mount.answer);
    assert.equal(mount.pass, true);
    assert.equal(by.get('missing-fact')!.pass, false);
    assert.equal(by.get('missing-fact')!.citedRight, true);
    assert.equal(by.get('egg')!.refused, true);
    assert.deepEqual(by.get('egg')!.citations, []);
  });

  it('computes the metrics from the per-question results', () => {
    const m = report.metrics;
    const answerable = report.questions.filter((q) => q.answerable);
    assert.equal(m.questions, 6);
    assert.equal(m.answerable, 4);
    assert.equal(m.refusalRate, 1);
    assert.equal(m.hitAt1, answerable.filter((q) => q.rank === 1).length / 4);
    assert.equal(m.mrr, answerable.reduce((n, q) => n + (q.rank ? 1 / q.rank : 0), 0) / 4);
    const cited = answerable.reduce((n, q) => n + q.citations.length, 0);
    assert.equal(m.citationPrecision, answerable.reduce((n, q) => n + q.citedExpected, 0) / cited);
    assert.equal(m.factRecall, answerable.filter((q) => q.phraseInAnswerOrCitations).length / 4);
    assert.ok(m.factRecall! < 1, 'the missing phrase is missed');
    assert.equal(m.passRate, report.questions.filter((q) => q.pass).length / 6);
    assert.ok(typeof m.latencyP50Ms === 'number' && m.latencyP95Ms! >= m.latencyP50Ms);
    assert.equal(m.groundedness, null, 'no judge configured');
    assert.equal(report.ranking, 'retriever');
  });

  it('gives each share of questions its 95% confidence interval, over the questions it is a share of', () => {
    const intervals = report.intervals!;
    const m = report.metrics;
    for (const [key, n] of [['factRecall', 4], ['citedRight', 4], ['hitAt1', 4], ['refusalRate', 2], ['passRate', 6]] as const) {
      const i = intervals[key]!;
      assert.equal(i.n, n, key);
      assert.ok(i.low <= m[key]! && m[key]! <= i.high && i.low >= 0 && i.high <= 1, `${key} ${m[key]} in [${i.low}, ${i.high}]`);
      assert.deepEqual(i, wilson(Math.round(m[key]! * n), n), key);
    }
    assert.equal(intervals.mrr, undefined, 'MRR is a mean of reciprocal ranks, not a share');
    assert.equal(intervals.latencyP50Ms, undefined);
    // 2 of 2 off-topic questions refused: a perfect score that two questions cannot vouch for.
    assert.ok(intervals.refusalRate!.high === 1 && intervals.refusalRate!.low < 0.35, JSON.stringify(intervals.refusalRate));
    const rows = html.match(/<g class="interval"/g)?.length ?? 0;
    assert.equal(rows, Object.keys(intervals).length, 'one interval line per share in the HTML bars');
    assert.match(html, /fact in answer or citations: 0\.750 \(95% interval 0\.\d{3}–0\.\d{3} of 4\)/);
  });

  it('Wilson intervals: reference values, the ends of the scale, no questions', () => {
    const round = (i: ReturnType<typeof wilson>) => i && [Number(i.low.toFixed(4)), Number(i.high.toFixed(4)), i.n];
    // Published values of the Wilson score interval at 95% (z = 1.96).
    assert.deepEqual(round(wilson(5, 10)), [0.2366, 0.7634, 10]);
    assert.deepEqual(round(wilson(0, 10)), [0, 0.2775, 10]);
    assert.deepEqual(round(wilson(10, 10)), [0.7225, 1, 10]);
    assert.deepEqual(round(wilson(8, 10)), [0.4902, 0.9433, 10]);
    assert.equal(wilson(0, 0), null);
    // More questions, a narrower interval around the same rate.
    const small = wilson(25, 33)!;
    const large = wilson(250, 330)!;
    assert.ok(large.high - large.low < (small.high - small.low) / 3);
  });

  it('writes a self-contained HTML report that escapes answers and documents', () => {
    assert.ok(!/<script/i.test(html), 'no script element, not even from the hostile document');
    assert.ok(!/<img/i.test(html));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the hostile text is shown, escaped');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.ok(!/\b(?:src|href)=["']?https?:/i.test(html), 'no external resource');
    const bars = html.match(/<svg class="bar"/g)?.length ?? 0;
    assert.equal(bars, Object.entries(report.metrics).filter(([k, v]) => v !== null && !['questions', 'answerable', 'unanswerable', 'errors'].includes(k)).length);
    assert.equal(html.match(/<details class="q /g)?.length, 6);
    assert.match(html, /badge fail">FAIL<\/span>.*missing-fact/);
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });

  it('--compare flags a regression with exit 1, and passes against itself', async () => {
    const same = join(tmp.dir, 'same.json');
    await writeFile(same, JSON.stringify(report));
    const ok = await run(['--questions', questionsFile, '--corpus', corpus.dir, '--compare', same]);
    assert.equal(ok.code, 0, ok.out + ok.err);
    const better = structuredClone(report);
    better.metrics.factRecall = 1;
    better.questions.find((q) => q.id === 'missing-fact')!.pass = true;
    const baseline = join(tmp.dir, 'better.json');
    await writeFile(baseline, JSON.stringify(better));
    const worse = await run(['--questions', questionsFile, '--corpus', corpus.dir, '--compare', baseline]);
    assert.equal(worse.code, 1);
    assert.match(worse.out, /factRecall\s+REGRESSED|fact in answer or citations .*REGRESSED/);
    assert.match(worse.out, /regression: factRecall 1 → 0\.75/);
    assert.match(worse.out, /newly failing: missing-fact/);
  });

  it('--require fails the run below a floor', async () => {
    const r = await run(['--questions', questionsFile, '--corpus', corpus.dir, '--require', 'refusalRate=1', '--require', 'factRecall=0.9']);
    assert.equal(r.code, 1);
    assert.match(r.err, /factRecall is 0\.750, required 0\.9/);
    assert.doesNotMatch(r.err, /refusalRate/);
  });

  it('--split keeps only that split', async () => {
    const file = join(tmp.dir, 'split.jsonl');
    await writeFile(file, [
      JSON.stringify({ id: 'a', question: 'How long should I boil an egg?', answerable: false, split: 'tune' }),
      JSON.stringify({ id: 'b', question: 'What is a good recipe for lasagna?', answerable: false, split: 'check' }),
    ].join('\n'));
    const r = await run(['--questions', file, '--corpus', corpus.dir, '--split', 'check', '--json', '-']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((JSON.parse(r.out) as EvalReport).questions.map((q) => q.id), ['b']);
    assert.equal((await run(['--questions', file, '--corpus', corpus.dir, '--split', 'nope'])).code, 2);
  });
});

describe('usage and input errors', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['an unknown option', ['--frobnicate'], 2, /Unknown option/],
    ['two targets', ['--corpus', '.', '--url', 'http://127.0.0.1:1'], 2, /at most one of/],
    ['a judge without a model', ['--judge-url', 'http://127.0.0.1:1/v1'], 2, /both --judge-url and --judge-model/],
    ['a bad --require', ['--require', 'speed=1'], 2, /--require takes METRIC=MIN/],
    ['a missing question file', ['--questions', '/nonexistent/q.jsonl'], 2, /cannot read \/nonexistent\/q.jsonl \(ENOENT\)/],
    ['a missing baseline', ['--compare', '/nonexistent/b.json'], 2, /cannot read baseline/],
    ['a missing corpus', ['--corpus', '/nonexistent/corpus'], 3, /cannot index \/nonexistent\/corpus/],
  ];
  for (const [what, argv, code, message] of cases) {
    it(`${what} → exit ${code}`, async () => {
      const args = argv.includes('--questions') ? argv : ['--questions', questionsFile, ...argv];
      const r = await run(args);
      assert.equal(r.code, code, r.err);
      assert.match(r.err, message);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    });
  }

  it('a bad line in a question file names the line', async () => {
    const file = join(tmp.dir, 'bad.jsonl');
    await writeFile(file, `${JSON.stringify(QUESTIONS[0])}\n{"question": 3}\n`);
    const r = await run(['--questions', file, '--corpus', corpus.dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.jsonl:2: "question"/);
  });
});

describe('against a running orchestrator (--url)', () => {
  let server: ScoringServer;
  let store: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    store = await tempDir();
    const config = loadConfig({ LOCAL_CORPUS_DIR: corpus.dir, LOCAL_INDEX_DIR: store.dir, ORCHESTRATOR_KEYS: 'k1', EXTRACTIVE_DELAY_MS: '0' });
    server = await startScoringServer({ port: 0, host: '127.0.0.1', config, log: () => {}, logError: () => {} });
    await server.ready;
  });
  after(async () => {
    await server.close();
    await store.cleanup();
  });

  it('asks /score with the key and ranks by citation order', async () => {
    const r = await run(['--questions', questionsFile, '--url', server.url, '--json', '-'], { env: { ORCHESTRATOR_KEY: 'k1' } });
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as EvalReport;
    assert.equal(report.ranking, 'citations');
    assert.equal(report.metrics.errors, 0);
    const mount = report.questions.find((q) => q.id === 'mount')!;
    assert.deepEqual(mount.ranked.map((p) => p.id), mount.citations.map((c) => c.id));
    assert.equal(mount.pass, true);
  });

  it('records a refused key as a failed request, not an answer', async () => {
    const r = await run(['--questions', questionsFile, '--url', `${server.url}/score`, '--key', 'wrong', '--json', '-']);
    assert.equal(r.code, 0);
    const report = JSON.parse(r.out) as EvalReport;
    assert.equal(report.metrics.errors, 6);
    assert.ok(report.questions.every((q) => q.error === 'unauthorized' && !q.pass));
    assert.equal(report.metrics.refusalRate, null, 'a failed request is not a refusal');
  });

  it('an unreachable orchestrator → exit 3', async () => {
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const { port } = dead.address() as AddressInfo;
    await new Promise((r) => dead.close(r));
    const r = await run(['--questions', questionsFile, '--url', `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 3);
    assert.match(r.err, /cannot reach http:\/\/127\.0\.0\.1:\d+\/score \(ECONNREFUSED\)/);
  });
});

describe('the model judge (OpenAI-compatible stand-in on 127.0.0.1)', () => {
  let stand: Server;
  let url: string;
  const seen: { auth?: string; model: string; prompt: string }[] = [];
  let calls = 0;
  before(async () => {
    // Call 1 is throttled (429, retry-after-ms), call 2 fails (503), then answers arrive; the
    // relevance judge of the lasagna question gets prose instead of JSON.
    stand = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const c of req) body += c;
      calls++;
      if (req.url !== '/v1/chat/completions') return void res.writeHead(404).end();
      if (calls === 1) return void res.writeHead(429, { 'retry-after-ms': '5', 'content-type': 'application/json' }).end('{"error":{"message":"slow down"}}');
      if (calls === 2) return void res.writeHead(503, { 'retry-after-ms': '5' }).end();
      const parsed = JSON.parse(body) as { model: string; messages: { content: string }[] };
      const prompt = parsed.messages[0]!.content;
      seen.push({ auth: req.headers.authorization, model: parsed.model, prompt });
      const isRelevance = prompt.includes('Judge RELEVANCE');
      let content = isRelevance ? '```json\n{"score": 4, "reason": "answers it"}\n```' : '{"score": 5, "reason": "supported"}';
      if (isRelevance && prompt.includes('lasagna')) content = 'I would say it is fine.';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: 'c1', object: 'chat.completion', created: 0, model: parsed.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
      }));
    });
    stand.listen(0, '127.0.0.1');
    await once(stand, 'listening');
    url = `http://127.0.0.1:${(stand.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    const closed = new Promise<void>((r) => stand.close(() => r()));
    stand.closeAllConnections(); // the client keeps its connections alive
    await closed;
  });

  it('judges every answer with the committed prompts, retrying 429 and 5xx', async () => {
    const r = await run(['--questions', questionsFile, '--corpus', corpus.dir, '--json', '-'], {
      env: { EVAL_JUDGE_BASE_URL: url, EVAL_JUDGE_MODEL: 'judge-1', EVAL_JUDGE_API_KEY: 'sk-test' },
    });
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as EvalReport;
    assert.deepEqual(report.judge, { model: 'judge-1' });
    assert.equal(seen.length, 12, 'two judges for each of six questions');
    assert.equal(calls, 14, 'the throttled and the failed call were retried');
    assert.ok(seen.every((s) => s.auth === 'Bearer sk-test' && s.model === 'judge-1'));
    const mount = report.questions.find((q) => q.id === 'mount')!;
    const grounding = seen.find((s) => s.prompt.includes('Judge GROUNDEDNESS') && s.prompt.includes(mount.question))!;
    assert.ok(grounding.prompt.includes(mount.answer), 'the answer is in the prompt');
    assert.ok(grounding.prompt.includes(mount.citations[0]!.snippet), 'the cited snippets are the sources');
    assert.ok(!grounding.prompt.includes('{{'), 'every placeholder filled');
    assert.deepEqual(mount.judge, { groundedness: 5, relevance: 4 });
    const lasagna = report.questions.find((q) => q.id === 'lasagna')!;
    assert.deepEqual(lasagna.judge, { groundedness: 5, relevance: null, error: 'judge_unparseable' });
    assert.equal(report.metrics.groundedness, 5);
    assert.equal(report.metrics.relevance, 4, 'the unparseable reply is left out of the mean');
    assert.match((await run(['--questions', questionsFile, '--corpus', corpus.dir], { env: { EVAL_JUDGE_BASE_URL: url, EVAL_JUDGE_MODEL: 'judge-1' } })).out, /groundedness \(judge, 1–5\)\s+5\.00/);
  });

  it('parses scores strictly and fills templates once', () => {
    const cases: [string, number | null][] = [
      ['{"score": 3}', 3],
      ['Sure: {"score": "2", "reason": "x"}', 2],
      ['{"score": 6}', null],
      ['{"score": 2.5}', null],
      ['score: 4', null],
      ['{not json}', null],
    ];
    for (const [reply, want] of cases) assert.equal(parseScore(reply), want, reply);
    assert.equal(fill('Q {{question}} A {{answer}}', { question: '{{answer}}', answer: 'x' }), 'Q {{answer}} A x');
  });
});

describe('the README held-out question set', () => {
  it('names installed packages, splits by package, and every phrase is in its README', async () => {
    const dir = join(import.meta.dirname, '..', 'eval', 'readmes');
    const packages = await readPackageList(join(dir, 'packages.txt'));
    const qs = parseQuestions(await readFile(join(dir, 'questions.jsonl'), 'utf8'));
    assert.ok(packages.length >= 30, `${packages.length} packages`);
    const answerable = qs.filter((q) => q.answerable);
    assert.ok(answerable.length >= 60 && qs.length - answerable.length >= 20);
    const splitOf = new Map<string, string>();
    for (const q of answerable) {
      const [expected] = q.expected;
      const pkg = expected!.replace(/\/README\.md$/, '');
      assert.ok(packages.includes(pkg), `${q.id}: ${pkg} is listed`);
      assert.ok(q.split === 'tune' || q.split === 'check');
      assert.equal(splitOf.get(pkg) ?? q.split, q.split, `${pkg} is in one split only`);
      splitOf.set(pkg, q.split!);
      const readme = await findReadme(pkg, import.meta.dirname);
      assert.ok(readme, `${pkg} has an installed README`);
      assert.ok(carriesPhrase(await readFile(readme, 'utf8'), q.phrases), `${q.id}: the fact is in ${pkg}'s README`);
    }
    for (const split of ['tune', 'check']) assert.ok(qs.filter((q) => q.split === split).length >= 30, split);
  });

  it('has a second tuning set over other packages only (docs/evaluation.md)', async () => {
    const dir = join(import.meta.dirname, '..', 'eval', 'readmes');
    const held = await readPackageList(join(dir, 'packages.txt'));
    const packages = await readPackageList(join(dir, 'packages-tune2.txt'));
    assert.ok(packages.length >= 15, `${packages.length} packages`);
    for (const pkg of packages) assert.ok(!held.includes(pkg), `${pkg} is not in packages.txt`);
    const qs = parseQuestions(await readFile(join(dir, 'questions-tune2.jsonl'), 'utf8'));
    const answerable = qs.filter((q) => q.answerable);
    assert.ok(answerable.length >= 40 && qs.length - answerable.length >= 8);
    for (const q of qs) assert.equal(q.split, 'tune2', q.id);
    for (const q of answerable) {
      const pkg = q.expected[0]!.replace(/\/README\.md$/, '');
      assert.ok(packages.includes(pkg), `${q.id}: ${pkg} is listed`);
      const readme = await findReadme(pkg, import.meta.dirname);
      assert.ok(readme, `${pkg} has an installed README`);
      assert.ok(carriesPhrase(await readFile(readme, 'utf8'), q.phrases), `${q.id}: the fact is in ${pkg}'s README`);
    }
  });
});

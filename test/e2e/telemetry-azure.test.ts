/**
 * Application Insights on the chain's GENERATIVE Azure path: `scripts/start.mjs` (what `npm start`
 * runs) with the orchestrator configured for Azure AI Search + Azure OpenAI, both HTTPS loopback
 * stand-ins (orchestrator/test/azure-standins.ts, the real SDKs talking to them), the demo site and
 * its server kit in front under Easy Auth (a signed-in visitor, forwarded to the orchestrator), and
 * the connection string naming the HTTPS loopback ingestion endpoint. One question, then the chain
 * is stopped (SIGTERM: each process flushes before it exits) and the envelopes are checked: one
 * operation across both processes, the dependency spans of the AI Search and Azure OpenAI calls,
 * the token counts the stand-in returned on the chat event and the generate span, and nothing that
 * must not leave the processes (question text, keys, the raw visitor id).
 *
 * The stand-ins and the ingestion endpoint share one test-made certificate, because Node reads a
 * single NODE_EXTRA_CA_CERTS file at start.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KIT_EVENT_FIELDS, KIT_EVENTS } from '../../server-kit/src/telemetry/names.js';
import { hashUserId } from '../../server-kit/src/telemetry/privacy.js';
import { FLOW_ATTRIBUTES, FLOW_STEPS, GEN_AI, RETRIEVAL } from '../../orchestrator/src/telemetry/names.js';
import { json, startStandIn, streamChat as streamModel, type Handler, type StandIn } from '../../orchestrator/test/azure-standins.js';
import { startChain, type RunningChain } from './helpers.js';
import { startIngestion, type Envelope, type Ingestion } from './telemetry/ingestion.js';

const NONCE = 'qvw-nonce-9182';
const QUESTION = `How do I mount the server kit? ${NONCE}`;
const SEARCH_KEY = 'search-KEY-secret-5521';
const AOAI_KEY = 'aoai-KEY-secret-7734';
const HASH_KEY = 'hash-key-for-tests-only';
const USER_ID = '00000000-0000-0000-0000-00000000b2b2';
const USER_NAME = 'Grace Hopper';
/** What the model stand-in reports: the numbers the envelopes must carry. */
const USAGE: [number, number] = [1234, 56];
const ANSWER = ['To mount it, call ', 'createChatRouter() [1]', ' and pass it to app.use.'];
const SCORES = [3.25, 1.5];

const DOCS = [
  { id: 'kit-mount', title: 'Server kit', url: 'https://docs.example/server-kit#mounting', content: 'Call createChatRouter() and mount it with app.use.' },
  { id: 'kit-auth', title: 'Auth', url: 'https://docs.example/auth', content: 'Easy Auth headers are believed only on App Service.' },
];
const search: Handler = (_req, res) =>
  json(res, 200, { value: DOCS.map((d, i) => ({ '@search.score': SCORES[i], ...d })) });
/** A question carrying this marker gets a model stream cut after its first piece (a failed chat to find by its trace id). */
const FAIL_MARKER = 'cut-marker-3307';
const FAILING_QUESTION = `What about auth? ${FAIL_MARKER}`;
const chat: Handler = (req, res) => {
  if (JSON.stringify(req.body).includes(FAIL_MARKER)) return streamModel(res, { pieces: ANSWER, cutAfter: 1 });
  return req.body.stream ? streamModel(res, { pieces: ANSWER, usage: USAGE }) : json(res, 400, { error: { code: 'unexpected', message: 'non-streaming call' } });
};

const role = (e: Envelope) => e.tags?.['ai.cloud.role'];
const op = (e: Envelope) => e.tags?.['ai.operation.id'];
const of = (envelopes: Envelope[], baseType: string, cloudRole?: string) =>
  envelopes.filter((e) => e.data.baseType === baseType && (!cloudRole || role(e) === cloudRole));

/** Waits until `ready` holds; the deadline only guards against a hang. */
async function until(ready: () => boolean, what: string, envelopes: () => Envelope[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ready()) {
    if (Date.now() > deadline) {
      const seen = envelopes().map((e) => `${role(e)}:${e.data.baseType}:${e.data.baseData?.name}`);
      throw new Error(`timed out waiting for ${what}; got ${seen.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('telemetry on the generative Azure path (AI Search + Azure OpenAI stand-ins), Easy Auth visitor', () => {
  let ingestion: Ingestion;
  let standIn: StandIn;
  let chain: RunningChain | undefined;
  let traceId: string;
  let lines: Array<Record<string, any>>;
  let inOp: Envelope[];
  let failedTraceId: string;
  let failedStatus: number;
  let failedCode: string;

  before(async () => {
    ingestion = await startIngestion();
    const tls = { key: readFileSync(join(ingestion.dir, 'key.pem'), 'utf8'), cert: readFileSync(ingestion.caFile, 'utf8') };
    standIn = await startStandIn(tls, { search, chat, embeddings: (_q, res) => json(res, 404, {}), token: (_q, res) => json(res, 404, {}) });
    const tmp = join(ingestion.dir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    chain = await startChain({
      NODE_EXTRA_CA_CERTS: ingestion.caFile,
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=4f6c0b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f;IngestionEndpoint=${ingestion.url}`,
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
      APPLICATIONINSIGHTS_CONFIGURATION_CONTENT: JSON.stringify({ azureMonitorExporterOptions: { disableOfflineStorage: true } }),
      // Every trace kept: the SDK's default samples by rate (5 traces a second), and this test's
      // two chats and the readiness checks come faster than that, so the second chat's trace was
      // dropped about one run in four. The test checks what a kept trace holds, not the sampler.
      OTEL_TRACES_SAMPLER: 'always_on',
      TMPDIR: tmp,
      TELEMETRY_USER_HASH_KEY: HASH_KEY,
      // The visitor: Easy Auth, believed because the platform says it is on; forwarded to the orchestrator.
      AUTH_MODE: 'easyauth',
      WEBSITE_AUTH_ENABLED: 'true',
      WEBSITE_SITE_NAME: 'gc-e2e',
      FORWARD_PRINCIPAL: 'true',
      // The orchestrator's providers: Azure AI Search (keyword) and Azure OpenAI, with keys.
      AZURE_SEARCH_ENDPOINT: standIn.url,
      AZURE_SEARCH_INDEX: 'kb',
      AZURE_SEARCH_API_KEY: SEARCH_KEY,
      AZURE_SEARCH_MAX_RETRIES: '0',
      AZURE_OPENAI_ENDPOINT: standIn.url,
      AZURE_OPENAI_API_KEY: AOAI_KEY,
      AZURE_OPENAI_CHAT_DEPLOYMENT: 'chat-dep',
      MODEL_FOLLOWUPS: 'false',
      MODEL_MAX_RETRIES: '0',
    });
    const res = await fetch(`${chain.url}/api/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ms-client-principal-id': USER_ID, 'x-ms-client-principal-name': USER_NAME, 'x-ms-client-principal-idp': 'aad' },
      body: JSON.stringify({ messages: [{ role: 'user', content: QUESTION }] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    traceId = lines.find((l) => l.delta?.context?.traceId)!.delta.context.traceId;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    // A second question whose model stream is cut midway: the visitor sees the start of an answer,
    // its trace id (the first line), then an error line: what a support request would quote.
    const failed = await fetch(`${chain.url}/api/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ms-client-principal-id': USER_ID, 'x-ms-client-principal-idp': 'aad' },
      body: JSON.stringify({ messages: [{ role: 'user', content: FAILING_QUESTION }] }),
    });
    failedStatus = failed.status;
    const failedLines = (await failed.text()).trim().split('\n').map((l) => JSON.parse(l));
    failedCode = failedLines.at(-1)?.error?.code ?? '';
    failedTraceId = failedLines.find((l) => l.delta?.context?.traceId)?.delta.context.traceId ?? '';
    await chain.stop();
    const inChat = () => ingestion.envelopes.filter((e) => op(e) === traceId);
    await until(
      () => {
        const envs = inChat();
        return (
          envs.some((e) => role(e) === 'web' && e.data.baseType === 'RequestData') &&
          envs.some((e) => role(e) === 'orchestrator' && e.data.baseType === 'RequestData') &&
          envs.some((e) => e.data.baseType === 'RemoteDependencyData' && e.data.baseData.name === FLOW_STEPS.generate) &&
          envs.some((e) => role(e) === 'web' && e.data.baseType === 'RemoteDependencyData') &&
          envs.some((e) => /docs\/search/.test(String(e.data.baseData.data ?? ''))) &&
          envs.some((e) => /chat\/completions/.test(String(e.data.baseData.data ?? ''))) &&
          envs.some((e) => e.data.baseType === 'EventData' && e.data.baseData.name === KIT_EVENTS.chat) &&
          ingestion.envelopes.some((e) => op(e) === failedTraceId && e.data.baseData.name === KIT_EVENTS.chat) &&
          ingestion.envelopes.some((e) => op(e) === failedTraceId && e.data.baseData.name === FLOW_STEPS.generate) &&
          ingestion.envelopes.some((e) => op(e) === failedTraceId && e.data.baseType === 'ExceptionData')
        );
      },
      "both processes' requests, the generate span and the chat event",
      () => ingestion.envelopes,
    );
    inOp = inChat();
  });

  after(async () => {
    await chain?.stop();
    await standIn?.close();
    await ingestion?.close();
  });

  it('answered from the stand-ins: one search, one streamed chat completion, each with its key', () => {
    const content = lines.filter((l) => typeof l.delta?.content === 'string').map((l) => l.delta.content).join('');
    assert.match(content, /createChatRouter\(\)/);
    // One search and one streamed completion per question (two questions: the answer and the cut one).
    const searches = standIn.requests.filter((r) => r.path.includes('/docs/search'));
    const chats = standIn.requests.filter((r) => r.path.endsWith('/chat/completions'));
    assert.equal(searches.length, 2);
    assert.deepEqual(chats.map((c) => c.body.stream), [true, true]);
    assert.equal(searches[0]!.headers['api-key'], SEARCH_KEY);
    assert.equal(chats[0]!.headers['api-key'], AOAI_KEY);
    // The operation goes on to the model (W3C traceparent, from the undici instrumentation). The
    // search request carries none: the Azure SDK records its own HTTP span and the http
    // instrumentation's duplicate (which would have sent one) is off (AZURE_HTTP_TRACING_CHILDREN_DISABLED).
    assert.match(String(chats[0]!.headers.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
  });

  it('records one operation across the kit and the orchestrator, the kit→orchestrator hop as the parent', () => {
    const webRequest = of(inOp, 'RequestData', 'web').find((e) => e.data.baseData.name === 'POST /api/chat/stream');
    const orchRequest = of(inOp, 'RequestData', 'orchestrator').find((e) => e.data.baseData.name === 'POST /score');
    assert.ok(webRequest, "the kit's request in the visitor's operation");
    assert.ok(orchRequest, "the orchestrator's request in the same operation");
    const hop = of(inOp, 'RemoteDependencyData', 'web').find((e) => e.data.baseData.id === orchRequest.tags?.['ai.operation.parentId']);
    assert.ok(hop, "the kit's dependency call is the orchestrator request's parent");
    assert.match(String(hop.data.baseData.target ?? hop.data.baseData.data), /127\.0\.0\.1/);
  });

  it('has a RemoteDependencyData for the AI Search call and one for the Azure OpenAI call, in that operation', (t) => {
    const standInHost = new URL(standIn.url).host;
    const deps = of(inOp, 'RemoteDependencyData', 'orchestrator');
    const outgoing = deps.filter((e) => String(e.data.baseData.target ?? '').includes(standInHost) || String(e.data.baseData.data ?? '').includes(standInHost));
    const describe = () => deps.map((e) => `${e.data.baseData.name} [${e.data.baseData.type}] ${e.data.baseData.target} ${e.data.baseData.data}`).join('\n');
    const searchCalls = outgoing.filter((e) => /docs\/search/.test(String(e.data.baseData.data ?? e.data.baseData.name)));
    assert.equal(searchCalls.length, 1, `one HTTP dependency per search (the Azure SDK's; the http instrumentation's twin is off) among:\n${describe()}`);
    const searchCall = searchCalls[0];
    const modelCall = outgoing.find((e) => /chat\/completions/.test(String(e.data.baseData.data ?? e.data.baseData.name)));
    t.diagnostic(describe());
    assert.ok(searchCall, `AI Search dependency among:\n${describe()}`);
    assert.ok(modelCall, `Azure OpenAI dependency among:\n${describe()}`);
    // The Azure SDK's own span (its tracing, turned on through the ES-module hook) wraps the HTTP call.
    assert.ok(deps.some((e) => /^SearchClient-search/.test(e.data.baseData.name) && /Microsoft\.Search/.test(String(e.data.baseData.type))), `the SearchClient span among:\n${describe()}`);
    assert.equal(String(searchCall.data.baseData.resultCode), '200');
    assert.equal(String(modelCall.data.baseData.resultCode), '200');
    // Each is a child of its flow step: the search under flow.retrieve, the model under flow.generate.
    const retrieve = deps.find((e) => e.data.baseData.name === FLOW_STEPS.retrieve)!;
    const generate = deps.find((e) => e.data.baseData.name === FLOW_STEPS.generate)!;
    const ancestors = (e: Envelope): string[] => {
      const byId = new Map(inOp.map((x) => [x.data.baseData.id, x] as const));
      const out: string[] = [];
      for (let p = e.tags?.['ai.operation.parentId']; p && byId.has(p) && out.length < 10; p = byId.get(p)!.tags?.['ai.operation.parentId']) out.push(p);
      return out;
    };
    assert.ok(ancestors(searchCall).includes(retrieve.data.baseData.id), 'the search call is under flow.retrieve');
    assert.ok(ancestors(modelCall).includes(generate.data.baseData.id), 'the model call is under flow.generate');
  });

  it('puts the GenAI attributes and the stand-in\'s usage on the generate span, the retrieval summary on the retrieve span', () => {
    const deps = of(inOp, 'RemoteDependencyData', 'orchestrator');
    for (const step of Object.values(FLOW_STEPS)) assert.ok(deps.some((e) => e.data.baseData.name === step), step);
    const generate = deps.find((e) => e.data.baseData.name === FLOW_STEPS.generate)!.data.baseData.properties;
    assert.equal(generate[GEN_AI.system], 'azure.ai.openai');
    assert.equal(generate[GEN_AI.requestModel], 'chat-dep');
    assert.equal(generate[GEN_AI.inputTokens], String(USAGE[0]));
    assert.equal(generate[GEN_AI.outputTokens], String(USAGE[1]));
    assert.match(generate[GEN_AI.finishReasons], /stop/);
    const retrieve = deps.find((e) => e.data.baseData.name === FLOW_STEPS.retrieve)!.data.baseData.properties;
    assert.equal(retrieve[RETRIEVAL.store], 'azure-search');
    assert.equal(retrieve[RETRIEVAL.top], '5');
    assert.equal(retrieve[RETRIEVAL.hits], String(DOCS.length));
    assert.equal(Number(retrieve[RETRIEVAL.bestScore]), Math.max(...SCORES));
    // The orchestrator's request carries the forwarded visitor, hashed with the shared key: the
    // exporter maps its enduser.pseudo.id to the ai.user.id tag (`user_Id` in the requests table).
    const orchRequest = of(inOp, 'RequestData', 'orchestrator')[0]!;
    assert.equal(orchRequest.tags?.['ai.user.id'], hashUserId(USER_ID, HASH_KEY));
    assert.equal(orchRequest.data.baseData.properties?.[FLOW_ATTRIBUTES.user], undefined, 'a tag, not a custom dimension');
  });

  it("sends the kit's chat event with the stand-in's token counts and the hashed visitor", () => {
    const event = of(inOp, 'EventData', 'web').find((e) => e.data.baseData.name === KIT_EVENTS.chat);
    assert.ok(event, "the chat event in the chat's operation");
    const c = KIT_EVENT_FIELDS.chat;
    const { properties, measurements } = event.data.baseData;
    assert.equal(properties[c.properties.outcome], 'ok');
    assert.equal(properties[c.properties.mode], 'generative');
    assert.equal(measurements[c.measurements.inputTokens], USAGE[0]);
    assert.equal(measurements[c.measurements.outputTokens], USAGE[1]);
    assert.equal(measurements[c.measurements.citations], 1);
    assert.ok(measurements[c.measurements.timeToFirstTokenMs] > 0);
    assert.equal(properties[c.properties.user], hashUserId(USER_ID, HASH_KEY));
    assert.equal(properties[c.properties.question], undefined);
  });

  it('sends no question text, no key and no raw visitor id or name', () => {
    const all = ingestion.bodies.join('\n');
    assert.ok(all.length > 0);
    for (const secret of [NONCE, 'mount the server kit', FAIL_MARKER, SEARCH_KEY, AOAI_KEY, USER_ID, USER_NAME, ANSWER[0]!.trim()]) {
      assert.equal(all.includes(secret), false, `"${secret}" is in the envelopes`);
    }
    assert.equal(/api-key/i.test(all), false, 'no api-key header recorded');
  });

  it("finds a visitor's failed chat from the trace id it was given: the chat event's outcome, the failed step and its error code", () => {
    assert.equal(failedStatus, 200, 'the stream had begun');
    assert.ok(failedCode, 'the last line is an error');
    assert.match(failedTraceId, /^[0-9a-f]{32}$/, 'the error names its trace id');
    const envs = ingestion.envelopes.filter((e) => op(e) === failedTraceId);
    const event = envs.find((e) => e.data.baseData.name === KIT_EVENTS.chat)!;
    assert.equal(event.data.baseData.properties[KIT_EVENT_FIELDS.chat.properties.outcome], failedCode);
    const generate = envs.find((e) => e.data.baseData.name === FLOW_STEPS.generate);
    assert.ok(generate, 'the generate step, in the failed operation');
    assert.equal(generate.data.baseData.success, false);
    assert.equal(generate.data.baseData.properties[FLOW_ATTRIBUTES.errorCode], failedCode, 'the failed step names the code the visitor got');
    assert.ok(envs.some((e) => e.data.baseType === 'ExceptionData' && e.data.baseData.exceptions?.[0]?.message === failedCode), 'and its exception, by code (never the provider\'s message)');
    assert.ok(envs.some((e) => /chat\/completions/.test(String(e.data.baseData.data ?? ''))), 'the model call, in the failed operation');
    assert.ok(envs.some((e) => role(e) === 'web' && e.data.baseType === 'RequestData'), "the kit's request, in the failed operation");
  });
});

/**
 * Entra and the other wire variants, through the real entry point and SDKs over HTTPS loopback:
 * `DefaultAzureCredential` getting a managed-identity token (the App Service style endpoint that
 * the platform provides through IDENTITY_ENDPOINT / IDENTITY_HEADER) for the Cognitive Services
 * and Search scopes; the Azure OpenAI v1 API; several data stores fused by RRF; the index's own
 * vectorizer (a text vector query); and an OpenAI-compatible server over the local index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { completion, embedding, json, makeCertificate, startOrchestrator, startStandIn, streamChat, type Child, type Handler, type StandIn } from './azure-standins.js';
import { KIT_DOCS, makeCorpus, tempDir } from './helpers.js';

let cert: Awaited<ReturnType<typeof makeCertificate>>;
let standIn: StandIn;

const store = (index: string, ids: string[]): Record<string, unknown>[] =>
  ids.map((id, i) => ({ '@search.score': 10 - i, id, title: `${index} ${id}`, heading: [`${index} ${id}`], filepath: `${index}/${id}.md`, content: `Text of ${id} in ${index}.` }));
const searchByIndex: Handler = (req, res) => {
  const index = /indexes\('([^']+)'\)/.exec(req.path)![1]!;
  json(res, 200, { value: index === 'idx-a' ? store('idx-a', ['a1', 'shared', 'a3']) : store('idx-b', ['b1', 'b2']) });
};

before(async () => {
  cert = await makeCertificate();
  standIn = await startStandIn(cert, {
    search: searchByIndex,
    chat: (req, res) => (req.body.stream ? streamChat(res, { pieces: ['Answer [1] and [3].'] }) : completion(res, 'q')),
    embeddings: (req, res) => embedding(res, [1, 0], req.body.encoding_format),
    token: (req, res) => {
      if (req.headers['x-identity-header'] !== 'platform-secret') return json(res, 401, { error: 'no header' });
      const resource = req.query.get('resource') ?? '';
      json(res, 200, { access_token: `token-for-${new URL(resource).host}`, expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource, token_type: 'Bearer' });
    },
  });
});
after(async () => {
  await standIn?.close();
  await cert?.cleanup();
});

describe('Entra (managed identity), the v1 API, several stores', () => {
  let orch: Child;
  before(async () => {
    orch = await startOrchestrator(
      {
        IDENTITY_ENDPOINT: `${standIn.url}/msi/token`,
        IDENTITY_HEADER: 'platform-secret',
        AZURE_OPENAI_ENDPOINT: standIn.url,
        AZURE_OPENAI_CHAT_DEPLOYMENT: 'gpt-4o',
        AZURE_OPENAI_API_VERSION: 'v1',
        AZURE_SEARCH_ENDPOINT: standIn.url,
        AZURE_SEARCH_STORES: 'guides=idx-a,api=idx-b',
        AZURE_SEARCH_QUERY_MODE: 'vector',
      },
      cert.certPath,
    );
  });
  after(() => orch?.stop());

  it('uses Entra tokens (no api-key), the v1 path without api-version, and a text vector query per store', async () => {
    const res = await fetch(`${orch.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'What is shared?' }) });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body) + orch.stderr());
    const chat = standIn.requests.find((r) => r.path.endsWith('/chat/completions'))!;
    assert.equal(chat.path, '/openai/v1/chat/completions');
    assert.equal(chat.query.get('api-version'), null);
    assert.equal(chat.headers['api-key'], undefined);
    assert.equal(chat.headers.authorization, 'Bearer token-for-cognitiveservices.azure.com');
    assert.equal(chat.body.model, 'gpt-4o');
    const searches = standIn.requests.filter((r) => r.path.includes('/docs/search'));
    assert.deepEqual(searches.map((r) => /indexes\('([^']+)'\)/.exec(r.path)![1]).sort(), ['idx-a', 'idx-b']);
    for (const s of searches) {
      assert.match(String(s.headers.authorization), /^Bearer token-for-search\.azure\.com$/);
      assert.equal(s.body.search, undefined, 'pure vector: no keyword text');
      assert.deepEqual(s.body.vectorQueries, [{ kind: 'text', text: 'What is shared?', fields: 'contentVector', k: 5 }]);
    }
    // RRF over the two rankings (idx-a: a1, shared, a3; idx-b: b1, b2): firsts, then seconds, ...
    const sources = [...chat.body.messages[0].content.matchAll(/<source id="(\d)" title="[^"]*" path="([^"]+)"/g)].map((m) => m[2]);
    assert.deepEqual(sources, ['idx-a/a1.md', 'idx-b/b1.md', 'idx-a/shared.md', 'idx-b/b2.md', 'idx-a/a3.md']);
    // The model cited [1] and [3]: a1 and shared.
    assert.deepEqual(body.citations.map((c: { id: string }) => c.id), ['a1', 'shared']);
  });
});

describe('Entra on the deployment path (AzureOpenAI with a token provider)', () => {
  let orch: Child;
  before(async () => {
    standIn.reset();
    orch = await startOrchestrator(
      {
        IDENTITY_ENDPOINT: `${standIn.url}/msi/token`,
        IDENTITY_HEADER: 'platform-secret',
        AZURE_OPENAI_ENDPOINT: standIn.url,
        AZURE_OPENAI_CHAT_DEPLOYMENT: 'chat-dep',
        AZURE_SEARCH_ENDPOINT: standIn.url,
        AZURE_SEARCH_INDEX: 'idx-a',
        MODEL_FOLLOWUPS: 'false',
      },
      cert.certPath,
    );
  });
  after(() => orch?.stop());

  it('sends a bearer token for the Cognitive Services scope to the deployment, with the default api-version', async () => {
    const res = await fetch(`${orch.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'What is shared?' }) });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body) + orch.stderr());
    const chat = standIn.requests.find((r) => r.path.endsWith('/chat/completions'))!;
    assert.equal(chat.path, '/openai/deployments/chat-dep/chat/completions');
    assert.equal(chat.query.get('api-version'), '2024-10-21');
    assert.equal(chat.headers['api-key'], undefined);
    assert.equal(chat.headers.authorization, 'Bearer token-for-cognitiveservices.azure.com');
    const tokens = standIn.requests.filter((r) => r.path.startsWith('/msi/'));
    assert.ok(tokens.some((t) => t.query.get('resource') === 'https://cognitiveservices.azure.com'), 'asked for the Cognitive Services scope');
    assert.deepEqual(body.citations.map((c: { id: string }) => c.id), ['a1', 'a3']);
  });
});

describe('OpenAI-compatible server over the local index', () => {
  let orch: Child;
  let corpus: Awaited<ReturnType<typeof makeCorpus>>;
  let index: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    corpus = await makeCorpus(KIT_DOCS);
    index = await tempDir();
    orch = await startOrchestrator({ OPENAI_BASE_URL: `${standIn.url}/v1`, OPENAI_MODEL: 'llama3.2', LOCAL_CORPUS_DIR: corpus.dir, LOCAL_INDEX_DIR: index.dir, MODEL_FOLLOWUPS: 'false' }, cert.certPath);
  });
  after(async () => {
    await orch?.stop();
    await corpus?.cleanup();
    await index?.cleanup();
  });

  it('posts to /v1/chat/completions with the model name and grounds in the local index', async () => {
    standIn.requests.length = 0;
    const res = await fetch(`${orch.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'How do I mount the server kit in Express?' }) });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const chat = standIn.requests.find((r) => r.path.endsWith('/chat/completions'))!;
    assert.equal(chat.path, '/v1/chat/completions');
    assert.equal(chat.body.model, 'llama3.2');
    assert.doesNotMatch(chat.body.messages[0].content, /double angle brackets/, 'follow-ups off');
    assert.match(chat.body.messages[0].content, /<source id="1" title="Server kit › Mounting in Express"/);
    assert.equal(body.mode, 'generative');
    assert.equal(body.citations[0].id, 'guides/server-kit.md#mounting-in-express');
    assert.equal(body.answer, 'Answer [1] and [2].');
  });
});

describe('several stores routed by the model', () => {
  let orch: Child;
  before(async () => {
    orch = await startOrchestrator(
      {
        AZURE_OPENAI_ENDPOINT: standIn.url,
        AZURE_OPENAI_API_KEY: 'k',
        AZURE_OPENAI_CHAT_DEPLOYMENT: 'chat',
        AZURE_SEARCH_ENDPOINT: standIn.url,
        AZURE_SEARCH_API_KEY: 'k',
        AZURE_SEARCH_STORES: 'guides=idx-a,api=idx-b',
        AZURE_SEARCH_ROUTING: 'model',
        AZURE_SEARCH_STORE_DESCRIPTION_GUIDES: 'how-to guides',
        AZURE_SEARCH_STORE_DESCRIPTION_API: 'the API reference',
        MODEL_FOLLOWUPS: 'false',
      },
      cert.certPath,
    );
  });
  after(() => orch?.stop());
  const ask = () => fetch(`${orch.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'What does the score method return?' }) }).then((r) => r.json());
  const searched = () => standIn.requests.filter((r) => r.path.includes('/docs/search')).map((r) => /indexes\('([^']+)'\)/.exec(r.path)![1]).sort();

  it('queries only the stores the model names, described to it', async () => {
    standIn.reset();
    let routing = '';
    standIn.handlers.chat = (req, res) => {
      if (req.body.stream) return streamChat(res, { pieces: ['From the API [1].'] });
      routing = req.body.messages[0].content;
      return completion(res, 'api');
    };
    const body = await ask();
    assert.match(routing, /- guides: how-to guides\n- api: the API reference/);
    assert.deepEqual(searched(), ['idx-b']);
    assert.deepEqual(body.citations.map((c: { id: string }) => c.id), ['b1']);
  });

  it('queries every store when the router fails or names none it knows', async () => {
    for (const reply of [(res: Parameters<Handler>[1]) => json(res, 500, { error: { message: 'down' } }), (res: Parameters<Handler>[1]) => completion(res, 'nothing-like-that')]) {
      standIn.reset();
      standIn.handlers.chat = (req, res) => (req.body.stream ? streamChat(res, { pieces: ['Ok [1].'] }) : reply(res));
      const body = await ask();
      assert.equal(body.answer, 'Ok [1].');
      assert.deepEqual(searched(), ['idx-a', 'idx-b']);
    }
  });
});

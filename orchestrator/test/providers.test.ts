import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { createProviders } from '../src/providers.js';
import { aclFilter, odataString } from '../src/retrieval/azure-search.js';
import { reciprocalRankFusion } from '../src/retrieval/fused.js';
import { readPrincipal } from '../src/principal.js';
import { encodeTextDirective, textFragmentUrl } from '../src/text-fragment.js';
import { runFlow } from '../src/flow.js';
import { LocalRetriever } from '../src/retrieval/local-retriever.js';
import { ExtractiveChatModel } from '../src/answer/extractive.js';
import type { Passage } from '../src/seams.js';
import { collectFlow, KIT_DOCS, makeCorpus } from './helpers.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    createProviders(loadConfig(env));
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
};

describe('provider selection', () => {
  it('chooses from configuration: local + extractive, Azure, OpenAI-compatible', () => {
    const local = createProviders(loadConfig({}));
    assert.equal(local.retriever.name, 'local');
    assert.equal(local.model.name, 'extractive');
    const azure = createProviders(
      loadConfig({ AZURE_SEARCH_ENDPOINT: 'https://s.search.windows.net', AZURE_SEARCH_INDEX: 'kb', AZURE_SEARCH_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com', AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_CHAT_DEPLOYMENT: 'chat' }),
    );
    assert.equal(azure.retriever.name, 'azure-search');
    assert.equal(azure.model.name, 'azure-openai');
    assert.equal(azure.model.mode, 'generative');
    const compat = createProviders(loadConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: 'llama3.2' }));
    assert.equal(compat.model.name, 'openai-compatible');
    const fused = createProviders(loadConfig({ AZURE_SEARCH_ENDPOINT: 'https://s.search.windows.net', AZURE_SEARCH_STORES: 'a=idx-a, b=idx-b', AZURE_SEARCH_API_KEY: 'k' }));
    assert.equal(fused.retriever.name, 'fused(a,b)');
  });

  it('reports every bad or missing value of every provider, one line each', () => {
    assert.deepEqual(problemsOf({ AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com', AZURE_SEARCH_ENDPOINT: 'https://s.search.windows.net' }), [
      'AZURE_OPENAI_CHAT_DEPLOYMENT: is required when AZURE_OPENAI_ENDPOINT is set',
      'AZURE_SEARCH_INDEX: is required when AZURE_SEARCH_ENDPOINT is set (or AZURE_SEARCH_STORES)',
    ]);
    assert.deepEqual(problemsOf({ OPENAI_BASE_URL: 'http://localhost:11434/v1' }), ['OPENAI_MODEL: is required when OPENAI_BASE_URL is set']);
    const many = problemsOf({
      AZURE_OPENAI_API_VERSION: 'latest',
      AZURE_SEARCH_QUERY_MODE: 'fuzzy',
      AZURE_SEARCH_FIELD_CONTENT: 'bad field!',
      AZURE_SEARCH_MIN_SCORE: '-1',
      MODEL_FOLLOWUPS: 'maybe',
      PORT: 'x',
    });
    assert.equal(many.length, 6, many.join('\n'));
    for (const v of ['PORT', 'AZURE_OPENAI_API_VERSION', 'AZURE_SEARCH_QUERY_MODE', 'AZURE_SEARCH_FIELD_CONTENT', 'AZURE_SEARCH_MIN_SCORE', 'MODEL_FOLLOWUPS']) {
      assert.ok(many.some((p) => p.startsWith(`${v}: `)), v);
    }
    assert.deepEqual(problemsOf({ AZURE_SEARCH_ENDPOINT: 'https://s', AZURE_SEARCH_STORES: 'a=idx,oops' }), ['AZURE_SEARCH_STORES: "oops" must be name=index']);
    assert.deepEqual(problemsOf({ AZURE_SEARCH_ENDPOINT: 'https://s', AZURE_SEARCH_STORES: 'a=x,b=y', AZURE_SEARCH_ROUTING: 'model' }), [
      'AZURE_SEARCH_ROUTING: model needs a language model (AZURE_OPENAI_ENDPOINT or OPENAI_BASE_URL)',
    ]);
  });
});

describe('security trimming filter', () => {
  const filter = aclFilter({ users: 'oids', groups: 'groups' });
  it('escapes values for OData and builds the oids/groups recipe', () => {
    assert.equal(odataString("O'Brien"), "'O''Brien'");
    assert.equal(filter({ id: "u'1", groups: ['g1', "x') or true or ('"] }), "oids/any(u: u eq 'u''1') or groups/any(g: g eq 'g1' or g eq 'x'') or true or (''')");
    assert.equal(filter({ id: 'u2' }), "oids/any(u: u eq 'u2')");
  });
  it('no visitor → nothing visible (null), never no filter', () => {
    assert.equal(filter(undefined), null);
    assert.equal(aclFilter({ groups: 'groups' })({ id: 'u', groups: [] }), null);
  });
});

describe('x-grounded-chat-principal', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  it('reads a valid header and refuses malformed ones', () => {
    assert.deepEqual(readPrincipal(b64({ id: 'u', groups: ['g'], claims: [{ typ: 'x' }] })), { id: 'u', groups: ['g'] });
    assert.equal(readPrincipal(undefined), undefined);
    for (const bad of ['', '!!', b64({}), b64({ id: 5 }), b64({ id: 'u', groups: 'g' }), b64([1]), 'x'.repeat(40_000), ['a', 'b']]) {
      assert.equal(readPrincipal(bad as string), 'invalid', JSON.stringify(bad).slice(0, 40));
    }
  });
});

describe('reciprocal rank fusion', () => {
  const p = (id: string): Passage => ({ id, title: id, headingPath: [id], sourcePath: `${id}.md`, text: id, score: 1 });
  it('fuses by rank, not by incomparable scores', () => {
    const fused = reciprocalRankFusion([[p('a'), p('b'), p('c')], [p('x'), p('y')]], 4);
    assert.deepEqual(fused.map((f) => f.id), ['a', 'x', 'b', 'y']);
    assert.ok(Math.abs(fused[0]!.score - 1 / 61) < 1e-12);
  });
});

describe('text fragments', () => {
  it('percent-encodes, and encodes - & , as the spec requires', () => {
    assert.equal(encodeTextDirective('a-b & c, d'), 'a%2Db%20%26%20c%2C%20d');
    assert.equal(textFragmentUrl('/docs/x.md#mounting', 'Call `createChatRouter()` first.'), '/docs/x.md#mounting:~:text=Call%20createChatRouter()%20first.');
    assert.equal(textFragmentUrl('/docs/x.md', 'Hi there.'), '/docs/x.md#:~:text=Hi%20there.');
  });

  it('a local extractive citation links to its first quoted sentence', async () => {
    const corpus = await makeCorpus(KIT_DOCS);
    try {
      const flow = await collectFlow(
        runFlow(
          { retriever: new LocalRetriever({ corpusDir: corpus.dir, sourceUrlBase: '/docs/' }), model: new ExtractiveChatModel({ delayMs: 0 }) },
          { question: 'How do I mount the server kit in Express?', chat_history: [] },
        ),
      );
      const first = flow.citations[0]!;
      const quoted = /^> (.+) \[1\]$/m.exec(flow.answer)![1]!;
      const [base, directive] = first.url!.split(':~:text=');
      assert.equal(base, '/docs/guides/server-kit.md#mounting-in-express');
      assert.equal(decodeURIComponent(directive!), quoted.replace(/`/g, ''));
      assert.doesNotMatch(directive!, /[-&,]/);
    } finally {
      await corpus.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namesIn } from '../src/retrieval/local-absent-names.js';
import { LocalRetriever } from '../src/retrieval/local-retriever.js';
import { indexedCorpus } from './helpers.js';

describe('names a question uses (../src/retrieval/local-absent-names.ts)', () => {
  it('reads a run of capitalised words, or a word with an inner capital, as a name', () => {
    const table: [string, string[]][] = [
      ['How do I deploy it to Google Cloud Run?', ['Google Cloud Run']],
      ['How do I connect it to a PostgreSQL database?', ['PostgreSQL']],
      ['Is telemetry sent to Application Insights?', ['Application Insights']],
      ['Google Cloud Run: how do I deploy?', ['Cloud Run']],
      ['Can I use it with createChatRouter?', ['createChatRouter']],
      // Not names: one capitalised word (a setting as often as a topic), a sentence's first word, "I".
      ['Can I mount it in a Node web app?', []],
      ['How do I mount it in Express?', []],
      ['Deploy Guide says nothing. What now?', []],
      ['I POST to it. What comes back?', []],
    ];
    for (const [q, want] of table) assert.deepEqual(namesIn(q), want, q);
  });
});

describe('a question naming what the documents never mention', () => {
  const docs = indexedCorpus({
      'deploy.md': '# Deploy\n\n## To App Service\n\nDeploy the server to Azure App Service with one command, then set the port in the app settings.\n',
      'server.md': '# Server\n\n## Mounting\n\nMount the router in any Node web app built on Express.\n',
  });

  it('gets nothing when a name has a word the documents never use', async () => {
    assert.deepEqual(await docs.index.retrieve('How do I deploy the server to Google Cloud Run?'), []);
    assert.deepEqual(await docs.index.retrieve('How do I deploy the server with PostgreSQL?'), []);
  });

  it('still answers a name the documents use, and a single capitalised word they do not', async () => {
    assert.equal((await docs.index.retrieve('How do I deploy the server to Azure App Service?'))[0]?.id, 'deploy.md#to-app-service');
    assert.equal((await docs.index.retrieve('How do I mount the router in a Koa app?'))[0]?.id, 'server.md#mounting');
  });

  it('answers the asking sentence of a message whose context names the unknown thing', async () => {
    const retriever = new LocalRetriever(docs.index);
    const hits = await retriever.retrieve('We also run on Google Kubernetes Engine. How do I set the port in the app settings?');
    assert.equal(hits[0]?.id, 'deploy.md#to-app-service');
  });
});

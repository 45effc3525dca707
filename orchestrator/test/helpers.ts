/** Tiny corpora in temp folders, so tests never depend on what docs/ says today. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { LocalIndex } from '../src/retrieval/local-index.js';

export async function makeCorpus(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-corpus-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A keyword-only local index over a tiny corpus, loaded in a suite's `before` and removed in its
 * `after`: `const docs = indexedCorpus({ 'a.md': '# A …' })`, then `docs.index` in the tests.
 */
export function indexedCorpus(files: Record<string, string>): { readonly index: LocalIndex } {
  let corpus: Awaited<ReturnType<typeof makeCorpus>> | undefined;
  let index: LocalIndex | undefined;
  before(async () => {
    corpus = await makeCorpus(files);
    index = new LocalIndex({ corpusDir: corpus.dir });
    await index.ready();
  });
  after(async () => {
    index?.close();
    await corpus?.cleanup();
  });
  return {
    get index() {
      if (!index) throw new Error('indexedCorpus: the index is loaded in before()');
      return index;
    },
  };
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-tmp-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A small documentation set about the kit itself, shaped like docs/. */
export const KIT_DOCS: Record<string, string> = {
  'guides/server-kit.md': `# Server kit

The server kit is an Express router that speaks the AI Chat Protocol to the widget and forwards each chat to the orchestrator over the scoring contract.

## Mounting in Express

To mount the server kit in Express, call \`createChatRouter()\` and pass the router to \`app.use\`. The router handles \`POST /api/chat\` and \`POST /api/chat/stream\`. You can mount it under any base path.

\`\`\`js
# this comment is not a heading
import express from 'express';
const app = express();
app.use('/api/chat', createChatRouter());
\`\`\`

The router reads the orchestrator's address and key from the environment, so mounting it takes one line.

## Rate limits

The kit limits requests per visitor with express-rate-limit. On App Service, set trust proxy to 1.
`,
  'guides/widget.md': `---
title: The chat widget
---
# Widget element

Drop the grounded-chat element into any page with one script tag. It streams answers token by token and lists the citations under each answer.

## Attributes

Set the endpoint attribute to the base URL of the chat API. The element posts every question to that endpoint.
`,
  'architecture.md': `# Architecture

The browser talks to the demo site, which mounts the server kit. The server kit calls the orchestrator, which retrieves passages from the search index and answers with a language model.

## Offline mode

Without any Azure account, the orchestrator uses a local full-text index of the documentation and an extractive answerer that quotes the documentation.
`,
  'notes.txt': `Plain text notes about deployment.

The orchestrator runs as a custom container on a managed online endpoint. Health probes call the liveness and readiness routes.`,
};

import type { FlowEvent } from '../src/flow.js';
import type { Citation } from '../src/contract.js';
import type { StreamPart } from '../src/seams.js';

/** A flow's events gathered as a caller sees them, plus their order. */
export async function collectFlow(events: AsyncIterable<FlowEvent>) {
  const out = {
    answer: '',
    pieces: [] as string[],
    citations: [] as Citation[],
    mode: undefined as string | undefined,
    followupQuestions: undefined as string[] | undefined,
    usage: undefined as Extract<FlowEvent, { type: 'usage' }>['usage'] | undefined,
    error: undefined as { code: string; message: string } | undefined,
    order: [] as string[],
  };
  for await (const e of events) {
    out.order.push(e.type);
    if (e.type === 'text') {
      out.answer += e.text;
      out.pieces.push(e.text);
    } else if (e.type === 'citations') {
      out.citations = e.citations;
      out.mode = e.mode;
    } else if (e.type === 'followups') out.followupQuestions = e.questions;
    else if (e.type === 'usage') out.usage = e.usage;
    else out.error = { code: e.code, message: e.message };
  }
  return out;
}

/** The text deltas of a model's stream. */
export async function textParts(parts: AsyncIterable<StreamPart>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of parts) if (p.type === 'text-delta') out.push(p.text);
  return out;
}

/**
 * The flow's deadlines (issue list "Robustness"): the whole-request deadline below the online
 * endpoint's 180 s `request_timeout_ms`, and the retrieval step's own. A step past its deadline
 * sees its signal fire; the visitor gets a stable code, never a hang.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFlow } from '../src/flow.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { collectFlow } from './helpers.js';
import type { ChatModel, Passage, Retriever } from '../src/seams.js';

const PASSAGE: Passage = { id: 'a#a', title: 'A', headingPath: ['A'], sourcePath: 'a.md', text: 'Mount the router with app.use.', score: 1 };
const found: Retriever = { name: 'found', ready: async () => {}, retrieve: async () => [PASSAGE] };
/** Resolves never; rejects with the signal's reason when it fires (what the SDKs do). */
const untilAborted = (signal: AbortSignal | undefined, seen: () => void) =>
  new Promise<never>((_, reject) => {
    signal?.addEventListener('abort', () => {
      seen();
      reject(signal.reason);
    }, { once: true });
  });

describe('flow deadlines', { timeout: 10_000 }, () => {
  // The deadlines' timers are unref'd (a server's sockets keep the process alive, not a timer):
  // here something must, or the test process would end before they fire.
  let alive: NodeJS.Timeout;
  before(() => void (alive = setInterval(() => {}, 1_000)));
  after(() => clearInterval(alive));

  it('the whole-request deadline ends a model that stalls mid-answer: the text so far and its citations, then a timeout error', async () => {
    let sawAbort = false;
    const stalling: ChatModel = {
      name: 'stalling',
      mode: 'generative',
      async *stream(_request, options) {
        yield { type: 'text-delta', text: 'Half an answer [1]' };
        await untilAborted(options?.signal, () => (sawAbort = true));
      },
    };
    const r = await collectFlow(runFlow({ retriever: found, model: stalling, requestTimeoutMs: 100 }, { question: 'How do I mount it?' }));
    assert.equal(sawAbort, true, 'the model call was cancelled');
    // What was shown stays consistent: the held-back marker, and the source it cites, before the error.
    assert.equal(r.answer, 'Half an answer [1]');
    assert.deepEqual(r.citations.map((c) => c.id), ['a#a']);
    assert.deepEqual(r.error, { code: 'timeout', message: 'the answer took too long' });
    assert.equal(r.order.at(-1), 'error');
  });

  it('a retrieval past its own deadline → upstream_unavailable, the search cancelled, no model called', async () => {
    let sawAbort = false;
    let modelCalled = false;
    const hanging: Retriever = { name: 'hanging', ready: async () => {}, retrieve: (_q, options) => untilAborted(options?.signal, () => (sawAbort = true)) };
    const model: ChatModel = {
      name: 'm',
      mode: 'generative',
      async *stream() {
        modelCalled = true;
        yield { type: 'text-delta', text: 'ungrounded' };
      },
    };
    const r = await collectFlow(runFlow({ retriever: hanging, model, retrieveTimeoutMs: 50 }, { question: 'How do I mount it?' }));
    assert.equal(sawAbort, true);
    assert.equal(modelCalled, false);
    assert.deepEqual(r.error, { code: 'upstream_unavailable', message: 'the search index is unavailable' });
    assert.equal(r.answer, '', 'never an ungrounded answer');
  });

  it('the request deadline defaults below the endpoint limit (180 s), and cannot be set above it', () => {
    assert.ok(loadConfig({}).requestTimeoutMs < 180_000);
    assert.throws(() => loadConfig({ REQUEST_TIMEOUT_MS: '200000' }), (err: unknown) => err instanceof ConfigError && /REQUEST_TIMEOUT_MS/.test(err.problems.join('\n')));
  });
});

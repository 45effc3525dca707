/**
 * Recall on the real docs/ folder: questions worded the way visitors ask them ("How do I theme the
 * widget?", not "theming"), each with the docs file that answers it (any one of several when the
 * topic really is covered twice). Off-topic questions must retrieve nothing at all.
 *
 * Unlike the other tests this one reads the repository's docs/, so it measures what the demo
 * answers; a docs rewrite may move a section, hence a share (RECALL_FLOOR) rather than all.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { LocalIndex } from '../src/retrieval/local-index.js';

const DOCS = join(import.meta.dirname, '..', '..', 'docs');
/** Share of on-topic questions whose expected file must be among the first TOP_N hits. */
const RECALL_FLOOR = 0.9;
const TOP_N = 3;

/** [question, acceptable files (first = the best), the section id expected in the top 3, if clear]. */
export const ON_TOPIC: [string, string[], string?][] = [
  ['How do I theme the widget?', ['widget.md'], 'widget.md#theming'],
  ['Which CSS custom properties can I set on the chat?', ['widget.md'], 'widget.md#theming'],
  ['How do I change the accent colour of the chat?', ['widget.md'], 'widget.md#theming'],
  ['Can I style the widget with CSS parts?', ['widget.md'], 'widget.md#theming'],
  ['Does the widget have a dark theme?', ['widget.md']],
  ['How do I show the chat as a floating launcher button?', ['widget.md'], 'widget.md#modes'],
  ['How do I use the widget in a React app?', ['widget.md'], 'widget.md#react-19'],
  ['How do I embed the chat element in Vue?', ['widget.md'], 'widget.md#vue-3'],
  ['Can the widget be rendered server-side?', ['widget.md'], 'widget.md#server-side-rendering'],
  ['Does the widget work with a strict Content Security Policy?', ['security.md', 'widget.md']],
  ['How are requests rate limited?', ['server-kit.md', 'security.md']],
  ['What error codes can the server kit return?', ['server-kit.md', 'contracts.md'], 'server-kit.md#error-codes'],
  ['What values does AUTH_MODE accept?', ['configuration.md', 'server-kit.md']],
  ['How do I use Easy Auth on App Service?', ['server-kit.md', 'security.md', 'demo-site.md']],
  ['How do I authenticate visitors with Entra ID tokens?', ['server-kit.md'], 'server-kit.md#authentication'],
  ['How do I ingest my own documents?', ['getting-started.md', 'orchestrator.md']],
  ['Where is the local index persisted?', ['orchestrator.md', 'getting-started.md', 'configuration.md']],
  ['Is the index rebuilt when I restart with unchanged documents?', ['getting-started.md', 'orchestrator.md']],
  ['What is contract B?', ['architecture.md', 'contracts.md']],
  ['How does the NDJSON stream look?', ['server-kit.md', 'contracts.md']],
  ['How are citations shown in an answer?', ['widget.md', 'contracts.md', 'orchestrator.md']],
  ['Can visitors rate answers and send feedback?', ['widget.md']],
  ['Is the conversation kept in sessionStorage across reloads?', ['widget.md']],
  ['What does the offline answerer do?', ['orchestrator.md', 'getting-started.md'], 'orchestrator.md#the-offline-extractive-answerer'],
  ['Which environment variables configure the orchestrator?', ['configuration.md']],
  ['Which port does the demo site listen on?', ['demo-site.md', 'configuration.md', 'getting-started.md']],
  ['How do I run the tests?', ['getting-started.md', 'widget.md'], 'getting-started.md#run-the-tests'],
  ['How do I run the benchmarks?', ['development.md', 'widget.md']],
  ['How do I mount the router in an Express app?', ['server-kit.md'], 'server-kit.md#mounting-the-server-kit-in-express'],
  ['Which Node.js version is required?', ['getting-started.md'], 'getting-started.md#requirements'],
  ['How do I translate the widget strings into another language?', ['widget.md'], 'widget.md#strings-and-languages'],
  ['Which events does the widget dispatch?', ['widget.md'], 'widget.md#events'],
  ['Is the chat accessible to keyboard and screen reader users?', ['widget.md'], 'widget.md#accessibility'],
  ['How do I pass a bearer token from the widget?', ['widget.md'], 'widget.md#a-bearer-token'],
  ['Are model answers rendered as HTML?', ['security.md', 'widget.md']],
  ['Where are secrets and keys kept?', ['security.md']],
  ['What health probes does the orchestrator expose?', ['orchestrator.md'], 'orchestrator.md#the-scoring-contract'],
  ['Which providers does the orchestrator support?', ['orchestrator.md', 'architecture.md']],
  ['How is the router configured from environment variables?', ['server-kit.md', 'configuration.md']],
  ['How big is the widget bundle when gzipped?', ['widget.md'], 'widget.md#size-and-speed'],
  ['How do I send telemetry to Application Insights?', ['telemetry.md'], 'telemetry.md#turning-it-on'],
  ['Is the visitor’s question recorded in telemetry?', ['telemetry.md'], 'telemetry.md#privacy'],
  ['How do I find a failed chat from its trace id?', ['telemetry.md']],
  ['How is the app deployed on Azure?', ['deploy.md', 'architecture.md']],
  ['How do I run the demo on my machine?', ['getting-started.md'], 'getting-started.md#run-the-demo'],
  ['What happens when a visitor asks a follow-up question?', ['orchestrator.md', 'widget.md']],
  // Inflections: the docs say it another way ("retrieves", "limited", "validated", "themes"…).
  ['How does retrieval of passages work?', ['orchestrator.md', 'architecture.md']],
  ['What are the limitations on request bodies and messages?', ['server-kit.md', 'security.md']],
  ['How is validation of the chat request done?', ['server-kit.md', 'architecture.md'], 'server-kit.md#validation-and-limits'],
  ['Is theming supported?', ['widget.md'], 'widget.md#theming'],
  ['How does the orchestrator build its prompts?', ['orchestrator.md', 'architecture.md'], 'orchestrator.md#the-flow'],
  ['Which languages and strings can be customised?', ['widget.md'], 'widget.md#strings-and-languages'],
  ['How are answers quoted when no model is configured?', ['orchestrator.md', 'getting-started.md', 'configuration.md']],
  ['Is telemetry sent to Application Insights?', ['configuration.md', 'architecture.md']],
];

export const OFF_TOPIC: string[] = [
  'Who won the 2018 FIFA World Cup?',
  // Two terms, each used by the docs apart: "Passport" the library, "applies" a rate limit.
  'How do I apply for a passport?',
  'How many players are on a basketball team?',
  'How long should I boil an egg?',
  'What is a good recipe for lasagna?',
  'How do I make fluffy pancakes?',
  'What is the capital of Australia?',
  'Which river is the longest in Africa?',
  'How tall is Taylor Swift?',
  'Who painted the Mona Lisa?',
  'What is the square root of 144?',
  'Is 97 a prime number?',
  'What is the boiling point of mercury?',
  'When did the Roman Empire fall?',
  'Which planet is closest to the sun?',
  'How do I train for a marathon?',
  'Who is the richest person in the world?',
  'What is the meaning of life?',
  'Should I plant tomatoes in spring?',
];

describe('recall on the real docs/', () => {
  let index: LocalIndex;
  before(async () => {
    index = new LocalIndex({ corpusDir: DOCS });
    await index.ready();
  });

  it(`finds the expected file in the top ${TOP_N} for at least ${RECALL_FLOOR * 100}% of visitor questions`, async () => {
    const rows: string[] = [];
    const misses: string[] = [];
    let fileHits = 0;
    let firstHits = 0;
    let sectionHits = 0;
    let sectionTotal = 0;
    for (const [question, files, section] of ON_TOPIC) {
      const hits = (await index.retrieve(question)).slice(0, TOP_N);
      const ok = hits.some((h) => files.includes(h.sourcePath));
      if (ok) fileHits++;
      if (hits[0] && files.includes(hits[0].sourcePath)) firstHits++;
      let sectionOk: boolean | undefined;
      if (section) {
        sectionTotal++;
        sectionOk = hits.some((h) => h.id === section);
        if (sectionOk) sectionHits++;
      }
      const got = hits.map((h) => h.id).join(', ') || '(nothing)';
      rows.push(`${ok ? 'ok  ' : 'MISS'} ${sectionOk === false ? '(section missed) ' : ''}${question} → ${got}`);
      if (!ok) misses.push(`${question} (expected ${files.join(' or ')}) → ${got}`);
    }
    console.log(rows.join('\n'));
    console.log(
      `recall: file in top ${TOP_N} ${fileHits}/${ON_TOPIC.length}, first ${firstHits}/${ON_TOPIC.length}; expected section in top ${TOP_N} ${sectionHits}/${sectionTotal}`,
    );
    if (misses.length) console.log(`misses:\n  ${misses.join('\n  ')}`);
    assert.ok(
      fileHits >= Math.ceil(ON_TOPIC.length * RECALL_FLOOR),
      `${fileHits}/${ON_TOPIC.length} found; misses:\n${misses.join('\n')}`,
    );
  });

  for (const question of OFF_TOPIC) {
    it(`retrieves nothing for "${question}"`, async () => {
      const hits = await index.retrieve(question);
      assert.deepEqual(hits.map((h) => h.id), [], 'an off-topic question must retrieve nothing');
    });
  }

  it('finds the Theming section for "How do I theme the widget?" (stemming, not prefixes)', async () => {
    const hits = await index.retrieve('How do I theme the widget?');
    assert.ok(hits.slice(0, TOP_N).some((h) => h.id === 'widget.md#theming'), hits.map((h) => h.id).join(', '));
  });
});

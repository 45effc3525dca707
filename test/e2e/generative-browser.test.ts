/**
 * Refined citations sent AFTER the answer, as a visitor sees them: `npm start`'s chain with the
 * orchestrator on its Azure path (Azure AI Search + Azure OpenAI through the real SDKs, against
 * the HTTPS stand-ins of orchestrator/test/azure-standins.ts, trusted through NODE_EXTRA_CA_CERTS),
 * the server kit inside the demo site, and <grounded-chat> in headless Chromium.
 *
 * The model cites the prompt's third source first (as `【3】`), then `[1, 3]`, `[doc1]`, and a
 * `[7]` that points nowhere. The orchestrator repairs and renumbers them by first use and sends
 * the citations after the text; the widget must render the renumbered markers as buttons that
 * name the right source, a sources list in order of first use, and nothing that points nowhere.
 * (test/e2e/generative.test.ts proves the same order at the kit's NDJSON output.) Along the way:
 * the Azure AI Search keyword query as sent, and a result under AZURE_SEARCH_MIN_SCORE left out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'puppeteer-core';
import { startChain, type RunningChain } from './helpers.js';
import { launchChromium, watchProblems } from './browser-helpers.js';
import { json, makeCertificate, startStandIn, streamChat, type StandIn } from '../../orchestrator/test/azure-standins.js';

/** The index's answer to every query: three sections of three different pages, best first. */
const DOCS = [
  { id: 'kit-mount', title: 'Server kit', heading: ['Server kit', 'Mounting the router'], filepath: 'server-kit.md', url: 'https://docs.example/server-kit#mounting', content: 'Mount the router with app.use("/api/chat", createChatRouter(options)).' },
  { id: 'theming', title: 'Theming', heading: ['Theming', 'Colours'], filepath: 'theming.md', url: 'https://docs.example/theming', content: 'The element reads --gc-accent and the other custom properties.' },
  { id: 'security', title: 'Security', heading: ['Security', 'Headers'], filepath: 'security.md', url: 'https://docs.example/security#headers', content: 'The router sets no-store and no-transform on every stream.' },
  // Under AZURE_SEARCH_MIN_SCORE: never a source.
  { id: 'weak', title: 'Barely related', heading: ['Barely related'], filepath: 'weak.md', url: 'https://docs.example/weak', content: 'Something else entirely.' },
];
const SCORES = [3, 2, 1, 0.2];
/** Source 3 (Security) is used first, then source 1 (Server kit); source 2 is never cited; [7] points nowhere. */
const PIECES = ['Mount the router with app.use【3】', ' and a path [1, 3]', ', then read on [doc1]', ' and [7].'];
const EXPECTED_TEXT = 'Mount the router with app.use[1] and a path [2][1], then read on [2] and .';

let cert: Awaited<ReturnType<typeof makeCertificate>>;
let standIn: StandIn;
let chain: RunningChain;
let browser: Browser;
let page: Page;
const problems: string[] = [];

before(async () => {
  cert = await makeCertificate();
  standIn = await startStandIn(cert, {
    search: (_req, res) => json(res, 200, { value: DOCS.map((d, i) => ({ '@search.score': SCORES[i], ...d })) }),
    chat: (req, res) => (req.body.stream ? streamChat(res, { pieces: PIECES, usage: [420, 30] }) : json(res, 400, { error: { code: 'unexpected', message: 'only streamed answers here' } })),
    embeddings: (_req, res) => json(res, 404, {}),
    token: (_req, res) => json(res, 404, {}),
  });
  chain = await startChain({
    NODE_EXTRA_CA_CERTS: cert.certPath,
    AZURE_SEARCH_ENDPOINT: standIn.url,
    AZURE_SEARCH_INDEX: 'docs',
    AZURE_SEARCH_API_KEY: 'search-key',
    AZURE_SEARCH_MIN_SCORE: '0.5',
    AZURE_OPENAI_ENDPOINT: standIn.url,
    AZURE_OPENAI_API_KEY: 'aoai-key',
    AZURE_OPENAI_CHAT_DEPLOYMENT: 'chat-dep',
    MODEL_FOLLOWUPS: 'false',
  });
  browser = await launchChromium('generative');
  page = await browser.newPage();
  watchProblems(page, problems);
  // Keep a copy of each NDJSON answer stream the widget reads, to check the order it arrived in.
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { __streams: Promise<string>[] };
    w.__streams = [];
    const original = window.fetch.bind(window);
    window.fetch = async (...args: Parameters<typeof fetch>) => {
      const res = await original(...args);
      if ((res.headers.get('content-type') ?? '').includes('ndjson')) w.__streams.push(res.clone().text());
      return res;
    };
  });
});
after(async () => {
  await browser?.close();
  await chain?.stop();
  await standIn?.close();
  await cert?.cleanup();
});

/** Everything a visitor sees of the last answer, read from the element's shadow root. */
function lastAnswer(p: Page) {
  return p.evaluate(() => {
    const root = document.querySelector('grounded-chat')!.shadowRoot!;
    const msgs = root.querySelectorAll('[part~="assistant-message"]');
    const last = msgs[msgs.length - 1]!;
    const bubble = last.querySelector('[part~="bubble"]') as HTMLElement;
    return {
      text: bubble.innerText,
      markers: [...last.querySelectorAll('[part~="citation"]')].map((b) => ({ n: (b as HTMLElement).innerText.trim(), label: b.getAttribute('aria-label') ?? '' })),
      sources: [...last.querySelectorAll('[part~="sources"] li')].map((li) => (li as HTMLElement).innerText.replace(/\s+/g, ' ').trim()),
    };
  });
}

describe('generative answer in the browser (Azure path, citations after the answer)', () => {
  it('renders the renumbered citations: right titles, in order of first use, none pointing nowhere', async () => {
    await page.goto(chain.url, { waitUntil: 'load' });
    await page.waitForFunction(() => customElements.get('grounded-chat') && document.querySelector('grounded-chat')?.shadowRoot?.querySelector('[part~="input"]'));
    const input = await page.waitForSelector('grounded-chat >>> [part~="input"]');
    await input!.type('How do I mount the server kit?');
    await page.keyboard.press('Enter');
    // Finished (not busy) and showing its sources: the citations arrived after the text.
    await page.waitForFunction(
      () => {
        const root = document.querySelector('grounded-chat')!.shadowRoot!;
        const msgs = root.querySelectorAll('[part~="assistant-message"]');
        const last = msgs[msgs.length - 1];
        return last && last.getAttribute('aria-busy') === 'false' && last.querySelector('[part~="sources"] li');
      },
      { timeout: 30_000 },
    );

    // What reached the browser: all the text first, then the citations, renumbered.
    const stream = await page.evaluate(() => Promise.all((window as unknown as { __streams: Promise<string>[] }).__streams));
    assert.equal(stream.length, 1, 'the widget read one answer stream');
    const lines = stream[0]!.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { delta?: { content?: string; context?: { citations?: { title: string }[] } } });
    const lastText = lines.findLastIndex((l) => typeof l.delta?.content === 'string' && l.delta.content.length > 0);
    const citationsAt = lines.findIndex((l) => l.delta?.context?.citations);
    assert.ok(lastText >= 0 && citationsAt > lastText, `citations (line ${citationsAt}) after the last text (line ${lastText})`);
    assert.equal(lines.map((l) => l.delta?.content ?? '').join(''), EXPECTED_TEXT);

    const seen = await lastAnswer(page);
    // The markers, as buttons, in the order they appear in the answer; [7] is gone, not shown.
    assert.deepEqual(seen.markers.map((m) => m.n), ['1', '2', '1', '2']);
    assert.doesNotMatch(seen.text, /\[\d+\]|【|\[doc|\b7\b/, `no raw or dangling marker left: ${seen.text}`);
    assert.match(seen.text, /Mount the router with app\.use/);
    // Each marker names the source it now points at: [1] Security, [2] Server kit.
    for (const m of seen.markers) {
      assert.match(m.label, m.n === '1' ? /Security › Headers/ : /Server kit › Mounting the router/, `marker ${m.n}: ${m.label}`);
    }
    // The sources list: exactly the cited sources, in order of first use (Theming was never cited).
    assert.deepEqual(seen.sources, ['1 Security › Headers', '2 Server kit › Mounting the router']);
    // Every marker resolves to an entry of that list.
    for (const m of seen.markers) assert.ok(Number(m.n) >= 1 && Number(m.n) <= seen.sources.length, `marker ${m.n} points at a listed source`);

    // The orchestrator really went through Azure: one search, one streamed deployment call.
    const search = standIn.requests.filter((r) => r.path.includes('/docs/search'));
    const chat = standIn.requests.filter((r) => r.path.endsWith('/chat/completions'));
    assert.equal(search.length, 1);
    assert.equal(search[0]!.headers['api-key'], 'search-key');
    // A keyword query (no embedding deployment, no semantic configuration): the question as asked.
    const query = search[0]!.body;
    assert.equal(query.search, 'How do I mount the server kit?');
    assert.equal(query.top, 5);
    assert.equal(query.vectorQueries, undefined);
    assert.equal(query.queryType, undefined);
    assert.match(String(query.select), /content/);
    // The first turn is not rewritten: the only model call is the streamed answer.
    assert.equal(chat.length, 1);
    assert.equal(chat[0]!.path, '/openai/deployments/chat-dep/chat/completions');
    assert.equal(chat[0]!.headers['api-key'], 'aoai-key');
    assert.equal(chat[0]!.body.stream, true);
    assert.match(chat[0]!.body.messages[0].content, /<source id="3" title="Security › Headers"/);
    assert.doesNotMatch(chat[0]!.body.messages[0].content, /<source id="4"|Barely related/, 'a result under the minimum score is no source');

    assert.deepEqual(problems, [], 'no console errors, failed loads or CSP violations');
  });
});

/**
 * A visitor's view of `npm start`: the demo page in headless Chromium loads <grounded-chat> from the
 * built drop-in bundle under the site's strict CSP, and a typed question streams in a cited answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startChain, type RunningChain } from './helpers.js';
import { launchChromium, waitForCitedAnswer, watchProblems } from './browser-helpers.js';

let chain: RunningChain;
let browser: Browser;
let page: Page;
const problems: string[] = [];

before(async () => {
  chain = await startChain();
  browser = await launchChromium('chrome');
  page = await browser.newPage();
  watchProblems(page, problems);
});
after(async () => {
  await browser?.close();
  await chain?.stop();
});

/** Text of the shadow root, with the element's own structure as the page shows it. */
const shadowText = (sel: string) =>
  page.evaluate((s) => {
    const root = document.querySelector('grounded-chat')!.shadowRoot!;
    return [...root.querySelectorAll(s)].map((n) => (n as HTMLElement).innerText);
  }, sel);

describe('demo page in Chromium', () => {
  it('loads the element from the drop-in bundle and streams a cited answer', async () => {
    await page.goto(chain.url, { waitUntil: 'load' });
    await page.waitForFunction(() => customElements.get('grounded-chat') && document.querySelector('grounded-chat')?.shadowRoot?.querySelector('[part~="input"]'));

    // Count how many distinct lengths the answer passes through: more than a couple means it streamed.
    await page.evaluate(() => {
      const w = window as unknown as { __lengths: Set<number> };
      w.__lengths = new Set();
      const root = document.querySelector('grounded-chat')!.shadowRoot!;
      new MutationObserver(() => {
        const bubbles = root.querySelectorAll('[part~="assistant-message"] [part~="bubble"]');
        const last = bubbles[bubbles.length - 1] as HTMLElement | undefined;
        if (last) w.__lengths.add(last.innerText.length);
      }).observe(root, { subtree: true, childList: true, characterData: true });
    });

    const input = await page.waitForSelector('grounded-chat >>> [part~="input"]');
    await input!.type('How do I mount the server kit in Express?');
    await page.keyboard.press('Enter');

    await waitForCitedAnswer(page);

    const lengths = await page.evaluate(() => (window as unknown as { __lengths: Set<number> }).__lengths.size);
    assert.ok(lengths > 3, `the answer grew in several steps (saw ${lengths} lengths)`);

    const bubbles = await shadowText('[part~="assistant-message"] [part~="bubble"]');
    const answer = bubbles.at(-1)!;
    assert.match(answer, /mount the server kit/i);
    assert.match(answer, /no language model/i);

    const citationButtons = await shadowText('[part~="assistant-message"] [part~="citation"]');
    assert.ok(citationButtons.length > 0, 'inline [n] markers became buttons');
    const sources = (await shadowText('[part~="sources"]')).join('\n');
    assert.match(sources, /Server kit/);

    await page.screenshot({ path: join(tmpdir(), 'grounded-chat-e2e.png') });
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  });
});

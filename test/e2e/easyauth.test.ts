/**
 * The Easy Auth sign-in path in Chromium, with the platform's principal headers sent as App
 * Service's front end would (puppeteer adds them to every request). The site shows the visitor's
 * name only when WEBSITE_AUTH_ENABLED=true says the platform set them; otherwise the same headers
 * are a forgery and the page offers "Sign in" instead. A 401 from the kit shows the chat's sign-in
 * link, pointing at /.auth/login/aad and back to the page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'puppeteer-core';
import { startChain, type RunningChain } from './helpers.js';
import { launchChromium } from './browser-helpers.js';

const PRINCIPAL = {
  'x-ms-client-principal-name': 'Ada Lovelace',
  'x-ms-client-principal-id': '00000000-0000-0000-0000-00000000a1a1',
  'x-ms-client-principal-idp': 'aad',
};

let browser: Browser;
const chains: RunningChain[] = [];
before(async () => {
  browser = await launchChromium('easyauth');
});
after(async () => {
  await browser?.close();
  for (const c of chains) await c.stop();
});

async function chainWith(env: Record<string, string>, { explicitMode = true } = {}) {
  // AUTH_MODE=easyauth said outright without WEBSITE_AUTH_ENABLED is refused at start (the kit's
  // rule, server-kit/test/auth.test.ts); App Service's default mode starts and trusts nothing.
  const c = await startChain({ ...(explicitMode ? { AUTH_MODE: 'easyauth' } : {}), WEBSITE_SITE_NAME: 'gc-e2e', ...env });
  chains.push(c);
  return c;
}

async function pageWith(headers: Record<string, string>): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
  });
  await page.setExtraHTTPHeaders(headers);
  return { page, problems };
}

const sessionBar = (page: Page) =>
  page.waitForFunction(() => document.querySelector('[data-session]')?.textContent?.trim() || null).then((h) => h.jsonValue());

describe('Easy Auth sign-in', () => {
  it('with WEBSITE_AUTH_ENABLED=true, shows the name the platform vouches for, and sign-out', async () => {
    const chain = await chainWith({ WEBSITE_AUTH_ENABLED: 'true' });
    const { page, problems } = await pageWith(PRINCIPAL);
    await page.goto(chain.url + '/theming', { waitUntil: 'load' });
    assert.match(String(await sessionBar(page)), /Signed in as Ada Lovelace/);
    const signOut = await page.$eval('[data-session] a', (a) => a.getAttribute('href'));
    assert.equal(signOut, '/.auth/logout?post_logout_redirect_uri=/');
    assert.deepEqual(problems, []);
    await page.browserContext().close();
  });

  it('with WEBSITE_AUTH_ENABLED=true and no principal, offers sign-in, and a 401 shows the chat\'s sign-in link', async () => {
    const chain = chains[0]!;
    const { page } = await pageWith({});
    await page.goto(chain.url + '/recipes/html', { waitUntil: 'load' });
    assert.equal(await sessionBar(page), 'Sign in');
    const href = await page.$eval('[data-session] a', (a) => a.getAttribute('href'));
    assert.equal(href, '/.auth/login/aad?post_login_redirect_uri=%2Frecipes%2Fhtml');
    await page.waitForFunction(() => document.querySelector('grounded-chat')?.getAttribute('login-url'));
    const input = await page.waitForSelector('grounded-chat >>> [part~="input"]');
    await input!.type('How do I start?');
    // Under heavy load an Enter pressed while the element is still loading its lazy chunk was seen
    // to send nothing (not reproduced on a quiet machine; noted in the widget issue): press it
    // again if no chat request left within 10 s. Both waits are set up before the key is pressed,
    // so a 401 that comes back at once is not missed.
    const isChat = (r: { url(): string; method(): string }) => /\/api\/.*chat/.test(r.url()) && r.method() === 'POST';
    const refused = page.waitForResponse((r) => isChat(r.request()) && r.status() === 401, { timeout: 60_000 });
    const sent = page.waitForRequest(isChat, { timeout: 10_000 }).then(() => true, () => false);
    await page.keyboard.press('Enter');
    if (!(await sent)) await page.keyboard.press('Enter');
    await refused;
    // Polled on a timer, not by waitForSelector: that re-checks on animation frames, which a page
    // Chromium deems hidden (other tests' pages open beside it) may not get. Seen twice in CI: the
    // link was in the element's markup (printed below) and the wait still timed out.
    const link = await page
      .waitForFunction(() => document.querySelector('grounded-chat')?.shadowRoot?.querySelector('[part~="error"] a') ?? false, { timeout: 30_000, polling: 100 })
      .catch(async (err: unknown) => {
        const shown = await page.$eval('grounded-chat', (el) => (el.shadowRoot?.innerHTML ?? '').replace(/<!--[^]*?-->/g, '').slice(-3000));
        throw new Error(`no sign-in link 30 s after the 401; the element's last markup:\n${shown}`, { cause: err });
      });
    assert.equal(await link.evaluate((a) => (a as Element).getAttribute('href')), '/.auth/login/aad?post_login_redirect_uri=%2Frecipes%2Fhtml');
    await page.browserContext().close();
  });

  it('without WEBSITE_AUTH_ENABLED, the same headers are ignored: no name, a sign-in link, the chat refused', async () => {
    const chain = await chainWith({}, { explicitMode: false });
    const forged = await fetch(chain.url + '/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...PRINCIPAL },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'How do I mount the server kit?' }] }),
    });
    assert.equal(forged.status, 401);
    const { page } = await pageWith(PRINCIPAL);
    await page.goto(chain.url + '/', { waitUntil: 'load' });
    assert.equal(await sessionBar(page), 'Sign in');
    assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /Ada Lovelace/);
    await page.browserContext().close();
  });
});

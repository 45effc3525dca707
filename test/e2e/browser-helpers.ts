/** What the browser tests share: Chromium as they launch it, and waiting for a finished answer. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's Chromium (or CHROME_PATH), headless, with nothing calling home. */
export function launchChromium(name: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: mkdtempSync(join(tmpdir(), `gc-e2e-${name}-`)),
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Collects what a visitor would see go wrong: console errors, uncaught page errors, and responses
 * of 400 and above (failed loads are reported with their URL here, so the console's own "Failed to
 * load resource" line is not counted twice).
 */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
}

/** Waits until the first chat's last answer has finished streaming and shows a citation. */
export function waitForCitedAnswer(page: Page): Promise<unknown> {
  return page.waitForFunction(
    () => {
      const root = document.querySelector('grounded-chat')!.shadowRoot!;
      const msgs = root.querySelectorAll('[part~="assistant-message"]');
      const last = msgs[msgs.length - 1];
      return last && last.getAttribute('aria-busy') === 'false' && last.querySelector('[part~="citation"]');
    },
    { timeout: 30_000 },
  );
}

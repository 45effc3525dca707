import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderShell, shellStyleHashes, type ShellAttributes } from '@grounded-chat/widget/ssr.js';
import { publicDir } from './paths.js';

export interface RenderedPage {
  html: string;
  /** CSP `style-src` sources for the shell's declarative-shadow-DOM `<style>` elements. */
  styleHashes: string[];
}

/** What the demo asks of the shell; the page's own tag must carry the same attributes. */
export const DEMO_CHAT: ShellAttributes = {
  endpoint: '/api/chat',
  suggestions: [
    'How do I mount the server kit in Express?',
    'What does the offline extractive answerer do?',
    'Which environment variables configure the orchestrator?',
  ],
};

const PLACEHOLDER = /<grounded-chat endpoint="\/api\/chat"><\/grounded-chat>/;

/**
 * The index page with `<grounded-chat>` rendered on the server into declarative shadow DOM, so the
 * chat shell paints before the drop-in script has loaded. Rendered once at start: it is the same
 * for every visitor (history lives in the visitor's browser).
 */
export async function renderIndexPage(): Promise<RenderedPage> {
  const template = await readFile(join(publicDir, 'index.html'), 'utf8');
  if (!PLACEHOLDER.test(template)) throw new Error('index.html has no <grounded-chat endpoint="/api/chat"> placeholder');
  // Lit's SSR markers (<!--lit-part-->) are only useful for hydration, which the drop-in does not do.
  const shell = (await renderShell(DEMO_CHAT)).replace(/<!--\/?lit-[^>]*-->/g, '');
  return { html: template.replace(PLACEHOLDER, () => shell), styleHashes: await shellStyleHashes(shell) };
}

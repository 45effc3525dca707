/**
 * The frame every page of the site shares: head (title, description, manifest, hashed assets),
 * the header with the link home and the sign-in bar, and the footer.
 *
 * Why plain template strings and not a template engine: the pages are built once, every dynamic
 * value goes through `escapeHtml`, and nothing else is interpolated. No inline script or style
 * anywhere: the site is served under `script-src 'self'; style-src 'self'` (see docs/demo-site.md).
 */
import { escapeHtml } from './markdown.js';

export interface Assets {
  /** Logical name (`site.css`, `site.js`, `grounded-chat.js`, …) → hashed URL under /assets/. */
  url(name: string): string;
}

export interface PageInput {
  /** The URL path the page is served at. */
  path: string;
  title: string;
  description: string;
  body: string;
  /** Extra module scripts (logical asset names) besides site.js. */
  scripts?: string[];
  /** Loads the widget drop-in bundle. */
  widget?: boolean;
  /** Class on <body>, for page-specific layout. */
  bodyClass?: string;
}

export const NAV: Array<{ href: string; label: string }> = [
  { href: '/docs/', label: 'Docs' },
  { href: '/on-your-site', label: 'On your site' },
  { href: '/theming', label: 'Theming' },
  { href: '/recipes/', label: 'Recipes' },
];

export function layout(p: PageInput, assets: Assets): string {
  const current = (href: string) => (p.path === href || (href !== '/' && p.path.startsWith(href)) ? ' aria-current="page"' : '');
  const scripts = [...(p.widget ? ['grounded-chat.js'] : []), 'site.js', ...(p.scripts ?? [])]
    .map((s) => `<script type="module" src="${escapeHtml(assets.url(s))}"></script>`)
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content">
    <title>${escapeHtml(p.title)}</title>
    <meta name="description" content="${escapeHtml(p.description)}">
    <meta name="theme-color" content="#0f5ea8">
    <link rel="icon" href="/favicon.svg" type="image/svg+xml">
    <link rel="manifest" href="/manifest.webmanifest">
    <link rel="stylesheet" href="${escapeHtml(assets.url('site.css'))}">
    ${scripts}
  </head>
  <body${p.bodyClass ? ` class="${escapeHtml(p.bodyClass)}"` : ''}>
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="/">grounded-chat</a>
      <nav aria-label="Site">
        ${NAV.map((n) => `<a href="${n.href}"${current(n.href)}>${escapeHtml(n.label)}</a>`).join('\n        ')}
      </nav>
      <div class="session" data-session aria-live="polite"></div>
    </header>
    <main id="main">
${p.body}
    </main>
    <footer class="bottom">
      <a href="/">Home</a> · <a href="/docs/">Docs</a> · <a href="/docs/demo-site.md">About this site</a> · MIT licensed
    </footer>
  </body>
</html>
`;
}

/**
 * Server-side rendering of the chat shell with `@lit-labs/ssr` (Node only; not part of the drop-in).
 *
 * `renderShell()` returns `<grounded-chat …>` with its declarative shadow DOM, so the shell paints
 * before the script runs. When the drop-in loads, the element takes over the same shadow root.
 *
 * The shell carries the element's styles in a `<style>` element inside the shadow root. A page with
 * `style-src 'self'` must allow it by hash: `shellStyleHashes()` returns the CSP sources to add.
 */
import { render } from '@lit-labs/ssr';
import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
import { html, nothing } from 'lit';
import './grounded-chat-element.js';

/** The attributes the shell can be rendered with (the same as the element's). */
export interface ShellAttributes {
  endpoint?: string;
  mode?: 'inline' | 'launcher';
  theme?: 'light' | 'dark' | 'auto';
  persist?: 'session' | 'local' | 'none';
  /** The stored conversation's key (`grounded-chat:{key}`): one per page keeps each page's chat apart. */
  'storage-key'?: string;
  greeting?: string;
  suggestions?: string[];
  feedback?: boolean;
  open?: boolean;
  'login-url'?: string;
  lang?: string;
  dir?: 'ltr' | 'rtl' | 'auto';
}

const opt = (v: string | undefined) => v ?? nothing;

/** Renders `<grounded-chat>` with its declarative shadow DOM, as an HTML string. */
export async function renderShell(attrs: ShellAttributes = {}): Promise<string> {
  return collectResult(
    render(html`<grounded-chat
      endpoint=${opt(attrs.endpoint)}
      mode=${opt(attrs.mode)}
      theme=${opt(attrs.theme)}
      persist=${opt(attrs.persist)}
      storage-key=${opt(attrs['storage-key'])}
      greeting=${opt(attrs.greeting)}
      suggestions=${attrs.suggestions ? JSON.stringify(attrs.suggestions) : nothing}
      login-url=${opt(attrs['login-url'])}
      lang=${opt(attrs.lang)}
      dir=${opt(attrs.dir)}
      ?feedback=${!!attrs.feedback}
      ?open=${!!attrs.open}
    ></grounded-chat>`),
  );
}

/** CSP `style-src` sources (`'sha256-…'`) for the `<style>` elements of a rendered shell. */
export async function shellStyleHashes(shell: string): Promise<string[]> {
  const hash = async (css: string) => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(css)));
    return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
  };
  return Promise.all([...shell.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => hash(m[1]!)));
}

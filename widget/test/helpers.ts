import '../src/index.js';
import type { GroundedChatElement } from '../src/index.js';

export type Script =
  | { lines: (object | string)[]; delay?: number; first?: number; hang?: boolean; status?: number; type?: string; headers?: Record<string, string> }
  | { status?: number; type?: string; body?: unknown; headers?: Record<string, string> };

/** An endpoint of the mock server that answers with `script` (see test/mock-server.mjs). */
export function mock(script: Script): string {
  const bytes = new TextEncoder().encode(JSON.stringify(script));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `/mock/${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** Contract A lines streaming `text` in pieces of `size` characters, then the context. */
export function answer(text: string, context: object = {}, size = 4): object[] {
  const lines: object[] = [{ delta: { role: 'assistant' } }];
  for (let i = 0; i < text.length; i += size) lines.push({ delta: { content: text.slice(i, i + size) } });
  lines.push({ delta: { context }, sessionState: 'state-1' });
  return lines;
}

let n = 0;
export async function fixture(attrs: Record<string, string> = {}, props: Partial<GroundedChatElement> = {}): Promise<GroundedChatElement> {
  const el = document.createElement('grounded-chat');
  el.setAttribute('persist', 'none');
  el.setAttribute('endpoint', `/unused/${n++}`);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  Object.assign(el, props);
  const box = document.createElement('div');
  box.className = 'fixture';
  box.style.height = '500px';
  box.append(el);
  document.body.append(box);
  await el.updateComplete;
  return el;
}

export function cleanup(): void {
  document.querySelectorAll('.fixture').forEach((f) => f.remove());
  sessionStorage.clear();
  localStorage.clear();
}

export const $ = <T extends Element = HTMLElement>(el: Element, sel: string) => el.shadowRoot!.querySelector<T>(sel);
export const $$ = <T extends Element = HTMLElement>(el: Element, sel: string) => [...el.shadowRoot!.querySelectorAll<T>(sel)];

export async function waitFor<T>(fn: () => T | undefined | null | false, what = 'condition', timeout = 5000): Promise<T> {
  const end = performance.now() + timeout;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Loads the lazily imported Markdown chunk (the same modules the element imports), for a `before`
 * hook: on a loaded machine the dev server's first transform and the evaluation of marked can
 * take seconds, which is setup, not what a test measures. Waits for the load itself, no deadline
 * but the hook's.
 */
export async function loadMarkdownChunk(): Promise<void> {
  await Promise.all([import('../src/markdown.js'), import('../src/render/answer-parts.js')]);
}

/** Types `text` into the element's input and presses Enter. */
export async function ask(el: GroundedChatElement, text: string): Promise<void> {
  const input = $<HTMLTextAreaElement>(el, 'textarea')!;
  input.value = text;
  input.dispatchEvent(new Event('input'));
  await el.updateComplete;
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
}

export const lastAnswer = (el: GroundedChatElement) => $$(el, '.msg.assistant').at(-1);
export const done = (el: GroundedChatElement) => waitFor(() => !el.busy && el.messages.at(-1)?.status !== 'streaming', 'the answer to finish');

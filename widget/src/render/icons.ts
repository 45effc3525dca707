/** The element's icons (24×24 single-path outlines) and its icon button. */
import { html, nothing, svg } from 'lit';

export const ICONS = {
  chat: 'M4 4h16v12H7l-3 3zm3 5h10M7 12h7',
  close: 'M6 6l12 12M18 6L6 18',
  send: 'M4 12l16-8-6 16-2-7z',
  stop: 'M7 7h10v10H7z',
  plus: 'M12 5v14M5 12h14',
};

export const icon = (path: string) =>
  html`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">${svg`<path d=${path} />`}</svg>`;

/** A labelled icon button; `pressed` makes it a toggle (aria-pressed). */
export const iconButton = (label: string, path: string, onClick: (e: Event) => void, extra: { pressed?: boolean; className?: string } = {}) =>
  html`<button
    type="button"
    class="icon ${extra.className ?? ''}"
    aria-label=${label}
    title=${label}
    aria-pressed=${extra.pressed === undefined ? nothing : String(extra.pressed)}
    @click=${onClick}
  >
    ${icon(path)}
  </button>`;

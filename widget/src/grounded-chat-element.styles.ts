import { css } from 'lit';

const light = css`
  --_accent: var(--gc-accent, #0b57d0);
  --_on-accent: var(--gc-on-accent, #fff);
  --_bg: var(--gc-bg, #fff);
  --_fg: var(--gc-fg, #1f1f1f);
  --_muted: var(--gc-muted, #5e5e5e);
  --_surface: var(--gc-surface, #f1f3f4);
  --_border: var(--gc-border, #747775);
  --_danger: var(--gc-danger, #b3261e);
  color-scheme: light;
`;
const dark = css`
  --_accent: var(--gc-accent, #a8c7fa);
  --_on-accent: var(--gc-on-accent, #062e6f);
  --_bg: var(--gc-bg, #1f1f1f);
  --_fg: var(--gc-fg, #e3e3e3);
  --_muted: var(--gc-muted, #c4c7c5);
  --_surface: var(--gc-surface, #2d2f31);
  --_border: var(--gc-border, #8e918f);
  --_danger: var(--gc-danger, #f2b8b5);
  color-scheme: dark;
`;

export const styles = css`
  /* min-width/max-width: as a flex or grid item the element shrinks to its track instead of
     widening it to its longest unbroken line; wide code and tables scroll inside. */
  :host {
    ${light}
    display: block;
    min-width: 0;
    max-width: 100%;
    height: 100%;
    min-height: 320px;
    font: 15px/1.5 var(--gc-font, inherit);
    color: var(--_fg);
    --_r: var(--gc-radius, 12px);
    --_z: var(--gc-z-index, 2147483000);
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([mode='launcher']) {
    display: contents;
  }
  [hidden] {
    display: none !important;
  }
  * {
    box-sizing: border-box;
  }
  .root {
    height: 100%;
  }
  .sr {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .frame {
    display: flex;
    flex-direction: column;
    height: 100%;
    background: var(--_bg);
    color: var(--_fg);
    border: 1px solid var(--_border);
    border-radius: var(--_r);
    overflow: hidden;
    position: relative;
  }
  :host([mode='launcher']) .frame {
    position: fixed;
    z-index: calc(var(--_z) + 1);
    inset-block-end: 5.5rem;
    inset-inline-end: 1rem;
    width: min(var(--gc-panel-width, 400px), calc(100vw - 2rem));
    height: min(var(--gc-panel-height, 600px), calc(100dvh - 7rem));
    box-shadow: 0 8px 32px #0004;
    animation: pop 0.15s ease-out;
  }
  @media (max-width: 480px) {
    :host([mode='launcher']) .frame {
      inset: var(--gc-vvt, 0) 0 auto 0;
      width: 100%;
      height: var(--gc-vvh, 100dvh);
      border-radius: 0;
      border: 0;
    }
  }
  @keyframes pop {
    from {
      opacity: 0;
      transform: translateY(8px);
    }
  }
  .launcher {
    position: fixed;
    z-index: var(--_z);
    inset-block-end: 1rem;
    inset-inline-end: 1rem;
    width: 3.5rem;
    height: 3.5rem;
    border-radius: 50%;
    border: 0;
    background: var(--_accent);
    color: var(--_on-accent);
    box-shadow: 0 4px 16px #0005;
    cursor: pointer;
    display: grid;
    place-items: center;
  }
  .header {
    display: flex;
    align-items: center;
    gap: 0.25rem;
    padding: 0.5rem;
    padding-inline-start: 1rem;
    border-block-end: 1px solid var(--_border);
  }
  h2 {
    font-size: 1rem;
    margin: 0;
    flex: 1;
  }
  /* inline-size containment: the log's width never depends on what it holds, so a page laying out
     the element in a flex or grid track (which asks for its min- and max-content widths) does not
     lay out every answer again, whole, on each streamed piece — the 2 s task of an unbroken 64 KB
     line on the demo site. Its width comes from the frame. */
  .log {
    flex: 1;
    contain: inline-size;
    overflow-y: auto;
    padding: 1rem;
    overscroll-behavior: contain;
  }
  .log[tabindex]:focus-visible {
    outline-offset: -2px;
  }
  .msg {
    margin-block-end: 1rem;
    display: flex;
    flex-direction: column;
    align-items: flex-start;
  }
  .msg.user {
    align-items: flex-end;
  }
  /* Off-screen messages are neither laid out nor painted. */
  .msg:not(:last-child) {
    content-visibility: auto;
    contain-intrinsic-size: auto 3em;
  }
  /* Full width: a shrink-to-fit answer would be measured again, whole, on every streamed token. */
  .msg.assistant {
    align-items: stretch;
  }
  .msg.assistant .bubble {
    max-width: none;
  }
  .greeting .bubble {
    align-self: flex-start;
  }
  .bubble {
    max-width: 100%;
    padding: 0.5rem 0.75rem;
    border-radius: var(--_r);
    background: var(--_surface);
    overflow-wrap: anywhere;
  }
  .user .bubble {
    max-width: 85%;
    background: var(--_accent);
    color: var(--_on-accent);
    white-space: pre-wrap;
  }
  .plain {
    white-space: pre-wrap;
  }
  /* The pieces of an overlong streamed line (markdown.ts, settleLongLines) read as one paragraph. */
  .cont {
    margin: 0;
  }
  .md > :first-child,
  .md > :first-child > :first-child,
  .chunk:first-child > :first-child > :first-child {
    margin-block-start: 0;
  }
  .md > :last-child,
  .chunk:last-child > :last-child {
    margin-block-end: 0;
  }
  /* A group of finished blocks off screen is neither laid out nor painted; its padding (undone by
     the margin) leaves room for focus rings. The last group, still growing, is not skipped. */
  .md > .chunk {
    padding: 4px 4px 0;
    margin: -4px -4px 0;
    contain-intrinsic-size: auto 30em;
  }
  .chunk:not(:last-child) {
    content-visibility: auto;
  }
  /* Its margins stay inside a group: the previous block's 0.6em is the gap, as when collapsed. */
  .chunk > :first-child {
    margin-block-start: 0;
  }
  .md p,
  .md ul,
  .md ol,
  .md blockquote,
  .md .code,
  .md .table {
    margin: 0 0 0.6em;
  }
  .md ul,
  .md ol {
    padding-inline-start: 1.4em;
  }
  .md .h {
    font-weight: 600;
    font-size: 1.05em;
  }
  .md .h1 {
    font-size: 1.2em;
  }
  .md blockquote {
    border-inline-start: 3px solid var(--_border);
    padding-inline-start: 0.75em;
    color: var(--_muted);
  }
  .md code {
    font: 0.9em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    background: var(--_bg);
    padding: 0.1em 0.3em;
    border-radius: 4px;
  }
  .code {
    display: flex;
    flex-direction: column;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 8px;
  }
  .code pre {
    margin: 0;
    padding: 0 0.75em 0.75em;
    overflow-x: auto;
  }
  /* Code reads left to right in any language. */
  .md code {
    direction: ltr;
    unicode-bidi: isolate;
  }
  .code pre {
    direction: ltr;
    text-align: left;
  }
  .send:dir(rtl) svg {
    transform: scaleX(-1);
  }
  .code pre code {
    padding: 0;
  }
  .copy-code {
    align-self: flex-end;
    margin: 0.25rem;
    font-size: 0.8em;
  }
  .table {
    overflow-x: auto;
  }
  table {
    border-collapse: collapse;
  }
  th,
  td {
    border: 1px solid var(--_border);
    padding: 0.25em 0.5em;
    text-align: start;
  }
  .center {
    text-align: center;
  }
  .right {
    text-align: end;
  }
  a {
    color: inherit;
    text-decoration: underline;
  }
  .note {
    color: var(--_muted);
    font-size: 0.875em;
    margin: 0.25em 0 0;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
  }
  button:focus-visible,
  textarea:focus-visible,
  a:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .icon {
    display: inline-grid;
    place-items: center;
    width: 2rem;
    height: 2rem;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: none;
  }
  .icon:hover,
  .copy-code:hover,
  .chip:hover,
  .source:hover {
    filter: brightness(0.95);
  }
  svg {
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  [aria-pressed='true'] {
    color: var(--_accent);
  }
  [aria-pressed='true'] svg {
    fill: currentColor;
  }
  .cite {
    font-size: 0.75em;
    line-height: 1;
    vertical-align: super;
    min-width: 1.4em;
    padding: 0.15em 0.3em;
    margin: 0 0.1em;
    border: 0;
    border-radius: 4px;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .sources {
    margin-block-start: 0.35rem;
    font-size: 0.875em;
    color: var(--_muted);
  }
  .sources ol {
    list-style: none;
    margin: 0.25rem 0 0;
    padding: 0;
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
  }
  .source,
  .chip,
  .copy-code,
  .text {
    border: 1px solid var(--_border);
    border-radius: 999px;
    background: var(--_bg);
    padding: 0.15rem 0.6rem;
    text-align: start;
  }
  .source span,
  .source-panel h3 span {
    font-weight: 600;
    color: var(--_accent);
  }
  .actions {
    display: flex;
    color: var(--_muted);
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    margin-block: 0.25rem 1rem;
  }
  .chip {
    color: var(--_accent);
  }
  .error {
    margin-block-start: 0.35rem;
    color: var(--_danger);
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .typing {
    color: var(--_muted);
    animation: pulse 1.2s ease-in-out infinite;
  }
  @keyframes pulse {
    50% {
      opacity: 0.55;
    }
  }
  .source-panel {
    border-block-start: 1px solid var(--_border);
    padding: 0.75rem 1rem;
    max-height: 45%;
    overflow-y: auto;
    background: var(--_surface);
  }
  .source-head {
    display: flex;
    align-items: start;
    gap: 0.5rem;
  }
  .source-panel h3 {
    flex: 1;
    font-size: 0.95rem;
    margin: 0.25rem 0;
  }
  .snippet {
    white-space: pre-wrap;
    margin: 0.25rem 0 0.5rem;
  }
  .composer {
    display: flex;
    align-items: flex-end;
    gap: 0.5rem;
    padding: 0.5rem;
    border-block-start: 1px solid var(--_border);
  }
  textarea {
    flex: 1;
    resize: none;
    field-sizing: content;
    min-height: 2.5rem;
    max-height: 10rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_r);
    background: var(--_bg);
    color: var(--_fg);
    font: inherit;
  }
  .counter {
    margin: 0;
    padding: 0 0.75rem 0.5rem;
    font-size: 0.8125rem;
    color: var(--_muted);
  }
  .counter.over {
    color: var(--_danger);
  }
  textarea::placeholder {
    color: var(--_muted);
  }
  .send,
  .stop {
    width: 2.5rem;
    height: 2.5rem;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .send:disabled {
    opacity: 0.5;
    cursor: default;
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    .frame {
      animation: none !important;
      transition: none !important;
      scroll-behavior: auto !important;
    }
  }
`;

/**
 * What follows an answer: its sources list and actions (copy, ratings, regenerate), the panel
 * showing one source, and the feedback POST. In the lazily loaded chunk, with the Markdown
 * renderer: none of it can be needed before the first answer, so it is not paid for before it.
 */
import { html, nothing } from 'lit';
import type { GroundedChatMessage } from '../types.js';
import type { MessageView } from './message.js';
import { iconButton } from './icons.js';

export { renderSourcesPanel } from './sources-panel.js';

const COPY = 'M9 9h10v10H9zM5 15V5h10';
const UP = 'M7 11v9H4v-9zm0 0l4-7c2 0 2 2 2 3v3h6l-2 10H7';
const DOWN = 'M7 13V4H4v9zm0 0l4 7c2 0 2-2 2-3v-3h6L17 4H7';
const AGAIN = 'M20 12a8 8 0 1 1-3-6.2M20 4v5h-5';

export function renderSources(m: GroundedChatMessage, v: MessageView) {
  const cites = m.context?.citations ?? [];
  if (!cites.length) return nothing;
  return html`<div class="sources" part="sources">
    <span class="label">${v.strings.sources}</span>
    <ol>
      ${cites.map(
        (c, i) => html`<li><button type="button" class="source" @click=${(e: Event) => v.cite(m, i, e.currentTarget)}><span>${i + 1}</span> ${c.title}</button></li>`,
      )}
    </ol>
  </div>`;
}

export function renderActions(m: GroundedChatMessage, isLast: boolean, v: MessageView) {
  const s = v.strings;
  return html`<div class="actions" part="actions">
    ${iconButton(v.copied === m.id ? s.copied : s.copy, COPY, () => v.copy(m.content, m.id))}
    ${iconButton(s.helpful, UP, () => v.rate(m, 'up'), { pressed: m.feedback === 'up' })}
    ${iconButton(s.notHelpful, DOWN, () => v.rate(m, 'down'), { pressed: m.feedback === 'down' })}
    ${isLast ? iconButton(s.regenerate, AGAIN, v.regenerate, { className: 'regenerate' }) : nothing}
  </div>`;
}

export interface FeedbackPost {
  url: string;
  headers: Record<string, string>;
  credentials: RequestCredentials;
  fetch: typeof globalThis.fetch;
}

/** POSTs a rating in the server kit's feedback body: rating, message id and, when it is a W3C trace id, the trace. */
export function postFeedback(m: GroundedChatMessage, rating: 'up' | 'down', post: FeedbackPost): Promise<unknown> {
  const traceId = m.context?.traceId;
  return post
    .fetch(post.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...post.headers },
      credentials: post.credentials,
      body: JSON.stringify({ rating, messageId: m.id, traceId: /^[0-9a-f]{32}$/.test(traceId ?? '') ? traceId : undefined }),
    })
    .catch(() => undefined);
}

/**
 * One message of the log: the visitor's question, or an answer with its Markdown body, notes
 * (stopped, cut, extractive), error, sources, actions and follow-up questions.
 *
 * An answer that failed before any text arrived shows its error alone: no empty bubble above it.
 * Its sources list and actions come from render/answer-parts.ts, loaded with the Markdown chunk,
 * which keeps them out of what loads before the first answer (docs/widget.md, budgets).
 */
import { html, nothing, type TemplateResult } from 'lit';
import { fill, type GroundedChatStrings } from '../strings.js';
import type { FeedbackValue, GroundedChatMessage } from '../types.js';
import type * as Markdown from '../markdown.js';
import type * as AnswerParts from './answer-parts.js';

export interface MessageView {
  strings: GroundedChatStrings;
  /** The Markdown renderer once its chunk has loaded; answers are plain text until then. */
  markdown?: typeof Markdown;
  /** Sources and actions, loaded with the Markdown renderer (they only follow an answer). */
  parts?: typeof AnswerParts;
  /** What was last copied: a message id, or `id + ' ' + code` for a code block. */
  copied?: string;
  loginUrl?: string;
  errorText(m: GroundedChatMessage): string;
  cite(m: GroundedChatMessage, index: number, opener: EventTarget | null): void;
  copy(text: string, id: string): void;
  rate(m: GroundedChatMessage, value: FeedbackValue): void;
  regenerate(): void;
  ask(question: string): void;
}

export const renderChips = (label: string, items: string[], ask: (q: string) => void) =>
  html`<div class="chips" role="group" aria-label=${label}>
    ${items.map((q) => html`<button type="button" class="chip" part="chip" dir="auto" @click=${() => ask(q)}>${q}</button>`)}
  </div>`;

export function renderMessage(m: GroundedChatMessage, isLast: boolean, v: MessageView): TemplateResult {
  const s = v.strings;
  if (m.role === 'user')
    return html`<div class="msg user" part="message user-message">
      <span class="sr">${s.you}:</span>
      <div class="bubble" part="bubble" dir="auto">${m.content}</div>
    </div>`;
  const cites = m.context?.citations ?? [];
  const done = m.status === 'done' || m.status === 'stopped';
  const streaming = m.status === 'streaming';
  const citeButton = (n: number) => {
    const c = cites[n - 1];
    return c
      ? html`<button type="button" class="cite" part="citation" aria-label=${fill(s.citation, { n, title: c.title })} @click=${(e: Event) => v.cite(m, n - 1, e.currentTarget)}>${n}</button>`
      : undefined;
  };
  const body = v.markdown
    ? v.markdown.renderMarkdown(
        m.id,
        m.content,
        {
          cite: citeButton,
          // A code block's copy is keyed by message and text: its button says `copied` a moment.
          copy: (t) => v.copy(t, m.id + ' ' + t),
          copyLabel: s.copyCode,
          copiedLabel: s.copied,
          copied: v.copied?.startsWith(m.id + ' ') ? v.copied.slice(m.id.length + 1) : undefined,
          imageLabel: (alt) => fill(s.image, { alt }),
          deps: cites,
        },
        streaming,
      )
    : html`<p class="plain">${m.content}</p>`;
  const notes = [
    m.status === 'stopped' ? s.stopped : '',
    m.cut ? s.answerCut : '',
    m.context?.mode === 'extractive' && done ? s.extractive : '',
  ].filter(Boolean);
  return html`<div class="msg assistant" part="message assistant-message" aria-busy=${streaming ? 'true' : 'false'}>
    <span class="sr">${s.assistant}:</span>
    ${m.content || streaming || notes.length
      ? html`<div class="bubble md" part="bubble" dir="auto">
          ${m.content ? body : streaming ? html`<span class="typing" role="status">${s.thinking}</span>` : nothing}
          ${notes.map((n) => html`<p class="note">${n}</p>`)}
        </div>`
      : nothing}
    ${m.error
      ? html`<div class="error" part="error" role="alert">
          <span>${v.errorText(m)}</span>
          ${m.error.code === 'unauthorized' && v.loginUrl
            ? html`<a href=${v.loginUrl}>${s.signIn}</a>`
            : html`<button type="button" class="text" @click=${v.regenerate}>${s.retry}</button>`}
        </div>`
      : nothing}
    ${v.parts?.renderSources(m, v) ?? nothing}
    ${done && m.content ? (v.parts?.renderActions(m, isLast, v) ?? nothing) : nothing}
    ${isLast && done && m.context?.followupQuestions?.length ? renderChips(s.followups, m.context.followupQuestions, v.ask) : nothing}
  </div>`;
}

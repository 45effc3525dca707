/**
 * The composer: the text area and the send / stop button.
 *
 * Past the length limit the question is refused in plain words, never cut: the text area has no
 * `maxlength` (a browser silently drops what a paste brings past it, which lost the question at
 * the end of a long paste), a counter appears from 90% of the limit, and past it the send button
 * is disabled and a status line says by how much to shorten it.
 */
import { html, nothing } from 'lit';
import { fill, type GroundedChatStrings } from '../strings.js';
import { icon, ICONS } from './icons.js';

export interface ComposerView {
  strings: GroundedChatStrings;
  draft: string;
  maxLength: number;
  busy: boolean;
  onInput(value: string): void;
  onSubmit(): void;
  onStop(): void;
  onFocus(): void;
}

/** The counter shows once the draft reaches this share of the limit. */
const COUNTER_FROM = 0.9;

export function renderComposer(v: ComposerView) {
  const s = v.strings;
  const count = v.draft.length;
  const over = count > v.maxLength;
  const counter = count >= v.maxLength * COUNTER_FROM;
  const onKeydown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      v.onSubmit();
    }
  };
  return html`<form class="composer" part="composer" @submit=${(e: Event) => (e.preventDefault(), v.onSubmit())}>
      <textarea
        part="input"
        rows="1"
        dir="auto"
        aria-label=${s.inputLabel}
        aria-describedby=${counter ? 'counter' : nothing}
        aria-invalid=${over ? 'true' : nothing}
        placeholder=${s.placeholder}
        .value=${v.draft}
        @input=${(e: Event) => v.onInput((e.target as HTMLTextAreaElement).value)}
        @keydown=${onKeydown}
        @focus=${v.onFocus}
      ></textarea>
      ${v.busy
        ? html`<button type="button" class="icon stop" part="stop-button" aria-label=${s.stop} title=${s.stop} @click=${v.onStop}>${icon(ICONS.stop)}</button>`
        : html`<button type="submit" class="icon send" part="send-button" aria-label=${s.send} title=${s.send} ?disabled=${!v.draft.trim() || over}>${icon(ICONS.send)}</button>`}
    </form>
    ${counter
      ? html`<p id="counter" class="counter ${over ? 'over' : ''}" part="counter" role=${over ? 'alert' : nothing}>
          ${over ? fill(s.tooLong, { count, max: v.maxLength, over: count - v.maxLength }) : fill(s.counter, { count, max: v.maxLength })}
        </p>`
      : nothing}`;
}

/**
 * `<grounded-chat>`: its properties, methods and events, and how its parts are put together.
 *
 * The behaviour lives in reactive controllers (Lit's pattern, as Shoelace uses it): the chat
 * session (send, stop, regenerate, streaming), the conversation store (persistence), the log's
 * scrolling, and the visual viewport. The templates live in render modules: message, sources
 * panel, composer. Docs: docs/widget.md.
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { guard } from 'lit/directives/guard.js';
import { styles } from './grounded-chat-element.styles.js';
import { defaultStrings, fill, type GroundedChatStrings } from './strings.js';
import { ChatSession } from './controllers/chat-session.js';
import { ConversationStore, type PersistMode } from './controllers/conversation-store.js';
import { LogScrollController } from './controllers/log-scroll.js';
import { VisualViewportController } from './controllers/visual-viewport.js';
import { icon, iconButton, ICONS } from './render/icons.js';
import { renderChips, renderMessage, type MessageView } from './render/message.js';
import { renderComposer } from './render/composer.js';
import type { Citation, FeedbackValue, GroundedChatEventDetails, GroundedChatMessage } from './types.js';
import type * as Markdown from './markdown.js';
import type * as AnswerParts from './render/answer-parts.js';

let markdown: typeof Markdown | undefined;
let answerParts: typeof AnswerParts | undefined;
let markdownLoading: Promise<unknown> | undefined;
/**
 * Loads the Markdown renderer and the parts that follow an answer (sources, actions), once: when
 * the visitor focuses the input, on the first question, or for restored answers.
 */
const loadMarkdown = () =>
  (markdownLoading ??= Promise.all([import('./markdown.js'), import('./render/answer-parts.js')]).then(([m, p]) => ((markdown = m), (answerParts = p))));

let warned = false;
const deprecated = (old: string, now: string) => {
  if (!warned) console.warn(`grounded-chat: ${old} is deprecated; use ${now}`);
  warned = true;
};

/**
 * A drop-in chat for the Microsoft AI Chat Protocol (contract A): it POSTs the conversation to
 * `{endpoint}/stream` and renders the NDJSON answer as it arrives, with safe Markdown, citations,
 * follow-up questions, feedback and a persisted history.
 *
 * @summary An accessible, XSS-safe streaming chat element.
 *
 * @fires {CustomEvent<{message, request}>} grounded-chat:send - Cancelable. Before a request is sent; `detail.request` may be changed in place.
 * @fires {CustomEvent<{message}>} grounded-chat:response - An answer finished streaming.
 * @fires {CustomEvent<{error, message}>} grounded-chat:error - A request or stream failed.
 * @fires {CustomEvent<{citation, index, message}>} grounded-chat:citation - Cancelable. The visitor chose a citation; cancel to show it yourself.
 * @fires {CustomEvent<{value, message}>} grounded-chat:feedback - The visitor rated an answer (`up` or `down`).
 * @fires {CustomEvent<{loginUrl}>} grounded-chat:unauthorized - The server answered 401.
 * @fires {CustomEvent} grounded-chat:open - The launcher panel opened (`open` became true).
 * @fires {CustomEvent} grounded-chat:close - The launcher panel closed (`open` became false).
 *
 * @csspart launcher - The floating button (launcher mode).
 * @csspart panel - The chat frame (the floating panel in launcher mode).
 * @csspart header - The title bar.
 * @csspart title - The title.
 * @csspart messages - The scrolling `role="log"` list of messages.
 * @csspart message - Every message.
 * @csspart user-message - A message of the visitor (also `message`).
 * @csspart assistant-message - An answer (also `message`).
 * @csspart bubble - The text of a message.
 * @csspart citation - An inline `[n]` citation button.
 * @csspart sources - The list of sources under an answer.
 * @csspart sources-panel - The panel showing one source.
 * @csspart actions - Copy, feedback and regenerate buttons under an answer.
 * @csspart error - An error notice.
 * @csspart chip - A suggestion or follow-up question button.
 * @csspart composer - The form holding the input and the send/stop button.
 * @csspart input - The text area.
 * @csspart counter - The length counter near the limit, and the refusal past it.
 * @csspart send-button - The send button.
 * @csspart stop-button - The stop button.
 * @csspart code-block - A fenced code block.
 *
 * @cssprop [--gc-accent=#0b57d0] - Accent colour: buttons, links, user messages.
 * @cssprop [--gc-on-accent=#fff] - Text on the accent colour.
 * @cssprop [--gc-bg=#fff] - Background.
 * @cssprop [--gc-fg=#1f1f1f] - Text colour.
 * @cssprop [--gc-muted=#5e5e5e] - Secondary text.
 * @cssprop [--gc-surface=#f1f3f4] - Assistant messages, code, chips.
 * @cssprop [--gc-border=#747775] - Borders.
 * @cssprop [--gc-danger=#b3261e] - Error text.
 * @cssprop [--gc-font=inherit] - Font family.
 * @cssprop [--gc-radius=12px] - Corner radius.
 * @cssprop [--gc-panel-width=400px] - Launcher panel width.
 * @cssprop [--gc-panel-height=600px] - Launcher panel height.
 * @cssprop [--gc-z-index=2147483000] - Stacking order of the launcher and its panel.
 */
export class GroundedChatElement extends LitElement {
  static override styles = styles;
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  // ── Properties ─────────────────────────────────────────────────────────────────────────────

  /** Base URL of the chat API: answers stream from `{endpoint}/stream`, feedback goes to `{endpoint}/feedback`. */
  @property() endpoint = '/api/chat';

  /** `inline` fills its container; `launcher` is a floating button that opens a panel. */
  @property({ reflect: true }) mode: 'inline' | 'launcher' = 'inline';

  /** Launcher mode: whether the panel is open. Reflects to the `open` attribute; `show()` and `hide()` set it too. */
  @property({ type: Boolean, reflect: true }) open = false;

  /** Colour scheme: `light`, `dark`, or `auto` (follows the system). */
  @property({ reflect: true }) theme: 'light' | 'dark' | 'auto' = 'auto';

  /** Where the conversation is kept across reloads: `session` (sessionStorage), `local` (localStorage) or `none`. */
  @property() persist: PersistMode = 'session';

  /**
   * Names the stored conversation: pages with different keys keep their own conversation even
   * when they share an endpoint. Default: the endpoint (pages sharing it share one conversation).
   */
  @property({ attribute: 'storage-key' }) storageKey?: string;

  /** POST each rating (the thumbs under an answer) to `{endpoint}/feedback`. Ratings always raise `grounded-chat:feedback`. */
  @property({ type: Boolean }) feedback = false;

  /** Where visitors sign in; shown as a link when the server answers 401. */
  @property({ attribute: 'login-url' }) loginUrl?: string;

  /** The greeting on an empty chat; defaults to `strings.greeting`. */
  @property() greeting?: string;

  /** Starter questions offered on an empty chat. As an attribute: a JSON array. */
  @property({ type: Array }) suggestions: string[] = [];

  /** Overrides for any visible string (see `GroundedChatStrings`); `errors` is merged per code. */
  @property({ attribute: false }) strings: Partial<GroundedChatStrings> = {};

  /** Extra request headers, e.g. `{ Authorization: 'Bearer …' }`. */
  @property({ attribute: false }) headers: Record<string, string> = {};

  /** Called before every request; its headers are added (e.g. a fresh bearer token). */
  @property({ attribute: false }) getHeaders?: () => Record<string, string> | Promise<Record<string, string>>;

  /** `fetch` credentials mode. Same-origin cookies (Easy Auth) by default. */
  @property({ attribute: false }) credentials: RequestCredentials = 'same-origin';

  /** Extra `context` sent with each request (contract A's request `context`). */
  @property({ attribute: false }) context?: Record<string, unknown>;

  /** The `fetch` to use; replace it to add instrumentation or for tests. */
  @property({ attribute: false }) fetch: typeof globalThis.fetch = (...a) => globalThis.fetch(...a);

  /** How many earlier messages are sent with a question. */
  @property({ type: Number, attribute: 'max-history' }) maxHistory = 20;

  /** Longest question accepted, in characters (the server kit's default limit). Longer ones are refused, never cut. */
  @property({ type: Number, attribute: 'max-message-length' }) maxMessageLength = 8000;

  /** The conversation. Replace the array (don't mutate it) to change it. */
  @property({ attribute: false }) messages: GroundedChatMessage[] = [];

  /** The server's `sessionState`, sent back with each request. */
  @property({ attribute: false }) sessionState: unknown;

  // Internal reactive state, declared without decorators so the build can shorten the names.
  static override properties = {
    _draft: { state: true },
    _openSource: { state: true },
    _markdownReady: { state: true },
    _copied: { state: true },
  };
  private _draft = '';
  private _openSource?: { citation: Citation; index: number };
  private _markdownReady = !!markdown;
  /** What was copied a moment ago: a message id, or `id + ' ' + code` for a code block. */
  private _copied?: string;
  private _focusWasInside?: boolean;
  private _sourceOpener?: HTMLElement | null;

  // ── Controllers ────────────────────────────────────────────────────────────────────────────

  private _logScroll = new LogScrollController(
    this,
    () => this.renderRoot?.querySelector<HTMLElement>('.log'),
    () => this._markdownReady,
  );
  private _store = new ConversationStore(this, (count) => this._logScroll._showEnd(count));
  private _session = new ChatSession(this, (type, detail, cancelable) => this._emit(type, detail, cancelable), () => this._store._save());
  private _viewport = new VisualViewportController(this);

  // ── Methods ────────────────────────────────────────────────────────────────────────────────

  /** Opens the launcher panel. Resolves once it is rendered. */
  show(): Promise<boolean> {
    this.open = true;
    return this.updateComplete;
  }
  /** Closes the launcher panel. Resolves once it is rendered. */
  hide(): Promise<boolean> {
    this.open = false;
    return this.updateComplete;
  }
  /** Opens the panel if it is closed, closes it if it is open. */
  toggle(): void {
    this.open = !this.open;
  }
  /** @deprecated Use `hide()`. */
  close(): void {
    deprecated('close()', 'hide()');
    void this.hide();
  }
  /** @deprecated Use `open` (the same boolean, which used to be named `opened`). */
  get opened(): boolean {
    deprecated('opened', 'open');
    return this.open;
  }
  set opened(value: boolean) {
    deprecated('opened', 'open');
    this.open = value;
  }

  /** True while an answer streams. */
  get busy(): boolean {
    return this._session._busy;
  }

  /**
   * Sends a question, as if the visitor typed it, and resolves when its answer is over. A
   * question longer than `maxMessageLength` is not sent: it stays in the input, which says why.
   */
  async send(text: string = this._draft): Promise<void> {
    text = text.trim();
    if (!text || this.busy) return;
    if (text.length > this.maxMessageLength) {
      this._draft = text;
      return;
    }
    this._draft = '';
    // The input too: typed and sent within one task (before a render), it still shows the text,
    // which Lit's binding, already '' when last rendered, would not clear.
    const input = this.renderRoot?.querySelector('textarea');
    if (input) input.value = '';
    this._logScroll._stick();
    await this._session._send(text);
  }

  /** Stops the answer that is streaming; what arrived is kept. */
  stop(): void {
    this._session._stop();
  }

  /** Asks the last question again, replacing a failed or last answer. */
  regenerate(): Promise<void> {
    this._logScroll._stick();
    return this._session._regenerate();
  }

  /** Clears the conversation (and what is stored) and starts a new one. */
  newConversation(): void {
    this.stop();
    this.messages = [];
    this._logScroll._reset();
    this.sessionState = undefined;
    this._openSource = undefined;
    this._store._save();
    this.renderRoot?.querySelector('textarea')?.focus();
  }

  /** Dispatches one of the element's events (they bubble and cross the shadow boundary). */
  private _emit<K extends keyof GroundedChatEventDetails>(type: K, detail: GroundedChatEventDetails[K], cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  // ── Lifecycle ──────────────────────────────────────────────────────────────────────────────

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    // A shell rendered on the server (declarative shadow DOM) is replaced by the live one on the
    // first render, in the same task, so nothing flickers. (The drop-in does not hydrate.)
    this.shadowRoot?.replaceChildren();
    return super.createRenderRoot();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Focus goes back to the launcher on close only if it was in the panel: a host calling hide()
    // while the visitor types elsewhere on the page keeps their focus.
    // (`matches` is missing from the DOM shim under server-side rendering.)
    if (changed.has('open')) this._focusWasInside = this.matches?.(':focus-within');
    if ((changed.has('endpoint') || changed.has('persist') || changed.has('storageKey')) && this.isConnected && this.hasUpdated) this._store._restore();
    // In a task of its own, after the chunk's evaluation; if it fails to load, answers stay plain text.
    const ready = () => setTimeout(() => (this._markdownReady = true));
    if (!this._markdownReady && this.isConnected && this.messages.some((m) => m.role === 'assistant')) void loadMarkdown().then(ready, ready);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('open') || this.mode !== 'launcher') return;
    if (this.open) this._viewport._apply();
    if (changed.get('open') === undefined) return; // first render: nothing to announce or focus
    if (this.open) {
      this._logScroll._stick();
      this.renderRoot.querySelector('textarea')?.focus();
      this._emit('grounded-chat:open', {});
    } else {
      if (this._focusWasInside) this.renderRoot.querySelector<HTMLElement>('.launcher')?.focus();
      this._emit('grounded-chat:close', {});
    }
  }

  // ── Handlers ───────────────────────────────────────────────────────────────────────────────

  private get _strings(): GroundedChatStrings {
    const s = this.strings ?? {};
    return { ...defaultStrings, ...s, errors: { ...defaultStrings.errors, ...s.errors } };
  }

  private _errorText(m: GroundedChatMessage): string {
    const e = m.error!;
    const errs = this._strings.errors;
    if (e.code === 'rate_limited' && !e.retryAfterSeconds) return errs.rate_limited_soon ?? errs.default!;
    if (e.code === 'quota_exceeded' && !e.resetAt) return errs.quota_exceeded_later ?? errs.default!;
    const lang = (this.closest('[lang]') as HTMLElement | null)?.lang || undefined;
    const time = e.resetAt ? new Date(e.resetAt).toLocaleTimeString(lang, { hour: 'numeric', minute: '2-digit' }) : '';
    return fill(errs[e.code] ?? errs.default!, { seconds: e.retryAfterSeconds ?? '', time });
  }

  private _rate(m: GroundedChatMessage, value: FeedbackValue) {
    const rated = { ...m, feedback: value };
    this.messages = this.messages.map((x) => (x.id === m.id ? rated : x));
    this._store._save();
    this._emit('grounded-chat:feedback', { value, message: rated });
    if (this.feedback && answerParts)
      void Promise.resolve(this.getHeaders?.()).then((h) =>
        answerParts!.postFeedback(rated, value, {
          url: `${this.endpoint.replace(/\/+$/, '')}/feedback`,
          headers: { ...this.headers, ...h },
          credentials: this.credentials,
          fetch: (...a) => this.fetch(...a),
        }),
      ).catch(() => undefined);
  }

  private async _copy(text: string, id: string) {
    try {
      await navigator.clipboard.writeText(text);
      this._copied = id;
      setTimeout(() => this._copied === id && (this._copied = undefined), 1500);
    } catch {
      /* clipboard refused */
    }
  }

  private _cite(m: GroundedChatMessage, index: number, opener: EventTarget | null) {
    const citation = m.context?.citations?.[index];
    if (!citation || !this._emit('grounded-chat:citation', { citation, index, message: m }, true)) return;
    this._sourceOpener = opener as HTMLElement | null;
    this._openSource = { citation, index };
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.source-close')?.focus());
  }
  private _closeSource() {
    this._openSource = undefined;
    this._sourceOpener?.focus();
  }

  private _onKeydown(e: KeyboardEvent) {
    if (e.key !== 'Escape') return;
    if (this.busy) this.stop();
    else if (this._openSource) this._closeSource();
    else if (this.mode === 'launcher' && this.open) void this.hide();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  // ── Composition ────────────────────────────────────────────────────────────────────────────

  private _renderChat() {
    const s = this._strings;
    const busy = this.busy;
    const last = this.messages.length - 1;
    const first = this._logScroll._firstShown;
    const source = this._openSource;
    const view: MessageView = {
      strings: s,
      markdown: this._markdownReady ? markdown : undefined,
      parts: this._markdownReady ? answerParts : undefined,
      copied: this._copied,
      loginUrl: this.loginUrl,
      errorText: (m) => this._errorText(m),
      cite: (m, i, opener) => this._cite(m, i, opener),
      copy: (t, id) => void this._copy(t, id),
      rate: (m, value) => this._rate(m, value),
      regenerate: () => void this.regenerate(),
      ask: (q) => void this.send(q),
    };
    return html`<div class="frame" part="panel" id="panel" role=${this.mode === 'launcher' ? 'dialog' : nothing} aria-labelledby="title">
      <div class="header" part="header">
        <h2 id="title" part="title">${s.title}</h2>
        ${this.messages.length ? iconButton(s.newConversation, ICONS.plus, () => this.newConversation(), { className: 'new' }) : nothing}
        ${this.mode === 'launcher' ? iconButton(s.closeChat, ICONS.close, () => void this.hide(), { className: 'close' }) : nothing}
      </div>
      <div class="log" part="messages" role="log" aria-labelledby="title" aria-busy=${busy ? 'true' : 'false'} tabindex="0" @scroll=${this._logScroll._onScroll}>
        ${this.messages.length
          ? repeat(
              first ? this.messages.slice(first) : this.messages,
              (m) => m.id,
              (m, i) => {
                const isLast = i + first === last;
                return guard([m, isLast, this._markdownReady, this.strings, this.loginUrl, this._copied?.startsWith(m.id) && this._copied], () => renderMessage(m, isLast, view));
              },
            )
          : html`<div class="msg assistant greeting"><div class="bubble" part="bubble">${this.greeting ?? s.greeting}</div></div>
              ${this.suggestions?.length ? renderChips(s.suggestions, this.suggestions, view.ask) : nothing}`}
      </div>
      ${source && answerParts
        ? answerParts.renderSourcesPanel({
            strings: s,
            ...source,
            href: markdown!.safeUrl(source.citation.url),
            onClose: () => this._closeSource(),
          })
        : nothing}
      ${renderComposer({
        strings: s,
        draft: this._draft,
        maxLength: this.maxMessageLength,
        busy,
        onInput: (value) => (this._draft = value),
        onSubmit: () => void this.send(),
        onStop: () => this.stop(),
        onFocus: loadMarkdown,
      })}
    </div>`;
  }

  protected override render(): TemplateResult {
    const s = this._strings;
    if (this.mode !== 'launcher') return html`<div class="root" @keydown=${this._onKeydown}>${this._renderChat()}</div>`;
    return html`<div class="root" @keydown=${this._onKeydown}>
      ${this.open ? this._renderChat() : nothing}
      <button
        type="button"
        class="launcher"
        part="launcher"
        aria-label=${this.open ? s.closeChat : s.openChat}
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="panel"
        @click=${() => this.toggle()}
      >
        ${icon(this.open ? ICONS.close : ICONS.chat)}
      </button>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'grounded-chat': GroundedChatElement;
  }
  interface HTMLElementEventMap {
    'grounded-chat:send': CustomEvent<GroundedChatEventDetails['grounded-chat:send']>;
    'grounded-chat:response': CustomEvent<GroundedChatEventDetails['grounded-chat:response']>;
    'grounded-chat:error': CustomEvent<GroundedChatEventDetails['grounded-chat:error']>;
    'grounded-chat:citation': CustomEvent<GroundedChatEventDetails['grounded-chat:citation']>;
    'grounded-chat:feedback': CustomEvent<GroundedChatEventDetails['grounded-chat:feedback']>;
    'grounded-chat:unauthorized': CustomEvent<GroundedChatEventDetails['grounded-chat:unauthorized']>;
    'grounded-chat:open': CustomEvent<GroundedChatEventDetails['grounded-chat:open']>;
    'grounded-chat:close': CustomEvent<GroundedChatEventDetails['grounded-chat:close']>;
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('grounded-chat')) {
  customElements.define('grounded-chat', GroundedChatElement);
}

import { LitElement, html, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { guard } from 'lit/directives/guard.js';
import type { ChatRequest } from './contract.js';
import { styles } from './grounded-chat-element.styles.js';
import { defaultStrings, fill, type GroundedChatStrings } from './strings.js';
import { ChatError, readChat } from './stream.js';
import type {
  AssistantContext,
  ChatErrorInfo,
  Citation,
  FeedbackValue,
  GroundedChatEventDetails,
  GroundedChatMessage,
} from './types.js';
import type * as Markdown from './markdown.js';

type MarkdownModule = typeof Markdown;
let markdown: MarkdownModule | undefined;
let markdownLoading: Promise<MarkdownModule> | undefined;
/** Loads the Markdown renderer chunk once: when the visitor focuses the input, on the first question, or for restored answers. */
const loadMarkdown = () => (markdownLoading ??= import('./markdown.js').then((m) => (markdown = m)));

let ids = 0;
const newId = () => `${Date.now().toString(36)}-${(ids++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

const icon = (d: string) =>
  html`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">${svg`<path d=${d} />`}</svg>`;
const ICONS = {
  chat: 'M4 4h16v12H7l-3 3zm3 5h10M7 12h7',
  close: 'M6 6l12 12M18 6L6 18',
  send: 'M4 12l16-8-6 16-2-7z',
  stop: 'M7 7h10v10H7z',
  copy: 'M9 9h10v10H9zM5 15V5h10',
  up: 'M7 11v9H4v-9zm0 0l4-7c2 0 2 2 2 3v3h6l-2 10H7',
  down: 'M7 13V4H4v9zm0 0l4 7c2 0 2-2 2-3v-3h6L17 4H7',
  again: 'M20 12a8 8 0 1 1-3-6.2M20 4v5h-5',
  plus: 'M12 5v14M5 12h14',
};

type Persist = 'session' | 'local' | 'none';

/** The server kit's default limits (contract A): longest message, and what the history may add up to. */
const MAX_MESSAGE_CHARS = 8000;
const MAX_HISTORY_CHARS = 24000;
interface Stored {
  v: 1;
  messages: GroundedChatMessage[];
  sessionState?: unknown;
}

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
 * @fires {CustomEvent} grounded-chat:open - The launcher panel opened.
 * @fires {CustomEvent} grounded-chat:close - The launcher panel closed.
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

  /** Base URL of the chat API: answers stream from `{endpoint}/stream`, feedback goes to `{endpoint}/feedback`. */
  @property() endpoint = '/api/chat';

  /** `inline` fills its container; `launcher` is a floating button that opens a panel. */
  @property({ reflect: true }) mode: 'inline' | 'launcher' = 'inline';

  /** Launcher mode: whether the panel is open. Reflects to the `open` attribute; also see `open()` and `close()`. */
  @property({ type: Boolean, reflect: true, attribute: 'open' }) opened = false;

  /** Colour scheme: `light`, `dark`, or `auto` (follows the system). */
  @property({ reflect: true }) theme: 'light' | 'dark' | 'auto' = 'auto';

  /** Where the conversation is kept across reloads, keyed by endpoint: `session` (sessionStorage), `local` (localStorage) or `none`. */
  @property() persist: Persist = 'session';

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

  /** The conversation. Replace the array (don't mutate it) to change it. */
  @property({ attribute: false }) messages: GroundedChatMessage[] = [];

  /** The server's `sessionState`, sent back with each request. */
  @property({ attribute: false }) sessionState: unknown;

  // Internal reactive state, declared without decorators so the build can shorten the names.
  static override properties = {
    _draft: { state: true },
    _source: { state: true },
    _md: { state: true },
    _copied: { state: true },
    _from: { state: true },
  };
  private _draft = '';
  private _source?: { citation: Citation; index: number };
  private _md = !!markdown;
  private _copied?: string;
  /** Index of the first message rendered: a long restored history renders its end first, then the rest. */
  private _from = 0;

  private get _input() {
    return this.renderRoot?.querySelector('textarea');
  }
  private get _log() {
    return this.renderRoot?.querySelector<HTMLElement>('.log');
  }
  private get _launcher() {
    return this.renderRoot?.querySelector<HTMLButtonElement>('.launcher');
  }

  private _abort?: AbortController;
  private _stick = true;
  private _refocus?: boolean;
  private _restoredKey?: string;
  private _sourceOpener?: HTMLElement | null;
  private _vv = () => {
    const v = globalThis.visualViewport;
    if (v) {
      this.style.setProperty('--gc-vvh', `${v.height}px`);
      this.style.setProperty('--gc-vvt', `${v.offsetTop}px`);
    }
  };

  /** Opens the launcher panel (reading it returns the method; setting it sets `opened`). */
  get open(): () => void {
    return this._openPanel;
  }
  set open(v: boolean | (() => void)) {
    if (typeof v !== 'function') this.opened = !!v;
  }
  private _openPanel = () => {
    this.opened = true;
  };
  /** Closes the launcher panel. */
  close(): void {
    this.opened = false;
  }
  /** Toggles the launcher panel. */
  toggle(): void {
    this.opened = !this.opened;
  }

  /** True while an answer streams. */
  get busy(): boolean {
    return !!this._abort;
  }

  /** Sends a question, as if the visitor typed it. */
  async send(text: string = this._draft): Promise<void> {
    text = text.trim();
    if (!text || this._abort) return;
    this._draft = '';
    const user: GroundedChatMessage = { id: newId(), role: 'user', content: text };
    await this._ask([...this.messages.filter((m) => !m.error), user]);
  }

  /** Stops the answer that is streaming; what arrived is kept. */
  stop(): void {
    this._abort?.abort();
  }

  /** Asks the last question again, replacing a failed or last answer. */
  async regenerate(): Promise<void> {
    if (this._abort) return;
    const all = this.messages;
    let end = all.length;
    while (end > 0 && all[end - 1]!.role === 'assistant') end--;
    if (end) await this._ask(all.slice(0, end));
  }

  /** Clears the conversation (and what is stored) and starts a new one. */
  newConversation(): void {
    this.stop();
    this.messages = [];
    this._from = 0;
    this.sessionState = undefined;
    this._source = undefined;
    this._save();
    this._input?.focus();
  }

  private get _s(): GroundedChatStrings {
    const s = this.strings ?? {};
    return { ...defaultStrings, ...s, errors: { ...defaultStrings.errors, ...s.errors } };
  }

  private _emit<K extends keyof GroundedChatEventDetails>(type: K, detail: GroundedChatEventDetails[K], cancelable = false) {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  private get _key() {
    return `grounded-chat:${this.endpoint}`;
  }
  private get _store(): Storage | undefined {
    try {
      return this.persist === 'local' ? localStorage : this.persist === 'session' ? sessionStorage : undefined;
    } catch {
      return undefined; // storage disabled
    }
  }
  private _restore() {
    const key = `${this.persist}:${this._key}`;
    if (this._restoredKey === key) return;
    this._restoredKey = key;
    try {
      const raw = this._store?.getItem(this._key);
      const data = raw ? (JSON.parse(raw) as Stored) : undefined;
      if (data?.v === 1 && Array.isArray(data.messages)) {
        this.messages = data.messages.map((m) => (m.status === 'streaming' ? { ...m, status: 'stopped' } : m));
        this.sessionState = data.sessionState;
        this._from = Math.max(0, this.messages.length - 10);
      }
    } catch {
      /* unreadable history: start afresh */
    }
  }
  private _save() {
    try {
      const store = this._store;
      if (!store) return;
      if (!this.messages.length) store.removeItem(this._key);
      else store.setItem(this._key, JSON.stringify({ v: 1, messages: this.messages.slice(-500), sessionState: this.sessionState } satisfies Stored));
    } catch {
      /* quota or disabled storage: keep the conversation in memory */
    }
  }

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    // A shell rendered on the server (declarative shadow DOM) is replaced by the live one on the
    // first render, in the same task, so nothing flickers. (The drop-in does not hydrate.)
    this.shadowRoot?.replaceChildren();
    return super.createRenderRoot();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._restore();
    globalThis.visualViewport?.addEventListener('resize', this._vv);
    globalThis.visualViewport?.addEventListener('scroll', this._vv);
  }
  override disconnectedCallback(): void {
    super.disconnectedCallback();
    globalThis.visualViewport?.removeEventListener('resize', this._vv);
    globalThis.visualViewport?.removeEventListener('scroll', this._vv);
    this.stop();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Focus goes back to the launcher on close only if it was in the panel: a host calling close()
    // while the visitor types elsewhere on the page keeps their focus.
    // (`matches` is missing from the DOM shim under server-side rendering.)
    if (changed.has('opened')) this._refocus = this.matches?.(':focus-within');
    if ((changed.has('endpoint') || changed.has('persist')) && this.isConnected && this.hasUpdated) this._restore();
    if (this._from > this.messages.length) this._from = 0;
    // In a task of its own, after the chunk's evaluation; if it fails to load, answers stay plain text.
    const md = () => setTimeout(() => (this._md = true));
    if (!this._md && this.isConnected && this.messages.some((m) => m.role === 'assistant')) void loadMarkdown().then(md, md);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('opened') && this.mode === 'launcher') {
      if (this.opened) this._vv();
      if (changed.get('opened') === undefined) {
        /* first render: nothing to announce or focus */
      } else if (this.opened) {
        this._stick = true;
        this._input?.focus();
        this._emit('grounded-chat:open', {});
      } else {
        if (this._refocus) this._launcher?.focus();
        this._emit('grounded-chat:close', {});
      }
    }
    if (this._stick && this._log) this._log.scrollTop = this._log.scrollHeight;
    // Render the older part of a long history a slice at a time, keeping every task short; with
    // answers, only once Markdown is there, or its arrival would render every slice again at once.
    if (this._from > 0 && (this._md || !this.messages.some((m) => m.role === 'assistant')))
      setTimeout(() => (this._from = Math.max(0, this._from - 20)), 0);
  }

  private _onScroll() {
    const l = this._log!;
    this._stick = l.scrollHeight - l.scrollTop - l.clientHeight < 24;
  }

  /** Runs one request for `history` (ending with the user's question) and streams the answer. */
  private async _ask(history: GroundedChatMessage[]) {
    const last = history[history.length - 1]!;
    // The newest turns that fit the server kit's default limits (8,000 characters a message,
    // 64 KB a body): older turns are dropped and long ones cut, rather than the question refused.
    const messages: ChatRequest['messages'] = [];
    let room = MAX_HISTORY_CHARS;
    for (const m of history.filter((m) => m.content && !m.error).slice(-this.maxHistory).reverse()) {
      const content = m.content.slice(0, MAX_MESSAGE_CHARS);
      if (messages.length && content.length > room) break;
      room -= content.length;
      messages.unshift({ role: m.role, content });
    }
    const request: ChatRequest = { messages };
    if (this.sessionState !== undefined) request.sessionState = this.sessionState;
    if (this.context) request.context = this.context;
    if (!this._emit('grounded-chat:send', { message: last, request }, true)) return;

    const ctrl = (this._abort = new AbortController());
    let answer: GroundedChatMessage = { id: newId(), role: 'assistant', content: '', status: 'streaming' };
    this.messages = [...history, answer];
    this._stick = true;
    // Render at most every 40 ms: at 200 tokens/s that is ~8 tokens a render, and the layout and
    // paint of a long answer are paid 25 times a second rather than once per token or per frame.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastCommit = 0;
    const commit = () => {
      clearTimeout(timer);
      timer = undefined;
      lastCommit = performance.now();
      const i = this.messages.findLastIndex((m) => m.id === answer.id);
      answer = { ...answer };
      // Unless the conversation was replaced meanwhile (new conversation, or by the host).
      if (i < 0) return;
      const list = this.messages.slice();
      list[i] = answer;
      this.messages = list;
    };
    const schedule = () => {
      timer ??= setTimeout(commit, Math.max(0, lastCommit + 40 - performance.now()));
    };
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
        ...this.headers,
        ...(await this.getHeaders?.()),
      };
      const url = `${this.endpoint.replace(/\/+$/, '')}/stream`;
      const res = await this.fetch(url, { method: 'POST', headers, body: JSON.stringify(request), credentials: this.credentials, signal: ctrl.signal });
      for await (const line of readChat(res)) {
        const d = line.delta ?? {};
        if (typeof d.content === 'string') answer.content += d.content;
        const ctx = { ...(line.context as AssistantContext | undefined), ...d.context };
        if (Object.keys(ctx).length) answer.context = { ...answer.context, ...ctx };
        if ('sessionState' in line) this.sessionState = line.sessionState;
        schedule();
      }
      answer.status = 'done';
    } catch (e) {
      if (ctrl.signal.aborted) answer.status = 'stopped';
      else {
        const err: ChatErrorInfo =
          e instanceof ChatError
            ? { code: e.code, message: e.message, status: e.status, retryAfterSeconds: e.retryAfterSeconds }
            : { code: 'network', message: String((e as Error)?.message ?? e) };
        answer.status = 'error';
        answer.error = err;
        if (err.code === 'unauthorized') this._emit('grounded-chat:unauthorized', { loginUrl: this.loginUrl });
        this._emit('grounded-chat:error', { error: err, message: answer });
      }
    }
    this._abort = undefined;
    commit();
    this._save();
    if (answer.status === 'done') this._emit('grounded-chat:response', { message: answer });
  }

  private _errorText(e: ChatErrorInfo): string {
    const errs = this._s.errors;
    if (e.code === 'rate_limited' && !e.retryAfterSeconds) return errs.rate_limited_soon ?? errs.default!;
    return fill(errs[e.code] ?? errs.default!, { seconds: e.retryAfterSeconds ?? '' });
  }

  private _rate(m: GroundedChatMessage, value: FeedbackValue) {
    const rated = { ...m, feedback: value };
    this.messages = this.messages.map((x) => (x.id === m.id ? rated : x));
    this._save();
    this._emit('grounded-chat:feedback', { value, message: rated });
    if (this.feedback) {
      void Promise.resolve(this.getHeaders?.())
        .then((h) =>
          this.fetch(`${this.endpoint.replace(/\/+$/, '')}/feedback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...this.headers, ...h },
            credentials: this.credentials,
            // The server kit's feedback body: a rating, the message and, when it is a W3C trace id, the trace.
            body: JSON.stringify({ rating: value, messageId: m.id, traceId: /^[0-9a-f]{32}$/.test(m.context?.traceId ?? '') ? m.context!.traceId : undefined }),
          }),
        )
        .catch(() => undefined);
    }
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
    if (!citation) return;
    if (!this._emit('grounded-chat:citation', { citation, index, message: m }, true)) return;
    this._sourceOpener = opener as HTMLElement | null;
    this._source = { citation, index };
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.source-close')?.focus());
  }
  private _closeSource() {
    this._source = undefined;
    this._sourceOpener?.focus();
  }

  private _onKeydown(e: KeyboardEvent) {
    if (e.key !== 'Escape') return;
    if (this._abort) this.stop();
    else if (this._source) this._closeSource();
    else if (this.mode === 'launcher' && this.opened) this.close();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  private _onInputKey(e: KeyboardEvent) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void this.send();
    }
  }

  private _button(label: string, d: string, onClick: (e: Event) => void, extra: { pressed?: boolean; cls?: string } = {}) {
    return html`<button
      type="button"
      class="icon ${extra.cls ?? ''}"
      aria-label=${label}
      title=${label}
      aria-pressed=${extra.pressed === undefined ? nothing : String(extra.pressed)}
      @click=${onClick}
    >
      ${icon(d)}
    </button>`;
  }

  private _renderMessage(m: GroundedChatMessage, isLast: boolean): TemplateResult {
    const s = this._s;
    if (m.role === 'user')
      return html`<div class="msg user" part="message user-message">
        <span class="sr">${s.you}:</span>
        <div class="bubble" part="bubble" dir="auto">${m.content}</div>
      </div>`;
    const cites = m.context?.citations ?? [];
    const done = m.status === 'done' || m.status === 'stopped';
    const citeButton = (n: number) => {
      const c = cites[n - 1];
      return c
        ? html`<button type="button" class="cite" part="citation" aria-label=${fill(s.citation, { n, title: c.title })} @click=${(e: Event) => this._cite(m, n - 1, e.currentTarget)}>${n}</button>`
        : undefined;
    };
    const body =
      markdown && this._md
        ? markdown.renderMarkdown(
            m.id,
            m.content,
            {
              cite: citeButton,
              // A code block's copy is keyed by message and text: its button says `copied` a moment.
              copy: (t) => void this._copy(t, m.id + ' ' + t),
              copyLabel: s.copyCode,
              copiedLabel: s.copied,
              copied: this._copied?.startsWith(m.id + ' ') ? this._copied.slice(m.id.length + 1) : undefined,
              imageLabel: (alt) => fill(s.image, { alt }),
              deps: cites,
            },
            m.status === 'streaming',
          )
        : html`<p class="plain">${m.content}</p>`;
    return html`<div class="msg assistant" part="message assistant-message" aria-busy=${m.status === 'streaming' ? 'true' : 'false'}>
      <span class="sr">${s.assistant}:</span>
      <div class="bubble md" part="bubble" dir="auto">
        ${m.content ? body : m.status === 'streaming' ? html`<span class="typing" role="status">${s.thinking}</span>` : nothing}
        ${m.status === 'stopped' ? html`<p class="note">${s.stopped}</p>` : nothing}
        ${m.context?.mode === 'extractive' && done ? html`<p class="note">${s.extractive}</p>` : nothing}
      </div>
      ${m.error
        ? html`<div class="error" part="error" role="alert">
            <span>${this._errorText(m.error)}</span>
            ${m.error.code === 'unauthorized' && this.loginUrl
              ? html`<a href=${this.loginUrl}>${s.signIn}</a>`
              : html`<button type="button" class="text" @click=${() => this.regenerate()}>${s.retry}</button>`}
          </div>`
        : nothing}
      ${cites.length
        ? html`<div class="sources" part="sources">
            <span class="label">${s.sources}</span>
            <ol>
              ${cites.map(
                (c, i) =>
                  html`<li><button type="button" class="source" @click=${(e: Event) => this._cite(m, i, e.currentTarget)}><span>${i + 1}</span> ${c.title}</button></li>`,
              )}
            </ol>
          </div>`
        : nothing}
      ${done && m.content
        ? html`<div class="actions" part="actions">
            ${this._button(this._copied === m.id ? s.copied : s.copy, ICONS.copy, () => this._copy(m.content, m.id))}
            ${this._button(s.helpful, ICONS.up, () => this._rate(m, 'up'), { pressed: m.feedback === 'up' })}
            ${this._button(s.notHelpful, ICONS.down, () => this._rate(m, 'down'), { pressed: m.feedback === 'down' })}
            ${isLast ? this._button(s.regenerate, ICONS.again, () => this.regenerate(), { cls: 'regenerate' }) : nothing}
          </div>`
        : nothing}
      ${isLast && done && m.context?.followupQuestions?.length ? this._chips(s.followups, m.context.followupQuestions) : nothing}
    </div>`;
  }

  private _chips(label: string, items: string[]) {
    return html`<div class="chips" role="group" aria-label=${label}>
      ${items.map((q) => html`<button type="button" class="chip" part="chip" dir="auto" @click=${() => this.send(q)}>${q}</button>`)}
    </div>`;
  }

  private _renderChat() {
    const s = this._s;
    const busy = !!this._abort;
    const last = this.messages.length - 1;
    const src = this._source;
    const href = src && markdown ? markdown.safeUrl(src.citation.url) : src?.citation.url && /^https?:/i.test(src.citation.url) ? src.citation.url : null;
    return html`<div class="frame" part="panel" id="panel" role=${this.mode === 'launcher' ? 'dialog' : nothing} aria-labelledby="title">
      <div class="header" part="header">
        <h2 id="title" part="title">${s.title}</h2>
        ${this.messages.length ? this._button(s.newConversation, ICONS.plus, () => this.newConversation(), { cls: 'new' }) : nothing}
        ${this.mode === 'launcher' ? this._button(s.closeChat, ICONS.close, () => this.close(), { cls: 'close' }) : nothing}
      </div>
      <div class="log" part="messages" role="log" aria-labelledby="title" aria-busy=${busy ? 'true' : 'false'} tabindex="0" @scroll=${this._onScroll}>
        ${this.messages.length
          ? repeat(
              this._from ? this.messages.slice(this._from) : this.messages,
              (m) => m.id,
              (m, i) => {
                const isLast = i + this._from === last;
                return guard([m, isLast, this._md, this.strings, this.loginUrl, this._copied?.startsWith(m.id) && this._copied], () => this._renderMessage(m, isLast));
              },
            )
          : html`<div class="msg assistant greeting"><div class="bubble" part="bubble">${this.greeting ?? s.greeting}</div></div>
              ${this.suggestions?.length ? this._chips(s.suggestions, this.suggestions) : nothing}`}
      </div>
      ${src
        ? html`<div class="source-panel" part="sources-panel" role="region" aria-labelledby="source-title">
            <div class="source-head">
              <h3 id="source-title"><span>${src.index + 1}</span> ${src.citation.title}</h3>
              ${this._button(s.closeSources, ICONS.close, () => this._closeSource(), { cls: 'source-close' })}
            </div>
            <p class="snippet">${src.citation.snippet}</p>
            ${src.citation.filepath ? html`<p class="note">${src.citation.filepath}</p>` : nothing}
            ${href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${s.openSource}</a>` : nothing}
          </div>`
        : nothing}
      <form class="composer" part="composer" @submit=${(e: Event) => (e.preventDefault(), this.send())}>
        <textarea
          part="input"
          rows="1"
          dir="auto"
          maxlength=${MAX_MESSAGE_CHARS}
          aria-label=${s.inputLabel}
          placeholder=${s.placeholder}
          .value=${this._draft}
          @input=${(e: Event) => (this._draft = (e.target as HTMLTextAreaElement).value)}
          @keydown=${this._onInputKey}
          @focus=${loadMarkdown}
        ></textarea>
        ${busy
          ? html`<button type="button" class="icon stop" part="stop-button" aria-label=${s.stop} title=${s.stop} @click=${() => this.stop()}>${icon(ICONS.stop)}</button>`
          : html`<button type="submit" class="icon send" part="send-button" aria-label=${s.send} title=${s.send} ?disabled=${!this._draft.trim()}>${icon(ICONS.send)}</button>`}
      </form>
    </div>`;
  }

  protected override render(): TemplateResult {
    const s = this._s;
    if (this.mode !== 'launcher') return html`<div class="root" @keydown=${this._onKeydown}>${this._renderChat()}</div>`;
    return html`<div class="root" @keydown=${this._onKeydown}>
      ${this.opened ? this._renderChat() : nothing}
      <button
        type="button"
        class="launcher"
        part="launcher"
        aria-label=${this.opened ? s.closeChat : s.openChat}
        aria-expanded=${this.opened ? 'true' : 'false'}
        aria-controls="panel"
        @click=${() => this.toggle()}
      >
        ${icon(this.opened ? ICONS.close : ICONS.chat)}
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

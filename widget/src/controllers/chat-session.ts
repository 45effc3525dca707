/**
 * The chat session: sends a question with the history that fits, streams the answer into the
 * conversation, and stops or asks again on request. One request at a time; `stop()` aborts the
 * fetch end to end (the kit then cancels its upstream call, docs/contracts.md).
 *
 * Rendering is throttled to one commit per 40 ms: at 200 tokens/s that is ~8 tokens a render, and
 * the layout and paint of a long answer are paid 25 times a second rather than once per token.
 * An answer past MAX_ANSWER_CHARS is cut there, with a note, and its stream closed: a model
 * that streams megabytes cannot take the page down with it.
 */
import type { ReactiveController, ReactiveElement } from 'lit';
import type { ChatRequest } from '../contract.js';
import { ChatError, readChat } from '../stream.js';
import type { AssistantContext, ChatErrorInfo, GroundedChatEventDetails, GroundedChatMessage } from '../types.js';

/** The server kit's default limit on what the history of one request may add up to (contract A). */
const MAX_HISTORY_CHARS = 24000;
/** Longest answer kept; the rest is dropped and the answer marked `cut`. */
export const MAX_ANSWER_CHARS = 100_000;
const COMMIT_MS = 40;

export interface ChatSessionHost extends ReactiveElement {
  endpoint: string;
  headers: Record<string, string>;
  getHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
  credentials: RequestCredentials;
  context?: Record<string, unknown>;
  fetch: typeof globalThis.fetch;
  maxHistory: number;
  maxMessageLength: number;
  messages: GroundedChatMessage[];
  sessionState: unknown;
  loginUrl?: string;
}

/** Dispatches one of the element's events; false when a cancelable one was cancelled. */
export type Emit = <K extends keyof GroundedChatEventDetails>(type: K, detail: GroundedChatEventDetails[K], cancelable?: boolean) => boolean;

let ids = 0;
export const newId = () => `${Date.now().toString(36)}-${(ids++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** What a failed fetch means, as far as the browser lets a page tell. */
export function classifyFailure(e: unknown): ChatErrorInfo {
  if (e instanceof ChatError) {
    // Its own fields (code, status, retryAfterSeconds) and the message, which is not enumerable.
    const info: ChatErrorInfo = { ...e, message: e.message };
    if (e.retryAfterSeconds) info.resetAt = Date.now() + e.retryAfterSeconds * 1000;
    return info;
  }
  const message = String((e as Error)?.message ?? e);
  // fetch rejects with a TypeError for every network failure and says nothing more (CORS is
  // opaque by design). Offline is the one case the browser tells; online, the request was
  // blocked (CORS, a content security policy, a firewall) or the service is unreachable.
  if (globalThis.navigator?.onLine === false) return { code: 'offline', message };
  return { code: e instanceof TypeError ? 'network_blocked' : 'network', message };
}

export class ChatSession implements ReactiveController {
  private _abort?: AbortController;

  constructor(
    private _host: ChatSessionHost,
    private _emit: Emit,
    /** Called when an answer is over (done, stopped, cut or failed): to persist it. */
    private _onSettled: () => void,
  ) {
    _host.addController(this);
  }

  get _busy(): boolean {
    return !!this._abort;
  }

  hostDisconnected(): void {
    this._stop();
  }

  /** Asks `text` and resolves when the answer is over. The caller checks the length first. */
  async _send(text: string): Promise<void> {
    if (!text || this._abort) return;
    const user: GroundedChatMessage = { id: newId(), role: 'user', content: text };
    await this._ask([...this._host.messages.filter((m) => !m.error), user]);
  }

  _stop(): void {
    this._abort?.abort();
  }

  /** Asks the last question again, replacing the answers after it. */
  async _regenerate(): Promise<void> {
    if (this._abort) return;
    const all = this._host.messages;
    let end = all.length;
    while (end > 0 && all[end - 1]!.role === 'assistant') end--;
    if (end) await this._ask(all.slice(0, end));
  }

  /** The newest turns that fit the kit's default limits; older ones are dropped, long answers cut. */
  private _request(history: GroundedChatMessage[]): ChatRequest {
    const host = this._host;
    const messages: ChatRequest['messages'] = [];
    let room = MAX_HISTORY_CHARS;
    for (const m of history.filter((m) => m.content && !m.error).slice(-host.maxHistory).reverse()) {
      const content = m.content.slice(0, host.maxMessageLength);
      if (messages.length && content.length > room) break;
      room -= content.length;
      messages.unshift({ role: m.role, content });
    }
    const request: ChatRequest = { messages };
    if (host.sessionState !== undefined) request.sessionState = host.sessionState;
    if (host.context) request.context = host.context;
    return request;
  }

  private async _ask(history: GroundedChatMessage[]): Promise<void> {
    const host = this._host;
    const request = this._request(history);
    if (!this._emit('grounded-chat:send', { message: history[history.length - 1]!, request }, true)) return;

    const ctrl = (this._abort = new AbortController());
    let answer: GroundedChatMessage = { id: newId(), role: 'assistant', content: '', status: 'streaming' };
    host.messages = [...history, answer];
    host.requestUpdate();

    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastCommit = 0;
    const commit = () => {
      clearTimeout(timer);
      timer = undefined;
      lastCommit = performance.now();
      const i = host.messages.findLastIndex((m) => m.id === answer.id);
      answer = { ...answer };
      // Unless the conversation was replaced meanwhile (new conversation, or by the host).
      if (i < 0) return;
      const list = host.messages.slice();
      list[i] = answer;
      host.messages = list;
    };
    const schedule = () => {
      timer ??= setTimeout(commit, Math.max(0, lastCommit + COMMIT_MS - performance.now()));
    };
    let cut = false;
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
        ...host.headers,
        ...(await host.getHeaders?.()),
      };
      const url = `${host.endpoint.replace(/\/+$/, '')}/stream`;
      const res = await host.fetch(url, { method: 'POST', headers, body: JSON.stringify(request), credentials: host.credentials, signal: ctrl.signal });
      for await (const line of readChat(res)) {
        const d = line.delta ?? {};
        if (typeof d.content === 'string') answer.content += d.content;
        const ctx = { ...(line.context as AssistantContext | undefined), ...d.context };
        if (Object.keys(ctx).length) answer.context = { ...answer.context, ...ctx };
        if ('sessionState' in line) host.sessionState = line.sessionState;
        if (answer.content.length > MAX_ANSWER_CHARS) {
          answer.content = answer.content.slice(0, MAX_ANSWER_CHARS);
          answer.cut = cut = true;
          break; // leaving the loop cancels the stream
        }
        schedule();
      }
      if (cut) ctrl.abort();
      answer.status = 'done';
    } catch (e) {
      if (ctrl.signal.aborted && !cut) answer.status = 'stopped';
      else {
        const err = classifyFailure(e);
        answer.status = 'error';
        answer.error = err;
        if (err.code === 'unauthorized') this._emit('grounded-chat:unauthorized', { loginUrl: host.loginUrl });
        this._emit('grounded-chat:error', { error: err, message: answer });
      }
    }
    this._abort = undefined;
    commit();
    this._onSettled();
    if (answer.status === 'done') this._emit('grounded-chat:response', { message: answer });
  }
}

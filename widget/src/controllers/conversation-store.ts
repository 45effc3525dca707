/**
 * Keeps the conversation across reloads in sessionStorage or localStorage (`persist`), under
 * `grounded-chat:{storage-key}` — or `grounded-chat:{endpoint}` when no `storage-key` is set, so
 * pages that share an endpoint share one conversation unless each names its own.
 *
 * Storage that is disabled, full or holds something unreadable never breaks the chat: the
 * conversation then lives in memory only.
 */
import type { ReactiveController, ReactiveElement } from 'lit';
import type { GroundedChatMessage } from '../types.js';

export type PersistMode = 'session' | 'local' | 'none';

interface Stored {
  v: 1;
  messages: GroundedChatMessage[];
  sessionState?: unknown;
}

export interface ConversationStoreHost extends ReactiveElement {
  persist: PersistMode;
  endpoint: string;
  storageKey?: string;
  messages: GroundedChatMessage[];
  sessionState: unknown;
}

/** Most messages kept in storage: the newest. */
const KEPT = 500;

export class ConversationStore implements ReactiveController {
  /** Where the conversation on screen was restored from (mode and key): restored once per place. */
  private _restoredFrom?: string;

  constructor(
    private _host: ConversationStoreHost,
    /** Called with the number of messages restored. */
    private _onRestore: (count: number) => void,
  ) {
    _host.addController(this);
  }

  get _key(): string {
    return `grounded-chat:${this._host.storageKey || this._host.endpoint}`;
  }

  private get _storage(): Storage | undefined {
    try {
      const mode = this._host.persist;
      return mode === 'local' ? localStorage : mode === 'session' ? sessionStorage : undefined;
    } catch {
      return undefined; // storage disabled
    }
  }

  hostConnected(): void {
    this._restore();
  }

  /** Loads the conversation stored for the current mode and key, unless it is already the one shown. */
  _restore(): void {
    const from = `${this._host.persist}:${this._key}`;
    if (this._restoredFrom === from) return;
    this._restoredFrom = from;
    try {
      const raw = this._storage?.getItem(this._key);
      const data = raw ? (JSON.parse(raw) as Stored) : undefined;
      if (data?.v === 1 && Array.isArray(data.messages)) {
        // An answer that was streaming when the page went away will not continue.
        this._host.messages = data.messages.map((m) => (m.status === 'streaming' ? { ...m, status: 'stopped' } : m));
        this._host.sessionState = data.sessionState;
        this._onRestore(data.messages.length);
      }
    } catch {
      /* unreadable history: start afresh */
    }
  }

  _save(): void {
    try {
      const storage = this._storage;
      if (!storage) return;
      const { messages, sessionState } = this._host;
      if (!messages.length) storage.removeItem(this._key);
      else storage.setItem(this._key, JSON.stringify({ v: 1, messages: messages.slice(-KEPT), sessionState } satisfies Stored));
    } catch {
      /* quota or disabled storage: keep the conversation in memory */
    }
  }
}

/**
 * The message log's scrolling and its progressive rendering.
 *
 * - Sticks to the bottom while the visitor is there, so a streaming answer stays in view; once
 *   they scroll up to read, it leaves them where they are. Sticking happens after each render and
 *   also when a message changes size between renders: off-screen messages and finished groups of
 *   an answer skip layout (`content-visibility: auto`), so the log's height changes a frame after
 *   a scroll brings them into view. A ResizeObserver on the messages puts the log back at the
 *   bottom before that frame is painted (without it, on a slow phone the answer trailed the
 *   bottom by a few lines until the next piece arrived).
 * - A long restored history renders its end first (`firstShown`), then the older part a slice
 *   per task, so no task is long. With answers, only once Markdown is there, or its arrival
 *   would render every slice again at once.
 */
import type { ReactiveController, ReactiveElement } from 'lit';
import type { GroundedChatMessage } from '../types.js';

export interface LogScrollHost extends ReactiveElement {
  messages: GroundedChatMessage[];
}

/** Messages rendered first from a restored history, and added per task after. */
const FIRST = 10;
const SLICE = 20;

export class LogScrollController implements ReactiveController {
  /** Index of the first message rendered. */
  _firstShown = 0;
  private _stuck = true;
  private _resized?: ResizeObserver;

  constructor(
    private _host: LogScrollHost,
    private _log: () => HTMLElement | null | undefined,
    /** Whether older answers may render now (the Markdown renderer is loaded). */
    private _readyForAnswers: () => boolean,
  ) {
    _host.addController(this);
  }

  /** A history of `count` messages arrived: show its end first. */
  _showEnd(count: number): void {
    this._firstShown = Math.max(0, count - FIRST);
  }

  /** Keep the newest message in view (a question was sent, the panel opened). */
  _stick(): void {
    this._stuck = true;
  }

  _reset(): void {
    this._firstShown = 0;
    // The old messages' elements go: stop observing them (the next render observes the new ones).
    this._resized?.disconnect();
  }

  readonly _onScroll = (): void => {
    const l = this._log();
    if (l) this._stuck = l.scrollHeight - l.scrollTop - l.clientHeight < 24;
  };

  hostUpdate(): void {
    if (this._firstShown > this._host.messages.length) this._firstShown = 0;
  }

  hostDisconnected(): void {
    this._resized?.disconnect();
  }

  private _toBottom = (): void => {
    const l = this._log();
    if (this._stuck && l) l.scrollTop = l.scrollHeight;
  };

  hostUpdated(): void {
    this._toBottom();
    const l = this._log();
    if (l) {
      // Messages rendered since the last update join (observing one again does nothing).
      const ro = (this._resized ??= new ResizeObserver(this._toBottom));
      for (const m of l.children) ro.observe(m);
    }
    if (this._firstShown > 0 && (this._readyForAnswers() || !this._host.messages.some((m) => m.role === 'assistant')))
      setTimeout(() => {
        this._firstShown = Math.max(0, this._firstShown - SLICE);
        this._host.requestUpdate();
      });
  }
}

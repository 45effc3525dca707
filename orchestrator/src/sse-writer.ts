/**
 * Server-sent events onto a node:http response, one write per burst.
 *
 * Why not `res.write` per event: a model's pieces often arrive several to a network read (and
 * the flow turns one piece into text plus, at the end, citations and usage). node:http corks the
 * socket for the rest of the tick, so those writes already leave in one syscall, but each is its
 * own chunk of the chunked encoding: three buffers per event handed to `writev` (66 for a
 * 20-piece answer), each converted and framed, and one HTTP chunk per event for the client to
 * parse. Here the events of a burst are joined into one string and written once, at the same
 * point node:http would have flushed them (the end of the tick, `process.nextTick`), so nothing
 * is held back longer than before: a piece that arrives alone still leaves at once.
 *
 * Backpressure: when a write finds the socket full, the next event waits for `drain` (`send`
 * returns a promise then, and only then — the common case costs no await).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export class SseWriter {
  private pending = '';
  private scheduled = false;
  private full: Promise<unknown> | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly signal: AbortSignal,
  ) {}

  /** Queues one event (a JSON text); returns a promise only when the client is behind. */
  send(json: string): Promise<unknown> | undefined {
    this.signal.throwIfAborted();
    this.pending += `data: ${json}\n\n`;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushTick);
    }
    return this.full;
  }

  /** Writes what is queued and ends the response. */
  end(): void {
    this.flush();
    if (!this.res.destroyed) this.res.end();
  }

  private readonly flushTick = () => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    const text = this.pending;
    if (!text) return;
    this.pending = '';
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!this.res.write(text) && !this.full) {
      this.full = once(this.res, 'drain', { signal: this.signal }).finally(() => (this.full = undefined));
      this.full.catch(() => {}); // a visitor who leaves rejects it; the next send throws instead
    }
  }
}

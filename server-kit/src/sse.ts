/**
 * An incremental server-sent events parser (the `data:` part of the WHATWG algorithm).
 *
 * Why our own: it runs on the relay's hot path once per upstream chunk. It works on the decoded
 * string the socket hands us, keeps only an unfinished line between chunks, and allocates one
 * string per `data:` line; no web streams, no per-event objects beyond the callback's argument.
 * Events may be split anywhere across chunks, including between `\r` and `\n`.
 */
export class SseParser {
  /** Unfinished line carried over from the previous chunk. */
  private rest = '';
  /** Data of the event being assembled; `undefined` while no `data:` line has been seen. */
  private data: string | undefined;
  /** The previous chunk ended in `\r`: a `\n` opening this one belongs to it. */
  private skipLf = false;
  private first = true;

  /**
   * @param onEvent called with each event's data
   * @param maxEventChars an event (or a line) longer than this throws SseTooLargeError, so a
   *   broken or hostile upstream cannot make the relay buffer without bound
   */
  constructor(
    private readonly onEvent: (data: string) => void,
    private readonly maxEventChars = 1024 * 1024,
  ) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM may open the stream
    }
    if (this.skipLf) {
      this.skipLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    if (this.rest) {
      text = this.rest + text;
      this.rest = '';
    }
    const hasCr = text.indexOf('\r') !== -1;
    let start = 0;
    const length = text.length;
    while (start < length) {
      let end = text.indexOf('\n', start);
      let next: number;
      if (hasCr) {
        const cr = text.indexOf('\r', start);
        if (cr !== -1 && (end === -1 || cr < end)) {
          end = cr;
          if (cr + 1 === length) {
            this.skipLf = true;
            next = length;
          } else {
            next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
          }
        } else {
          next = end + 1;
        }
      } else {
        next = end + 1;
      }
      if (end === -1) {
        this.rest = start === 0 ? text : text.slice(start);
        if (this.rest.length + (this.data?.length ?? 0) > this.maxEventChars) throw new SseTooLargeError();
        return;
      }
      this.line(text, start, end);
      start = next;
    }
  }

  /**
   * The stream ended. An event whose `data:` lines all arrived but whose closing blank line did
   * not is still dispatched (the spec drops it; some servers close right after their last line).
   * Returns whether a line was cut off midway, i.e. the stream was truncated.
   */
  end(): boolean {
    const cut = this.rest.length > 0;
    const data = this.data;
    this.data = undefined;
    this.rest = '';
    if (!cut && data !== undefined) this.onEvent(data);
    return cut;
  }

  private line(text: string, start: number, end: number): void {
    if (start === end) {
      // Blank line: dispatch.
      if (this.data !== undefined) {
        const data = this.data;
        this.data = undefined;
        this.onEvent(data);
      }
      return;
    }
    const first = text.charCodeAt(start);
    if (first === 58 /* : */) return; // comment (keep-alive)
    // Fast path: the only field we use.
    if (first === 100 /* d */ && text.startsWith('data', start)) {
      const after = start + 4;
      let value: string;
      if (after === end) value = '';
      else if (text.charCodeAt(after) === 58) {
        const from = text.charCodeAt(after + 1) === 32 ? after + 2 : after + 1;
        value = text.slice(from, end);
      } else return; // a field named e.g. "database": not ours
      this.data = this.data === undefined ? value : this.data + '\n' + value;
      if (this.data.length > this.maxEventChars) throw new SseTooLargeError();
    }
    // event:, id:, retry: and unknown fields are ignored: prompt flow sends data only.
  }
}

export class SseTooLargeError extends Error {
  override readonly name = 'SseTooLargeError';
  constructor() {
    super('server-sent event too large');
  }
}

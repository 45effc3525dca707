/**
 * Citation repair for generative answers, applied to the text as it streams.
 *
 * The prompt numbers its sources `[1]`…`[n]`; models mostly comply, and otherwise write what they
 * saw in training data: `[1, 2]`, `[1][1]`, `[doc1]`, `【1】`, `【3†source】`, or a source's title in
 * brackets. This keeps only markers that point at a source, rewrites each as `[k]`, renumbers in
 * order of first use (so the answer's first citation is `[1]`), folds repeats, and drops a marker
 * that points nowhere. The citations sent after the answer are exactly the sources used, in that
 * order, so every `[k]` a visitor sees resolves (docs/orchestrator.md#citations).
 *
 * Brackets inside code (after an odd number of backticks: a span or a fence) are left alone.
 *
 * Streaming: text is passed through as soon as it cannot be part of a marker; from an opening
 * bracket on, at most `MAX_MARKER_CHARS` are held back until the bracket closes. A bracket group
 * directly followed by `(` is a Markdown link and is left alone (one character of look-ahead).
 * Rejected: repairing after the whole answer — the visitor would see nothing until the end.
 */

/** Longest bracket group considered a marker; a longer one is prose and is flushed. */
export const MAX_MARKER_CHARS = 160;

const OPEN = /[[【]/;
const CLOSE_OF: Record<string, string> = { '[': ']', '【': '】' };
const NUMBER_TOKEN = /^(?:doc(?:ument)?|source|ref)?\s*#?\s*(\d{1,4})(?:†[^\]】]*)?$/i;

export interface CitableSource {
  /** The names a model may write instead of a number (title, "Title › Heading"). */
  names: string[];
}

export class CitationRepair {
  private buffer = '';
  private readonly order: number[] = [];
  private readonly renumbered = new Map<number, number>();
  private readonly names: Map<string, number>;
  /** The output so far ends with this renumbered marker (nothing after it yet). */
  private lastMarker: number | undefined;
  private inCode = false;

  constructor(private readonly sources: CitableSource[]) {
    this.names = new Map();
    sources.forEach((s, i) => {
      for (const name of s.names) {
        const key = normalise(name);
        if (key && !this.names.has(key)) this.names.set(key, i + 1);
      }
    });
  }

  /** 0-based indexes of the sources the answer cited, in order of first use. */
  get used(): number[] {
    return this.order.map((n) => n - 1);
  }

  /** Feeds a piece of the answer; returns the text that can be shown now. */
  push(text: string): string {
    this.buffer += text;
    return this.drain(false);
  }

  /** The end of the answer: returns whatever was held back, repaired. */
  end(): string {
    return this.drain(true);
  }

  private drain(final: boolean): string {
    let out = '';
    while (this.buffer) {
      const open = this.buffer.search(OPEN);
      if (open < 0) {
        out += this.text(this.buffer);
        this.buffer = '';
        break;
      }
      if (open > 0) {
        out += this.text(this.buffer.slice(0, open));
        this.buffer = this.buffer.slice(open);
      }
      if (this.inCode) {
        // `a[0]` inside code is code, not a citation.
        out += this.text(this.buffer[0]!);
        this.buffer = this.buffer.slice(1);
        continue;
      }
      const close = this.buffer.indexOf(CLOSE_OF[this.buffer[0]!]!, 1);
      const inner = close < 0 ? this.buffer.slice(1) : this.buffer.slice(1, close);
      if (close < 0) {
        // Unclosed: wait for more, unless it has grown past a marker's size or the answer ended.
        if (!final && inner.length <= MAX_MARKER_CHARS && !inner.includes('\n')) break;
        out += this.text(this.buffer[0]!);
        this.buffer = this.buffer.slice(1);
        continue;
      }
      // One character of look-ahead: `[text](url)` is a link, not a citation.
      if (close === this.buffer.length - 1 && !final) break;
      const group = this.buffer.slice(0, close + 1);
      this.buffer = this.buffer.slice(close + 1);
      const targets = this.buffer.startsWith('(') ? undefined : this.parse(inner);
      if (targets === undefined) {
        out += this.text(group);
        continue;
      }
      for (const n of targets) out += this.marker(n);
    }
    return out;
  }

  /** Source numbers a bracket group points at (possibly none), or undefined if it is prose. */
  private parse(inner: string): number[] | undefined {
    const tokens = inner.split(/\s*(?:[,;]|\band\b)\s*/i).filter((t) => t.trim());
    if (tokens.length === 0) return undefined;
    const numbers = tokens.map((t) => NUMBER_TOKEN.exec(t.trim())?.[1]);
    if (numbers.every((n) => n !== undefined)) {
      return numbers.map(Number).filter((n) => n >= 1 && n <= this.sources.length);
    }
    const byName = this.names.get(normalise(inner));
    return byName === undefined ? undefined : [byName];
  }

  private marker(source: number): string {
    let k = this.renumbered.get(source);
    if (k === undefined) {
      this.order.push(source);
      k = this.order.length;
      this.renumbered.set(source, k);
    }
    if (this.lastMarker === k) return ''; // `[1][1]`, `[1, 1]`
    this.lastMarker = k;
    return `[${k}]`;
  }

  private text(s: string): string {
    if (s) this.lastMarker = undefined;
    // Inside a code span or fence (an odd number of backticks so far), brackets are code.
    for (let at = s.indexOf('`'); at >= 0; at = s.indexOf('`', at + 1)) this.inCode = !this.inCode;
    return s;
  }
}

/** Repairs a whole answer at once (tests, JSON callers). */
export function repairCitations(answer: string, sources: CitableSource[]): { text: string; used: number[] } {
  const repair = new CitationRepair(sources);
  const text = repair.push(answer) + repair.end();
  return { text, used: repair.used };
}

const normalise = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

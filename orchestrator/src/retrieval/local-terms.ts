/**
 * A build-time term scanner: the stems of a text exactly as `normalizeTerm` applied to each of
 * `words(text)` gives them (../text.ts), several times faster.
 *
 * Why: at 50,000 passages (13 million words) a build spent most of its preparing time in
 * `words`' Unicode regex, in allocating a string per word, and in looking each one up in a Map
 * of 300,000+ distinct words (hashing a fresh string every time). This scanner walks the
 * lower-cased text by char code (an ASCII table, and the same `\p{L}\p{N}` test as `words` for
 * anything else, cached per code unit), hashes each word as it goes, and looks it up in an
 * open-addressing table keyed by that hash: a word seen before costs no allocation at all.
 * Queries and the extractive answerer keep using text.ts; test/local-terms.test.ts checks that
 * both give the same terms.
 *
 * One addition for documents only: a camelCase identifier is indexed whole and then by its parts
 * (`indexWords` in ../text.ts), so `minVersion(range)` or `keepAliveTimeout` in a code example
 * matches a question that says "version" or "keep-alive timeout". Queries are not split: a
 * question that names the identifier still finds it whole.
 */
import { normalizeTerm } from '../text.js';

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
/** Per UTF-16 code unit: 1 = part of a word, 2 = not, 0 = not looked at yet. */
const unitClass = new Uint8Array(65536);
for (let c = 0; c < 128; c++) unitClass[c] = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? 1 : 2;
const astralClass = new Map<number, boolean>();

function isWordUnit(c: number): boolean {
  let k = unitClass[c]!;
  if (k === 0) k = unitClass[c] = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
  return k === 1;
}

const isSmall = (c: number) => c >= 97 && c <= 122;
const isCapital = (c: number) => c >= 65 && c <= 90;

function isWordCodePoint(cp: number): boolean {
  let k = astralClass.get(cp);
  if (k === undefined) astralClass.set(cp, (k = WORD_CHAR.test(String.fromCodePoint(cp))));
  return k;
}

/** Table size (a power of two); it is emptied when half full, so memory stays bounded. */
const CAPACITY = 1 << 20;
const MASK = CAPACITY - 1;
const STOP = -1;
const encoder = new TextEncoder();

/** A growable byte buffer: the terms of a text as UTF-8, each followed by a space. */
export class ByteSink {
  bytes = new Uint8Array(1 << 16);
  length = 0;

  push(term: Uint8Array): void {
    const end = this.length + term.length + 1;
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(term, this.length);
    this.bytes[end - 1] = 32;
    this.length = end;
  }
}

/**
 * Words seen → their term, and each term's UTF-8 bytes. One per thread; a build's vocabulary fits.
 * Terms are written as bytes (see ./local-prepare.ts): no string per word, no join, and SQLite
 * takes UTF-8 as it is.
 */
export class TermScanner {
  private hashes = new Int32Array(CAPACITY);
  private keys: (string | undefined)[] = new Array<string | undefined>(CAPACITY).fill(undefined);
  /** Word slot → term id, or STOP. */
  private termOf = new Int32Array(CAPACITY);
  private size = 0;
  private readonly termIds = new Map<string, number>();
  private termBytes: Uint8Array[] = [];
  /** Term id → the last `distinct` pass that wrote it. */
  private stamps = new Int32Array(1 << 16);
  private stamp = 0;

  private lookup(s: string, start: number, end: number, h: number): number {
    const len = end - start;
    let slot = h & MASK;
    for (;;) {
      const key = this.keys[slot];
      if (key === undefined) break;
      if (this.hashes[slot] === h && key.length === len) {
        let j = 0;
        while (j < len && key.charCodeAt(j) === s.charCodeAt(start + j)) j++;
        if (j === len) return this.termOf[slot]!;
      }
      slot = (slot + 1) & MASK;
    }
    if (this.size >= CAPACITY / 2) {
      this.keys.fill(undefined);
      this.size = 0;
      slot = h & MASK;
    }
    const word = s.slice(start, end);
    const term = normalizeTerm(word);
    let id = STOP;
    if (term !== null) {
      id = this.termIds.get(term) ?? -1;
      if (id < 0) {
        id = this.termBytes.length;
        this.termIds.set(term, id);
        this.termBytes.push(encoder.encode(term));
        if (id >= this.stamps.length) {
          const grown = new Int32Array(this.stamps.length * 2);
          grown.set(this.stamps);
          this.stamps = grown;
        }
      }
    }
    this.keys[slot] = word;
    this.termOf[slot] = id;
    this.hashes[slot] = h;
    this.size++;
    return id;
  }

  /** Starts a new set for `scan`'s `distinct`: a term is written there once per set. */
  newDistinctSet(): void {
    this.stamp++;
  }

  /**
   * Writes the terms of `text` to `out` in order, repeats kept (`normalizeTerm` of each of
   * `words(text)`, stop words left out), and to `distinct` those not yet written there since
   * `newDistinctSet`.
   */
  scan(text: string, out: ByteSink, distinct?: ByteSink): void {
    const s = text.toLowerCase();
    const n = s.length;
    // camelCase parts are looked for where lower-casing kept every position (see indexWords).
    const sameLength = n === text.length;
    let start = -1;
    let h = 0;
    let camel = false;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      let word: boolean;
      let units = 1;
      if (c < 128) {
        word = unitClass[c] === 1;
        // An ASCII capital right after an ASCII small letter, in the text as written.
        if (word && sameLength && start >= 0 && isCapital(text.charCodeAt(i)) && isSmall(text.charCodeAt(i - 1))) camel = true;
      }
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        // A surrogate pair is one code point, as `words`' /u regex sees it.
        word = isWordCodePoint((c - 0xd800) * 0x400 + (s.charCodeAt(i + 1) - 0xdc00) + 0x10000);
        units = 2;
      } else word = isWordUnit(c);
      if (word) {
        if (start < 0) {
          start = i;
          h = 0x811c9dc5 | 0;
        }
        h = Math.imul(h ^ c, 16777619);
        if (units === 2) h = Math.imul(h ^ s.charCodeAt(i + 1), 16777619);
      } else if (start >= 0) {
        this.emit(this.lookup(s, start, i, h), out, distinct);
        if (camel) this.emitParts(text, s, start, i, out, distinct);
        start = -1;
        camel = false;
      }
      i += units - 1;
    }
    if (start >= 0) {
      this.emit(this.lookup(s, start, n, h), out, distinct);
      if (camel) this.emitParts(text, s, start, n, out, distinct);
    }
  }

  /** The terms of a camelCase word's parts (`perMessageDeflate` → per, message, deflate), in order. */
  private emitParts(text: string, s: string, start: number, end: number, out: ByteSink, distinct: ByteSink | undefined): void {
    let from = start;
    for (let i = start + 1; i <= end; i++) {
      if (i < end && !(isSmall(text.charCodeAt(i - 1)) && isCapital(text.charCodeAt(i)))) continue;
      let h = 0x811c9dc5 | 0;
      for (let j = from; j < i; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619);
      this.emit(this.lookup(s, from, i, h), out, distinct);
      from = i;
    }
  }

  private emit(id: number, out: ByteSink, distinct: ByteSink | undefined): void {
    if (id === STOP) return;
    const bytes = this.termBytes[id]!;
    out.push(bytes);
    if (distinct && this.stamps[id] !== this.stamp) {
      this.stamps[id] = this.stamp;
      distinct.push(bytes);
    }
  }

  /** The terms of `text` as a string, space-separated (for tests and small jobs). */
  terms(text: string): string[] {
    const sink = new ByteSink();
    this.scan(text, sink);
    return decodeTerms(sink.bytes.subarray(0, sink.length));
  }
}

const decoder = new TextDecoder();
/** Terms written by `TermScanner.scan`, back as strings. */
export function decodeTerms(bytes: Uint8Array): string[] {
  const text = decoder.decode(bytes);
  return text ? text.slice(0, -1).split(' ') : [];
}

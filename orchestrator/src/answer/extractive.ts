/**
 * The offline extractive answerer: the `ChatModel` used when no language model is configured.
 *
 * It never composes text. It picks the 2–4 sentences of the retrieved passages that share the
 * most content terms with the question, quotes each verbatim as a Markdown blockquote marked with
 * its `[n]`, and says first, in plain words, that no language model is configured. Quoting keeps
 * it honest: everything after the first line can be checked against the cited snippet.
 *
 * Sentences come from the prose of a passage (paragraphs, list items, block quotes) with inline
 * Markdown rendered to plain text (links → their text; `code` keeps its backticks) and whitespace
 * collapsed; snippets are built from the same prose, so a quoted sentence is always a substring of
 * its citation's snippet. Code blocks and tables are never quoted (they don't read as sentences).
 *
 * Determinism matters: the flow calls `selectCitations` on the retrieved passages, sends those
 * citations, then calls `stream` with exactly the selected passages. Selection is a greedy pass
 * over sentences sorted by (score, passage order, position), and removing passages that
 * contributed nothing cannot change such a pass — so `stream` quotes the same sentences.
 */
import { Lexer, type Token, type Tokens } from 'marked';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatModel, ChatModelOptions, ChatModelRequest, Passage, SelectedCitation } from '../seams.js';
import { normalizeTerm, queryTerms, termMatches, words } from '../text.js';

export const EXTRACTIVE_INTRO =
  'No language model is configured, so this answer quotes the documentation directly.';
export const NO_ANSWER_TEXT =
  "I don't know — the documentation doesn't cover that. (No language model is configured, so I can only quote the docs, and nothing in them matches the question.)";

export interface ExtractiveOptions {
  /** Pause between streamed pieces, in ms. */
  delayMs?: number;
  /** Most sentences quoted. */
  maxSentences?: number;
  /** Fewest sentences quoted when that many relevant ones exist. */
  minSentences?: number;
  /** Most sentences taken from one passage. */
  maxPerPassage?: number;
  /** Longest snippet (characters), unless the quoted sentences alone are longer. */
  snippetChars?: number;
}

const DEFAULTS: Required<ExtractiveOptions> = {
  delayMs: 12,
  maxSentences: 4,
  minSentences: 2,
  maxPerPassage: 3,
  snippetChars: 600,
};

interface Sentence {
  passage: number;
  unit: number;
  /** Position within the passage, for reading order and tie-breaks. */
  position: number;
  text: string;
  score: number;
}

interface PassageProse {
  units: string[];
  sentences: Sentence[];
}

export interface ExtractivePlan {
  /** Chosen passages in citation order ([1] is the first). */
  citations: SelectedCitation[];
  /** Quoted sentences in answer order, each with its 1-based citation number. */
  quotes: { text: string; citation: number }[];
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const MIN_SENTENCE_CHARS = 12;
const MAX_SENTENCE_CHARS = 450;

/** Plans an answer: which sentences to quote and which passages that makes the citations. */
export function planExtractive(question: string, passages: Passage[], options: ExtractiveOptions = {}): ExtractivePlan {
  const opts = { ...DEFAULTS, ...options };
  const terms = queryTerms(question);
  const prose = passages.map((p, i) => passageProse(p.text, i, terms));
  const all = prose.flatMap((p) => p.sentences);
  if (all.length === 0) return { citations: [], quotes: [] };

  // Ties go to sentences under a heading that names the question's topic, then to better-ranked
  // passages. (Both are properties of the passage alone, which keeps selection stable when the
  // flow narrows the passages to the selected ones.)
  const headingScore = passages.map((p) => scoreSentence(p.headingPath.join(' '), terms));
  const ranked = [...all].sort(
    (a, b) =>
      b.score - a.score ||
      headingScore[b.passage]! - headingScore[a.passage]! ||
      a.passage - b.passage ||
      a.position - b.position,
  );
  const best = ranked[0]!.score;
  const chosen: Sentence[] = [];
  const perPassage = new Map<number, number>();
  const take = (s: Sentence) => {
    chosen.push(s);
    perPassage.set(s.passage, (perPassage.get(s.passage) ?? 0) + 1);
  };
  if (best > 0) {
    // Only sentences in the same league as the best: next to a sentence sharing four of the
    // question's terms, one sharing two generic words ("server", "kit") is noise. Within one
    // term of the best when the best has 3+, else as good as the best (context fills the rest).
    const floor = best >= 3 ? best - 1 : best;
    for (const s of ranked) {
      if (chosen.length >= opts.maxSentences || s.score < floor) break;
      if ((perPassage.get(s.passage) ?? 0) >= opts.maxPerPassage) continue;
      if (chosen.some((c) => c.text === s.text)) continue; // the same sentence in two documents
      take(s);
    }
  }
  // Too few: the retriever matched on headings or titles, or one sentence stands alone. Add the
  // sentences that follow the first pick (or open the best passage) for context.
  if (chosen.length < opts.minSentences) {
    const anchor = chosen[0] ?? prose.find((p) => p.sentences.length)!.sentences[0]!;
    const own = prose[anchor.passage]!.sentences;
    for (const s of own.slice(own.indexOf(anchor))) {
      if (chosen.length >= opts.minSentences) break;
      if (!chosen.includes(s)) take(s);
    }
  }

  const order = [...new Set(chosen.map((s) => s.passage))].sort((a, b) => a - b);
  const citationOf = new Map(order.map((p, i) => [p, i + 1]));
  const citations = order.map((p) => ({
    passage: passages[p]!,
    snippet: buildSnippet(prose[p]!, chosen.filter((s) => s.passage === p), opts.snippetChars),
  }));
  const quotes = [...chosen]
    .sort((a, b) => a.passage - b.passage || a.position - b.position)
    .map((s) => ({ text: s.text, citation: citationOf.get(s.passage)! }));
  return { citations, quotes };
}

/** The answer text for a plan: the plain intro line, then one blockquote per quoted sentence. */
export function renderExtractive(plan: ExtractivePlan): string {
  if (plan.quotes.length === 0) return NO_ANSWER_TEXT;
  return [EXTRACTIVE_INTRO, ...plan.quotes.map((q) => `> ${q.text} [${q.citation}]`)].join('\n\n');
}

/** Word-sized pieces (each word with the whitespace after it), so the text streams like tokens. */
export function splitPieces(text: string): string[] {
  const pieces = text.match(/\S+\s*/g) ?? [];
  const lead = /^\s+/.exec(text)?.[0];
  if (lead && pieces.length) pieces[0] = lead + pieces[0];
  return pieces;
}

export class ExtractiveChatModel implements ChatModel {
  readonly name = 'extractive';
  readonly mode = 'extractive' as const;
  private readonly opts: Required<ExtractiveOptions>;

  constructor(options: ExtractiveOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  selectCitations(request: { question: string; passages: Passage[] }): SelectedCitation[] {
    return planExtractive(request.question, request.passages, this.opts).citations;
  }

  async *stream(request: ChatModelRequest, options: ChatModelOptions = {}): AsyncIterable<string> {
    const { signal } = options;
    signal?.throwIfAborted();
    const text = renderExtractive(planExtractive(request.question, request.grounding, this.opts));
    const delay = options.unpaced ? 0 : this.opts.delayMs;
    let first = true;
    for (const piece of splitPieces(text)) {
      if (!first && delay > 0) await sleep(delay, undefined, { signal });
      signal?.throwIfAborted();
      first = false;
      yield piece;
    }
  }
}

// ── prose extraction ────────────────────────────────────────────────────────────────────────

interface ParsedProse {
  units: string[];
  sentences: { unit: number; text: string }[];
}

/**
 * Parsed prose by passage text. The same few dozen passages answer most questions, and lexing
 * plus sentence segmentation is most of the answerer's cost, so it is done once per text.
 */
const proseCache = new Map<string, ParsedProse>();
const PROSE_CACHE_ENTRIES = 2_000;

function parseProse(markdown: string): ParsedProse {
  const cached = proseCache.get(markdown);
  if (cached) return cached;
  const units: string[] = [];
  collectProse(Lexer.lex(markdown, { gfm: true }), units);
  const sentences: ParsedProse['sentences'] = [];
  units.forEach((unit, u) => {
    for (const { segment } of segmenter.segment(unit)) {
      const text = segment.trim();
      if (text.length < MIN_SENTENCE_CHARS || text.length > MAX_SENTENCE_CHARS) continue;
      if (words(text).length < 3) continue;
      // A bracket in a quote would read as (or break) an `[n]` citation marker downstream.
      if (/[[\]]/.test(text)) continue;
      sentences.push({ unit: u, text });
    }
  });
  const parsed = { units, sentences };
  if (proseCache.size >= PROSE_CACHE_ENTRIES) proseCache.delete(proseCache.keys().next().value!);
  proseCache.set(markdown, parsed);
  return parsed;
}

function passageProse(markdown: string, passage: number, terms: string[]): PassageProse {
  const { units, sentences } = parseProse(markdown);
  return {
    units,
    sentences: sentences.map((s, position) => ({ passage, unit: s.unit, position, text: s.text, score: scoreSentence(s.text, terms) })),
  };
}

/** Distinct question terms the sentence contains (prefix-aware, as the index matches). */
function scoreSentence(sentence: string, terms: string[]): number {
  const sentenceWords = new Set<string>();
  for (const w of words(sentence)) {
    const t = normalizeTerm(w);
    if (t) sentenceWords.add(t);
  }
  let score = 0;
  for (const term of terms) {
    for (const w of sentenceWords) {
      if (termMatches(term, w)) {
        score++;
        break;
      }
    }
  }
  return score;
}

function collectProse(tokens: Token[], units: string[]): void {
  for (const token of tokens) {
    switch (token.type) {
      case 'paragraph':
      case 'text': {
        const t = token as Tokens.Paragraph | Tokens.Text;
        const text = collapse(t.tokens ? inlineText(t.tokens) : t.text);
        if (text) units.push(text);
        break;
      }
      case 'list':
        for (const item of (token as Tokens.List).items) collectProse(item.tokens, units);
        break;
      case 'blockquote':
        collectProse((token as Tokens.Blockquote).tokens, units);
        break;
      default:
        // code, tables, html, hr, headings: not quotable prose
        break;
    }
  }
}

/** Inline tokens → plain text: links keep their text, `code` keeps its backticks, HTML drops. */
function inlineText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    switch (t.type) {
      case 'codespan':
        out += '`' + (t as Tokens.Codespan).text + '`';
        break;
      case 'br':
        out += ' ';
        break;
      case 'html':
        break;
      case 'image':
        out += (t as Tokens.Image).text;
        break;
      default: {
        const nested = (t as { tokens?: Token[] }).tokens;
        out += nested ? inlineText(nested) : ((t as { text?: string }).text ?? '');
      }
    }
  }
  return out;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The citation's snippet: the passage's prose when short; else the units holding the quoted
 * sentences plus neighbours while under the limit; else just the quoted sentences. Always
 * contains every quoted sentence verbatim.
 */
function buildSnippet(prose: PassageProse, quoted: Sentence[], limit: number): string {
  const whole = prose.units.join(' ');
  if (whole.length <= limit) return whole;
  const keep = new Set(quoted.map((s) => s.unit));
  const join = () =>
    [...keep]
      .sort((a, b) => a - b)
      .map((u, i, arr) => (i > 0 && u !== arr[i - 1]! + 1 ? '… ' : '') + prose.units[u])
      .join(' ');
  if (join().length > limit) {
    return [...quoted].sort((a, b) => a.position - b.position).map((s) => s.text).join(' … ');
  }
  // Grow around the quoted units, following text first (it usually explains what was quoted).
  for (let grew = true; grew; ) {
    grew = false;
    for (const u of [...keep].sort((a, b) => a - b)) {
      for (const n of [u + 1, u - 1]) {
        if (n < 0 || n >= prose.units.length || keep.has(n)) continue;
        keep.add(n);
        if (join().length > limit) keep.delete(n);
        else grew = true;
      }
    }
  }
  return join();
}

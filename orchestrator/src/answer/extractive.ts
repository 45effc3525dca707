/**
 * The offline extractive answerer: the `ChatModel` used when no language model is configured.
 *
 * It never composes text. It picks the 2–4 sentences of the retrieved passages that share the
 * most content terms with the question, quotes each verbatim as a Markdown blockquote marked with
 * its `[n]`, and says first, in plain words, that no language model is configured. Quoting keeps
 * it honest: everything after the first line can be checked against the cited snippet.
 *
 * Sentences come from the prose of a passage (paragraphs, list items, block quotes) with inline
 * Markdown rendered to plain text (links → their text; `code` keeps its backticks; footnote
 * markers dropped) and whitespace collapsed (./prose.ts); snippets are built from the same prose
 * (./snippet.ts), so a quoted sentence is always a substring of its citation's snippet. A table's
 * rows are quoted whole, each as one sentence read under its header ("429 | TooManyRequests"
 * for "which constructor is status 429?"). Code
 * blocks are never quoted as sentences, but a quoted sentence that introduces the fenced
 * code block directly after it ("mount it like this:", "The following code closes…", see
 * ./prose.ts introducesCode) brings that block along,
 * verbatim, right after its quote line — the code is the answer there — and the block is then
 * part of the citation's snippet too. Asked how, examples also compete with sentences
 * (./code-choice.ts), a usage block too long to quote is quoted by its steps that answer
 * (./code-excerpt.ts), and a quote from an API reference section comes under the name it
 * documents, with the file's example that uses the name if none was chosen (./api-name.ts); a
 * how-to answer still without code brings the file's example that calls a function the quotes or
 * the question name, and such an example wins a tie with another (./call-example.ts).
 *
 * What is not worth quoting: navigation list items ("Every environment variable:
 * [configuration](configuration.md).", judged on the Markdown, where the lexer still sees the
 * links), and a sentence whose content terms are mostly among those of a sentence already chosen
 * ("The server kit is an Express router." after a longer sentence that says so). A section's
 * opening sentence is scored with its heading's words as well, as it usually answers the heading,
 * and a table row with its table's header;
 * words of code spans that only name a file or folder don't score; when the retriever searched by
 * meaning, a sentence whose window (or passage) is less similar to the question than the nearest
 * costs a share of a term, and one nearly as near joins the answer with fewer words (./score.ts).
 *
 * Determinism matters: the flow calls `selectCitations` on the retrieved passages and sends those
 * citations before `stream` runs, so the `[n]` in the text must match them. The flow hands
 * `stream` everything retrieved as well as the selected passages, and `stream` plans over the
 * same retrieved list, so it quotes exactly what was planned. (Given only the selected passages,
 * it plans over those; the greedy pass over sentences sorted by score and passage order usually
 * picks the same, but ties broken by the first file's rank may differ.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatModel, ChatModelOptions, ChatModelRequest, Passage, SelectedCitation, StreamPart } from '../seams.js';
import { suggestFollowups } from './followups.js';
import { leadingFile } from '../leading-file.js';
import { contentTerms, queryTerms } from '../text.js';
import { paraphrases } from '../paraphrase.js';
import { CODE_PATH, MEANING_WEIGHT, meaningGap, NEAR_IN_MEANING, scoreSentence, splitIdentifiers } from './score.js';
import { codeRun, codeRunText, type PassageProse, type Sentence } from './prose.js';
import { buildSnippet } from './snippet.js';
import { isNearDuplicate, leadHeading, passageProse, withExcerpts, withoutCode } from './passage-sentences.js';
import { renderApiName } from './api-name.js';
import { apiExample, apiOf, callExample, questionNames } from './call-example.js';
import { callsName } from '../code-calls.js';
import { bestCodeOnly, chooseCode, codeCandidates, isProcedural, MAX_CODE_BLOCKS } from './code-choice.js';

export { MAX_QUOTED_CODE_CHARS } from './code-choice.js';
export { MEANING_WEIGHT, NEAR_IN_MEANING } from './score.js';
export { CODE_SNIPPET_CHARS } from './snippet.js';
export { isNavigation } from './prose.js';
export { NEAR_DUPLICATE_SHARE } from './passage-sentences.js';

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

export interface ExtractiveQuote {
  text: string;
  /** Markdown shown above the quote: the API name its section documents (./api-name.ts). */
  label?: string;
  citation: number;
  /** A fenced code block (fences included, verbatim) that the sentence introduces. */
  code?: string;
}

export interface ExtractivePlan {
  /** Chosen passages in citation order ([1] is the first). */
  citations: SelectedCitation[];
  /** Quoted sentences in answer order, each with its 1-based citation number. */
  quotes: ExtractiveQuote[];
}

/** Plans an answer: which sentences to quote and which passages that makes the citations. */
export function planExtractive(question: string, passages: Passage[], options: ExtractiveOptions = {}): ExtractivePlan {
  const opts = { ...DEFAULTS, ...options };
  const terms = queryTerms(question);
  const also = paraphrases(question);
  const score = (text: string) => scoreSentence(text, terms, also);
  const procedural = isProcedural(question);
  // Asked how, a long example is quoted by its lines that answer (./code-excerpt.ts).
  const scoreCode = (code: string) => score(splitIdentifiers(code.replace(CODE_PATH, ' ')));
  const prose = passages.map((p, i) => {
    const pp = passageProse(p.text, i, score, leadHeading(p));
    return procedural ? withExcerpts(pp, scoreCode) : pp;
  });
  const all = prose.flatMap((p) => p.sentences);
  if (all.length === 0) return codeOnlyPlan(passages, prose, score, opts.snippetChars);

  // Ties go to the file most results come from (else the first), then to sentences under a
  // heading that names the question's topic, then to better-ranked passages.
  const headingScore = passages.map((p) => score(p.headingPath.join(' ')));
  // Asked how, a passage's example competes with its sentences (./code-choice.ts).
  const candidates = procedural
    ? [
        ...all,
        ...prose.flatMap((pp, p) => {
          // An example reads under its section's heading ("Cancelling a spawned process").
          const heading = leadHeading(passages[p]!);
          const scoreCode = (code: string) => score(`${heading ?? ''} ${splitIdentifiers(code.replace(CODE_PATH, ' '))}`);
          return codeCandidates(pp.units, pp.sentences, scoreCode).map((c) => ({ ...c, passage: p, text: '', terms: [] }));
        }),
      ]
    : all;
  // (A README section that shares as many words with the question as one of another package is
  // more likely the answer when its file is the one most results come from, else the first.)
  const lead = leadingFile(passages.map((p) => p.sourcePath)) ?? passages[0]!.sourcePath;
  const topFile = passages.map((p) => (p.sourcePath === lead ? 1 : 0));
  // (Between examples that tie, the one that calls what the question names: `ig.filter(paths)`
  // for "filter paths", ./call-example.ts.)
  const asked = procedural ? questionNames(question) : [];
  const calling = new Map<Sentence, number>();
  for (const s of candidates) {
    if (!s.text && s.code !== undefined && asked.some((w) => callsName(prose[s.passage]!.units[s.code!]!.text, w))) calling.set(s, 1);
  }
  const callsAsked = (s: Sentence) => calling.get(s) ?? 0;
  // A short example's half point (./code-choice.ts) beats the prose about it in its own passage,
  // but not a sentence of a passage that is better on its own merits: as many of the question's
  // words in a section whose heading names the question ("Sorting": "`sort(versions)`: Returns a
  // sorted array") answer it better than a CLI usage block elsewhere that says "sorted". Unless
  // the example calls what the question names: then it is the answer, and keeps its half point.
  const bonus = (s: Sentence) => (s.short && !callsAsked(s) ? 0.5 : 0);
  // Retrieved by meaning too: a sentence further in meaning than the nearest window pays (./score.ts).
  const gapOf = meaningGap(passages);
  // A sentence's terms are parsed with it; an example's are read here.
  const gaps = new Map(candidates.map((s) => [s, gapOf(s.passage, s.text ? s.terms : contentTerms(prose[s.passage]!.units[s.code!]!.text))]));
  const distance = (s: Sentence) => MEANING_WEIGHT * (gaps.get(s)?.gap ?? 0);
  const ranked = [...candidates].sort(
    (a, b) =>
      b.score - bonus(b) - distance(b) - (a.score - bonus(a) - distance(a)) ||
      callsAsked(b) - callsAsked(a) ||
      topFile[b.passage]! - topFile[a.passage]! ||
      headingScore[b.passage]! - headingScore[a.passage]! ||
      bonus(b) - bonus(a) ||
      a.passage - b.passage ||
      a.position - b.position,
  );
  // The league is judged on terms shared: an example's half point (./code-choice.ts) orders
  // examples and sentences that share as many, it does not raise the bar for the sentences.
  const shared = (s: Sentence) => (s.text ? s.score : s.score - (s.short ? 0.5 : -0.5));
  const best = shared(ranked[0]!);
  // Its own window nearly as near as the nearest, and one of the question's words (./score.ts).
  const near = (s: Sentence) => {
    const g = gaps.get(s);
    return shared(s) >= 1 && g?.window === true && g.gap <= NEAR_IN_MEANING;
  };
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
    const cut = ranked.findIndex((s) => shared(s) < floor);
    const league = cut < 0 ? ranked : ranked.slice(0, cut);
    // Then the sentences nearly as near in meaning as the nearest window, with one of the question's
    // words: meaning speaks where the asker's words are not the docs' (./score.ts NEAR_IN_MEANING).
    const nearer = cut < 0 ? [] : ranked.slice(cut).filter(near);
    for (const s of [...league, ...nearer]) {
      if (chosen.length >= opts.maxSentences) break;
      if ((perPassage.get(s.passage) ?? 0) >= opts.maxPerPassage) continue;
      if (chosen.some((c) => c.text === s.text)) continue; // the same sentence in two documents
      if (isNearDuplicate(s, chosen)) continue;
      if (!s.text) {
        // A code block: not twice, and not more than a few.
        const same = (c: Sentence) => c.passage === s.passage && c.code !== undefined && codeRun(prose[s.passage]!.units, c.code).includes(s.code!);
        if (chosen.some(same) || chosen.filter((c) => !c.text).length >= MAX_CODE_BLOCKS) continue;
        // Introduced by a sentence ("like this:")? Quote that sentence, which brings the block.
        const intro = prose[s.passage]!.sentences.find((x) => x.code === s.code);
        take(intro ?? s);
        continue;
      }
      take(chosen.some((c) => c.passage === s.passage && c.code === s.code) ? withoutCode(s) : s);
    }
  }
  // Too few: the retriever matched on headings or titles, or one sentence stands alone. Add the
  // sentences that follow the first pick (or open the best passage) for context.
  if (chosen.length < opts.minSentences) {
    const anchor = chosen[0] ?? prose.find((p) => p.sentences.length)!.sentences[0]!;
    const own = prose[anchor.passage]!.sentences;
    for (const s of own.filter((x) => x.position >= anchor.position)) {
      if (chosen.length >= opts.minSentences) break;
      if (!chosen.includes(s) && !isNearDuplicate(s, chosen)) take(s);
    }
  }

  // How-to questions: the passage's example is usually the answer (./code-choice.ts).
  for (const [i, unit] of chooseCode(question, chosen, (p) => prose[p]!.units, score)) chosen[i] = { ...chosen[i]!, code: unit };
  // An API section with no example: the README's example that uses the name (./call-example.ts).
  if (procedural && !chosen.some((s) => s.code !== undefined)) {
    const example = apiExample(passages, prose, chosen);
    if (example) chosen.push(example);
  }
  // Still none: the file's example that calls what the quotes or the question name (./call-example.ts).
  if (procedural && !chosen.some((s) => s.code !== undefined)) {
    const example = callExample(question, passages.map((p) => p.sourcePath), prose, chosen);
    if (example) chosen.push(example);
  }

  const order = [...new Set(chosen.map((s) => s.passage))].sort((a, b) => a - b);
  const citationOf = new Map(order.map((p, i) => [p, i + 1]));
  const citations = order.map((p) => {
    const mine = chosen.filter((s) => s.passage === p).sort((a, b) => a.position - b.position);
    return {
      passage: passages[p]!,
      snippet: buildSnippet(prose[p]!, mine, opts.snippetChars),
      quote: (mine.find((s) => s.text) ?? mine[0]!).text,
    };
  });
  const labelled = new Set<string>();
  const quotes = [...chosen]
    .sort((a, b) => a.passage - b.passage || a.position - b.position)
    .map((s): ExtractiveQuote => {
      const quote: ExtractiveQuote = { text: s.text, citation: citationOf.get(s.passage)! };
      if (s.code !== undefined) quote.code = codeRunText(prose[s.passage]!.units, s.code);
      // The section's API name above its first quote, once per name.
      const api = apiOf(passages[s.passage]!);
      if (api && !labelled.has(api.name)) {
        labelled.add(api.name);
        quote.label = renderApiName(api);
      }
      // The option or name its list item documents, when the quote does not say it ("If array is
      // passed for this option, …" under "- **onComment**: …"), once per name (./prose.ts itemLabel).
      const item = prose[s.passage]!.units[s.unit]?.label;
      if (item && !labelled.has(item)) {
        labelled.add(item);
        if (!s.text.includes(item) && !quote.code?.includes(item)) quote.label = quote.label ? `${quote.label} › \`${item}\`` : `**\`${item}\`**`;
      }
      return quote;
    });
  return { citations, quotes };
}

/**
 * No quotable prose in any passage (a README section that is only an example): the best-scoring
 * code block alone, cited, or nothing.
 */
function codeOnlyPlan(passages: Passage[], prose: PassageProse[], score: (text: string) => number, snippetChars: number): ExtractivePlan {
  const best = bestCodeOnly(prose.map((p) => p.units), score);
  if (!best) return { citations: [], quotes: [] };
  const [p, unit] = best;
  const pseudo: Sentence = { passage: p, unit, position: 0, text: '', score: 0, code: unit, terms: [] };
  return {
    citations: [{ passage: passages[p]!, snippet: buildSnippet(prose[p]!, [pseudo], snippetChars) }],
    quotes: [{ text: '', citation: 1, code: prose[p]!.units[unit]!.text }],
  };
}

/**
 * The answer text for a plan: the plain intro line, then one blockquote per quoted sentence, each
 * followed by the fenced code block it introduces, if any (outside the blockquote, so it renders
 * as code; it belongs to the same `[n]`).
 */
export function renderExtractive(plan: ExtractivePlan): string {
  if (plan.quotes.length === 0) return NO_ANSWER_TEXT;
  return [
    EXTRACTIVE_INTRO,
    ...plan.quotes.map(
      (q) =>
        (q.label ? `${q.label}\n\n` : '') +
        (q.text ? `> ${q.text} [${q.citation}]` + (q.code ? `\n\n${q.code}` : '') : `${q.code}\n\n[${q.citation}]`),
    ),
  ].join('\n\n');
}

/** Word-sized pieces (each word with the whitespace after it), so the text streams like tokens. */
export function splitPieces(text: string): string[] {
  const pieces = text.match(/\S+\s*/g) ?? [];
  const lead = /^\s+/.exec(text)?.[0];
  if (lead && pieces.length) pieces[0] = lead + pieces[0];
  return pieces;
}

/**
 * The passages `selectCitations` planned over: everything retrieved when the flow passes it along
 * (and the grounding is drawn from it), so the streamed answer quotes exactly what was planned and
 * its `[n]` match the citations already sent; else the grounding alone.
 */
function planningPassages(request: ChatModelRequest): Passage[] {
  const { retrieved, grounding } = request;
  if (!retrieved?.length) return grounding;
  const ids = new Set(retrieved.map((p) => p.id));
  return grounding.every((p) => ids.has(p.id)) ? retrieved : grounding;
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

  /**
   * The whole extractive answer: the quotes as word-sized text deltas (paced unless nobody
   * watches), follow-ups from what was retrieved but not quoted, and a finish with zero usage.
   */
  async *stream(request: ChatModelRequest, options: ChatModelOptions = {}): AsyncIterable<StreamPart> {
    const { signal } = options;
    signal?.throwIfAborted();
    const text = renderExtractive(planExtractive(request.question, planningPassages(request), this.opts));
    const delay = options.unpaced ? 0 : this.opts.delayMs;
    let first = true;
    for (const piece of splitPieces(text)) {
      if (!first && delay > 0) await sleep(delay, undefined, { signal });
      signal?.throwIfAborted();
      first = false;
      yield { type: 'text-delta', text: piece };
    }
    if (request.grounding.length) {
      const questions = suggestFollowups(request.retrieved ?? request.grounding, request.grounding);
      if (questions.length) yield { type: 'followups', questions };
    }
    yield { type: 'finish', reason: 'stop', usage: { promptTokens: 0, completionTokens: 0, model: this.name } };
  }
}

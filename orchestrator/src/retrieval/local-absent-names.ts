/**
 * A question that names something the documents never mention ("How do I deploy it to Google
 * Cloud Run?", "How do I connect it to PostgreSQL?") is about that thing, and the documents do not
 * cover it: the local index returns nothing, and the answerer says it does not know. Without
 * this, the question's other words ("deploy", "connect", "database") find the pages about
 * deploying to the platform the documents do cover, and the answer quotes them as if they were
 * the answer, with nearness in meaning to match (0.49 and 0.66 on this project's docs).
 *
 * What counts as a name, kept narrow on purpose: two or more capitalised words in a row that do
 * not open a sentence ("Google Cloud Run", "Mount Everest"; "I" is no name), or one word with a
 * capital after a lower-case letter ("PostgreSQL", "GraphQL", "iPhone"). A single capitalised
 * word is not: "a Node web app", "in Express" are as often the asker's setting as the topic, and
 * refusing them lost answerable questions when it was tried (orchestrator/eval/TUNING.md). It is absent when
 * the index lacks one of its words, as the relevance gate sees them (./local-gate.ts).
 *
 * A message that opens with context names its setting there ("We run on Google Kubernetes Engine.
 * How do I set the port?"): refused as a whole, its asking sentence is searched on its own
 * (./local-retriever.ts, and the flow), where the name is not.
 */
import { queryTerms } from '../text.js';

/** The names a text uses, as written (see above). */
export function namesIn(text: string): string[] {
  const names: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 2) names.push(run.join(' '));
    run = [];
  };
  for (const m of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'.-]*/gu)) {
    const word = m[0].replace(/[.'-]+$/, '');
    const opensSentence = m.index === 0 || /[.!?:]\s*$/.test(text.slice(0, m.index));
    if (/^\p{Lu}/u.test(word) && word !== 'I' && !opensSentence) run.push(word);
    else flush();
    if (/\p{Ll}\p{Lu}/u.test(word)) names.push(word);
  }
  flush();
  return [...new Set(names)];
}

/** Whether the text names something of which the index lacks a word (`has` says whether it has a term). */
export function namesAbsent(text: string, has: (term: string) => boolean): boolean {
  return namesIn(text).some((name) => queryTerms(name).some((t) => !has(t)));
}

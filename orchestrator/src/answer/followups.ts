/**
 * Follow-up questions for the extractive answerer (a generative model writes its own): the topics
 * of passages that were retrieved but not quoted, phrased so that asking one retrieves its passage
 * (a heading's words match that passage's heading field, so they pass the relevance gate).
 */
import type { Passage } from '../seams.js';
import { contentTerms, followupQuestion } from '../text.js';

/** Most follow-up questions suggested. */
export const MAX_FOLLOWUPS = 3;

export function suggestFollowups(retrieved: Passage[], cited: Passage[]): string[] {
  const seen = new Set(cited.map((p) => p.headingPath.at(-1)?.toLowerCase()));
  const out: string[] = [];
  for (const passage of retrieved) {
    const topic = passage.headingPath.at(-1);
    if (!topic || seen.has(topic.toLowerCase()) || contentTerms(topic).length === 0) continue;
    seen.add(topic.toLowerCase());
    out.push(followupQuestion(topic));
    if (out.length >= MAX_FOLLOWUPS) break;
  }
  return out;
}

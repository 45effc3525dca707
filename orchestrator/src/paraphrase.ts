/**
 * Words the asker uses for what developer documentation says in other words: "delete a folder"
 * where a README says `remove` a `directory`, "turn on debug output" where it says `enable()`,
 * "what do I get back" where it says "returns", "a true/false flag" where it says `boolean`.
 * The local index (./retrieval/local-index.ts) searches such a question word together with the
 * documents' words, as one of its alternatives (as it does a typo's corrections), and the offline
 * answerer (./answer/extractive.ts) counts a sentence with the documents' word as sharing the
 * question's. Measured on the evaluation's tuning sets (orchestrator/eval/TUNING.md).
 *
 * Why a small fixed table and not a thesaurus: general thesauri (WordNet) give a word's English
 * senses ("delete" → "erase", "cancel"), not its meaning in programming; an embedding model
 * already carries meaning, but only into the semantic half of the search, not into the keyword
 * gate or the sentence a quote is chosen by. Each row is a pair that holds across software
 * documentation, not a fact about one package; a phrase row fires only on the phrase ("turn … on",
 * not every "turn").
 *
 * Rejected: rows for words whose documentation sense depends on the package ("read" → "parse",
 * "stop" → "abort"): they would add matches to every question that says them.
 */
import { normalizeTerm } from './text.js';

interface Row {
  /** Where the asker's word is: the first capture group is the word the documents' words join. */
  asked: RegExp;
  /** The documents' words for it. */
  docs: string[];
}

const ROWS: Row[] = [
  { asked: /\b(delet\w*|eras(?:e|es|ed|ing))\b/gi, docs: ['remove'] },
  { asked: /\b(remov\w*)\b/gi, docs: ['delete'] },
  { asked: /\b(folders?)\b/gi, docs: ['directory', 'dir'] },
  { asked: /\b(director(?:y|ies))\b/gi, docs: ['folder'] },
  { asked: /\b(skip(?:s|ped|ping)?)\b/gi, docs: ['ignore', 'exclude'] },
  { asked: /\b(shorthands?)\b/gi, docs: ['alias', 'short'] },
  { asked: /\b(charsets?)\b/gi, docs: ['encoding'] },
  { asked: /\b(terminal)\b/gi, docs: ['cli'] },
  { asked: /\b(wildcards?)\b/gi, docs: ['glob'] },
  { asked: /\b(cancel\w*)\b/gi, docs: ['abort'] },
  { asked: /\b(abort\w*)\b/gi, docs: ['cancel'] },
  { asked: /\b(parallel)\b/gi, docs: ['concurrency'] },
  { asked: /\b(environment)\s+variables?\b/gi, docs: ['env'] },
  { asked: /\b(librar(?:y|ies))\b/gi, docs: ['module', 'package'] },
  { asked: /\b(functions?)\b/gi, docs: ['method'] },
  { asked: /\b(methods?)\b/gi, docs: ['function'] },
  { asked: /\b(settings?)\b/gi, docs: ['option'] },
  { asked: /\b(arguments?)\b/gi, docs: ['parameter'] },
  { asked: /\b(parameters?)\b/gi, docs: ['argument'] },
  { asked: /\b(lists?)\b/gi, docs: ['array'] },
  { asked: /\basync\s*\/\s*(await)\b/gi, docs: ['promise'] },
  // Phrases: the words join the phrase's one content word.
  { asked: /\btrue\s*(?:\/|or)\s*(false)\b/gi, docs: ['boolean'] },
  { asked: /\b(?:get|gets|getting|got|come|comes|coming|came|give|gives)\s+(?:\w+\s+)?(back)\b/gi, docs: ['return'] },
  { asked: /\b(turn(?:s|ed|ing)?|switch(?:es|ed|ing)?)\s+(?:[\w-]+\s+){0,3}?on\b/gi, docs: ['enable'] },
  { asked: /\b(turn(?:s|ed|ing)?|switch(?:es|ed|ing)?)\s+(?:[\w-]+\s+){0,3}?off\b/gi, docs: ['disable'] },
  { asked: /\b(start(?:s|ed|ing)?)\s+(?:\w+\s+)?again\b/gi, docs: ['resume', 'restart'] },
  { asked: /\b(?:at|in)\s+(?:a|the\s+same)\s+(time)\b/gi, docs: ['concurrency', 'parallel'] },
  { asked: /\btoo\s+(long)\b/gi, docs: ['timeout'] },
  { asked: /\bbyte\s+order\s+(mark)s?\b/gi, docs: ['bom'] },
];

/** The documents' words as terms (stems), the way the index has them. */
const DOCS_TERMS = ROWS.map((r) => r.docs.map((d) => normalizeTerm(d)).filter((t): t is string => t !== null));

/**
 * For the question's terms that the table knows the documents' words for: term → those words'
 * terms (never the term itself). Empty for most questions.
 */
export function paraphrases(question: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  ROWS.forEach((row, i) => {
    for (const m of question.matchAll(row.asked)) {
      const term = normalizeTerm(m[1]!);
      if (!term) continue; // a stop word is no query term
      const known = out.get(term) ?? [];
      for (const t of DOCS_TERMS[i]!) if (t !== term && !known.includes(t)) known.push(t);
      if (known.length) out.set(term, known);
    }
  });
  return out;
}

/**
 * API reference sections are headed by what they document: `off`, `limit`, `queue.concurrency`,
 * `execa.commandSync(command, options?)`. Their prose rarely repeats the name ("Remove an event
 * handler for the given type."), so a quote from such a section answers "How do I remove an event
 * handler?" only together with its heading. The extractive answer therefore shows the name above
 * the first quote from the section, and, when the section has no example, brings a retrieved
 * example from the same file that uses the name (a README's usage block calling `emitter.off(…)`).
 *
 * Headings arrive as plain text (inline code already rendered), so "code-like" is judged from the
 * text: a call signature (or a declaration assigning its result), a dotted name, or a single name
 * starting lower-case that is not one of the usual section words ("usage", "install").
 */

/** An API name from a heading: `name` is shown as code, `rest` (a plain-text remark) after it. */
export interface ApiName {
  name: string;
  rest: string;
  /** The identifier a use of it would show (`commandSync` for `execa.commandSync(command)`). */
  identifier: string;
}

/** `name(args)` or `a.b(args)`, possibly with `=> Type` after it. */
const SIGNATURE = /^(?:new\s+)?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\(.*\)(?:\s*(?:=>|:)\s*[\w$<>[\]|. ]+)?$/;
/** `var argv = <call>`, `const { a } = await <call>`: a declaration that assigns a call's result. */
const ASSIGNED = /^(?:var|let|const)\s+(?:[A-Za-z_$][\w$]*|\{[\w$,\s]*\}|\[[\w$,\s]*\])\s*=\s*(?:await\s+)?(.+)$/;
/** One name, dotted or not, then an optional remark in parentheses: `max (read only)`. */
const NAME = /^([A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$]*)*)(\s+\([^()]*\))?$/;

/** Lower-case headings that name a section, not an API item. */
const SECTION_WORDS = new Set(
  `about acknowledgements acknowledgments alternatives api authors background benchmark benchmarks browser
  browsers build caveats changelog cli compatibility configuration contribute contributing contributors credits
  demo demos deno description details development docs documentation example examples faq features getting
  guide history install installation introduction license limitations links maintainers migration motivation
  node notes options overview parameters performance philosophy properties quickstart reference related
  requirements returns roadmap security setup sponsors support test testing tests todo troubleshooting types
  typescript usage use why`.split(/\s+/),
);

/** The API name a heading gives, if it is one. */
export function apiNameOf(heading: string): ApiName | undefined {
  const h = heading.trim();
  if (!h || h.length > 120 || h.includes('`')) return undefined;
  // The call may be shown as it is used: `var argv = parseArgs(args, opts={})`.
  const call = ASSIGNED.exec(h)?.[1] ?? h;
  if (SIGNATURE.test(call)) {
    const identifier = /^(?:new\s+)?([\w$.]+)/.exec(call)![1]!.split('.').at(-1)!;
    return { name: h, rest: '', identifier };
  }
  const m = NAME.exec(h);
  if (!m) return undefined;
  const name = m[1]!;
  // Dotted (`queue.concurrency`) or starting lower-case (`off`, `maxSize`); a capitalised word is
  // a title or a proper noun ("Usage", "TypeScript"), even when a class is named so.
  const dotted = name.includes('.');
  const lowerWord = /^[a-z_$]/.test(name) && !SECTION_WORDS.has(name.toLowerCase());
  if (!dotted && !lowerWord) return undefined;
  // "v2.0.0" and "1.x" are versions, not names.
  if (/^v?\d/.test(name)) return undefined;
  return { name, rest: m[2] ?? '', identifier: name.split('.').at(-1)! };
}

/** Headings that only subdivide an API item ("Parameters", "Options"): look one level up. */
const SUBDIVISION = /^(?:parameters|arguments|options|returns?|example|examples|usage|properties|methods|events)$/i;

/** The API item a passage documents, from its heading path (the item, or the item above a subdivision). */
export function passageApiName(headingPath: string[]): ApiName | undefined {
  const last = headingPath.at(-1);
  if (!last) return undefined;
  const own = apiNameOf(last);
  if (own) return own;
  // Not a document's top heading (its title): "lru-cache › Options" documents no item `lru-cache`.
  const parent = headingPath.length > 2 ? headingPath.at(-2) : undefined;
  return SUBDIVISION.test(last.trim()) && parent ? apiNameOf(parent) : undefined;
}

/** Whether a code block uses the identifier: a call, a method or property, or an option key. */
export function usesIdentifier(code: string, identifier: string): boolean {
  if (!/^[\w$-]+$/.test(identifier) || identifier.length < 2) return false;
  const id = identifier.replace(/\$/g, '\\$');
  return new RegExp(`(?:^|[^\\w$])${id}\\s*\\(|\\.${id}(?![\\w$])|(?:^|[\\s{,])['"]?${id}['"]?\\s*:(?!:)`, 'm').test(code);
}

/** The Markdown line shown above a section's first quote: the name as bold code, the remark after it. */
export function renderApiName(api: ApiName): string {
  return `**\`${api.name}\`**${api.rest}`;
}

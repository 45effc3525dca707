/**
 * Does a code example call a function? Shared by the local index (which usage example joins the
 * results: one that calls what the question names, ./retrieval/local-candidates.ts) and the
 * offline answerer (which example answers a how-to question, ./answer/call-example.ts), so the
 * two agree on what "calls" means: `name(…)` or `x.name(…)`, any case, outside line and block
 * comments (a block that merely mentions a word in a comment is not an example of it), never a
 * property (`queue.satisfies = true`) or a longer name (`minSatisfying(…)` does not call
 * `satisfying`), unless asked for by `prefix`.
 *
 * Why one module: the two copies had drifted apart (one ignored comments, the other did not).
 */

/** Shortest question stem the index looks for as a called function (`satisfi`, not `get`). */
export const MIN_CALLED_STEM = 4;

const escape = (s: string) => s.replace(/[$]/g, '\\$');

/** The code with its `//`, `#` and block comments blanked. */
function uncommented(code: string): string {
  return code.replace(/\/\/.*$|#.*$|\/\*[\s\S]*?\*\//gm, ' ');
}

/**
 * Whether `code` calls `name`. With `prefix`, any function whose name starts with it: the index
 * has Porter stems, so `satisfi` stands for `satisfies(…)`.
 */
export function callsName(code: string, name: string, { prefix = false }: { prefix?: boolean } = {}): boolean {
  if (!/^[\w$]+$/.test(name)) return false;
  return new RegExp(`(?:^|[^\\w$])${escape(name)}${prefix ? '[\\w$]*' : ''}\\s*\\(`, 'im').test(uncommented(code));
}

/** Whether `code` calls a function named by a question's stem (see `callsName`). */
export function callsStem(code: string, stem: string): boolean {
  return stem.length >= MIN_CALLED_STEM && /^[a-z0-9]+$/.test(stem) && callsName(code, stem, { prefix: true });
}

/**
 * The file a set of results is mostly about: the one holding at least half of them (the earliest
 * on a tie), if one does. Not simply the first result's file: one passage of another file that
 * happens to share the question's words ("valid" in a query-string parser's README) can come
 * first while the file with the answer holds the rest. Shared by the local index (which file's
 * usage example joins the results, ./retrieval/local-candidates.ts) and the offline answerer
 * (which file wins a tie between equally good quotes, ./answer/extractive.ts), so they agree.
 */
export function leadingFile(paths: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const p of paths) if (p !== undefined) counts.set(p, (counts.get(p) ?? 0) + 1);
  let lead: string | undefined;
  for (const p of paths) if (p !== undefined && (lead === undefined || counts.get(p)! > counts.get(lead)!)) lead = p;
  return lead !== undefined && counts.get(lead)! * 2 >= paths.length ? lead : undefined;
}

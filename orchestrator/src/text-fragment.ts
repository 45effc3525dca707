/**
 * URL text fragments (WICG "Text Fragments", `#:~:text=`): a citation link that scrolls to and
 * highlights the quoted sentence, not just its section. The fragment directive goes after the
 * heading anchor (`page#install:~:text=…`); browsers without support ignore it and still land
 * on the anchor.
 *
 * The spec's textStart is percent-encoded, and `-`, `&` and `,` must be encoded too (they are
 * the directive's own syntax); encodeURIComponent leaves `-` alone, so it is encoded by hand.
 * Markdown code-span backticks are dropped: the page shows the code, not the backticks.
 */
export function encodeTextDirective(text: string): string {
  return encodeURIComponent(text).replace(/-/g, '%2D');
}

export function textFragmentUrl(url: string, sentence: string): string {
  const text = sentence.replace(/`/g, '').replace(/\s+/g, ' ').trim();
  if (!text) return url;
  const base = url.includes('#') ? url : `${url}#`;
  return `${base}:~:text=${encodeTextDirective(text)}`;
}

/**
 * How deeply JSON may nest. Schema validation, redaction and serialization
 * walk JSON recursively, so a document nested thousands of levels deep (a
 * 1 MiB body holds half a million `[`) would overflow the stack. Request
 * bodies and upstream JSON are refused past this depth instead.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`. One linear
 * scan without parsing; strings are skipped with `indexOf` to their closing
 * quote (most of a JSON document's characters are inside strings), and text
 * that is not JSON is left for the parser to refuse.
 */
export function jsonDepthExceeds(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      i = closingQuote(text, i);
      if (i < 0) return false;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > limit) return true;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return false;
}

/** The index of the quote that closes the string opened at `open`: one not escaped by an odd run of backslashes. -1 if none. */
function closingQuote(text: string, open: number): number {
  for (let end = text.indexOf('"', open + 1); end >= 0; end = text.indexOf('"', end + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
  }
  return -1;
}

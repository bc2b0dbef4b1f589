/**
 * How deeply JSON may nest. Schema validation, redaction and serialization
 * walk JSON recursively, so a document nested thousands of levels deep (a
 * 1 MiB body holds half a million `[`) would overflow the stack. Request
 * bodies and upstream JSON are refused past this depth instead.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`. One linear
 * scan without parsing; text inside strings is skipped, and text that is not
 * JSON is left for the parser to refuse.
 */
export function jsonDepthExceeds(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > limit) return true;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return false;
}

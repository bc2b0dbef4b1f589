import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../src/json-depth";

/** The definition: a character-by-character scan that tracks strings and escapes. */
function reference(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "[" || ch === "{") {
      if (++depth > limit) return true;
    } else if (ch === "]" || ch === "}") depth--;
  }
  return false;
}

describe("jsonDepthExceeds", () => {
  it("counts nesting outside strings only", () => {
    expect(jsonDepthExceeds("[[[1]]]", 3)).toBe(false);
    expect(jsonDepthExceeds("[[[[1]]]]", 3)).toBe(true);
    expect(jsonDepthExceeds('["[[[[", {"a": "{{{{"}]', 3)).toBe(false);
    // An escaped quote does not end the string; an escaped backslash before a quote does.
    expect(jsonDepthExceeds('["\\"[[[[" ]', 3)).toBe(false);
    expect(jsonDepthExceeds('["\\\\", [[[1]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds('["\\\\\\"[[[["]', 3)).toBe(false);
    // An unterminated string: left for JSON.parse to refuse.
    expect(jsonDepthExceeds('["[[[[', 3)).toBe(false);
  });

  it("refuses what would overflow a recursive walk, and passes the deepest allowed document", () => {
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it("answers as the character-by-character definition on any text", () => {
    const piece = fc.constantFrom("[", "]", "{", "}", '"', "\\", "a", ":", ",", "\\\\", '\\"', "é", "😀");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 0, max: 6 }), (pieces, limit) => {
        const text = pieces.join("");
        expect(jsonDepthExceeds(text, limit)).toBe(reference(text, limit));
      }),
      { seed: 20261124, numRuns: 3000 },
    );
  });
});

/**
 * The copy of a schema the validator is built from (src/engine/validated-schema.ts):
 * draft-07 `$ref` siblings that would change the base URI, and 2020-12 formats
 * that are annotations; and what the validator then answers.
 */
import { describe, expect, it } from "vitest";
import { compiledValidator, validateInstance } from "../src/engine/schemas";
import { formatsAssert, validatedSchema } from "../src/engine/validated-schema";

const DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema";

let key = 0;
function valid(schema: Record<string, unknown>, value: unknown, formats: "assert" | "by_draft" = "assert"): boolean {
  return validateInstance(compiledValidator(`validated-schema-${++key}`, schema, formats), value, "").length === 0;
}

/** The suite's draft-07 "$ref prevents a sibling $id from changing the base uri", under a base of our own. */
const SIBLING_ID = {
  $id: "https://example.com/sibling_id/base/",
  definitions: {
    foo: { $id: "https://example.com/sibling_id/foo.json", type: "string" },
    base_foo: { $id: "foo.json", type: "number" },
  },
  allOf: [{ $id: "https://example.com/sibling_id/", $ref: "foo.json" }],
};

describe("draft-07: a $ref's sibling $id does not change the base URI", () => {
  it("resolves the $ref against the enclosing base, as the specification says", () => {
    // foo.json against .../base/ is definitions/base_foo (a number), not definitions/foo (a string).
    expect(valid(SIBLING_ID, 5)).toBe(true);
    expect(valid(SIBLING_ID, "a string")).toBe(false);
  });

  it("drops only that $id; other siblings, and $ids without a $ref, stay", () => {
    const copy = validatedSchema(SIBLING_ID, "7", "assert") as typeof SIBLING_ID;
    expect(copy.allOf[0]).toEqual({ $ref: "foo.json" });
    expect(copy.definitions).toEqual(SIBLING_ID.definitions);
    const withDefinitions = { $ref: "#/definitions/a", $id: "https://example.com/x", definitions: { a: {} } };
    expect(validatedSchema(withDefinitions, "7", "assert")).toEqual({
      $ref: "#/definitions/a",
      definitions: { a: {} },
    });
    // The stored schema is untouched.
    expect(SIBLING_ID.allOf[0]).toHaveProperty("$id");
  });

  it("leaves 2019-09 and 2020-12 schemas as they are: there a $ref's siblings apply", () => {
    const later = { $schema: DRAFT_2020, $id: "https://example.com/a", $ref: "#/$defs/b", $defs: { b: {} } };
    expect(validatedSchema(later, "2020-12", "assert")).toBe(later);
    expect(validatedSchema(later, "2019-09", "assert")).toBe(later);
  });

  it("treats $id inside const, enum and default as data", () => {
    const schema = { const: { $ref: "x", $id: "y" }, properties: { p: { default: { $ref: "x", $id: "y" } } } };
    expect(validatedSchema(schema, "7", "assert")).toEqual(schema);
  });
});

describe("2020-12 formats", () => {
  const email = { $schema: DRAFT_2020, type: "string", format: "email" };

  it('are annotations in "by_draft" mode, and asserted in "assert" mode and in the other drafts', () => {
    expect(valid(email, "not an email", "by_draft")).toBe(true);
    expect(valid(email, "not an email", "assert")).toBe(false);
    expect(valid({ type: "string", format: "email" }, "not an email", "by_draft")).toBe(false);
    const draft2019 = { $schema: "https://json-schema.org/draft/2019-09/schema", type: "string", format: "email" };
    expect(valid(draft2019, "not an email", "by_draft")).toBe(false);
  });

  it("are asserted when $vocabulary names the format-assertion vocabulary", () => {
    const vocabulary = {
      ...email,
      $vocabulary: {
        "https://json-schema.org/draft/2020-12/vocab/core": true,
        "https://json-schema.org/draft/2020-12/vocab/format-assertion": false,
      },
    };
    expect(formatsAssert(vocabulary, "2020-12", "by_draft")).toBe(true);
    expect(valid(vocabulary, "not an email", "by_draft")).toBe(false);
    expect(valid(vocabulary, "a@example.com", "by_draft")).toBe(true);
  });

  it("drops format keywords only: a property named format, and format in data, stay", () => {
    const schema = {
      $schema: DRAFT_2020,
      properties: { format: { type: "string", format: "uri" } },
      dependentSchemas: { format: { format: "date" } },
      const: { format: "email" },
    };
    expect(validatedSchema(schema, "2020-12", "by_draft")).toEqual({
      $schema: DRAFT_2020,
      properties: { format: { type: "string" } },
      dependentSchemas: { format: {} },
      const: { format: "email" },
    });
  });
});

/**
 * Nulls that stand for "not given" (src/engine/optional-nulls.ts), pure: the
 * cases as a table, and against @cfworker/json-schema, the promise the rule
 * rests on: an input the tool's schema accepts comes back unchanged.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withLinearRegExp } from "../src/engine/linear-regexp";
import { dropOptionalNulls } from "../src/engine/optional-nulls";
import { draftOf, type JsonSchema } from "../src/engine/schemas";
import { rootSchema, withInstance } from "./schema-instance-arbitraries";

const SEED = 141414;

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: "object",
  properties,
  required,
});

describe("dropOptionalNulls", () => {
  const CASES: [string, JsonSchema, Record<string, unknown>, Record<string, unknown>][] = [
    [
      "drops a null for an optional string",
      object({ q: { type: "string" }, tz: { type: "string" } }, ["q"]),
      { q: "Paris", tz: null },
      { q: "Paris" },
    ],
    [
      "keeps a null for a required property (validation answers it)",
      object({ q: { type: "string" } }, ["q"]),
      { q: null },
      { q: null },
    ],
    [
      "keeps a null the property's schema accepts: a type list, an enum, a const, anyOf, no type",
      object({
        a: { type: ["string", "null"] },
        b: { enum: ["x", null] },
        c: { const: null },
        d: { anyOf: [{ type: "string" }, { type: "null" }] },
        e: { description: "anything" },
        f: {},
        g: true,
      }),
      { a: null, b: null, c: null, d: null, e: null, f: null, g: null },
      { a: null, b: null, c: null, d: null, e: null, f: null, g: null },
    ],
    [
      "drops nulls refused by enum, const, allOf, anyOf, oneOf and false",
      object({
        a: { enum: ["x", "y"] },
        b: { const: 1 },
        c: { allOf: [{ description: "d" }, { type: "integer" }] },
        d: { anyOf: [{ type: "string" }, { type: "integer" }] },
        e: { oneOf: [{ type: "string" }, { type: "boolean" }] },
        f: false,
      }),
      { a: null, b: null, c: null, d: null, e: null, f: null, kept: null },
      { kept: null },
    ],
    [
      "descends into nested objects and arrays of objects",
      object({
        where: object({ city: { type: "string" }, zip: { type: "string" } }, ["city"]),
        stops: { type: "array", items: object({ at: { type: "string" }, note: { type: "string" } }, ["at"]) },
      }),
      { where: { city: "Paris", zip: null }, stops: [{ at: "A", note: null }, { at: "B" }] },
      { where: { city: "Paris" }, stops: [{ at: "A" }, { at: "B" }] },
    ],
    [
      "follows a lone $ref into $defs or definitions, escaped names included",
      {
        ...object({ to: { $ref: "#/$defs/a~1b" }, from: { $ref: "#/definitions/place" } }),
        $defs: { "a/b": object({ city: { type: "string" } }) },
        definitions: { place: object({ city: { $ref: "#/definitions/name" } }), name: { type: "string" } },
      },
      { to: { city: null }, from: { city: null } },
      { to: {}, from: {} },
    ],
    [
      "follows the one anyOf variant that can be an object (OpenAI's nullable optional object)",
      object({ filter: { anyOf: [object({ tag: { type: "string" } }), { type: "null" }] } }),
      { filter: { tag: null } },
      { filter: {} },
    ],
    [
      "leaves an object alone when two anyOf variants could be it",
      object({ shape: { anyOf: [object({ r: { type: "number" } }), object({ w: { type: "number" } })] } }),
      { shape: { r: null } },
      { shape: { r: null } },
    ],
    [
      "leaves a $ref with keywords beside it alone (drafts read them differently)",
      {
        ...object({ p: { $ref: "#/$defs/p", properties: { x: { type: "string" } } } }),
        $defs: { p: { type: "object" } },
      },
      { p: { x: null } },
      { p: { x: null } },
    ],
    [
      "leaves tuples alone",
      object({ pair: { type: "array", prefixItems: [object({ a: { type: "string" } })] } }),
      { pair: [{ a: null }] },
      { pair: [{ a: null }] },
    ],
    [
      "ignores a $ref it cannot follow, and stops on a cycle of $refs",
      {
        ...object({ a: { $ref: "https://example.com/s.json" }, b: { $ref: "#/$defs/x" } }),
        $defs: { x: { $ref: "#/$defs/y" }, y: { $ref: "#/$defs/x" } },
      },
      { a: null, b: null },
      { a: null, b: null },
    ],
    [
      "touches only properties the schema describes",
      object({ q: { type: "string" } }),
      { q: "x", extra: null },
      { q: "x", extra: null },
    ],
  ];

  it.each(CASES)("%s", (_, schema, input, expected) => {
    const before = structuredClone(input);
    expect(dropOptionalNulls(schema, input)).toEqual(expected);
    expect(input, "the input is not changed").toEqual(before);
  });

  it("returns the same object when there is nothing to drop", () => {
    const input = { where: { city: "Paris" }, stops: [{ at: "A" }] };
    const schema = object({ where: object({ city: { type: "string" } }), stops: { type: "array", items: object({}) } });
    expect(dropOptionalNulls(schema, input)).toBe(input);
  });
});

/** `value` with some of its properties, at any depth, set to null: a strict-mode caller's kind of input. */
function withNulls(value: unknown, seed: number): unknown {
  let state = seed >>> 0 || 1;
  const coin = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % 3 === 0;
  };
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, coin() ? null : visit(x)]));
  };
  return visit(value);
}

function containsNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== "object") return false;
  return Object.values(value).some(containsNull);
}

describe("dropOptionalNulls against the full validator", () => {
  it("leaves every input the schema accepts exactly as it was", () => {
    const tally = { validWithNulls: 0, changed: 0 };
    fc.assert(
      fc.property(withInstance(rootSchema), fc.integer(), ([schema, instance], seed) => {
        if (instance === null || typeof instance !== "object" || Array.isArray(instance)) return;
        const input = withNulls(instance, seed) as Record<string, unknown>;
        const out = dropOptionalNulls(schema, input);
        if (out !== input) tally.changed++;
        let accepted: boolean;
        try {
          const validator = new Validator(structuredClone(schema) as Schema, draftOf(schema), false);
          accepted = withLinearRegExp(() => validator.validate(input)).valid;
        } catch {
          return;
        }
        if (!accepted) return;
        if (containsNull(input)) tally.validWithNulls++;
        expect(out, "a valid input was changed").toBe(input);
      }),
      { seed: SEED, numRuns: 5000 },
    );
    // The generators reach both sides often enough for the property to mean something.
    expect(tally.validWithNulls).toBeGreaterThan(100);
    expect(tally.changed).toBeGreaterThan(20);
  });
});

/**
 * The fast path of schema validation (src/engine/fast-validator.ts) against
 * @cfworker/json-schema itself: it may only say "valid" where the full
 * validator does, it should say so wherever the full validator does for the
 * schemas it compiles, and validateInstance's errors stay the full
 * validator's, byte for byte.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileFastValidator,
  MAX_FAST_SCHEMA_DEPTH,
  passesFastValidator,
  type FastValidator,
} from "../src/engine/fast-validator";
import { withLinearRegExp } from "../src/engine/linear-regexp";
import {
  compiledValidator,
  draftOf,
  validateInstance,
  type CompiledSchema,
  type JsonSchema,
} from "../src/engine/schemas";
import { jsonText, schemaText } from "./fuzz-arbitraries";
import { rootSchema, schemaWithExtraKeyword, withInstance } from "./schema-instance-arbitraries";

const SEED = 60606;

/** The full validator, as compiledValidator builds it, or null where building it throws (so there is no fast path either). */
function fullValidator(schema: JsonSchema): Validator | null {
  try {
    return new Validator(structuredClone(schema) as Schema, draftOf(schema), false);
  } catch {
    return null;
  }
}

/** What the full validator says, as validateInstance runs it; a validator that throws has not said "valid". */
function fullValidatorSays(validator: Validator, instance: unknown): boolean {
  try {
    return withLinearRegExp(() => validator.validate(instance)).valid;
  } catch {
    return false;
  }
}

function fastFor(schema: JsonSchema): FastValidator | null {
  return compileFastValidator(structuredClone(schema), draftOf(schema));
}

/** The same compiled schema without the fast path: validateInstance as it was before it. */
function withoutFastPath(compiled: CompiledSchema): CompiledSchema {
  return { ...compiled, fast: null };
}

function validatorFor(schema: JsonSchema): CompiledSchema {
  return compiledValidator(`fast-validator-test:${crypto.randomUUID()}`, schema);
}

/** How often a property compiled its schema, and what the fast path answered. */
interface Tally {
  compiled: number;
  valid: number;
  invalid: number;
}

/**
 * The hard rule (the fast path's "valid" is the full validator's "valid"),
 * and, with `agree`, the converse: it says "valid" wherever the full
 * validator does, for the schemas it compiles.
 */
function compareWithFullValidator(tally: Tally, agree: boolean) {
  return ([schema, instance]: [JsonSchema, unknown]) => {
    const validator = fullValidator(schema);
    const fast = fastFor(schema);
    if (validator === null || fast === null) return;
    tally.compiled++;
    const quick = passesFastValidator(fast, instance);
    const full = fullValidatorSays(validator, instance);
    if (quick) expect(full, "the fast path said valid, the full validator did not").toBe(true);
    if (agree) expect(quick, "the full validator said valid, the fast path did not").toBe(full);
    tally[quick ? "valid" : "invalid"]++;
  };
}

describe("fast path against @cfworker/json-schema (differential)", () => {
  it("never says valid when the full validator does not, and agrees with it on the schemas it compiles", () => {
    const tally: Tally = { compiled: 0, valid: 0, invalid: 0 };
    fc.assert(fc.property(withInstance(rootSchema), compareWithFullValidator(tally, true)), {
      seed: SEED,
      numRuns: 5000,
    });
    // The generators reach both answers often enough for the property to mean something.
    expect(tally.compiled).toBeGreaterThan(2500);
    expect(tally.valid).toBeGreaterThan(1000);
    expect(tally.invalid).toBeGreaterThan(1000);
  });

  it("never says valid when the full validator does not, for schemas with keywords it leaves to the full validator", () => {
    const tally: Tally = { compiled: 0, valid: 0, invalid: 0 };
    fc.assert(fc.property(withInstance(schemaWithExtraKeyword), compareWithFullValidator(tally, false)), {
      seed: SEED + 2,
      numRuns: 4000,
    });
    // Annotations compile; most of the rest does not.
    expect(tally.compiled).toBeGreaterThan(150);
  });

  it("never says valid when the full validator does not, for hostile schemas and instances", () => {
    fc.assert(
      fc.property(schemaText, jsonText, (schemaJson, instanceJson) => {
        const schema: unknown = JSON.parse(schemaJson);
        if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return;
        // Freshly parsed, so no copy (which would overflow the stack on the deepest of these schemas).
        const fast = compileFastValidator(schema, draftOf(schema as JsonSchema));
        if (fast === null || !passesFastValidator(fast, JSON.parse(instanceJson))) return;
        // A schema the validator cannot be built for never gets as far as validateInstance.
        const validator = fullValidator(schema as JsonSchema);
        if (validator !== null) expect(fullValidatorSays(validator, JSON.parse(instanceJson))).toBe(true);
      }),
      { seed: SEED + 1, numRuns: 1000 },
    );
  });
});

/** A tool's input schema with the keywords real tools use most. */
const ORDER_SCHEMA: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Order",
  type: "object",
  required: ["id", "email", "status", "customer", "lines"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^ord_[a-z0-9]{6}$", description: "Order id" },
    email: { type: "string", format: "email" },
    placed_at: { type: "string", format: "date-time" },
    site: { type: "string", format: "uri" },
    ref: { type: "string", format: "uuid" },
    origin: { type: "string", format: "ipv4" },
    status: { enum: ["pending", "paid", "shipped"] },
    version: { const: 2 },
    customer: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string", minLength: 1, maxLength: 5 }, vip: { type: "boolean" } },
    },
    lines: {
      type: "array",
      minItems: 1,
      maxItems: 3,
      items: {
        type: "object",
        required: ["sku", "qty"],
        properties: {
          sku: { type: "string" },
          qty: { type: "integer", minimum: 1 },
          price: { type: "number", exclusiveMinimum: 0, multipleOf: 0.01 },
        },
      },
    },
    note: { type: ["string", "null"], maxLength: 5, "x-ui": "textarea" },
  },
};

const ORDER = {
  id: "ord_a1b2c3",
  email: "someone@example.com",
  placed_at: "2026-04-20T10:00:00Z",
  site: "https://example.com/a?b=c",
  ref: "123e4567-e89b-12d3-a456-426614174000",
  origin: "192.168.0.1",
  status: "paid",
  version: 2,
  customer: { name: "Ada", vip: true },
  lines: [
    { sku: "A-1", qty: 2, price: 9.99 },
    { sku: "B-2", qty: 1.0 },
  ],
  note: "\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00",
};

/** The shape of bench's large output: 1000 items. */
const LIST_SCHEMA: JsonSchema = {
  type: "object",
  required: ["count", "items"],
  properties: {
    count: { type: "integer" },
    items: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "name", "email", "active", "score", "tags", "note"],
        properties: {
          id: { type: "integer", minimum: 0 },
          name: { type: "string", pattern: "^item-\\d{5}$" },
          email: { type: "string", format: "email" },
          active: { type: "boolean" },
          score: { type: "number" },
          tags: { type: "array", items: { type: "string" } },
          note: { type: "string", maxLength: 200 },
        },
      },
    },
  },
};

const LIST = {
  count: 1000,
  items: Array.from({ length: 1000 }, (_, i) => ({
    id: i,
    name: `item-${String(i).padStart(5, "0")}`,
    email: `user${i}@example.com`,
    active: i % 2 === 0,
    score: i * 1.5,
    tags: ["alpha", "beta", "gamma"],
    note: "x".repeat(90),
  })),
};

describe("fast path: common valid instances take it", () => {
  it.each<[string, JsonSchema, unknown]>([
    ["an order (required, pattern, formats, enum, const, nested objects and arrays)", ORDER_SCHEMA, ORDER],
    ["a 1000-item list", LIST_SCHEMA, LIST],
    ["an empty schema", {}, { anything: [1, "two", null] }],
    ["an object with no properties", { type: "object" }, {}],
    [
      "a 2020-12 schema with $defs it never reaches",
      { $schema: "https://json-schema.org/draft/2020-12/schema", $defs: { x: { $ref: "#" } }, type: "object" },
      {},
    ],
    ["a root $id", { $id: "https://schemas.example/order.json", type: "object" }, {}],
    ["integers written as 1.0", { type: "array", items: { type: "integer" } }, [1.0, -0, 2 ** 53]],
    ["code points, not UTF-16 units", { type: "string", minLength: 2, maxLength: 2 }, "\ud83d\ude00\ud83d\ude00"],
    ["decimal multipleOf", { type: "number", multipleOf: 0.1 }, 0.3],
    ["type lists", { type: ["string", "null"] }, null],
    [
      "additionalProperties as a schema",
      { properties: { a: {} }, additionalProperties: { type: "integer" } },
      { a: "x", b: 1 },
    ],
    ["a format the validator does not know", { type: "string", format: "int32" }, "not a number"],
    ["uniqueItems: false", { type: "array", uniqueItems: false }, [1, 1]],
    ["boolean subschemas", { properties: { a: true, b: false } }, { a: 1 }],
  ])("%s", (_, schema, instance) => {
    expect(fullValidatorSays(fullValidator(schema)!, instance)).toBe(true);
    const fast = fastFor(schema);
    expect(fast).not.toBeNull();
    expect(passesFastValidator(fast!, instance)).toBe(true);
  });
});

describe("fast path: lengths in code points", () => {
  const pair = "\ud83d\ude00";
  it.each<[JsonSchema, string, boolean]>([
    [{ minLength: 2 }, pair, false],
    [{ minLength: 2 }, pair + pair, true],
    [{ minLength: 2 }, "\ud800\ud800", true],
    [{ minLength: 3 }, pair + "a", false],
    [{ maxLength: 1 }, pair, true],
    [{ maxLength: 1 }, "\ud800a", false],
    [{ maxLength: 2 }, pair + pair, true],
    [{ maxLength: 2 }, pair + pair + "\ud800", false],
    [{ minLength: 1, maxLength: 1 }, "\udfff", true],
  ])("%j with %j: %s", (schema, instance, valid) => {
    expect(fullValidatorSays(fullValidator(schema)!, instance)).toBe(valid);
    expect(passesFastValidator(fastFor(schema)!, instance)).toBe(valid);
  });
});

describe("fast path: schemas left to the full validator", () => {
  const deep: JsonSchema = {};
  let node = deep;
  for (let i = 0; i <= MAX_FAST_SCHEMA_DEPTH; i++) node = (node.properties = { p: {} }).p as JsonSchema;

  it.each<[string, JsonSchema]>([
    ["$ref", { definitions: { a: { type: "string" } }, properties: { x: { $ref: "#/definitions/a" } } }],
    ["anyOf", { anyOf: [{ type: "string" }] }],
    ["allOf", { allOf: [{ type: "string" }] }],
    ["oneOf", { oneOf: [{ type: "string" }] }],
    ["not", { not: { type: "string" } }],
    ["if/then", { if: { type: "string" }, then: { minLength: 1 } }],
    ["patternProperties", { patternProperties: { "^a": { type: "string" } }, additionalProperties: false }],
    ["tuple items", { items: [{ type: "string" }] }],
    ["prefixItems", { $schema: "https://json-schema.org/draft/2020-12/schema", prefixItems: [{ type: "string" }] }],
    ["uniqueItems: true", { type: "array", uniqueItems: true }],
    ["contains", { contains: { type: "string" } }],
    ["minProperties", { minProperties: 1 }],
    ["propertyNames", { propertyNames: { maxLength: 3 } }],
    ["dependencies", { dependencies: { a: ["b"] } }],
    ["unevaluatedProperties", { unevaluatedProperties: false }],
    ["a boolean exclusiveMinimum", { minimum: 1, exclusiveMinimum: true }],
    ["a nested $id", { properties: { a: { $id: "https://schemas.example/a", type: "string" } } }],
    ["an unknown keyword", { nullable: true }],
    ["a pattern RE2 cannot run", { pattern: "(?=a)a" }],
    ["a pattern that is not a regex", { pattern: "(" }],
    ["a non-string pattern", { pattern: 5 }],
    ["enum that is not an array", { enum: "abc" }],
    ["required that is not an array", { required: "abc" }],
    ["an unknown type", { type: "any" }],
    ["a string minLength", { minLength: "2" }],
    ["an inherited format name", { format: "toString" }],
    ["properties that are an array", { properties: [{ type: "string" }] }],
    ["a subschema that is a number", { items: 5 }],
    [`nesting deeper than ${MAX_FAST_SCHEMA_DEPTH}`, deep],
    ["a huge enum", { enum: Array.from({ length: 20_000 }, (_, i) => i) }],
  ])("%s", (_, schema) => {
    expect(fastFor(schema)).toBeNull();
  });

  it("draft 4", () => {
    expect(compileFastValidator({ type: "string" }, "4")).toBeNull();
  });
});

describe("validateInstance with the fast path", () => {
  it("answers a valid instance without running @cfworker/json-schema", () => {
    const compiled = validatorFor(ORDER_SCHEMA);
    expect(compiled.fast).not.toBeNull();
    const untouchable = {
      validate: () => {
        throw new Error("the full validator ran");
      },
    } as unknown as Validator;
    const guarded: CompiledSchema = { ...compiled, all: untouchable, first: () => untouchable };
    expect(validateInstance(guarded, ORDER, "/input")).toEqual([]);
    expect(() => validateInstance(guarded, { ...ORDER, status: "lost" }, "/input")).toThrow("the full validator ran");
  });

  it("reports missing required properties as before", () => {
    const { email: _, ...instance } = ORDER;
    expect(validateInstance(validatorFor(ORDER_SCHEMA), instance, "/input")).toEqual([
      { path: "/input/email", keyword: "required", message: 'Instance does not have required property "email".' },
    ]);
  });

  it.each<[string, Record<string, unknown>]>([
    ["a missing required property", { customer: undefined }],
    ["a pattern mismatch", { id: "ord_A1B2C3" }],
    ["a bad email", { email: "a..b@example.com" }],
    ["a bad date-time", { placed_at: "2026-02-30T10:00:00Z" }],
    ["a bad uri", { site: "example.com" }],
    ["a bad uuid", { ref: "123e4567-e89b-12d3-a456-42661417400" }],
    ["a bad ipv4", { origin: "256.1.1.1" }],
    ["a value outside the enum", { status: "lost" }],
    ["a wrong const", { version: 3 }],
    ["a nested required property missing", { customer: { vip: false } }],
    ["a string too long in code points", { customer: { name: "\ud83d\ude00".repeat(6) } }],
    ["an extra property", { extra: 1 }],
    [
      "too many items",
      {
        lines: [
          { sku: "a", qty: 1 },
          { sku: "b", qty: 1 },
          { sku: "c", qty: 1 },
          { sku: "d", qty: 1 },
        ],
      },
    ],
    ["no items", { lines: [] }],
    ["a fractional integer", { lines: [{ sku: "a", qty: 1.5 }] }],
    ["not a multiple of 0.01", { lines: [{ sku: "a", qty: 1, price: 0.001 }] }],
    ["a price of 0", { lines: [{ sku: "a", qty: 1, price: 0 }] }],
    ["a wrong type in a type list", { note: 5 }],
    ["several errors at once", { id: 1, email: "x", status: null, extra: true, customer: [] }],
  ])("%s: the same errors as the full validator alone", (_, change) => {
    const instance: Record<string, unknown> = { ...ORDER, ...change };
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete instance[key];
    const compiled = validatorFor(ORDER_SCHEMA);
    const errors = validateInstance(compiled, instance, "/input");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors).toEqual(validateInstance(withoutFastPath(compiled), instance, "/input"));
  });

  it("still bounds uniqueItems first, also when the fast path compiles", () => {
    // uniqueItems only under $defs, which nothing references: the fast path compiles, the guard still applies.
    const compiled = validatorFor({ type: "array", $defs: { unique: { type: "array", uniqueItems: true } } });
    expect(compiled.fast).not.toBeNull();
    const errors = validateInstance(
      compiled,
      Array.from({ length: 2000 }, (_, i) => i),
      "/input",
    );
    expect(errors).toEqual([
      {
        path: "/input",
        keyword: "uniqueItems",
        message: "This array is too large to check for unique items (2000 items).",
      },
    ]);
  });
});

/**
 * Anthropic strict tool use's schema conversion (src/exports/anthropic-strict.ts),
 * pure: what is kept, what is closed, and what is refused, as tables.
 */
import { describe, expect, it } from "vitest";
import { toAnthropicStrictSchema } from "../src/exports/anthropic-strict";

describe("toAnthropicStrictSchema: conversions", () => {
  const CASES: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ["no inputs", { type: "object", properties: {} }, { type: "object", properties: {}, additionalProperties: false }],
    [
      "optional properties stay optional, every object is closed, $schema dropped",
      {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: {
          a: { type: "string" },
          b: { type: "object", properties: { c: { type: "boolean" } } },
        },
        required: ["a"],
      },
      {
        type: "object",
        properties: {
          a: { type: "string" },
          b: { type: "object", properties: { c: { type: "boolean" } }, additionalProperties: false },
        },
        required: ["a"],
        additionalProperties: false,
      },
    ],
    [
      "the keywords Anthropic lists are kept: formats, patterns, defaults, enums, const, nullable types",
      {
        type: "object",
        title: "Search",
        properties: {
          q: { type: "string", pattern: "^[a-z]+$", description: "Words" },
          site: { type: "string", format: "uri" },
          when: { type: "string", format: "date-time", default: "now" },
          units: { type: ["string", "null"], enum: ["metric", "imperial", null] },
          version: { const: 2, type: "integer" },
          tags: { type: "array", items: { type: "string" }, minItems: 1 },
        },
        examples: [{ q: "x" }],
      },
      {
        type: "object",
        title: "Search",
        properties: {
          q: { type: "string", pattern: "^[a-z]+$", description: "Words" },
          site: { type: "string", format: "uri" },
          when: { type: "string", format: "date-time", default: "now" },
          units: { type: ["string", "null"], enum: ["metric", "imperial", null] },
          version: { const: 2, type: "integer" },
          tags: { type: "array", items: { type: "string" }, minItems: 1 },
        },
        additionalProperties: false,
      },
    ],
    [
      "anyOf variants, and $defs reached by $ref",
      {
        type: "object",
        properties: {
          id: { anyOf: [{ type: "string" }, { type: "integer" }], description: "Either" },
          to: { $ref: "#/$defs/address" },
        },
        $defs: { address: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      },
      {
        type: "object",
        properties: {
          id: { description: "Either", anyOf: [{ type: "string" }, { type: "integer" }] },
          to: { $ref: "#/$defs/address" },
        },
        additionalProperties: false,
        $defs: {
          address: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
            additionalProperties: false,
          },
        },
      },
    ],
  ];

  it.each(CASES)("converts %s", (_, schema, expected) => {
    const before = structuredClone(schema);
    expect(toAnthropicStrictSchema(schema)).toEqual({ ok: true, schema: expected });
    expect(schema, "the stored schema is not changed").toEqual(before);
  });
});

describe("toAnthropicStrictSchema: refusals", () => {
  const prop = (schema: unknown) => ({ type: "object", properties: { p: schema }, required: ["p"] });
  const CASES: [string, Record<string, unknown>, string][] = [
    [
      "a top level that is not an object",
      { type: "array", items: { type: "string" } },
      'At the top level: the top level must be "type": "object"',
    ],
    ["minimum", prop({ type: "integer", minimum: 1 }), "At /properties/p: the keyword minimum"],
    ["multipleOf", prop({ type: "number", multipleOf: 2 }), "the keyword multipleOf"],
    ["exclusiveMaximum", prop({ type: "number", exclusiveMaximum: 2 }), "the keyword exclusiveMaximum"],
    ["minLength", prop({ type: "string", minLength: 1 }), "the keyword minLength"],
    ["maxLength", prop({ type: "string", maxLength: 9 }), "the keyword maxLength"],
    ["maxItems", prop({ type: "array", items: { type: "string" }, maxItems: 3 }), "the keyword maxItems"],
    ["minItems of 2", prop({ type: "array", items: { type: "string" }, minItems: 2 }), "minItems other than 0 or 1"],
    ["uniqueItems", prop({ type: "array", items: { type: "string" }, uniqueItems: true }), "the keyword uniqueItems"],
    ["tuple items", prop({ type: "array", items: [{ type: "string" }] }), "an array without one items schema"],
    ["a format Anthropic does not list", prop({ type: "string", format: "ipv4-cidr" }), 'the format "ipv4-cidr"'],
    ["a word boundary in a pattern", prop({ type: "string", pattern: "\\bcat\\b" }), "a pattern with a"],
    ["a lookahead in a pattern", prop({ type: "string", pattern: "^(?=a)" }), "a pattern with a"],
    ["an enum of objects", prop({ type: "object", properties: {}, enum: [{}] }), "an enum with an object or array"],
    ["allOf, supported only in part", prop({ allOf: [{ type: "string" }] }), "the keyword allOf"],
    ["oneOf", prop({ oneOf: [{ type: "string" }] }), "the keyword oneOf"],
    ["not", prop({ type: "string", not: { const: "x" } }), "the keyword not"],
    [
      "additionalProperties true",
      prop({ type: "object", properties: {}, additionalProperties: true }),
      "additionalProperties other than false",
    ],
    ["a free-form object", prop({ type: "object" }), "an object that lists no properties"],
    ["a schema without a type", prop({ description: "anything" }), "a schema without a type"],
    ["several types", prop({ type: ["string", "integer"] }), "a list of several types (string, integer)"],
    ["a keyword on the wrong type", prop({ type: "number", pattern: "^1" }), "pattern on a schema of type number"],
    ["$ref with a sibling", prop({ $ref: "#/$defs/x", description: "d" }), "$ref beside other keywords"],
    ["a $ref to the root", prop({ $ref: "#" }), "a $ref to the whole schema (a recursive schema)"],
    [
      "a definition that refers to itself",
      {
        type: "object",
        properties: { tree: { $ref: "#/$defs/node" } },
        $defs: {
          node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } } },
        },
      },
      "At /$defs/node: a recursive schema (#/$defs/node → #/$defs/node)",
    ],
    [
      "two definitions that refer to each other",
      {
        type: "object",
        properties: { a: { $ref: "#/definitions/a" } },
        definitions: {
          a: { type: "object", properties: { b: { $ref: "#/definitions/b" } } },
          b: { type: "object", properties: { a: { $ref: "#/definitions/a" } } },
        },
      },
      "a recursive schema (#/definitions/a → #/definitions/b → #/definitions/a)",
    ],
    [
      "required naming an undescribed property",
      { type: "object", properties: {}, required: ["ghost"] },
      "required names a property that properties does not describe (ghost)",
    ],
  ];

  it.each(CASES)("refuses %s", (_, schema, reason) => {
    const result = toAnthropicStrictSchema(schema);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
    expect(result.ok ? "" : result.reason).toMatch(/, which Anthropic's strict tool use does not accept\.$/);
  });
});

/**
 * The function-calling conversion (src/exports/function-calling.ts), pure:
 * the OpenAI (Chat Completions, Responses) and Anthropic shapes, and OpenAI
 * strict mode's schema conversion and refusals (src/exports/openai-strict.ts),
 * as tables. Anthropic's strict conversion: test/anthropic-strict.test.ts.
 */
import { describe, expect, it } from "vitest";
import { exportFunction } from "../src/exports/function-calling";
import { nullable, STRICT_LIMITS, toOpenAiStrictSchema } from "../src/exports/openai-strict";

const WEATHER = {
  type: "object",
  properties: {
    city: { type: "string", description: "The city" },
    units: { type: "string", enum: ["metric", "imperial"], default: "metric" },
  },
  required: ["city"],
};

describe("exportFunction", () => {
  const tool = { name: "get_weather", description: "Current weather", inputSchema: WEATHER };

  it("gives OpenAI's Chat Completions shape, non-strict, with the schema as stored", () => {
    expect(exportFunction(tool, "openai", false)).toEqual({
      definition: {
        type: "function",
        function: { name: "get_weather", description: "Current weather", parameters: WEATHER, strict: false },
      },
      strictUnavailable: null,
    });
  });

  it("gives Anthropic's shape", () => {
    expect(exportFunction(tool, "anthropic", false)).toEqual({
      definition: { name: "get_weather", description: "Current weather", input_schema: WEATHER },
      strictUnavailable: null,
    });
  });

  it("leaves out a missing description in both formats", () => {
    const bare = { ...tool, description: null };
    expect(exportFunction(bare, "openai", false).definition).toEqual({
      type: "function",
      function: { name: "get_weather", parameters: WEATHER, strict: false },
    });
    expect(exportFunction(bare, "anthropic", false).definition).toEqual({
      name: "get_weather",
      input_schema: WEATHER,
    });
  });

  it("marks a convertible tool strict, with the converted schema", () => {
    expect(exportFunction(tool, "openai", true)).toEqual({
      definition: {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather",
          strict: true,
          parameters: {
            type: "object",
            properties: {
              city: { type: "string", description: "The city" },
              units: {
                type: ["string", "null"],
                enum: ["metric", "imperial", null],
                description: 'Default: "metric".',
              },
            },
            required: ["city", "units"],
            additionalProperties: false,
          },
        },
      },
      strictUnavailable: null,
    });
  });

  it("exports a tool strict mode cannot express non-strict, with the reason", () => {
    const loose = {
      ...tool,
      inputSchema: {
        type: "object",
        properties: { tags: { type: "array", items: { type: "string" }, uniqueItems: true } },
      },
    };
    const exported = exportFunction(loose, "openai", true);
    expect(exported.definition).toEqual({
      type: "function",
      function: { name: "get_weather", description: "Current weather", parameters: loose.inputSchema, strict: false },
    });
    expect(exported.strictUnavailable).toBe(
      "At /properties/tags: the keyword uniqueItems, which OpenAI's strict mode does not accept.",
    );
  });

  it("gives the Responses API's flat FunctionTool, always with an explicit strict", () => {
    expect(exportFunction(tool, "openai-responses", false)).toEqual({
      definition: {
        type: "function",
        name: "get_weather",
        description: "Current weather",
        parameters: WEATHER,
        strict: false,
      },
      strictUnavailable: null,
    });
    const strict = exportFunction(tool, "openai-responses", true);
    const chat = exportFunction(tool, "openai", true);
    expect(strict.definition).toEqual({ type: "function", ...(chat.definition as { function: object }).function });
    expect(strict.definition).toMatchObject({ strict: true, parameters: { required: ["city", "units"] } });
  });

  it("marks an Anthropic tool strict with Anthropic's conversion: optional properties stay optional", () => {
    expect(exportFunction(tool, "anthropic", true)).toEqual({
      definition: {
        name: "get_weather",
        description: "Current weather",
        strict: true,
        input_schema: {
          type: "object",
          properties: {
            city: { type: "string", description: "The city" },
            units: { type: "string", enum: ["metric", "imperial"], default: "metric" },
          },
          required: ["city"],
          additionalProperties: false,
        },
      },
      strictUnavailable: null,
    });
  });

  it("exports an Anthropic tool strict tool use cannot take as it is, without strict, with the reason", () => {
    const ranged = { ...tool, inputSchema: { type: "object", properties: { n: { type: "integer", minimum: 1 } } } };
    expect(exportFunction(ranged, "anthropic", true)).toEqual({
      definition: { name: "get_weather", description: "Current weather", input_schema: ranged.inputSchema },
      strictUnavailable: "At /properties/n: the keyword minimum, which Anthropic's strict tool use does not accept.",
    });
  });
});

describe("toOpenAiStrictSchema: conversions", () => {
  const CASES: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      "no inputs",
      { type: "object", properties: {} },
      { type: "object", properties: {}, required: [], additionalProperties: false },
    ],
    [
      "an object closed by additionalProperties false alone",
      { type: "object", additionalProperties: false },
      { type: "object", properties: {}, required: [], additionalProperties: false },
    ],
    [
      "every property required; optional ones nullable; $schema dropped",
      {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: { a: { type: "string" }, b: { type: "integer", minimum: 1 } },
        required: ["a"],
        additionalProperties: false,
      },
      {
        type: "object",
        properties: { a: { type: "string" }, b: { type: ["integer", "null"], minimum: 1 } },
        required: ["a", "b"],
        additionalProperties: false,
      },
    ],
    [
      "an already nullable optional property is left as is",
      { type: "object", properties: { a: { type: ["string", "null"] } } },
      { type: "object", properties: { a: { type: ["string", "null"] } }, required: ["a"], additionalProperties: false },
    ],
    [
      "the keywords OpenAI lists are kept: pattern, format, numbers, array sizes, title",
      {
        type: "object",
        title: "Search",
        properties: {
          q: { type: "string", pattern: "^[a-z]+$", title: "Query" },
          at: { type: "string", format: "date-time" },
          n: { type: "number", multipleOf: 0.5, minimum: 0, exclusiveMaximum: 10 },
          ids: {
            type: "array",
            items: { type: "integer", maximum: 99, exclusiveMinimum: 0 },
            minItems: 1,
            maxItems: 5,
          },
        },
        required: ["q", "at", "n", "ids"],
      },
      {
        type: "object",
        title: "Search",
        properties: {
          q: { type: "string", pattern: "^[a-z]+$", title: "Query" },
          at: { type: "string", format: "date-time" },
          n: { type: "number", multipleOf: 0.5, minimum: 0, exclusiveMaximum: 10 },
          ids: {
            type: "array",
            items: { type: "integer", maximum: 99, exclusiveMinimum: 0 },
            minItems: 1,
            maxItems: 5,
          },
        },
        required: ["q", "at", "n", "ids"],
        additionalProperties: false,
      },
    ],
    [
      "nested objects, also inside arrays, are closed and fully required",
      {
        type: "object",
        properties: {
          address: {
            type: "object",
            properties: { street: { type: "string" }, zip: { type: "string" } },
            required: ["street"],
          },
          lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } } },
        },
        required: ["address", "lines"],
      },
      {
        type: "object",
        properties: {
          address: {
            type: "object",
            properties: { street: { type: "string" }, zip: { type: ["string", "null"] } },
            required: ["street", "zip"],
            additionalProperties: false,
          },
          lines: {
            type: "array",
            items: {
              type: "object",
              properties: { sku: { type: ["string", "null"] } },
              required: ["sku"],
              additionalProperties: false,
            },
          },
        },
        required: ["address", "lines"],
        additionalProperties: false,
      },
    ],
    [
      "an optional const becomes an enum with null",
      { type: "object", properties: { kind: { type: "string", const: "a" } } },
      {
        type: "object",
        properties: { kind: { type: ["string", "null"], enum: ["a", null] } },
        required: ["kind"],
        additionalProperties: false,
      },
    ],
    [
      "anyOf: each variant converted; optional gains a null variant",
      {
        type: "object",
        properties: { id: { description: "By number or name", anyOf: [{ type: "integer" }, { type: "string" }] } },
      },
      {
        type: "object",
        properties: {
          id: { description: "By number or name", anyOf: [{ type: "integer" }, { type: "string" }, { type: "null" }] },
        },
        required: ["id"],
        additionalProperties: false,
      },
    ],
    [
      "$ref to $defs, definitions converted, optional wrapped in anyOf with null",
      {
        type: "object",
        properties: { home: { $ref: "#/$defs/place" }, work: { $ref: "#/$defs/place" } },
        required: ["home"],
        $defs: { place: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      },
      {
        type: "object",
        properties: { home: { $ref: "#/$defs/place" }, work: { anyOf: [{ $ref: "#/$defs/place" }, { type: "null" }] } },
        required: ["home", "work"],
        additionalProperties: false,
        $defs: {
          place: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
            additionalProperties: false,
          },
        },
      },
    ],
    [
      "recursion through the root",
      {
        type: "object",
        properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#" } } },
        required: ["name", "children"],
      },
      {
        type: "object",
        properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#" } } },
        required: ["name", "children"],
        additionalProperties: false,
      },
    ],
    [
      "a default moves into the description; examples and $comment are dropped",
      {
        type: "object",
        properties: {
          tz: {
            type: "string",
            description: "A time zone.",
            default: "UTC",
            examples: ["Europe/Paris"],
            $comment: "IANA",
          },
        },
        required: ["tz"],
      },
      {
        type: "object",
        properties: { tz: { type: "string", description: 'A time zone. Default: "UTC".' } },
        required: ["tz"],
        additionalProperties: false,
      },
    ],
  ];

  it.each(CASES)("%s", (_, schema, expected) => {
    const before = structuredClone(schema);
    expect(toOpenAiStrictSchema(schema)).toEqual({ ok: true, schema: expected });
    expect(schema, "the stored schema is not changed").toEqual(before);
  });
});

describe("toOpenAiStrictSchema: refusals", () => {
  const prop = (schema: unknown) => ({ type: "object", properties: { p: schema }, required: ["p"] });
  const nested = (levels: number): Record<string, unknown> =>
    levels === 1
      ? { type: "object", properties: {} }
      : { type: "object", properties: { n: nested(levels - 1) }, required: ["n"] };
  const CASES: [string, Record<string, unknown>, string][] = [
    [
      "a top level that is not an object",
      { type: "array", items: { type: "string" } },
      'At the top level: the top level must be "type": "object"',
    ],
    ["a top-level anyOf", { anyOf: [{ type: "object" }] }, "At the top level: the top level must be"],
    [
      "minLength (strings: pattern and format only)",
      prop({ type: "string", minLength: 1 }),
      "At /properties/p: the keyword minLength",
    ],
    ["maxLength", prop({ type: "string", maxLength: 9 }), "the keyword maxLength"],
    ["a format OpenAI does not list", prop({ type: "string", format: "uri" }), 'the format "uri"'],
    ["uniqueItems", prop({ type: "array", items: { type: "string" }, uniqueItems: true }), "the keyword uniqueItems"],
    ["contains", prop({ type: "array", items: {}, contains: { type: "string" } }), "the keyword contains"],
    ["tuple items", prop({ type: "array", items: [{ type: "string" }] }), "an array without one items schema"],
    ["an array without items", prop({ type: "array" }), "an array without one items schema"],
    ["oneOf", prop({ oneOf: [{ type: "string" }, { type: "integer" }] }), "the keyword oneOf"],
    ["allOf", prop({ allOf: [{ type: "string" }] }), "the keyword allOf"],
    ["not", prop({ type: "string", not: { const: "x" } }), "the keyword not"],
    ["if/then/else", prop({ type: "string", if: { const: "a" }, then: {} }), "the keyword if"],
    [
      "patternProperties",
      prop({ type: "object", patternProperties: { "^x": { type: "string" } } }),
      "the keyword patternProperties",
    ],
    ["minProperties", prop({ type: "object", properties: {}, minProperties: 1 }), "the keyword minProperties"],
    [
      "a map (additionalProperties schema)",
      prop({ type: "object", additionalProperties: { type: "string" } }),
      "additionalProperties other than false",
    ],
    [
      "additionalProperties true",
      prop({ type: "object", properties: {}, additionalProperties: true }),
      "additionalProperties other than false",
    ],
    ["a free-form object", prop({ type: "object" }), "an object that lists no properties"],
    ["a property without a type", prop({ description: "anything" }), "a schema without a type"],
    ["an empty schema", prop({}), "a schema without a type"],
    ["a boolean schema", prop(true), "a schema that is not an object"],
    ["several types", prop({ type: ["string", "integer"] }), "a list of several types (string, integer)"],
    ["a type OpenAI does not know", prop({ type: "file" }), "a schema without a type"],
    ["a keyword on the wrong type", prop({ type: "number", pattern: "^1" }), "pattern on a schema of type number"],
    [
      "$ref with a description beside it",
      prop({ $ref: "#/$defs/x", description: "d" }),
      "$ref beside other keywords (description)",
    ],
    ["$ref into properties", prop({ $ref: "#/properties/q" }), "a $ref to anything but the root or a definition"],
    ["a remote $ref", prop({ $ref: "https://example.com/s.json" }), "a $ref to anything but the root or a definition"],
    ["$defs below the top level", prop({ type: "object", properties: {}, $defs: {} }), "$defs below the top level"],
    [
      "anyOf beside a type",
      prop({ type: "string", anyOf: [{ type: "string" }] }),
      "anyOf beside other keywords (type)",
    ],
    [
      "required naming an undescribed property",
      { type: "object", properties: {}, required: ["ghost"] },
      "required names a property that properties does not describe (ghost)",
    ],
    ["$id", { type: "object", properties: {}, $id: "https://example.com/s" }, "At the top level: the keyword $id"],
    ["dependentRequired", { type: "object", properties: {}, dependentRequired: {} }, "the keyword dependentRequired"],
    [
      "unevaluatedProperties",
      { type: "object", properties: {}, unevaluatedProperties: false },
      "the keyword unevaluatedProperties",
    ],
    [
      `more than ${STRICT_LIMITS.nesting} levels of nesting`,
      nested(STRICT_LIMITS.nesting + 1),
      `more than ${STRICT_LIMITS.nesting} levels of nesting`,
    ],
    [
      `more than ${STRICT_LIMITS.enumValues} enum values`,
      prop({ type: "integer", enum: Array.from({ length: STRICT_LIMITS.enumValues + 1 }, (_, i) => i) }),
      `more than ${STRICT_LIMITS.enumValues} enum values in all`,
    ],
    [
      "a long string enum of more than 250 values",
      prop({ type: "string", enum: Array.from({ length: 251 }, (_, i) => `${"v".repeat(60)}${i}`) }),
      "an enum of more than 250 strings totalling more than 15000 characters",
    ],
    [
      `more than ${STRICT_LIMITS.properties} properties`,
      {
        type: "object",
        properties: Object.fromEntries(
          Array.from({ length: STRICT_LIMITS.properties + 1 }, (_, i) => [`p${i}`, { type: "string" }]),
        ),
      },
      `more than ${STRICT_LIMITS.properties} properties in all`,
    ],
  ];

  it.each(CASES)("refuses %s", (_, schema, reason) => {
    const result = toOpenAiStrictSchema(schema);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
    expect(result.ok ? "" : result.reason).toMatch(/, which OpenAI's strict mode does not accept\.$/);
  });

  it("accepts exactly the nesting limit", () => {
    expect(toOpenAiStrictSchema(nested(STRICT_LIMITS.nesting)).ok).toBe(true);
  });
});

describe("nullable", () => {
  it.each([
    [{ type: "string" }, { type: ["string", "null"] }],
    [{ type: ["integer", "null"] }, { type: ["integer", "null"] }],
    [
      { type: "string", enum: ["a"] },
      { type: ["string", "null"], enum: ["a", null] },
    ],
    [{ $ref: "#/$defs/x" }, { anyOf: [{ $ref: "#/$defs/x" }, { type: "null" }] }],
    [{ anyOf: [{ type: "string" }, { type: "null" }] }, { anyOf: [{ type: "string" }, { type: "null" }] }],
  ])("%j → %j", (schema, expected) => {
    expect(nullable(schema)).toEqual(expected);
  });
});

/** Unit tests of schema inference from a JSON sample, src/registry/infer-schema.ts. */
import { describe, expect, it } from "vitest";
import { checkSchema, compiledValidator, validateInstance, type JsonSchema } from "../src/engine/schemas";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../src/json-depth";
import { DRAFT_07, INFER_MAX_DEPTH, inferSchema } from "../src/registry/infer-schema";

function errorsOf(schema: JsonSchema, instance: unknown) {
  return validateInstance(compiledValidator(`infer-test:${crypto.randomUUID()}`, schema), instance, "");
}

const CASES: [string, unknown, JsonSchema][] = [
  ["a string", "hi", { type: "string" }],
  ["an integer", 3, { type: "integer" }],
  ["a fraction", 2.5, { type: "number" }],
  ["a boolean", false, { type: "boolean" }],
  ["null", null, { type: "null" }],
  ["an empty object", {}, { type: "object", properties: {} }],
  ["an empty array", [], { type: "array", items: {} }],
  [
    "a weather response with nested objects",
    { city: "Paris", current: { temp_c: 21.5, humidity: 40, wind: { kph: 12, dir: "NW" } }, alerts: null },
    {
      type: "object",
      properties: {
        city: { type: "string" },
        current: {
          type: "object",
          properties: {
            temp_c: { type: "number" },
            humidity: { type: "integer" },
            wind: {
              type: "object",
              properties: { kph: { type: "integer" }, dir: { type: "string" } },
              required: ["kph", "dir"],
            },
          },
          required: ["temp_c", "humidity", "wind"],
        },
        alerts: { type: "null" },
      },
      required: ["city", "current", "alerts"],
    },
  ],
  [
    "a page of users whose keys vary",
    {
      items: [
        { id: 1, name: "Ada", email: "ada@example.com", score: 10 },
        { id: 2, name: "Linus", score: 7.5, manager: null },
        { id: 3, name: "Grace", email: null, score: 3 },
      ],
      next: null,
    },
    {
      type: "object",
      properties: {
        items: {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "integer" },
              name: { type: "string" },
              email: { type: ["null", "string"] },
              score: { type: "number" },
              manager: { type: "null" },
            },
            required: ["id", "name", "score"],
          },
        },
        next: { type: "null" },
      },
      required: ["items", "next"],
    },
  ],
  ["integers and fractions", [1, 2.5, 3], { type: "array", items: { type: "number" } }],
  [
    "mixed scalars, sorted",
    ["a", 1, null, true],
    { type: "array", items: { type: ["boolean", "integer", "null", "string"] } },
  ],
  [
    "objects, arrays and scalars in one array",
    [{ a: 1 }, [true], null, [], { a: "x", b: [] }],
    {
      type: "array",
      items: {
        type: ["array", "null", "object"],
        properties: { a: { type: ["integer", "string"] }, b: { type: "array", items: {} } },
        required: ["a"],
        items: { type: "boolean" },
      },
    },
  ],
  [
    "arrays of arrays merge all their elements",
    [[1], ["a", 2], []],
    { type: "array", items: { type: "array", items: { type: ["integer", "string"] } } },
  ],
  [
    "GeoJSON-like coordinates",
    { type: "Point", coordinates: [2.35, 48.85] },
    {
      type: "object",
      properties: { type: { type: "string" }, coordinates: { type: "array", items: { type: "number" } } },
      required: ["type", "coordinates"],
    },
  ],
  [
    "keys that are also JSON Schema keywords or special in JavaScript",
    JSON.parse('{"type": "x", "$ref": "#/a", "__proto__": {"polluted": true}, "properties": []}'),
    {
      type: "object",
      properties: JSON.parse(
        '{"type": {"type": "string"}, "$ref": {"type": "string"}, "__proto__": {"type": "object", "properties": {"polluted": {"type": "boolean"}}, "required": ["polluted"]}, "properties": {"type": "array", "items": {}}}',
      ),
      required: ["type", "$ref", "__proto__", "properties"],
    },
  ],
];

describe("inferSchema", () => {
  it.each(CASES)("%s", (_label, sample, expected) => {
    const schema = inferSchema(sample);
    expect(schema).toEqual({ $schema: DRAFT_07, ...expected });
    expect(JSON.stringify(schema)).toBe(JSON.stringify({ $schema: DRAFT_07, ...expected }));
  });

  it.each(CASES)("%s: is a valid schema the sample satisfies", (_label, sample) => {
    const schema = inferSchema(sample);
    expect(checkSchema(schema, "")).toEqual([]);
    expect(errorsOf(schema, sample)).toEqual([]);
  });

  it("keeps key order, and $schema only at the top", () => {
    const schema = inferSchema({ z: 1, a: { m: 1, b: 2 }, k: [{ y: 1, x: 2 }] });
    expect(Object.keys(schema)).toEqual(["$schema", "type", "properties", "required"]);
    expect(JSON.stringify(schema).match(/\$schema/g)).toHaveLength(1);
    const properties = schema.properties as Record<string, JsonSchema>;
    expect(Object.keys(properties)).toEqual(["z", "a", "k"]);
    expect(Object.keys(properties.a?.properties as object)).toEqual(["m", "b"]);
    expect(Object.keys((properties.k?.items as JsonSchema).properties as object)).toEqual(["y", "x"]);
  });

  it("accepts fields the sample did not have, and optional fields left out", () => {
    const schema = inferSchema([{ id: 1, note: "a" }, { id: 2 }]);
    expect(
      errorsOf(schema, [
        { id: 3, extra: true },
        { id: 4, note: "b", more: [1] },
      ]),
    ).toEqual([]);
  });

  it("still rejects a value of the wrong type or a missing field seen in every element", () => {
    const schema = inferSchema({ user: { id: 1, name: "Ada" } });
    expect(errorsOf(schema, { user: { id: "1" } })).toEqual([
      { path: "/user/name", keyword: "required", message: 'Instance does not have required property "name".' },
      { path: "/user/id", keyword: "type", message: 'Instance type "string" is invalid. Expected "integer".' },
    ]);
  });

  it(`stops at depth ${INFER_MAX_DEPTH} with {}, so the schema fits in a tool definition`, () => {
    let sample: unknown = "leaf";
    for (let i = 0; i < 200; i++) sample = i % 2 === 0 ? { next: sample } : [sample];
    const schema = inferSchema(sample);
    let node: JsonSchema = schema;
    for (let depth = 0; depth < INFER_MAX_DEPTH; depth++) {
      expect(node.type).toBe(depth % 2 === 0 ? "array" : "object");
      node = (node.type === "array" ? node.items : (node.properties as Record<string, JsonSchema>).next) as JsonSchema;
    }
    expect(node).toEqual({});
    expect(jsonDepthExceeds(JSON.stringify({ tool: { output_schema: schema } }), MAX_JSON_DEPTH)).toBe(false);
    expect(checkSchema(schema, "")).toEqual([]);
  });

  it("handles a long array without overflowing the stack", () => {
    const schema = inferSchema(Array.from({ length: 200_000 }, (_, i) => (i % 3 === 0 ? i : `s${i}`)));
    expect(schema).toEqual({ $schema: DRAFT_07, type: "array", items: { type: ["integer", "string"] } });
  });
});

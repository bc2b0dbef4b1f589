/** Unit tests of the parameters builder, src/ui/parameters.ts. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HttpMethod, InputLocation, InputMapping } from "../src/engine/request";
import { checkSchema } from "../src/engine/schemas";
import {
  emptyRow,
  jsonEqual,
  rowsToSchema,
  schemaToRows,
  type ParameterRow,
  type ParamType,
} from "../src/ui/parameters";

const GET = { method: "GET" as HttpMethod, endpointUrl: "https://api.example.com/cities/{city}/weather" };
const POST = { method: "POST" as HttpMethod, endpointUrl: "https://api.example.com/cities/{city}/weather" };

function row(overrides: Partial<ParameterRow>): ParameterRow {
  return { ...emptyRow(GET), location: "query", ...overrides };
}

describe("rowsToSchema", () => {
  it("builds a draft-07 object schema and an explicit mapping, in row order", () => {
    const result = rowsToSchema([
      row({ name: "city", required: true, location: "path", description: "City name" }),
      row({ name: "units", defaultValue: "metric", allowedValues: "metric\r\nimperial\n" }),
      row({ name: "days", type: "integer", wireName: "num_days", defaultValue: " 3 " }),
      row({ name: "trace", location: "header", wireName: "X-Trace-Id" }),
      row({ name: "verbose", type: "boolean", defaultValue: "false", allowedValues: "false" }),
      row({ name: "tags", type: "array", defaultValue: '["a", "b"]' }),
      row({ name: "filter", type: "object", location: "body", wireName: "filter", defaultValue: '{"min": 1}' }),
      row({ name: "ratio", type: "number", location: "body", required: true, allowedValues: "0.5\n1\n\n1e3" }),
    ]);
    expect(result).toEqual({
      inputSchema: {
        type: "object",
        properties: {
          city: { type: "string", description: "City name" },
          units: { type: "string", default: "metric", enum: ["metric", "imperial"] },
          days: { type: "integer", default: 3 },
          trace: { type: "string" },
          verbose: { type: "boolean", default: false, enum: [false] },
          tags: { type: "array", default: ["a", "b"] },
          filter: { type: "object", default: { min: 1 } },
          ratio: { type: "number", enum: [0.5, 1, 1000] },
        },
        required: ["city", "ratio"],
        additionalProperties: false,
      },
      inputMapping: {
        city: { in: "path" },
        units: { in: "query" },
        days: { in: "query", name: "num_days" },
        trace: { in: "header", name: "X-Trace-Id" },
        verbose: { in: "query" },
        tags: { in: "query" },
        filter: { in: "body" },
        ratio: { in: "body" },
      },
      errors: [],
    });
    expect(Object.keys(result.inputSchema)).toEqual(["type", "properties", "required", "additionalProperties"]);
    expect(checkSchema(result.inputSchema, "")).toEqual([]);
  });

  it("ignores blank rows, and reports errors at the rows' own positions", () => {
    const result = rowsToSchema([
      row({}),
      row({ name: " ", description: "  " }),
      row({ name: "q" }),
      row({ type: "number" }),
    ]);
    expect(result.inputSchema).toEqual({
      type: "object",
      properties: { q: { type: "string" } },
      additionalProperties: false,
    });
    expect(result.errors).toEqual([]);
    expect(rowsToSchema([row({}), row({ description: "what?" })]).errors).toEqual([
      { row: 1, field: "name", message: "Give this input a name." },
    ]);
  });

  it("keeps a property named __proto__ as a property", () => {
    const { inputSchema, inputMapping } = rowsToSchema([row({ name: "__proto__", type: "integer" })]);
    expect(JSON.stringify(inputSchema)).toBe(
      '{"type":"object","properties":{"__proto__":{"type":"integer"}},"additionalProperties":false}',
    );
    expect(JSON.stringify(inputMapping)).toBe('{"__proto__":{"in":"query"}}');
  });

  const PATH_RULE = 'A path parameter name can only use letters, digits, "_", ".", "~" and "-".';
  it.each<[Partial<ParameterRow>, keyof ParameterRow, string]>([
    [{ name: "city name", location: "path" }, "name", PATH_RULE],
    [{ name: "city name", location: "path", wireName: "a/b" }, "wireName", PATH_RULE],
    [
      { name: "key", location: "header", wireName: "X Api Key" },
      "wireName",
      '"X Api Key" is not a valid header name: use letters, digits and -, without spaces.',
    ],
    [{ name: "n", type: "number", defaultValue: "abc" }, "defaultValue", '"abc" is not a number.'],
    [{ name: "n", type: "integer", defaultValue: "1.5" }, "defaultValue", '"1.5" is not a whole number.'],
    [{ name: "n", type: "integer", defaultValue: "0x10" }, "defaultValue", '"0x10" is not a number.'],
    [
      { name: "n", type: "number", defaultValue: "x".repeat(99) },
      "defaultValue",
      `"${"x".repeat(40)}…" is not a number.`,
    ],
    [{ name: "b", type: "boolean", defaultValue: "yes" }, "defaultValue", '"yes" is not true or false.'],
    [{ name: "a", type: "array", defaultValue: "[1," }, "defaultValue", '"[1," is not valid JSON.'],
    [{ name: "a", type: "array", defaultValue: "{}" }, "defaultValue", '"{}" is not a JSON array, like ["a", "b"].'],
    [{ name: "o", type: "object", defaultValue: "[1]" }, "defaultValue", '"[1]" is not a JSON object, like {"a": 1}.'],
    [{ name: "n", type: "integer", allowedValues: "1\n\nx" }, "allowedValues", 'Line 3: "x" is not a number.'],
    [{ name: "n", type: "number", allowedValues: "1\n1.0\n2" }, "allowedValues", 'Line 2: "1.0" is listed twice.'],
    [
      { name: "o", type: "object", allowedValues: '{"a":1,"b":2}\n{"b":2,"a":1}' },
      "allowedValues",
      'Line 2: "{\\"b\\":2,\\"a\\":1}" is listed twice.',
    ],
    [
      { name: "u", defaultValue: "kelvin", allowedValues: "metric\nimperial" },
      "defaultValue",
      "The default must be one of the allowed values.",
    ],
  ])("refuses %j: %s %s", (overrides, field, message) => {
    expect(rowsToSchema([row(overrides)]).errors).toEqual([{ row: 0, field, message }]);
  });

  it("refuses a duplicate name, an unknown type and an unknown location", () => {
    const rows = [row({ name: "a" }), row({ name: "a" })];
    expect(rowsToSchema(rows).errors).toEqual([
      { row: 1, field: "name", message: 'Another input is already called "a".' },
    ]);
    const odd = row({ name: "d", type: "date" as ParamType, location: "cookie" as InputLocation });
    expect(rowsToSchema([odd]).errors).toEqual([
      { row: 0, field: "type", message: "Choose a type." },
      { row: 0, field: "location", message: "Choose where it is sent." },
    ]);
  });
});

describe("schemaToRows", () => {
  it.each([null, undefined, { type: "object", properties: {} }, { type: "object" }, {}])(
    "%j gives no rows",
    (schema) => {
      expect(schemaToRows(schema, null, GET)).toEqual({ ok: true, rows: [] });
    },
  );

  it("places unmapped properties where the engine would, and keeps mapped ones", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { city: { type: "string" }, q: { type: "string", description: "Search" }, key: { type: "string" } },
      required: ["city"],
    };
    const mapping: InputMapping = { key: { in: "header", name: "X-Key" }, city: { in: "path", name: "city" } };
    const rows = (method: HttpMethod) => [
      row({ name: "city", required: true, location: "path" }),
      row({ name: "q", description: "Search", location: method === "GET" ? "query" : "body" }),
      row({ name: "key", location: "header", wireName: "X-Key" }),
    ];
    expect(schemaToRows(schema, mapping, GET)).toEqual({ ok: true, rows: rows("GET") });
    expect(schemaToRows(schema, mapping, POST)).toEqual({ ok: true, rows: rows("POST") });
  });

  const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: "object",
    properties,
    ...extra,
  });
  const cannot = (property: string, what: string) =>
    `The property "${property}" ${what}, which the builder cannot show.`;

  const top = (what: string) => `The input schema has ${what} at its top level, which the builder cannot show.`;
  it.each<[unknown, string]>([
    ["{}", "The input schema is not a JSON object."],
    [object({}, { description: "x" }), top('the keyword "description"')],
    [object({}, { patternProperties: {} }), top('the keyword "patternProperties"')],
    [object({}, { anyOf: [] }), top("a choice of schemas (anyOf)")],
    [{ type: "array" }, "The input schema does not describe an object."],
    [
      object({}, { additionalProperties: true }),
      "The input schema accepts inputs beyond its listed properties, which the builder cannot show.",
    ],
    [object({}, { required: ["x"] }), 'The input schema requires "x", which is not one of its properties.'],
    [object({ tags: { type: "array", items: { type: "string" } } }), cannot("tags", "has an items schema")],
    [object({ o: { type: "object", properties: {} } }), cannot("o", "has nested properties")],
    [object({ d: { type: "string", format: "date" } }), cannot("d", "has a format")],
    [object({ s: { type: "string", minLength: 1 } }), cannot("s", "has a minimum length")],
    [object({ r: { $ref: "#" } }), cannot("r", "has a reference ($ref)")],
    [object({ r: { type: "string", readOnly: true } }), cannot("r", 'has the keyword "readOnly"')],
    [object({ any: true }), cannot("any", "is not a schema with a type")],
    [object({ t: { type: ["string", "null"] } }), cannot("t", "has more than one type")],
    [object({ t: { description: "x" } }), cannot("t", "has no type")],
    [object({ t: { type: "null" } }), cannot("t", 'has the type "null"')],
    [object({ t: { type: "string", description: "" } }), cannot("t", "has an empty description")],
    [object({ t: { type: "string", default: "" } }), cannot("t", "has an empty default")],
    [object({ t: { type: "integer", default: 1.5 } }), cannot("t", "has a default that does not match its type")],
    [
      object({ t: { type: "string", enum: ["a", 1] } }),
      cannot("t", "has an allowed value that does not match its type"),
    ],
    [
      object({ t: { type: "string", enum: ["a\nb"] } }),
      cannot("t", "has an allowed value that is blank or spans lines"),
    ],
    [object({ t: { type: "string", enum: [" "] } }), cannot("t", "has an allowed value that is blank or spans lines")],
    [
      object({
        t: {
          type: "object",
          enum: [
            { a: 1, b: 2 },
            { b: 2, a: 1 },
          ],
        },
      }),
      cannot("t", "lists an allowed value twice"),
    ],
    [
      object({ t: { type: "string", enum: ["a"], default: "b" } }),
      cannot("t", "has a default that is not one of its allowed values"),
    ],
    [object({ t: { type: "string", enum: [] } }), cannot("t", "has an empty list of allowed values")],
  ])("refuses %j", (schema, reason) => {
    expect(schemaToRows(schema, null, GET)).toEqual({ ok: false, reason });
  });

  it("refuses a mapping the rows cannot hold", () => {
    const schema = object({ k: { type: "string" } });
    expect(schemaToRows(schema, { x: { in: "query" } }, GET)).toEqual({
      ok: false,
      reason: 'The input mapping places "x", which is not one of the input properties.',
    });
    expect(schemaToRows(schema, { k: { in: "header", name: "X Key" } }, GET)).toEqual({
      ok: false,
      reason:
        'The property "k" cannot be shown in the builder: "X Key" is not a valid header name: use letters, digits and -, without spaces.',
    });
  });
});

describe("emptyRow", () => {
  it.each<[typeof GET, string | undefined, InputLocation, boolean]>([
    [GET, "city", "path", true],
    [GET, "q", "query", false],
    [POST, "q", "body", false],
    [POST, undefined, "body", false],
    [{ method: "DELETE", endpointUrl: "https://x.example/{id}" }, "", "query", false],
  ])("%j %j goes to the %s", (template, name, location, required) => {
    const expected: ParameterRow = {
      name: name ?? "",
      type: "string",
      required,
      location,
      wireName: "",
      description: "",
      defaultValue: "",
      allowedValues: "",
    };
    expect(emptyRow(template, name)).toEqual(expected);
  });
});

// Round trips: rows → schema → the same rows, and that schema → rows → the same schema.
const ARRAY_INDEX = /^(0|[1-9]\d*)$/; // JavaScript orders such keys first, whatever the row order
const anyName = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() !== "" && !ARRAY_INDEX.test(s));
const tokenName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,7}$/);
const valueOf: Record<ParamType, fc.Arbitrary<unknown>> = {
  string: fc.string({ minLength: 1 }).filter((s) => s.trim() !== "" && !/[\r\n]/.test(s)),
  number: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  integer: fc.integer(),
  boolean: fc.boolean(),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  object: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
};
const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const rowArbitrary: fc.Arbitrary<ParameterRow> = fc
  .record({
    location: fc.constantFrom<InputLocation>("path", "query", "header", "body"),
    type: fc.constantFrom<ParamType>("string", "number", "integer", "boolean", "array", "object"),
    required: fc.boolean(),
    description: fc.string({ maxLength: 10 }),
  })
  .chain(({ location, type, required, description }) => {
    const restricted = location === "path" || location === "header";
    return fc
      .record({
        name: restricted ? tokenName : anyName,
        wireName: fc.oneof(fc.constant(""), restricted ? tokenName : anyName),
        values: fc.uniqueArray(valueOf[type], { maxLength: 4, selector: (v) => JSON.stringify(v) }),
        defaultPick: fc.option(fc.nat(), { nil: null }),
        extraDefault: valueOf[type],
      })
      .map(({ name, wireName, values, defaultPick, extraDefault }) => {
        const distinct = values.filter((v, i) => values.findIndex((w) => jsonEqual(w, v)) === i);
        const fallback = distinct.length > 0 ? distinct[(defaultPick ?? 0) % distinct.length] : extraDefault;
        return {
          name,
          type,
          required,
          location,
          wireName: wireName === name ? "" : wireName,
          description,
          defaultValue: defaultPick === null ? "" : text(fallback),
          allowedValues: distinct.map(text).join("\n"),
        };
      });
  });

describe("round trip", () => {
  it("gives back the same rows and the same schema", () => {
    fc.assert(
      fc.property(fc.uniqueArray(rowArbitrary, { maxLength: 5, selector: (r) => r.name }), (rows) => {
        const built = rowsToSchema(rows);
        expect(built.errors).toEqual([]);
        expect(checkSchema(built.inputSchema, "")).toEqual([]);
        const back = schemaToRows(built.inputSchema, built.inputMapping, GET);
        expect(back).toEqual({ ok: true, rows });
        if (back.ok) expect(rowsToSchema(back.rows)).toEqual(built);
      }),
      // Fixed, as every property test here: CI runs the same cases each time.
      { seed: 20261124, numRuns: 300 },
    );
  });
});

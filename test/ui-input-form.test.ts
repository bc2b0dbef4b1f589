/** Unit tests of the test panel's generated form, src/ui/input-form.ts. */
import { describe, expect, it } from "vitest";
import { inputFieldsFor, parseInputForm, parseInputJson, type InputField } from "../src/ui/input-form";

const SCHEMA = {
  type: "object",
  properties: {
    city: { type: "string", title: "City", description: "Where to look" },
    days: { type: "integer", title: "Days", default: 3 },
    ratio: { type: "number", default: 0.5 },
    verbose: { type: "boolean", default: true },
    quiet: { type: "boolean" },
    units: { type: "string", enum: ["metric", "imperial"], default: "imperial" },
    level: { enum: [1, 2, "3"] },
    clash: { enum: ["1", 1, null], default: 1 },
    blank: { enum: ["", "a"] },
    tags: { type: "array", items: { type: "string" }, default: ["a"] },
    filter: { type: "object" },
    anything: {},
    either: { type: ["string", "null"] },
    odd: true,
    mistyped: { type: "string", default: 5 },
  },
  required: ["city", "units"],
};

function field(name: string, control: InputField["control"], extra: Partial<InputField> = {}): InputField {
  return { name, control, label: name, required: false, description: null, options: null, value: "", ...extra };
}

describe("inputFieldsFor", () => {
  it("gives one field per property, in order, with the default rendered for its control", () => {
    expect(inputFieldsFor(SCHEMA)).toEqual({
      rawOnly: false,
      fields: [
        field("city", "text", { label: "City", required: true, description: "Where to look" }),
        field("days", "integer", { label: "Days", value: "3" }),
        field("ratio", "number", { value: "0.5" }),
        field("verbose", "checkbox", { value: "true" }),
        field("quiet", "checkbox", { value: "false" }),
        field("units", "select", { required: true, options: ["metric", "imperial"], value: "imperial" }),
        field("level", "select", { options: ["1", "2", "3"] }),
        // "1" and 1 would look alike, and "" means "not set": such options are all shown as JSON.
        field("clash", "select", { options: ['"1"', "1", "null"], value: "1" }),
        field("blank", "select", { options: ['""', '"a"'] }),
        field("tags", "list", { list: { item: "text", options: null, items: ["a"] } }),
        field("filter", "json"),
        field("anything", "json"),
        field("either", "json", { example: '"text"' }),
        field("odd", "json"),
        field("mistyped", "text"),
      ],
    });
  });

  it.each<[string, unknown]>([
    ["not an object", "x"],
    ["null", null],
    ["an array schema", { type: "array" }],
    ["an object schema without properties", { type: "object" }],
    ["the registry's default schema, which accepts any input", { type: "object", properties: {} }],
    ["a top-level anyOf", { type: "object", properties: { a: { type: "string" } }, anyOf: [{ required: ["a"] }] }],
    ["a top-level $ref", { $ref: "#/definitions/x", properties: {}, definitions: { x: {} } }],
    ["patternProperties", { type: "object", properties: { a: {} }, patternProperties: { "^x-": {} } }],
  ])("falls back to raw JSON for %s", (_label, schema) => {
    expect(inputFieldsFor(schema)).toEqual({ fields: [], rawOnly: true });
  });

  it("shows a tool that takes no input as no fields", () => {
    expect(inputFieldsFor({ type: "object", properties: {}, additionalProperties: false })).toEqual({
      fields: [],
      rawOnly: false,
    });
  });
});

describe("parseInputForm", () => {
  it("converts a whole submission to typed input", () => {
    const values = {
      city: "Paris",
      days: " 7 ",
      ratio: "",
      verbose: "false",
      units: "metric",
      level: "3",
      clash: "null",
      blank: '""',
      tags: "ignored: a list's rows come apart",
      anything: "42",
      unknown: "ignored",
    };
    expect(parseInputForm(SCHEMA, values, { tags: ["x", "", "y"] })).toEqual({
      input: {
        city: "Paris",
        days: 7,
        verbose: false,
        quiet: false,
        units: "metric",
        level: "3",
        clash: null,
        blank: "",
        tags: ["x", "y"],
        anything: 42,
      },
      errors: [],
    });
  });

  const one = (property: unknown, raw: string | undefined) =>
    parseInputForm({ type: "object", properties: { p: property } }, raw === undefined ? {} : { p: raw });

  it.each<[unknown, string | undefined, unknown]>([
    [{ type: "string" }, "hello", "hello"],
    [{ type: "string" }, "  ", "  "],
    [{ type: "integer" }, "42", 42],
    [{ type: "integer" }, "1e3", 1000],
    [{ type: "integer" }, "-0", -0],
    [{ type: "number" }, "-2.5", -2.5],
    [{ type: "number" }, ".5", 0.5],
    [{ type: "boolean" }, "true", true],
    [{ type: "boolean" }, "on", true],
    [{ type: "boolean" }, "false", false],
    [{ type: "boolean" }, undefined, false],
    [{ enum: [1, "1", true] }, "1", 1],
    [{ enum: [1, "1", true] }, '"1"', "1"],
    [{ enum: [{ a: 1 }, [2]] }, '{"a":1}', { a: 1 }],
    [{ type: "object" }, ' {"a": [1, null]} ', { a: [1, null] }],
    [{ type: ["string", "null"] }, "null", null],
  ])("%j: %j is sent as %j", (property, raw, value) => {
    expect(one(property, raw)).toEqual({ input: { p: value }, errors: [] });
  });

  it.each<[unknown, string | undefined]>([
    [{ type: "string" }, ""],
    [{ type: "string" }, undefined],
    [{ type: "integer", default: 3 }, ""],
    [{ enum: ["a"] }, ""],
    [{ type: "array" }, ""],
  ])("%j: %j is not sent", (property, raw) => {
    expect(one(property, raw)).toEqual({ input: {}, errors: [] });
  });

  it.each<[unknown, string, string]>([
    [{ type: "integer" }, "1.5", "p must be a whole number."],
    [{ type: "integer", title: "Days" }, "abc", "Days must be a whole number."],
    [{ type: "number" }, "abc", "p must be a number."],
    [{ type: "number" }, "0x10", "p must be a number."],
    [{ type: "number" }, "Infinity", "p must be a number."],
    [{ type: "number" }, "1e999", "p must be a number."],
    [{ type: "boolean" }, "maybe", "p must be checked or unchecked."],
    [{ enum: ["a", "b"] }, "c", "p must be one of the listed values."],
    [
      { type: "array" },
      "[1, 2",
      "p is not valid JSON: there is a mistake at line 1, column 6. Look for a missing comma, quote or bracket, or a comma too many, just before it.",
    ],
    [{ type: "array" }, "[".repeat(200) + "]".repeat(200), "p is nested too deeply."],
  ])("%j: %j is refused", (property, raw, message) => {
    expect(one(property, raw)).toEqual({ input: {}, errors: [{ name: "p", message }] });
  });

  it("never echoes a large invalid JSON input whole", () => {
    const { errors } = one({ type: "object" }, `{"a": ${"x".repeat(50_000)}}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message.startsWith("p is not valid JSON: ")).toBe(true);
    expect(errors[0]?.message).not.toContain("xxx");
  });

  it("keeps names that are special in JavaScript as ordinary properties", () => {
    const schema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"string"}}}',
    );
    const { input } = parseInputForm(schema, JSON.parse('{"__proto__": "x"}'));
    expect(JSON.stringify(input)).toBe('{"__proto__":"x"}');
    expect(Object.keys(input)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
  });

  it("has no fields to read for a raw-only schema", () => {
    expect(parseInputForm({ type: "object", properties: {} }, { a: "1" })).toEqual({ input: {}, errors: [] });
  });
});

describe("list fields", () => {
  const list = (items: unknown, extra: Record<string, unknown> = {}) =>
    inputFieldsFor({ type: "object", properties: { p: { type: "array", items, ...extra } } }).fields[0];
  const rows = (items: unknown, submitted: string[]) =>
    parseInputForm(
      { type: "object", properties: { p: { type: "array", items, title: "Tags" } } },
      {},
      { p: submitted },
    );

  it.each<[unknown, InputField["list"]]>([
    [{ type: "string" }, { item: "text", options: null, items: [] }],
    [{ type: "integer" }, { item: "integer", options: null, items: [] }],
    [{ type: "number" }, { item: "number", options: null, items: [] }],
    [{ type: "boolean" }, { item: "select", options: ["true", "false"], items: [] }],
    [{ enum: ["red", 2] }, { item: "select", options: ["red", "2"], items: [] }],
  ])("gives an array of %j a list of typed rows", (items, expected) => {
    expect(list(items)).toMatchObject({ control: "list", list: expected });
  });

  it("renders the default's items as rows, and leaves out a default the rows cannot hold", () => {
    expect(list({ type: "integer" }, { default: [1, 2] })?.list?.items).toEqual(["1", "2"]);
    expect(list({ type: "integer" }, { default: [1, "x"] })?.list?.items).toEqual([]);
  });

  it.each<[unknown]>([
    [{ type: "object" }],
    [{ type: "array" }],
    [{}],
    [{ anyOf: [{ type: "string" }] }],
    [{ enum: [{ a: 1 }] }],
  ])("keeps the JSON field for an array of %j", (items) => {
    expect(list(items)?.control).toBe("json");
  });

  it.each<[unknown, string[], unknown]>([
    [{ type: "string" }, ["a", "", "b"], ["a", "b"]],
    [{ type: "integer" }, ["1", " ", "30"], [1, 30]],
    [{ type: "number" }, ["1.5"], [1.5]],
    [{ type: "boolean" }, ["false", "true"], [false, true]],
    [{ enum: ["red", 2] }, ["2", "red"], [2, "red"]],
  ])("sends the rows of %j %j as the array %j", (items, submitted, expected) => {
    expect(rows(items, submitted)).toEqual({ input: { p: expected }, errors: [] });
  });

  it("does not send a list with no item in any row", () => {
    expect(rows({ type: "string" }, ["", ""])).toEqual({ input: {}, errors: [] });
    expect(rows({ type: "string" }, [])).toEqual({ input: {}, errors: [] });
  });

  it("names the rows that do not fit, by their place in the list", () => {
    expect(rows({ type: "integer" }, ["1", "1.5", "x"])).toEqual({
      input: {},
      errors: [{ name: "p", message: "Tags item 2 must be a whole number, item 3 must be a whole number." }],
    });
    expect(rows({ enum: ["a"] }, ["b"]).errors).toEqual([
      { name: "p", message: "Tags item 1 must be one of the listed values." },
    ]);
  });
});

describe("JSON field examples", () => {
  const example = (property: unknown) =>
    inputFieldsFor({ type: "object", properties: { p: property } }).fields[0]?.example;

  it("shows an object's example built from its properties", () => {
    const schema = {
      type: "object",
      properties: {
        city: { type: "string" },
        days: { type: "integer", minimum: 1 },
        units: { enum: ["metric", "imperial"] },
        at: { type: "string", format: "date" },
        where: { type: "object", properties: { lat: { type: "number" } } },
        tags: { type: "array", items: { type: "string" } },
      },
    };
    expect(JSON.parse(example(schema) ?? "null")).toEqual({
      city: "text",
      days: 1,
      units: "metric",
      at: "2026-01-31",
      where: { lat: 1.5 },
      tags: ["text"],
    });
  });

  it("prefers the schema's own examples, and builds an array of objects' example", () => {
    expect(example({ type: "object", examples: [{ q: "rain" }] })).toBe('{\n  "q": "rain"\n}');
    expect(
      JSON.parse(
        example({ type: "array", items: { type: "object", properties: { id: { type: "integer" } } } }) ?? "null",
      ),
    ).toEqual([{ id: 1 }]);
  });

  it("shows no example where the schema says too little", () => {
    expect(example({ type: "object" })).toBeUndefined();
    expect(example({})).toBeUndefined();
  });
});

describe("parseInputJson", () => {
  it.each<[string, ReturnType<typeof parseInputJson>]>([
    ["", { ok: true, input: {} }],
    ['  {"city": "Paris", "days": 3} ', { ok: true, input: { city: "Paris", days: 3 } }],
    ["[1]", { ok: false, message: 'The input must be a JSON object, like {"city": "Paris"}.' }],
    ["null", { ok: false, message: 'The input must be a JSON object, like {"city": "Paris"}.' }],
    [
      '{"a":',
      { ok: false, message: "The input is not valid JSON: it ends too soon. A closing quote, ] or } is missing." },
    ],
    ["[".repeat(200), { ok: false, message: "The input is nested too deeply." }],
  ])("%j", (text, expected) => {
    expect(parseInputJson(text)).toEqual(expected);
  });
});

/** Unit tests of the JSON Schema tooling in src/engine/schemas.ts. */
import { describe, expect, it } from "vitest";
import {
  applyDefaults,
  checkSchema,
  compiledValidator,
  draftOf,
  validateInstance,
  type CompiledSchema,
  type JsonSchema,
} from "../src/engine/schemas";

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
const DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema";
const DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema";

/** A fresh validator per call, so the per-tool cache never leaks between tests. */
function validatorFor(schema: JsonSchema): CompiledSchema {
  return compiledValidator(`schemas-test:${crypto.randomUUID()}`, schema);
}

describe("draftOf", () => {
  it.each<[JsonSchema, string]>([
    [{}, "7"],
    [{ $schema: DRAFT_07 }, "7"],
    [{ $schema: DRAFT_2019 }, "2019-09"],
    [{ $schema: DRAFT_2020 }, "2020-12"],
    [{ $schema: 42 }, "7"],
  ])("%j is draft %s", (schema, draft) => {
    expect(draftOf(schema)).toBe(draft);
  });
});

describe("checkSchema: valid schemas", () => {
  it.each<[string, JsonSchema]>([
    ["an empty schema", {}],
    [
      "a draft-07 object schema",
      {
        $schema: DRAFT_07,
        type: "object",
        properties: {
          name: { type: "string", minLength: 1, pattern: "^[a-z]+$" },
          age: { type: "integer", minimum: 0 },
          tags: { type: "array", items: { type: "string" }, uniqueItems: true },
          kind: { enum: ["a", "b"] },
          any: true,
        },
        required: ["name"],
        additionalProperties: false,
      },
    ],
    [
      "draft-07 tuple items with additionalItems",
      { type: "array", items: [{ type: "string" }], additionalItems: false },
    ],
    [
      "draft-07 definitions/$ref",
      {
        type: "object",
        definitions: { city: { type: "string" }, "a/b": { type: "integer" } },
        properties: {
          from: { $ref: "#/definitions/city" },
          to: { $ref: "#/definitions/city" },
          n: { $ref: "#/definitions/a~1b" },
        },
      },
    ],
    ["a recursive $ref to the root", { type: "object", properties: { child: { $ref: "#" } } }],
    [
      "a $ref by absolute URI under the schema's own $id",
      {
        $id: "https://schemas.example.com/item.json",
        type: "object",
        definitions: { id: { type: "integer" } },
        properties: { id: { $ref: "https://schemas.example.com/item.json#/definitions/id" } },
      },
    ],
    [
      "2019-09 $defs/$ref",
      {
        $schema: DRAFT_2019,
        type: "object",
        $defs: { n: { type: "integer", exclusiveMinimum: 0 } },
        properties: { count: { $ref: "#/$defs/n" } },
        dependentRequired: { a: ["b"] },
        unevaluatedProperties: false,
      },
    ],
    [
      "2020-12 $defs/$ref with prefixItems",
      {
        $schema: DRAFT_2020,
        type: "object",
        $defs: { point: { type: "array", prefixItems: [{ type: "number" }, { type: "number" }], items: false } },
        properties: { at: { $ref: "#/$defs/point" } },
        unevaluatedProperties: false,
      },
    ],
  ])("accepts %s", (_, schema) => {
    expect(checkSchema(schema, "/input_schema")).toEqual([]);
  });

  it("does not annotate the schema it checks", () => {
    const schema: JsonSchema = {
      type: "object",
      definitions: { a: { type: "string" } },
      properties: { x: { $ref: "#/definitions/a" } },
    };
    const before = structuredClone(schema);
    checkSchema(schema, "/input_schema");
    expect(schema).toEqual(before);
  });

  it("ignores $ref-looking data inside enum, const, default and examples", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: {
        x: {
          enum: [{ $ref: "#/nope" }],
          const: { $ref: "#/nope" },
          default: { $ref: "#/nope" },
          examples: [{ $ref: "#/nope" }],
        },
      },
    };
    expect(checkSchema(schema, "/input_schema")).toEqual([]);
  });
});

describe("checkSchema: invalid schemas", () => {
  it("rejects an unknown type name", () => {
    expect(checkSchema({ type: "strnig" }, "/input_schema")).toEqual([
      {
        path: "/input_schema/type",
        keyword: "enum",
        message:
          'Not a valid JSON Schema (draft-07): Instance does not match any of ["array","boolean","integer","null","number","object","string"].',
      },
      {
        path: "/input_schema/type",
        keyword: "type",
        message: 'Not a valid JSON Schema (draft-07): Instance type "string" is invalid. Expected "array".',
      },
    ]);
  });

  it.each<[string, JsonSchema, string, string, string]>([
    ["a negative minLength", { minLength: -1 }, "/input_schema/minLength", "minimum", "-1 is less than 0."],
    [
      "required as a string",
      { required: "x" },
      "/input_schema/required",
      "type",
      'Instance type "string" is invalid. Expected "array".',
    ],
    [
      "an invalid nested schema under a property name with a slash",
      { type: "object", properties: { "a/b": { maxItems: "3" } } },
      "/input_schema/properties/a~1b/maxItems",
      "type",
      'Instance type "string" is invalid. Expected "integer".',
    ],
  ])("rejects %s (draft-07)", (_, schema, path, keyword, message) => {
    expect(checkSchema(schema, "/input_schema")).toEqual([
      { path, keyword, message: `Not a valid JSON Schema (draft-07): ${message}` },
    ]);
  });

  it("rejects a pattern that is not a regular expression", () => {
    expect(
      checkSchema({ type: "object", properties: { code: { type: "string", pattern: "(unclosed" } } }, "/input_schema"),
    ).toEqual([
      {
        path: "/input_schema/properties/code/pattern",
        keyword: "pattern",
        message: 'Not a valid regular expression (ECMAScript, with the u flag): expected ")" at character 10.',
      },
    ]);
  });

  it.each<[string, string]>([
    [DRAFT_2019, "2019-09"],
    [DRAFT_2020, "2020-12"],
  ])("validates %s schemas against their own meta-schema", (uri, label) => {
    const errors = checkSchema(
      { $schema: uri, type: "object", properties: { name: { type: "string", minLength: -1 } } },
      "/output_schema",
    );
    expect(errors).toEqual([
      {
        path: "/output_schema/properties/name/minLength",
        keyword: "minimum",
        message: `Not a valid JSON Schema (${label}): -1 is less than 0.`,
      },
    ]);
  });

  it("rejects an unknown type nested in a 2020-12 schema", () => {
    const errors = checkSchema(
      { $schema: DRAFT_2020, type: "object", properties: { a: { type: "strnig" } } },
      "/input_schema",
    );
    expect(errors.map((e) => [e.path, e.keyword])).toEqual([
      ["/input_schema/properties/a/type", "enum"],
      ["/input_schema/properties/a/type", "type"],
    ]);
    expect(errors[0]?.message).toMatch(/^Not a valid JSON Schema \(2020-12\): /);
  });

  it("rejects draft-07 array-form items in a 2020-12 schema", () => {
    const errors = checkSchema(
      { $schema: DRAFT_2020, type: "object", properties: { t: { type: "array", items: [{ type: "string" }] } } },
      "/input_schema",
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.path === "/input_schema/properties/t/items" && e.keyword === "type")).toBe(true);
  });

  it("reports each problem once", () => {
    const errors = checkSchema(
      { $schema: DRAFT_2020, type: "object", properties: { t: { type: "array", items: [{ type: "string" }] } } },
      "/input_schema",
    );
    expect(errors).toEqual([
      {
        path: "/input_schema/properties/t/items",
        keyword: "type",
        message: 'Not a valid JSON Schema (2020-12): Instance type "array" is invalid. Expected "object", "boolean".',
      },
    ]);
  });

  it.each<[string, JsonSchema, string]>([
    [
      "#/definitions/missing",
      { type: "object", properties: { x: { $ref: "#/definitions/missing" } } },
      "/input_schema/properties/x/$ref",
    ],
    [
      "#/$defs/missing (2020-12)",
      { $schema: DRAFT_2020, type: "object", properties: { x: { $ref: "#/$defs/missing" } } },
      "/input_schema/properties/x/$ref",
    ],
    [
      "#/$defs/missing (2019-09)",
      { $schema: DRAFT_2019, type: "object", items: { $ref: "#/$defs/missing" } },
      "/input_schema/items/$ref",
    ],
    [
      "https://example.com/schema.json",
      { type: "object", properties: { x: { $ref: "https://example.com/schema.json" } } },
      "/input_schema/properties/x/$ref",
    ],
    [
      "other.json (relative to the schema's $id)",
      { $id: "https://schemas.example.com/root.json", type: "object", properties: { x: { $ref: "other.json" } } },
      "/input_schema/properties/x/$ref",
    ],
    [
      "#/definitions/missing (deep in an array)",
      { type: "object", properties: { x: { anyOf: [{ type: "string" }, { $ref: "#/definitions/missing" }] } } },
      "/input_schema/properties/x/anyOf/1/$ref",
    ],
  ])("rejects the unresolvable $ref %s", (ref, schema, path) => {
    const shown = ref.split(" ")[0]!;
    const remote = !shown.startsWith("#");
    const document = remote ? new URL(shown, typeof schema.$id === "string" ? schema.$id : undefined).href : "";
    expect(checkSchema(schema, "/input_schema")).toEqual([
      {
        path,
        keyword: "$ref",
        message: remote
          ? `$ref "${shown}" points to another document (${document}), and toolgate does not fetch schemas: saving or running a tool never makes the service send a request. Copy the schema it needs into this one (under $defs) and refer to it there; only the draft meta-schemas are built in.`
          : `$ref "${shown}" does not resolve: nothing in this schema is at that place.`,
      },
    ]);
  });

  it("reports every unresolvable $ref", () => {
    const errors = checkSchema(
      {
        type: "object",
        definitions: { ok: { type: "string" } },
        properties: { a: { $ref: "#/definitions/ok" }, b: { $ref: "#/definitions/b" }, c: { $ref: "#/definitions/c" } },
      },
      "/output_schema",
    );
    expect(errors.map((e) => e.path)).toEqual(["/output_schema/properties/b/$ref", "/output_schema/properties/c/$ref"]);
  });
});

describe("validateInstance", () => {
  const person: JsonSchema = {
    type: "object",
    required: ["name"],
    properties: {
      name: { type: "string" },
      age: { type: "integer", minimum: 0 },
      tags: { type: "array", items: { type: "string" } },
      address: { type: "object", required: ["city"], properties: { city: { type: "string" } } },
    },
  };

  it("returns no errors for a valid instance", () => {
    expect(validateInstance(validatorFor(person), { name: "Ada", age: 36, tags: ["x"] }, "/input")).toEqual([]);
  });

  it("returns only leaf errors, with JSON Pointer paths under the prefix", () => {
    const errors = validateInstance(validatorFor(person), { age: -1, tags: ["a", 2], address: {} }, "/input");
    expect(errors).toEqual([
      { path: "/input/name", keyword: "required", message: 'Instance does not have required property "name".' },
      { path: "/input/age", keyword: "minimum", message: "-1 is less than 0." },
      { path: "/input/tags/1", keyword: "type", message: 'Instance type "number" is invalid. Expected "string".' },
      {
        path: "/input/address/city",
        keyword: "required",
        message: 'Instance does not have required property "city".',
      },
    ]);
    expect(errors.map((e) => e.keyword)).not.toContain("properties");
  });

  it("escapes ~ and / and keeps other characters as they are in paths", () => {
    const schema: JsonSchema = {
      type: "object",
      required: ["a/b", "t~x", "a b", "50%", "é"],
      properties: { q: { type: "object", properties: { "x/y": { type: "string" } } } },
    };
    const errors = validateInstance(validatorFor(schema), { q: { "x/y": 1 } }, "/input");
    expect(errors.map((e) => e.path)).toEqual([
      "/input/a~1b",
      "/input/t~0x",
      "/input/a b",
      "/input/50%",
      "/input/é",
      "/input/q/x~1y",
    ]);
  });

  it("points into arrays by index", () => {
    const schema: JsonSchema = {
      type: "array",
      items: { type: "object", required: ["id"], properties: { id: { type: "integer" } } },
    };
    const errors = validateInstance(validatorFor(schema), [{ id: 1 }, {}, { id: "x" }], "/output");
    expect(errors).toEqual([
      { path: "/output/1/id", keyword: "required", message: 'Instance does not have required property "id".' },
      { path: "/output/2/id", keyword: "type", message: 'Instance type "string" is invalid. Expected "integer".' },
    ]);
  });

  it("uses the prefix alone for an error at the root", () => {
    const errors = validateInstance(validatorFor({ type: "object" }), "text", "/output");
    expect(errors).toEqual([
      { path: "/output", keyword: "type", message: 'Instance type "string" is invalid. Expected "object".' },
    ]);
  });

  it("follows definitions/$ref when validating", () => {
    const schema: JsonSchema = {
      type: "object",
      definitions: { code: { type: "string", pattern: "^[A-Z]{3}$" } },
      properties: { currency: { $ref: "#/definitions/code" } },
    };
    const errors = validateInstance(validatorFor(schema), { currency: "euros" }, "/output");
    expect(errors).toEqual([
      { path: "/output/currency", keyword: "pattern", message: "String does not match pattern." },
    ]);
  });

  it.each<[string, JsonSchema]>([
    [
      "2019-09",
      {
        $schema: DRAFT_2019,
        type: "object",
        $defs: { n: { type: "integer" } },
        properties: { n: { $ref: "#/$defs/n" } },
      },
    ],
    [
      "2020-12",
      {
        $schema: DRAFT_2020,
        type: "object",
        $defs: { n: { type: "integer" } },
        properties: { n: { $ref: "#/$defs/n" } },
      },
    ],
  ])("follows $defs/$ref in %s schemas", (_, schema) => {
    const validator = validatorFor(schema);
    expect(validateInstance(validator, { n: 3 }, "/input")).toEqual([]);
    expect(validateInstance(validator, { n: "3" }, "/input")).toEqual([
      { path: "/input/n", keyword: "type", message: 'Instance type "string" is invalid. Expected "integer".' },
    ]);
  });

  it("does not annotate the schema it compiles", () => {
    const schema: JsonSchema = {
      type: "object",
      definitions: { a: { type: "string" } },
      properties: { x: { $ref: "#/definitions/a" } },
    };
    const before = structuredClone(schema);
    validatorFor(schema);
    expect(schema).toEqual(before);
  });
});

describe("applyDefaults", () => {
  const schema: JsonSchema = {
    type: "object",
    properties: {
      channel: { type: "string", default: "#general" },
      retries: { type: "integer", default: 3 },
      options: {
        type: "object",
        properties: { verbose: { type: "boolean", default: false }, level: { type: "string", default: "info" } },
      },
      limits: {
        type: "object",
        default: {},
        properties: { max: { type: "integer", default: 10 } },
      },
      tags: { type: "array", default: ["a"] },
      noDefault: { type: "string" },
    },
  };

  it("fills top-level defaults and nested defaults inside present objects", () => {
    expect(applyDefaults(schema, { options: { level: "debug" } })).toEqual({
      channel: "#general",
      retries: 3,
      options: { verbose: false, level: "debug" },
      limits: { max: 10 },
      tags: ["a"],
    });
  });

  it("fills nested defaults inside an object that was itself defaulted", () => {
    expect(applyDefaults(schema, {})).toEqual({
      channel: "#general",
      retries: 3,
      limits: { max: 10 },
      tags: ["a"],
    });
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["false", false],
    ["0", 0],
    ["an empty string", ""],
  ])("keeps a present %s value", (_, value) => {
    const out = applyDefaults(schema, { channel: value, retries: value }) as Record<string, unknown>;
    expect(out.channel).toBe(value);
    expect(out.retries).toBe(value);
  });

  it("does not mutate its input, even nested", () => {
    const input = { options: { level: "debug" }, limits: {} };
    const snapshot = structuredClone(input);
    const out = applyDefaults(schema, input) as Record<string, any>;
    expect(input).toEqual(snapshot);
    expect(out).not.toBe(input);
    expect(out.options).not.toBe(input.options);
    expect(out.options).toEqual({ level: "debug", verbose: false });
    expect(out.limits).toEqual({ max: 10 });
  });

  it("copies default values, so a change to the output never reaches the schema", () => {
    const local: JsonSchema = structuredClone(schema);
    const first = applyDefaults(local, {}) as Record<string, any>;
    first.tags.push("changed");
    first.limits.max = 99;
    const second = applyDefaults(local, {}) as Record<string, any>;
    expect(second.tags).toEqual(["a"]);
    expect(second.limits).toEqual({ max: 10 });
    expect(local).toEqual(schema);
  });

  it.each<[string, unknown, unknown]>([
    ["a non-object input", { type: "object", properties: { a: { default: 1 } } }, "text"],
    ["an array input", { type: "object", properties: { a: { default: 1 } } }, [1, 2]],
    ["a schema without properties", { type: "object" }, { x: 1 }],
    ["a non-object schema", true, { x: 1 }],
  ])("returns %s unchanged", (_, s, input) => {
    expect(applyDefaults(s, input)).toBe(input);
  });

  it("does not fill defaults into a nested value that is not an object", () => {
    expect(applyDefaults(schema, { options: "raw" })).toMatchObject({ options: "raw" });
  });
});

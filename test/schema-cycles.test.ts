/**
 * Reference cycles that never descend into the value (src/engine/schema-cycles.ts),
 * through checkSchema. Each refused schema is also run through the validator
 * the engine uses, to show that it really recurses without end there, and
 * each accepted one to show that it ends: the check agrees with the validator.
 * Then the same through the API: refused at save, and a recursive tree executes.
 */
import { describe, expect, it } from "vitest";
import { api, createTool, execute, httpTool, json, useUpstream, type Json } from "./helpers";
import { dereferencedCopy, inPlaceRefCycles } from "../src/engine/schema-cycles";
import { checkSchema, compiledValidator, draftOf, validateInstance, type JsonSchema } from "../src/engine/schemas";
import draft07 from "../src/engine/metaschemas/draft-07.json";
import meta201909 from "../src/engine/metaschemas/2019-09.json";
import meta201909Applicator from "../src/engine/metaschemas/2019-09/applicator.json";
import meta201909Content from "../src/engine/metaschemas/2019-09/content.json";
import meta201909Core from "../src/engine/metaschemas/2019-09/core.json";
import meta201909Format from "../src/engine/metaschemas/2019-09/format.json";
import meta201909MetaData from "../src/engine/metaschemas/2019-09/meta-data.json";
import meta201909Validation from "../src/engine/metaschemas/2019-09/validation.json";
import meta202012 from "../src/engine/metaschemas/2020-12.json";
import meta202012Applicator from "../src/engine/metaschemas/2020-12/applicator.json";
import meta202012Content from "../src/engine/metaschemas/2020-12/content.json";
import meta202012Core from "../src/engine/metaschemas/2020-12/core.json";
import meta202012Format from "../src/engine/metaschemas/2020-12/format-annotation.json";
import meta202012MetaData from "../src/engine/metaschemas/2020-12/meta-data.json";
import meta202012Unevaluated from "../src/engine/metaschemas/2020-12/unevaluated.json";
import meta202012Validation from "../src/engine/metaschemas/2020-12/validation.json";

const DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema";
const DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema";

/** Validates with the engine's validator; "overflow" when it recurses without end, as every execute did. */
function runValidator(schema: JsonSchema, instance: unknown): "ends" | "overflow" {
  const compiled = compiledValidator(`cycles-test:${crypto.randomUUID()}`, schema);
  try {
    validateInstance(compiled, instance, "/input");
    return "ends";
  } catch (err) {
    if (err instanceof RangeError) return "overflow";
    throw err;
  }
}

interface Case {
  schema: JsonSchema;
  /** A value that reaches the cycle (or the recursion, for the accepted ones). */
  instance: unknown;
}

const refused: [string, Case & { path: string; cycle: string }][] = [
  [
    "a → b → a through definitions (draft-07)",
    {
      schema: {
        type: "object",
        properties: { x: { $ref: "#/definitions/a" } },
        definitions: { a: { $ref: "#/definitions/b" }, b: { $ref: "#/definitions/a" } },
      },
      instance: { x: 1 },
      path: "/input_schema/definitions/b/$ref",
      cycle: "/input_schema/definitions/a → /input_schema/definitions/b → /input_schema/definitions/a",
    },
  ],
  [
    "a → a",
    {
      schema: {
        type: "object",
        properties: { x: { $ref: "#/definitions/a" } },
        definitions: { a: { $ref: "#/definitions/a" } },
      },
      instance: { x: 1 },
      path: "/input_schema/definitions/a/$ref",
      cycle: "/input_schema/definitions/a → /input_schema/definitions/a",
    },
  ],
  [
    "the root referring to itself beside type",
    {
      schema: { type: "object", $ref: "#" },
      instance: {},
      path: "/input_schema/$ref",
      cycle: "/input_schema → /input_schema",
    },
  ],
  [
    "allOf back to the root",
    {
      schema: { type: "object", allOf: [{ $ref: "#" }] },
      instance: {},
      path: "/input_schema/allOf/0/$ref",
      cycle: "/input_schema → /input_schema/allOf/0 → /input_schema",
    },
  ],
  [
    "anyOf after a branch that fails",
    {
      schema: { type: "object", anyOf: [{ type: "string" }, { $ref: "#" }] },
      instance: {},
      path: "/input_schema/anyOf/1/$ref",
      cycle: "/input_schema → /input_schema/anyOf/1 → /input_schema",
    },
  ],
  [
    "oneOf",
    {
      schema: { type: "object", oneOf: [{ $ref: "#" }] },
      instance: {},
      path: "/input_schema/oneOf/0/$ref",
      cycle: "/input_schema → /input_schema/oneOf/0 → /input_schema",
    },
  ],
  [
    "not",
    {
      schema: { type: "object", not: { $ref: "#" } },
      instance: {},
      path: "/input_schema/not/$ref",
      cycle: "/input_schema → /input_schema/not → /input_schema",
    },
  ],
  [
    "if",
    {
      schema: { type: "object", if: { $ref: "#" } },
      instance: {},
      path: "/input_schema/if/$ref",
      cycle: "/input_schema → /input_schema/if → /input_schema",
    },
  ],
  [
    "then",
    {
      schema: { type: "object", if: true, then: { $ref: "#" } },
      instance: {},
      path: "/input_schema/then/$ref",
      cycle: "/input_schema → /input_schema/then → /input_schema",
    },
  ],
  [
    "else",
    {
      schema: { type: "object", if: false, else: { $ref: "#" } },
      instance: {},
      path: "/input_schema/else/$ref",
      cycle: "/input_schema → /input_schema/else → /input_schema",
    },
  ],
  [
    "dependencies (draft-07), for a value that has the property",
    {
      schema: { type: "object", dependencies: { a: { $ref: "#" } } },
      instance: { a: 1 },
      path: "/input_schema/dependencies/a/$ref",
      cycle: "/input_schema → /input_schema/dependencies/a → /input_schema",
    },
  ],
  [
    "dependentSchemas (2019-09)",
    {
      schema: { $schema: DRAFT_2019, type: "object", dependentSchemas: { a: { $ref: "#" } } },
      instance: { a: 1 },
      path: "/input_schema/dependentSchemas/a/$ref",
      cycle: "/input_schema → /input_schema/dependentSchemas/a → /input_schema",
    },
  ],
  [
    "a $ref beside the keywords it cycles through (2019-09 evaluates both)",
    {
      schema: {
        $schema: DRAFT_2019,
        type: "object",
        properties: { x: { $ref: "#/$defs/a" } },
        $defs: { a: { $ref: "#/$defs/b", type: "integer" }, b: { allOf: [{ $ref: "#/$defs/a" }] } },
      },
      instance: { x: 1 },
      path: "/input_schema/$defs/b/allOf/0/$ref",
      cycle: "/input_schema/$defs/a → /input_schema/$defs/b → /input_schema/$defs/b/allOf/0 → /input_schema/$defs/a",
    },
  ],
  [
    "$anchor names",
    {
      schema: {
        $schema: DRAFT_2019,
        type: "object",
        properties: { x: { $ref: "#first" } },
        $defs: { a: { $anchor: "first", $ref: "#second" }, b: { $anchor: "second", anyOf: [{ $ref: "#first" }] } },
      },
      instance: { x: 1 },
      path: "/input_schema/$defs/b/anyOf/0/$ref",
      cycle: "/input_schema/$defs/a → /input_schema/$defs/b → /input_schema/$defs/b/anyOf/0 → /input_schema/$defs/a",
    },
  ],
  [
    "embedded resources named by $id, referred to by relative and absolute URIs",
    {
      schema: {
        $schema: DRAFT_2019,
        $id: "https://schemas.example.com/root.json",
        type: "object",
        properties: { x: { $ref: "node.json" } },
        $defs: {
          node: { $id: "node.json", $ref: "root.json#/$defs/other" },
          other: { $ref: "https://schemas.example.com/node.json" },
        },
      },
      instance: { x: 1 },
      path: "/input_schema/$defs/other/$ref",
      cycle: "/input_schema/$defs/node → /input_schema/$defs/other → /input_schema/$defs/node",
    },
  ],
  [
    "a percent-encoded JSON Pointer",
    {
      schema: {
        type: "object",
        properties: { x: { $ref: "#/definitions/a%20b" } },
        definitions: { "a b": { not: { $ref: "#/definitions/a%20b" } } },
      },
      instance: { x: 1 },
      path: "/input_schema/definitions/a b/not/$ref",
      cycle: "/input_schema/definitions/a b → /input_schema/definitions/a b/not → /input_schema/definitions/a b",
    },
  ],
  [
    "$recursiveRef back to the $recursiveAnchor it is evaluated under",
    {
      schema: { $schema: DRAFT_2019, $recursiveAnchor: true, type: "object", anyOf: [{ $recursiveRef: "#" }] },
      instance: {},
      path: "/input_schema/anyOf/0/$recursiveRef",
      cycle: "/input_schema → /input_schema/anyOf/0 → /input_schema",
    },
  ],
];

const accepted: [string, Case][] = [
  [
    "a tree of children",
    {
      schema: {
        type: "object",
        properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#" } } },
      },
      instance: { name: "a", children: [{ name: "b", children: [{ name: "c", children: [] }] }] },
    },
  ],
  [
    "a → b → a where one step is additionalProperties",
    {
      schema: {
        type: "object",
        properties: { x: { $ref: "#/definitions/a" } },
        definitions: {
          a: { allOf: [{ $ref: "#/definitions/b" }] },
          b: { additionalProperties: { $ref: "#/definitions/a" } },
        },
      },
      instance: { x: { y: { z: {} } } },
    },
  ],
  [
    "patternProperties, contains and propertyNames",
    {
      schema: {
        type: "object",
        patternProperties: { "^p": { $ref: "#" } },
        properties: { list: { type: "array", contains: { $ref: "#" } } },
        propertyNames: { $ref: "#" },
      },
      instance: { p1: { p2: {} }, list: [{}] },
    },
  ],
  [
    "prefixItems (2020-12)",
    {
      schema: {
        $schema: DRAFT_2020,
        type: "object",
        properties: { pair: { $ref: "#/$defs/pair" } },
        $defs: { pair: { type: "array", prefixItems: [{ $ref: "#/$defs/pair" }, { type: "string" }] } },
      },
      instance: { pair: [[[], "b"], "a"] },
    },
  ],
  [
    "a draft-07 $ref, whose siblings (and their cycle) the validator never reads",
    {
      schema: {
        type: "object",
        properties: { x: { $ref: "#/definitions/a" } },
        definitions: { a: { $ref: "#/definitions/b", allOf: [{ $ref: "#/definitions/a" }] }, b: { type: "integer" } },
      },
      instance: { x: 1 },
    },
  ],
  ["then without if, which is never read", { schema: { type: "object", then: { $ref: "#" } }, instance: {} }],
  [
    "a cycle in a definition nothing refers to",
    { schema: { type: "object", definitions: { a: { $ref: "#/definitions/a" } } }, instance: {} },
  ],
  [
    "the same definition used twice side by side",
    {
      schema: {
        type: "object",
        allOf: [{ $ref: "#/definitions/a" }, { $ref: "#/definitions/a" }],
        definitions: {
          a: { anyOf: [{ $ref: "#/definitions/b" }, { $ref: "#/definitions/b" }] },
          b: { type: "object" },
        },
      },
      instance: {},
    },
  ],
];

describe("checkSchema refuses reference cycles that never descend into the value", () => {
  it.each(refused)("%s", (_, { schema, instance, path, cycle }) => {
    // Without the check, every execute that reaches the cycle overflowed the stack.
    expect(runValidator(schema, instance)).toBe("overflow");
    const errors = checkSchema(schema, "/input_schema");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe(path);
    expect(errors[0]!.message).toContain(`validation would never end: ${cycle}.`);
  });

  it("says what to do, in plain words", () => {
    const errors = checkSchema({ type: "object", allOf: [{ $ref: "#" }] }, "/output_schema");
    expect(errors).toEqual([
      {
        path: "/output_schema/allOf/0/$ref",
        keyword: "$ref",
        message:
          "This $ref goes round in a circle without moving into a part of the value, so validation would never end: /output_schema → /output_schema/allOf/0 → /output_schema. Put one of these references under properties, items or another keyword that checks a part of the value, or remove it.",
      },
    ]);
  });

  it("names a long cycle by its first schemas", () => {
    const definitions: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) definitions[`d${i}`] = { $ref: `#/definitions/d${(i + 1) % 10}` };
    const errors = checkSchema({ type: "object", properties: { x: { $ref: "#/definitions/d0" } }, definitions }, "");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(
      "validation would never end: /definitions/d0 → /definitions/d1 → /definitions/d2 → /definitions/d3 → /definitions/d4 → /definitions/d5 → … (4 more) → /definitions/d0.",
    );
  });

  it("follows $dynamicRef to its $dynamicAnchor, for the clients whose validators read it", () => {
    const schema = { $schema: DRAFT_2020, $dynamicAnchor: "node", type: "object", anyOf: [{ $dynamicRef: "#node" }] };
    const errors = checkSchema(schema, "/input_schema");
    expect(errors.map((e) => [e.path, e.keyword])).toEqual([["/input_schema/anyOf/0/$dynamicRef", "$dynamicRef"]]);
  });

  it("reports each cycle once, up to a hundred", () => {
    const definitions: Record<string, unknown> = {};
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < 150; i++) {
      definitions[`d${i}`] = { $ref: `#/definitions/d${i}` };
      properties[`p${i}`] = { $ref: `#/definitions/d${i}` };
    }
    const errors = checkSchema({ type: "object", properties, definitions }, "/input_schema");
    expect(errors).toHaveLength(100);
    expect(new Set(errors.map((e) => e.path)).size).toBe(100);
  });
});

describe("checkSchema keeps recursive schemas that descend into the value", () => {
  it.each(accepted)("%s", (_, { schema, instance }) => {
    expect(checkSchema(schema, "/input_schema")).toEqual([]);
    expect(runValidator(schema, instance)).toBe("ends");
  });

  it("a recursive $dynamicRef under properties", () => {
    const schema = {
      $schema: DRAFT_2020,
      $dynamicAnchor: "node",
      type: "object",
      properties: { next: { $dynamicRef: "#node" } },
    };
    expect(checkSchema(schema, "/input_schema")).toEqual([]);
  });
});

describe("the bundled meta-schemas, which recurse through references, $id, $recursiveRef and $dynamicRef", () => {
  /** A meta-schema with its vocabularies embedded under $defs, each keeping its $id. */
  function bundle(root: object, parts: object[]): JsonSchema {
    return {
      ...structuredClone(root),
      $defs: Object.fromEntries(parts.map((part, i) => [`part${i}`, structuredClone(part)])),
    };
  }

  it.each<[string, JsonSchema]>([
    ["draft-07", structuredClone(draft07) as JsonSchema],
    [
      "2019-09",
      bundle(meta201909, [
        meta201909Core,
        meta201909Applicator,
        meta201909Validation,
        meta201909MetaData,
        meta201909Format,
        meta201909Content,
      ]),
    ],
    [
      "2020-12",
      bundle(meta202012, [
        meta202012Core,
        meta202012Applicator,
        meta202012Unevaluated,
        meta202012Validation,
        meta202012MetaData,
        meta202012Format,
        meta202012Content,
      ]),
    ],
  ])("%s has no cycle that does not descend", (_, schema) => {
    expect(inPlaceRefCycles(dereferencedCopy(schema)!, draftOf(schema), 100)).toEqual([]);
    // And its references resolve into the embedded parts, which a broken resolver would miss:
    // a part made to refer back to the root in place is a cycle.
    const looped = structuredClone(schema);
    const part = (looped.$defs as Record<string, JsonSchema> | undefined)?.part0 ?? looped;
    part.allOf = [{ $ref: typeof looped.$id === "string" ? looped.$id : "#" }];
    expect(inPlaceRefCycles(dereferencedCopy(looped)!, draftOf(looped), 100)).not.toEqual([]);
  });
});

describe("through the API", () => {
  const upstream = useUpstream();
  const CYCLE = {
    type: "object",
    properties: { x: { $ref: "#/definitions/a" } },
    definitions: { a: { $ref: "#/definitions/b" }, b: { $ref: "#/definitions/a" } },
  };

  it("refuses a cycle in input_schema on create with 422 invalid_tool, naming it", async () => {
    const res = await api("/tools", { method: "POST", json: httpTool({ input_schema: CYCLE }) });
    const body = await res.json<Json>();
    expect(res.status).toBe(422);
    expect(body.code).toBe("invalid_tool");
    expect(body.errors).toEqual([
      {
        path: "/input_schema/definitions/b/$ref",
        keyword: "$ref",
        message: expect.stringContaining(
          "validation would never end: /input_schema/definitions/a → /input_schema/definitions/b → /input_schema/definitions/a.",
        ),
      },
    ]);
  });

  it("refuses a cycle in output_schema, and on replace", async () => {
    const created = await api("/tools", {
      method: "POST",
      json: httpTool({ output_schema: { allOf: [{ $ref: "#" }] } }),
    });
    expect(created.status).toBe(422);
    expect((await created.json<Json>()).errors[0].path).toBe("/output_schema/allOf/0/$ref");

    const tool = await createTool();
    const replaced = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: httpTool({ name: tool.name, input_schema: { type: "object", not: { $ref: "#" } } }),
    });
    expect(replaced.status).toBe(422);
    expect((await replaced.json<Json>()).errors[0].path).toBe("/input_schema/not/$ref");
    // The stored tool is unchanged.
    expect((await (await api(`/tools/${tool.id}`)).json<Json>()).version).toBe(1);
  });

  it("saves a recursive tree of children and executes it, input and output", async () => {
    const tree = {
      type: "object",
      properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#" } } },
      required: ["name"],
    };
    const tool = await createTool({ method: "POST", input_schema: tree, output_schema: tree });
    upstream.on("POST", "https://api.example.com/v1/items", async (req) => json(JSON.parse(req.body)));
    const input = { name: "root", children: [{ name: "a", children: [{ name: "b" }] }] };
    const ok = await execute(tool.id, input);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.output).toEqual(input);
    const invalid = await execute(tool.id, { name: "root", children: [{ children: [] }] });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toContainEqual(expect.objectContaining({ path: "/input/children/0/name" }));
  });
});

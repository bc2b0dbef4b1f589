/**
 * Issue 15's JSON Schema repros through the API: each is a 422 at save that
 * names the problem, or the answer the spec gives at execute.
 */
import { describe, expect, it } from "vitest";
import { api, execute, json, uniqueName, useUpstream, type Json } from "./helpers";

const DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema";

function functionTool(inputSchema: unknown): Record<string, unknown> {
  return {
    name: uniqueName(),
    execution_type: "function",
    function_name: "current_time",
    input_schema: inputSchema,
  };
}

async function save(body: Record<string, unknown>): Promise<{ status: number; body: Json }> {
  const res = await api("/tools", { method: "POST", json: body });
  return { status: res.status, body: await res.json<Json>() };
}

async function saved(body: Record<string, unknown>): Promise<string> {
  const { status, body: created } = await save(body);
  expect(status, JSON.stringify(created)).toBe(201);
  return created.id as string;
}

/** A function tool whose input `v` has the schema `v`; returns a function that executes it with `{v: value}`. */
async function inputTool(v: unknown, dialect?: string): Promise<(value: unknown) => Promise<number>> {
  const schema = { ...(dialect ? { $schema: dialect } : {}), type: "object", properties: { v }, required: ["v"] };
  const id = await saved(functionTool(schema));
  return async (value) => (await execute(id, { v: value })).status;
}

describe("patterns mean what they mean in ECMAScript", () => {
  it("\\S refuses a no-break space, and \\s matches U+2003 and U+FEFF", async () => {
    const nonSpace = await inputTool({ type: "string", pattern: "^\\S+$" });
    expect(await nonSpace("a\u00a0b")).toBe(422);
    expect(await nonSpace("ab")).toBe(200);
    const space = await inputTool({ type: "string", pattern: "^\\s$" });
    expect(await space("\u2003")).toBe(200);
    expect(await space("\ufeff")).toBe(200);
    expect(await space("x")).toBe(422);
  });

  it("\\d and \\w are ASCII, and . does not match a line terminator", async () => {
    const digits = await inputTool({ type: "string", pattern: "^\\d$" });
    expect(await digits("\u07c0")).toBe(422); // NKO DIGIT ZERO
    expect(await digits("7")).toBe(200);
    const dot = await inputTool({ type: "string", pattern: "^a.b$" });
    expect(await dot("a\u2028b")).toBe(422);
    expect(await dot("a\u00e9b")).toBe(200);
  });

  it("accepts \\p{Letter} and \\p{Script=Greek}, and matches by them", async () => {
    const letters = await inputTool({ type: "string", pattern: "^\\p{Letter}+$" });
    expect(await letters("\u00e9t\u00e9")).toBe(200);
    expect(await letters("a1")).toBe(422);
    const greek = await inputTool({ type: "string", pattern: "^\\p{Script=Greek}+$" });
    expect(await greek("\u03b1\u03b2")).toBe(200);
    expect(await greek("ab")).toBe(422);
  });

  it.each([
    ["(?<=a)b", "lookbehind"],
    ["a(?=b)", "lookahead"],
    ["(a)\\1", "backreferences"],
    ["\\p{Script=Grek}", "scripts by their full name"],
  ])("refuses %s at save with a message that names it (%s)", async (pattern, words) => {
    const { status, body } = await save(functionTool({ type: "object", properties: { v: { pattern } } }));
    expect(status).toBe(422);
    expect(body.errors).toEqual([
      expect.objectContaining({ path: "/input_schema/properties/v/pattern", message: expect.stringContaining(words) }),
    ]);
  });

  it("accepts an ES2018 lookbehind as a value of format: regex", async () => {
    const regex = await inputTool({ type: "string", format: "regex" });
    expect(await regex("(?<=\\$)\\d+")).toBe(200);
    expect(await regex("(?<=")).toBe(422);
  });
});

describe("references", () => {
  it("resolves a $ref to the bundled draft-07 meta-schema, and validates by it", async () => {
    const check = await inputTool({ $ref: "http://json-schema.org/draft-07/schema#" });
    expect(await check({ type: "string", minLength: 2 })).toBe(200);
    expect(await check({ type: 5 })).toBe(422);
  });

  it("resolves a $ref to the bundled 2020-12 meta-schema", async () => {
    const check = await inputTool({ $ref: DRAFT_2020 }, DRAFT_2020);
    expect(await check({ properties: { a: { type: "string" } } })).toBe(200);
    expect(await check({ properties: { a: { minLength: -1 } } })).toBe(422);
  });

  it("in draft-07, resolves a $ref against the base URI its sibling $id would have changed", async () => {
    // The suite's "$ref prevents a sibling $id from changing the base uri": foo.json is base_foo, a number.
    const check = await inputTool({
      $id: "https://example.com/sibling_id/base/",
      definitions: {
        foo: { $id: "https://example.com/sibling_id/foo.json", type: "string" },
        base_foo: { $id: "foo.json", type: "number" },
      },
      allOf: [{ $id: "https://example.com/sibling_id/", $ref: "foo.json" }],
    });
    expect(await check("a string")).toBe(422);
    expect(await check(5)).toBe(200);
  });

  it("refuses a remote $ref at save, saying that schemas are never fetched", async () => {
    const { status, body } = await save(
      functionTool({ type: "object", properties: { v: { $ref: "https://schemas.example.com/v.json" } } }),
    );
    expect(status).toBe(422);
    expect(body.errors).toEqual([
      {
        path: "/input_schema/properties/v/$ref",
        keyword: "$ref",
        message: expect.stringContaining(
          "points to another document (https://schemas.example.com/v.json), and toolgate does not fetch schemas",
        ),
      },
    ]);
  });

  it("honours $dynamicRef in 2020-12 (the issue's repro answers 422)", async () => {
    const id = await saved(
      functionTool({
        $schema: DRAFT_2020,
        type: "object",
        $defs: { s: { $dynamicAnchor: "s", type: "string" } },
        properties: { v: { $dynamicRef: "#s" } },
      }),
    );
    expect((await execute(id, { v: 1 })).status).toBe(422);
    expect((await execute(id, { v: "one" })).status).toBe(200);
  });

  it("follows the dynamic scope: an outer $dynamicAnchor overrides the inner one", async () => {
    // A generic list whose items are whatever the outer schema's "item" anchor says: here, integers.
    const id = await saved(
      functionTool({
        $schema: DRAFT_2020,
        $id: "https://schemas.example.com/int-list",
        type: "object",
        properties: { v: { $ref: "list" } },
        $defs: {
          item: { $dynamicAnchor: "item", type: "integer" },
          list: {
            $id: "list",
            type: "array",
            items: { $dynamicRef: "#item" },
            $defs: { item: { $dynamicAnchor: "item" } },
          },
        },
      }),
    );
    expect((await execute(id, { v: [1, 2] })).status).toBe(200);
    expect((await execute(id, { v: [1, "two"] })).status).toBe(422);
  });

  it("refuses $dynamicRef in a draft that does not have it, naming it", async () => {
    const { status, body } = await save(
      functionTool({ type: "object", properties: { v: { $dynamicRef: "#s" } }, $defs: { s: {} } }),
    );
    expect(status).toBe(422);
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: "/input_schema/properties/v/$dynamicRef",
        message: expect.stringContaining("$dynamicRef is a JSON Schema 2020-12 keyword"),
      }),
    ]);
  });
});

describe("defaults", () => {
  it("refuses the issue's repro, a default over its own maximum, naming its pointer", async () => {
    const { status, body } = await save(
      functionTool({ type: "object", properties: { alpha: { type: "number", maximum: 3, default: 5 } } }),
    );
    expect(status).toBe(422);
    expect(body.errors).toEqual([
      {
        path: "/input_schema/properties/alpha/default",
        keyword: "default",
        message: expect.stringContaining("This default does not match its own schema"),
      },
    ]);
  });

  it("checks nested defaults, filled in as an execution fills them, and accepts good ones", async () => {
    const nested = {
      type: "object",
      properties: {
        options: {
          type: "object",
          required: ["size"],
          properties: { size: { type: "integer", default: 10 }, unit: { enum: ["px", "em"], default: "pt" } },
          default: {},
        },
      },
    };
    const { status, body } = await save(functionTool(nested));
    expect(status).toBe(422);
    // The unit's default is wrong, and so is the options' default once the unit's is filled into it.
    expect(body.errors.map((e: Json) => e.path)).toEqual([
      "/input_schema/properties/options/default",
      "/input_schema/properties/options/properties/unit/default",
    ]);
    const good = structuredClone(nested);
    good.properties.options.properties.unit.default = "px";
    const id = await saved(functionTool(good));
    expect((await execute(id, {})).status).toBe(200);
  });
});

describe("boolean output schemas", () => {
  const upstream = useUpstream();

  it.each([
    [true, 200],
    [false, 500],
  ])("accepts output_schema %s, and checks output by it", async (outputSchema, expected) => {
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ items: [] }));
    const { status, body } = await save({
      name: uniqueName(),
      execution_type: "http_request",
      method: "GET",
      endpoint_url: "https://api.example.com/v1/items",
      input_schema: { type: "object", properties: {} },
      output_schema: outputSchema,
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.output_schema).toBe(outputSchema);
    const run = await execute(body.id as string, {});
    expect(run.status).toBe(expected);
    if (expected === 500) expect(run.body.code).toBe("output_invalid");
  });
});

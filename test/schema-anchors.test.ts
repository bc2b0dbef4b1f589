/**
 * `$anchor` (and draft-07's `$id: "#name"`) belongs to its own schema
 * resource (src/engine/schema-anchors.ts). @cfworker/json-schema 4.x also
 * registers an embedded resource's anchor under every enclosing base URI; these
 * tools are saved and executed through the API, and answer as the
 * specification says.
 */
import { describe, expect, it } from "vitest";
import { compiledValidator, validateInstance } from "../src/engine/schemas";
import { validatedSchema } from "../src/engine/validated-schema";
import { api, execute, uniqueName, type Json } from "./helpers";

const DIALECTS = [
  ["2019-09", "https://json-schema.org/draft/2019-09/schema"],
  ["2020-12", "https://json-schema.org/draft/2020-12/schema"],
] as const;

function functionTool(inputSchema: unknown): Record<string, unknown> {
  return { name: uniqueName(), execution_type: "function", function_name: "current_time", input_schema: inputSchema };
}

async function save(inputSchema: unknown): Promise<{ status: number; body: Json }> {
  const res = await api("/tools", { method: "POST", json: functionTool(inputSchema) });
  return { status: res.status, body: await res.json<Json>() };
}

/** Saves a tool and returns a function that executes it with `input`, answering the status and errors. */
async function savedTool(inputSchema: unknown): Promise<{ id: string; run: (input: unknown) => Promise<number> }> {
  const { status, body } = await save(inputSchema);
  expect(status, JSON.stringify(body)).toBe(201);
  const id = body.id as string;
  return { id, run: async (input) => (await execute(id, input)).status };
}

/** The suite's "order of evaluation: $id and $anchor and $ref" (ref.json), maxima as given. */
function orderOfEvaluation(dialect: string, draft: string, bigint: number, smallint: number): Record<string, unknown> {
  return {
    $comment: "$id must be evaluated before $ref to get the proper $ref destination",
    $schema: dialect,
    $id: `https://example.com/draft${draft}/ref-and-id2/base.json`,
    $ref: "#bigint",
    $defs: {
      bigint: { $anchor: "bigint", maximum: bigint },
      smallint: { $id: `https://example.com/draft${draft}/ref-and-id2/`, $anchor: "bigint", maximum: smallint },
    },
  };
}

/** As the suite runner registers a suite schema: the input's property `v`. */
function wrapped(schema: unknown): Record<string, unknown> {
  return { type: "object", properties: { v: schema }, required: ["v"] };
}

describe.each(DIALECTS)("%s: an anchor belongs to its own schema resource", (draft, dialect) => {
  it("the suite's schema: #bigint is the root resource's bigint (maximum 10), not the embedded one's", async () => {
    const { run } = await savedTool(wrapped(orderOfEvaluation(dialect, draft, 10, 2)));
    expect(await run({ v: 5 })).toBe(200);
    expect(await run({ v: 50 })).toBe(422);
  });

  it("with the maxima swapped, 5 is refused (it was a wrong valid)", async () => {
    const { id, run } = await savedTool(wrapped(orderOfEvaluation(dialect, draft, 2, 10)));
    const refused = await execute(id, { v: 5 });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: "/input/v", keyword: "maximum", message: "5 is greater than 2." }]);
    expect(await run({ v: 1 })).toBe(200);
  });

  it("at the root of a tool's input schema, and GET shows the schema as written", async () => {
    const schema = {
      $schema: dialect,
      $id: "https://example.com/anchors/root.json",
      type: "object",
      properties: { n: { $ref: "#limit" } },
      $defs: {
        limit: { $anchor: "limit", type: "integer", maximum: 2 },
        other: { $id: "https://example.com/anchors/other/", $anchor: "limit", type: "integer", maximum: 10 },
      },
    };
    const { id, run } = await savedTool(schema);
    expect(await run({ n: 2 })).toBe(200);
    expect(await run({ n: 5 })).toBe(422);
    const stored = await (await api(`/tools/${id}`)).json<Json>();
    expect(stored.input_schema).toEqual(schema);
  });

  it("refuses at save a reference to the enclosing base that only an embedded resource's anchor has", async () => {
    const { status, body } = await save({
      $schema: dialect,
      $id: "https://example.com/anchors/enclosing.json",
      type: "object",
      properties: { v: { $ref: "#inner" } },
      $defs: { embedded: { $id: "https://example.com/anchors/embedded/", $anchor: "inner", type: "string" } },
    });
    expect(status).toBe(422);
    expect(body.code).toBe("invalid_tool");
    expect(body.errors).toEqual([
      {
        path: "/input_schema/properties/v/$ref",
        keyword: "$ref",
        message: '$ref "#inner" does not resolve: nothing in this schema is at that place.',
      },
    ]);
  });

  it("resolves the same anchor by its own resource's URI", async () => {
    const { run } = await savedTool({
      $schema: dialect,
      $id: "https://example.com/anchors/enclosing.json",
      type: "object",
      properties: { v: { $ref: "embedded/#inner" } },
      $defs: { embedded: { $id: "https://example.com/anchors/embedded/", $anchor: "inner", type: "string" } },
    });
    expect(await run({ v: "text" })).toBe(200);
    expect(await run({ v: 1 })).toBe(422);
  });

  it("nested embedded resources: each #x is its own resource's", async () => {
    const { run } = await savedTool({
      $schema: dialect,
      $id: "https://example.com/nested/root.json",
      type: "object",
      properties: { a: { $ref: "#x" }, b: { $ref: "outer/#x" }, c: { $ref: "outer/inner/#x" } },
      required: ["a", "b", "c"],
      $defs: {
        x: { $anchor: "x", type: "string" },
        outer: {
          $id: "outer/",
          properties: { own: { $ref: "#x" } },
          $defs: {
            x: { $anchor: "x", type: "integer" },
            inner: { $id: "inner/", $anchor: "x", type: "boolean" },
          },
        },
      },
    });
    expect(await run({ a: "s", b: 1, c: true })).toBe(200);
    expect(await run({ a: true, b: 1, c: true })).toBe(422);
    expect(await run({ a: "s", b: true, c: true })).toBe(422);
    expect(await run({ a: "s", b: 1, c: 1 })).toBe(422);
  });

  it("nested embedded resources: a reference to a middle resource's base that only the innermost names is refused", async () => {
    const { status, body } = await save({
      $schema: dialect,
      $id: "https://example.com/nested/root.json",
      type: "object",
      properties: { v: { $ref: "outer/#deep" } },
      $defs: { outer: { $id: "outer/", $defs: { inner: { $id: "inner/", $anchor: "deep", type: "boolean" } } } },
    });
    expect(status).toBe(422);
    expect(body.errors).toEqual([
      {
        path: "/input_schema/properties/v/$ref",
        keyword: "$ref",
        message: '$ref "outer/#deep" does not resolve: nothing in this schema is at that place.',
      },
    ]);
  });
});

describe("2020-12: a $dynamicRef's static target is its own resource's anchor", () => {
  it("an embedded resource's $anchor does not hide the enclosing $dynamicAnchor of that name", async () => {
    const { run } = await savedTool({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "https://example.com/dynamic/root.json",
      type: "object",
      properties: { v: { $dynamicRef: "#meta" } },
      $defs: {
        meta: { $dynamicAnchor: "meta", type: "string" },
        embedded: { $id: "https://example.com/dynamic/embedded/", $anchor: "meta", type: "number" },
      },
    });
    expect(await run({ v: "text" })).toBe(200);
    expect(await run({ v: 1 })).toBe(422);
  });
});

describe("draft-07: an $id that is a plain-name fragment belongs to its own resource too", () => {
  it("#foo is the root resource's, not the embedded one's", async () => {
    const { run } = await savedTool({
      $id: "https://example.com/draft7/root.json",
      type: "object",
      properties: { v: { $ref: "#foo" } },
      definitions: {
        foo: { $id: "#foo", type: "string" },
        embedded: {
          $id: "https://example.com/draft7/embedded.json",
          definitions: { f: { $id: "#foo", type: "number" } },
        },
      },
    });
    expect(await run({ v: "text" })).toBe(200);
    expect(await run({ v: 1 })).toBe(422);
  });
});

describe("the copy the validator is built from", () => {
  it("points the misresolved $ref at its target by JSON Pointer, and leaves the stored schema as it is", () => {
    const schema = orderOfEvaluation(DIALECTS[1][1], "2020-12", 10, 2);
    const copy = validatedSchema(schema, "2020-12", "assert") as Record<string, unknown>;
    expect(copy.$ref).toBe("https://example.com/draft2020-12/ref-and-id2/base.json#/$defs/bigint");
    expect({ ...copy, $ref: "#bigint" }).toEqual(schema);
    expect(schema.$ref).toBe("#bigint");
  });

  it("is the schema itself when every anchor resolves as written", () => {
    const schema = {
      $schema: DIALECTS[1][1],
      $id: "https://example.com/plain.json",
      $ref: "#a",
      $defs: { a: { $anchor: "a", type: "string" }, b: { $id: "b/", $anchor: "b" } },
    };
    expect(validatedSchema(schema, "2020-12", "assert")).toBe(schema);
  });

  it("keeps a reference that only the embedded anchor answers, in a tool saved before it was refused, as it was", () => {
    const schema = {
      $schema: DIALECTS[1][1],
      $id: "https://example.com/legacy.json",
      $ref: "#inner",
      $defs: { embedded: { $id: "embedded/", $anchor: "inner", type: "string" } },
    };
    expect(validatedSchema(schema, "2020-12", "assert")).toBe(schema);
    const compiled = compiledValidator("schema-anchors-legacy", schema);
    expect(validateInstance(compiled, "text", "")).toEqual([]);
    expect(validateInstance(compiled, 1, "")).not.toEqual([]);
  });
});

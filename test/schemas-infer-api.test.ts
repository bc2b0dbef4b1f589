/** POST /schemas/infer through the Worker: the schema, its errors and scope, and that a tool accepts it. */
import { describe, expect, it } from "vitest";
import { DRAFT_07, inferSchema } from "../src/registry/infer-schema";
import { api, createApiKey, createTool, execute, json, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

function infer(body: unknown, token?: string | null): Promise<Response> {
  return api("/schemas/infer", { method: "POST", json: body, token });
}

const USER = { id: 42, name: "Grace Hopper", active: true, score: 9.5, tags: ["admin"], manager: null };

describe("POST /schemas/infer", () => {
  it("answers the draft-07 schema of the sample", async () => {
    const res = await infer({ sample: USER });
    expect(res.status).toBe(200);
    expect(await res.json<Json>()).toEqual({
      schema: {
        $schema: DRAFT_07,
        type: "object",
        properties: {
          id: { type: "integer" },
          name: { type: "string" },
          active: { type: "boolean" },
          score: { type: "number" },
          tags: { type: "array", items: { type: "string" } },
          manager: { type: "null" },
        },
        required: ["id", "name", "active", "score", "tags", "manager"],
      },
    });
  });

  it.each([
    ["null", null],
    ["a string", "ok"],
    ["a number", 1.5],
    ["an empty array", []],
    ["a list of pages with varying keys", [{ a: 1 }, { a: 2, b: "x" }]],
  ])("takes any JSON value: %s", async (_, sample) => {
    const res = await infer({ sample });
    expect(res.status).toBe(200);
    expect(await res.json<Json>()).toEqual({ schema: inferSchema(sample) });
  });

  it("answers 422 without a sample, and 400 for JSON nested too deep", async () => {
    const missing = await infer({});
    expect(missing.status).toBe(422);
    expect(await missing.json<Json>()).toMatchObject({
      code: "invalid_request",
      errors: [{ path: "/sample", message: "sample is required: any JSON value." }],
    });
    const deep = await api("/schemas/infer", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"sample":${"[".repeat(200)}${"]".repeat(200)}}`,
    });
    expect(deep.status).toBe(400);
    expect((await deep.json<Json>()).code).toBe("json_too_deep");
  });

  it("needs a token (401) with tools:write (403)", async () => {
    expect((await infer({ sample: 1 }, null)).status).toBe(401);
    const reader = await createApiKey(["tools:read"]);
    const refused = await infer({ sample: 1 }, reader.key);
    expect(refused.status).toBe(403);
    expect(await refused.json<Json>()).toMatchObject({ code: "insufficient_scope", required_scope: "tools:write" });
    const writer = await createApiKey(["tools:write"]);
    expect((await infer({ sample: 1 }, writer.key)).status).toBe(200);
  });

  it("gives an output schema a tool accepts, which the sample's API then passes", async () => {
    const { schema } = await (await infer({ sample: USER })).json<Json>();
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/users/42", output_schema: schema });
    upstream.on("GET", "https://api.example.com/v1/users/42", () => json({ ...USER, name: "Ada Lovelace" }));
    const run = await execute(tool.id, {});
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.output).toMatchObject({ name: "Ada Lovelace" });
  });
});

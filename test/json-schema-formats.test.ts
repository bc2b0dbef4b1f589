/**
 * `format` in 2020-12 is an annotation for tools saved from now on (format_mode
 * "by_draft"), unless the schema's $vocabulary names format-assertion or the
 * tool asks for "assert"; draft-07 asserts as before. Tools saved before keep
 * asserting: test/upgrade.test.ts migrates such a row.
 */
import { describe, expect, it } from "vitest";
import { api, execute, uniqueName, type Json } from "./helpers";

const DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema";

function emailTool(dialect: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: uniqueName(),
    execution_type: "function",
    function_name: "current_time",
    input_schema: {
      ...(dialect ? { $schema: dialect } : {}),
      type: "object",
      properties: { email: { type: "string", format: "email" } },
    },
    ...extra,
  };
}

async function save(body: Record<string, unknown>, path = "/tools", method = "POST"): Promise<Json> {
  const res = await api(path, { method, json: body });
  const saved = await res.json<Json>();
  expect(res.status, JSON.stringify(saved)).toBe(method === "POST" ? 201 : 200);
  return saved;
}

describe("2020-12 formats", () => {
  it("are annotations in a new 2020-12 tool: a bad email is accepted, and GET says by_draft", async () => {
    const tool = await save(emailTool(DRAFT_2020));
    expect(tool.format_mode).toBe("by_draft");
    expect((await execute(tool.id, { email: "not an email" })).status).toBe(200);
    expect((await (await api(`/tools/${tool.id}`)).json<Json>()).format_mode).toBe("by_draft");
  });

  it("are asserted in a new draft-07 tool, as before", async () => {
    const tool = await save(emailTool(null));
    expect(tool.format_mode).toBe("by_draft");
    const { status, body } = await execute(tool.id, { email: "not an email" });
    expect(status).toBe(422);
    expect(body.errors).toEqual([expect.objectContaining({ path: "/input/email", keyword: "format" })]);
    expect((await execute(tool.id, { email: "a@example.com" })).status).toBe(200);
  });

  it('are asserted in 2020-12 with format_mode "assert", which a replace without it keeps', async () => {
    const body = emailTool(DRAFT_2020, { format_mode: "assert" });
    const tool = await save(body);
    expect(tool.format_mode).toBe("assert");
    expect((await execute(tool.id, { email: "not an email" })).status).toBe(422);
    const { format_mode: _, ...withoutMode } = body;
    const replaced = await save({ ...withoutMode, description: "edited" }, `/tools/${tool.id}`, "PUT");
    expect(replaced.format_mode).toBe("assert");
    expect((await execute(tool.id, { email: "not an email" })).status).toBe(422);
  });

  it("are asserted in 2020-12 when $vocabulary names the format-assertion vocabulary", async () => {
    const body = emailTool(DRAFT_2020);
    const schema = body.input_schema as Record<string, unknown>;
    schema.$vocabulary = {
      "https://json-schema.org/draft/2020-12/vocab/core": true,
      "https://json-schema.org/draft/2020-12/vocab/format-assertion": true,
    };
    const tool = await save(body);
    expect((await execute(tool.id, { email: "not an email" })).status).toBe(422);
  });

  it("do not refuse a default at save where they are annotations", async () => {
    const withDefault = (extra: Record<string, unknown> = {}) => {
      const body = emailTool(DRAFT_2020, extra);
      const schema = body.input_schema as { properties: { email: Record<string, unknown> } };
      schema.properties.email.default = "nobody";
      return body;
    };
    const tool = await save(withDefault());
    expect((await execute(tool.id, {})).status).toBe(200);
    const res = await api("/tools", { method: "POST", json: withDefault({ format_mode: "assert" }) });
    expect(res.status).toBe(422);
    expect((await res.json<Json>()).errors).toEqual([
      expect.objectContaining({ path: "/input_schema/properties/email/default", keyword: "default" }),
    ]);
  });
});

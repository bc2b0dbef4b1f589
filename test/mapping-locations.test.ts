/**
 * The input_mapping locations and options OpenAPI imports need, through
 * POST /tools and execution: cookie inputs, a whole_body input, body_format
 * text and query styles, and the rules that refuse what cannot be sent.
 */
import { describe, expect, it } from "vitest";
import { api, createTool, execute, httpTool, json, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();
const URL_ = "https://api.example.com/v1/items";

async function refused(overrides: Record<string, unknown>): Promise<Json[]> {
  const res = await api("/tools", { method: "POST", json: httpTool(overrides) });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(422);
  return body.errors;
}

const schema = (properties: Record<string, unknown>) => ({ type: "object", properties });

describe("input_mapping for imports", () => {
  it("sends cookie, whole_body and styled query inputs as mapped", async () => {
    const tool = await createTool({
      method: "POST",
      input_schema: schema({ lang: { type: "string" }, filter: { type: "object" }, items: { type: "array" } }),
      input_mapping: {
        lang: { in: "cookie" },
        filter: { in: "query", style: "deepObject" },
        items: { in: "whole_body" },
      },
    });
    upstream.on("POST", URL_, () => json({}));
    const res = await execute(tool.id, { lang: "en", filter: { status: "open" }, items: [1, 2] });
    expect(res.status).toBe(200);
    const [call] = upstream.calls;
    expect(call!.url.search).toBe("?filter%5Bstatus%5D=open");
    expect(call!.headers.get("cookie")).toBe("lang=en");
    expect(call!.body).toBe("[1,2]");
  });

  it("sends a text body as it is", async () => {
    const tool = await createTool({
      method: "POST",
      body_format: "text",
      input_schema: schema({ body: { type: "string" } }),
      input_mapping: { body: { in: "whole_body" } },
    });
    upstream.on("POST", URL_, () => json({}));
    expect((await execute(tool.id, { body: "hello" })).status).toBe(200);
    expect(upstream.calls[0]!.body).toBe("hello");
    expect(upstream.calls[0]!.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "a cookie that carries a credential",
      { input_schema: schema({ s: {} }), input_mapping: { s: { in: "cookie", name: "session_id" } } },
      "/input_mapping/s/name",
      /carries credentials/,
    ],
    [
      "a whole_body input on GET",
      { input_schema: schema({ b: {} }), input_mapping: { b: { in: "whole_body" } } },
      "/input_mapping/b/in",
      /GET requests carry no body/,
    ],
    [
      "a whole_body input in a form",
      {
        method: "POST",
        body_format: "form",
        input_schema: schema({ b: {} }),
        input_mapping: { b: { in: "whole_body" } },
      },
      "/input_mapping/b/in",
      /sent as JSON or as text/,
    ],
    [
      "two whole_body inputs",
      {
        method: "POST",
        input_schema: schema({ a: {}, b: {} }),
        input_mapping: { a: { in: "whole_body" }, b: { in: "whole_body" } },
      },
      "/input_mapping/b/in",
      /Only one input can be the whole body/,
    ],
    [
      "a body member next to a whole body",
      { method: "POST", input_schema: schema({ a: {}, b: {} }), input_mapping: { a: { in: "whole_body" } } },
      "/input_mapping/b",
      /Another input is the whole body/,
    ],
    [
      "a style on a header",
      { input_schema: schema({ h: {} }), input_mapping: { h: { in: "header", name: "X-H", style: "form" } } },
      "/input_mapping/h",
      /style and explode apply to query inputs only/,
    ],
  ])("refuses %s", async (_label, overrides, path, message) => {
    const errors = await refused(overrides);
    expect(errors.find((e) => e.path === path)?.message ?? JSON.stringify(errors)).toMatch(message);
  });
});

/**
 * GET /exports/functions and /exports/functions/{id} through the Worker:
 * the three formats, strict mode, paging, and the problems for a bad query,
 * an unknown tool and a missing scope.
 */
import { describe, expect, it } from "vitest";
import { api, createApiKey, createTool, type Json } from "./helpers";

const WEATHER_INPUT = {
  type: "object",
  properties: { city: { type: "string" }, units: { type: "string", enum: ["metric", "imperial"] } },
  required: ["city"],
};

async function getJson(path: string, token?: string): Promise<{ status: number; body: Json; res: Response }> {
  const res = await api(path, token === undefined ? {} : { token });
  return { status: res.status, body: await res.json<Json>(), res };
}

/** Walks the export from the start; every page's items and strict_unavailable entries. */
async function walk(query: string): Promise<{ items: Json[]; unavailable: Json[]; pages: number }> {
  const items: Json[] = [];
  const unavailable: Json[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages < 1000; pages++) {
    const path: string = `/exports/functions?${query}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const { status, body } = await getJson(path);
    expect(status, JSON.stringify(body)).toBe(200);
    items.push(...body.items);
    unavailable.push(...body.strict_unavailable);
    if (body.next_cursor === null) return { items, unavailable, pages };
    cursor = body.next_cursor;
  }
  throw new Error("the export never ended");
}

describe("GET /exports/functions/{id}", () => {
  it("exports one tool for OpenAI", async () => {
    const tool = await createTool({ description: "Current weather", input_schema: WEATHER_INPUT });
    const { status, body } = await getJson(`/exports/functions/${tool.id}?format=openai`);
    expect(status).toBe(200);
    expect(body).toEqual({
      format: "openai",
      strict: false,
      item: {
        type: "function",
        function: { name: tool.name, description: "Current weather", parameters: WEATHER_INPUT, strict: false },
      },
      strict_unavailable: null,
    });
  });

  it("exports one tool for Anthropic", async () => {
    const tool = await createTool({ description: "Current weather", input_schema: WEATHER_INPUT });
    const { status, body } = await getJson(`/exports/functions/${tool.id}?format=anthropic`);
    expect(status).toBe(200);
    expect(body).toEqual({
      format: "anthropic",
      strict: false,
      item: { name: tool.name, description: "Current weather", input_schema: WEATHER_INPUT },
      strict_unavailable: null,
    });
  });

  it("exports a convertible tool in OpenAI strict mode", async () => {
    const tool = await createTool({ input_schema: WEATHER_INPUT });
    const { body } = await getJson(`/exports/functions/${tool.id}?format=openai&strict=true`);
    expect(body).toEqual({
      format: "openai",
      strict: true,
      item: {
        type: "function",
        function: {
          name: tool.name,
          strict: true,
          parameters: {
            type: "object",
            properties: {
              city: { type: "string" },
              units: { type: ["string", "null"], enum: ["metric", "imperial", null] },
            },
            required: ["city", "units"],
            additionalProperties: false,
          },
        },
      },
      strict_unavailable: null,
    });
  });

  it("exports one tool for the OpenAI Responses API: the flat FunctionTool", async () => {
    const tool = await createTool({ description: "Current weather", input_schema: WEATHER_INPUT });
    const { status, body } = await getJson(`/exports/functions/${tool.id}?format=openai-responses`);
    expect(status).toBe(200);
    expect(body).toEqual({
      format: "openai-responses",
      strict: false,
      item: {
        type: "function",
        name: tool.name,
        description: "Current weather",
        parameters: WEATHER_INPUT,
        strict: false,
      },
      strict_unavailable: null,
    });
    const strict = await getJson(`/exports/functions/${tool.id}?format=openai-responses&strict=true`);
    expect(strict.body.item).toMatchObject({ strict: true, parameters: { required: ["city", "units"] } });
  });

  it("exports a convertible tool for Anthropic's strict tool use", async () => {
    const tool = await createTool({ input_schema: WEATHER_INPUT });
    const { status, body } = await getJson(`/exports/functions/${tool.id}?format=anthropic&strict=true`);
    expect(status).toBe(200);
    expect(body).toEqual({
      format: "anthropic",
      strict: true,
      item: { name: tool.name, strict: true, input_schema: { ...WEATHER_INPUT, additionalProperties: false } },
      strict_unavailable: null,
    });
  });

  it("exports a tool strict mode cannot express non-strict, saying why", async () => {
    const input = { type: "object", properties: { q: { type: "string", minLength: 2 } }, required: ["q"] };
    const tool = await createTool({ input_schema: input });
    const { body } = await getJson(`/exports/functions/${tool.id}?format=openai&strict=true`);
    expect(body.item.function).toEqual({ name: tool.name, parameters: input, strict: false });
    expect(body.strict_unavailable).toBe(
      "At /properties/q: the keyword minLength, which OpenAI's strict mode does not accept.",
    );
    const anthropic = await getJson(`/exports/functions/${tool.id}?format=anthropic&strict=true`);
    expect(anthropic.body.item).toEqual({ name: tool.name, input_schema: input });
    expect(anthropic.body.strict_unavailable).toBe(
      "At /properties/q: the keyword minLength, which Anthropic's strict tool use does not accept.",
    );
  });

  it("exports a built-in function tool with its schema", async () => {
    const tool = await createTool({
      execution_type: "function",
      function_name: "current_time",
      method: null,
      endpoint_url: null,
      input_schema: null,
    });
    const { body } = await getJson(`/exports/functions/${tool.id}?format=anthropic`);
    expect(body.item).toEqual({ name: tool.name, input_schema: tool.input_schema });
  });

  it("answers an unknown tool with 404 problem+json", async () => {
    const { status, body, res } = await getJson("/exports/functions/no-such-tool?format=openai");
    expect(status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(body.code).toBe("tool_not_found");
  });
});

describe("GET /exports/functions", () => {
  it("exports every tool, oldest first, page by page, opted-out of MCP or not", async () => {
    const created = [
      await createTool({ input_schema: WEATHER_INPUT }),
      await createTool({ mcp_enabled: false }),
      await createTool({ input_schema: { type: "object", properties: { x: { type: "string", format: "uri" } } } }),
    ];
    const { items, unavailable, pages } = await walk("format=openai&strict=true&limit=2");
    expect(pages).toBeGreaterThanOrEqual(2);
    const names = items.map((item) => item.function.name);
    expect(new Set(names).size).toBe(names.length);
    const positions = created.map((tool) => names.indexOf(tool.name));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const [weather, hidden, uri] = created.map((tool) => items.find((item) => item.function.name === tool.name));
    expect(weather?.function.strict).toBe(true);
    expect(hidden?.function.strict).toBe(true);
    expect(uri?.function.strict).toBe(false);
    expect(unavailable).toContainEqual({
      tool_id: created[2]?.id,
      name: created[2]?.name,
      reason: 'At /properties/x: the format "uri", which OpenAI\'s strict mode does not accept.',
    });
    expect(unavailable.map((u) => u.tool_id)).not.toContain(created[0]?.id);
  });

  it("lists Anthropic definitions with the page's cursor", async () => {
    await createTool();
    await createTool();
    const { status, body } = await getJson("/exports/functions?format=anthropic&limit=1");
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["format", "items", "next_cursor", "strict", "strict_unavailable"]);
    expect(body).toMatchObject({ format: "anthropic", strict: false, strict_unavailable: [] });
    expect(body.items).toHaveLength(1);
    expect(Object.keys(body.items[0]).sort()).toEqual(expect.arrayContaining(["input_schema", "name"]));
    expect(typeof body.next_cursor).toBe("string");
  });

  it("refuses a missing or unknown format and a bad strict: 422 problem+json", async () => {
    const CASES: [string, string][] = [
      ["", "/query/format"],
      ["format=gemini", "/query/format"],
      ["format=openai&strict=yes", "/query/strict"],
      ["format=anthropic&strict=1", "/query/strict"],
    ];
    for (const [query, path] of CASES) {
      for (const route of ["/exports/functions", "/exports/functions/any-id"]) {
        const { status, body, res } = await getJson(`${route}?${query}`);
        expect(status, `${route}?${query}`).toBe(422);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(body.code).toBe("invalid_request");
        expect(body.errors.map((e: Json) => e.path)).toContain(path);
      }
    }
  });

  it("refuses a cursor it did not issue with 400 invalid_cursor", async () => {
    const { status, body } = await getJson("/exports/functions?format=openai&cursor=nope");
    expect(status).toBe(400);
    expect(body.code).toBe("invalid_cursor");
  });
});

describe("access", () => {
  it("needs a token (401) and the tools:read scope (403)", async () => {
    const noToken = await api("/exports/functions?format=openai", { token: null });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get("content-type")).toBe("application/problem+json");
    const executor = await createApiKey(["tools:execute"]);
    const { status, body } = await getJson("/exports/functions?format=openai", executor.key);
    expect(status).toBe(403);
    expect(body).toMatchObject({ code: "insufficient_scope", required_scope: "tools:read" });
    const reader = await createApiKey(["tools:read"]);
    expect((await getJson("/exports/functions?format=openai", reader.key)).status).toBe(200);
  });
});

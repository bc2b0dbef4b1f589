/**
 * GET /executions: the log across tools (the API's /ui/runs), newest first,
 * filtered by tool, outcome, upstream status and start time, paged by cursor
 * like GET /tools/{id}/executions, and keeping the runs of deleted tools.
 */
import { describe, expect, it } from "vitest";
import { api, createApiKey, createTool, execute, json, useUpstream, waitForLog, type Json } from "./helpers";

const upstream = useUpstream();
const ENDPOINT = "https://runs.example.com/v1/status";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function list(query = "", token?: string): Promise<{ status: number; body: Json; type: string | null }> {
  const res = await api(`/executions${query}`, token === undefined ? {} : { token });
  return { status: res.status, body: await res.json<Json>(), type: res.headers.get("content-type") };
}

/** Follows next_cursor from the first page to the last; every id, in order. */
async function allIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page = await list(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    ids.push(...page.body.items.map((item: Json) => item.id as string));
    cursor = page.body.next_cursor;
    if (cursor === null) return ids;
  }
  throw new Error("too many pages");
}

/** A tool whose upstream answers with the status its input asks for. */
async function statusTool(): Promise<Json> {
  upstream.on("GET", ENDPOINT, (req) => {
    const status = Number(req.url.searchParams.get("status") ?? "200");
    return json({ status }, { status });
  });
  return createTool({
    endpoint_url: ENDPOINT,
    input_schema: { type: "object", properties: { status: { type: "integer" } } },
  });
}

async function run(toolId: string, input: Json = {}): Promise<string> {
  const { body } = await execute(toolId, input);
  await waitForLog(body.execution_id);
  // Distinct started_at values, so that the order is the order of the runs.
  await sleep(5);
  return body.execution_id;
}

describe("GET /executions", () => {
  it("lists every tool's runs newest first, a page at a time, as GET /executions/{id} shows them", async () => {
    const since = new Date().toISOString();
    const a = await statusTool();
    const b = await createTool({
      execution_type: "function",
      function_name: "current_time",
      method: null,
      endpoint_url: null,
    });
    const ids = [await run(a.id), await run(b.id, { timezone: "UTC" }), await run(a.id, { status: 201 })];

    const mine = (found: string[]) => found.filter((id) => ids.includes(id));
    expect(mine(await allIds(`?from=${since}&limit=1`))).toEqual([...ids].reverse());
    expect(mine(await allIds(`?from=${since}&limit=2`))).toEqual([...ids].reverse());

    const first = await list(`?from=${since}&limit=100`);
    expect(first.status).toBe(200);
    const items = first.body.items.filter((item: Json) => ids.includes(item.id));
    expect(items.map((item: Json) => item.tool_id)).toEqual([a.id, b.id, a.id]);
    expect(items[0]).toEqual(await waitForLog(ids[2]!));
    expect(items[0]).toMatchObject({ input: { status: 201 }, output: { status: 201 }, upstream_status: 201 });

    const byTool = await list(`?tool_id=${a.id}&limit=1`);
    expect(byTool.body.items.map((item: Json) => item.id)).toEqual([ids[2]]);
    expect(byTool.body.next_cursor).toEqual(expect.any(String));
    const next = await list(`?tool_id=${a.id}&limit=1&cursor=${encodeURIComponent(byTool.body.next_cursor)}`);
    expect(next.body).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
  });

  it("filters by outcome, upstream status and start time", async () => {
    const tool = await statusTool();
    const ok = await run(tool.id);
    const failed = await run(tool.id, { status: 503 });
    const middle = new Date().toISOString();
    await sleep(5);
    const invalid = await run(tool.id, { status: "not a number" });
    const missing = await run(tool.id, { status: 404 });
    const ids = (query: string) => allIds(`?tool_id=${tool.id}${query}`);

    expect(await ids("")).toEqual([missing, invalid, failed, ok]);
    expect(await ids("&outcome=upstream_error")).toEqual([missing, failed]);
    expect(await ids("&outcome=input_invalid")).toEqual([invalid]);
    expect(await ids("&outcome=timeout")).toEqual([]);
    expect(await ids("&upstream_status=503")).toEqual([failed]);
    expect(await ids("&upstream_status=404&outcome=upstream_error")).toEqual([missing]);
    expect(await ids(`&from=${middle}`)).toEqual([missing, invalid]);
    expect(await ids(`&to=${middle}`)).toEqual([failed, ok]);
    expect(await ids(`&from=${middle}&outcome=upstream_error&limit=1`)).toEqual([missing]);
    // The same instant at another offset is the same bound (started_at is stored in UTC).
    const ms = Date.parse(middle) + 60 * 60 * 1000;
    const atPlusOne = `${new Date(ms).toISOString().slice(0, 23)}+01:00`;
    expect(await ids(`&from=${encodeURIComponent(atPlusOne)}`)).toEqual([missing, invalid]);
  });

  it("lists a run as soon as its response is back (it waits for this isolate's rows to land)", async () => {
    const tool = await statusTool();
    const { body } = await execute(tool.id);
    expect((await list(`?tool_id=${tool.id}`)).body.items.map((item: Json) => item.id)).toEqual([body.execution_id]);
  });

  it("keeps listing the runs of a deleted tool", async () => {
    const since = new Date().toISOString();
    const tool = await statusTool();
    const id = await run(tool.id);
    expect((await api(`/tools/${tool.id}`, { method: "DELETE" })).status).toBe(204);

    const byTool = await list(`?tool_id=${tool.id}`);
    expect(byTool.body).toEqual({
      items: [expect.objectContaining({ id, tool_id: tool.id, tool_name: tool.name })],
      next_cursor: null,
    });
    expect(await allIds(`?from=${since}`)).toContain(id);
    // A tool id that never ran lists nothing (there is no 404: logs outlive tools).
    expect(await list("?tool_id=00000000-0000-4000-8000-000000000000")).toMatchObject({
      status: 200,
      body: { items: [], next_cursor: null },
    });
  });

  it("never shows a credential, even one the API echoed back", async () => {
    const secret = "runs-list-secret-7f3a9c21";
    upstream.on("GET", ENDPOINT, (req) => json({ echoed: req.headers.get("authorization") }));
    const tool = await createTool({ endpoint_url: ENDPOINT, auth_config: { type: "bearer_token", token: secret } });
    const id = await run(tool.id);

    const res = await api(`/executions?tool_id=${tool.id}`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text).items.map((item: Json) => item.id)).toEqual([id]);
    expect(text).toContain("echoed");
    expect(text).not.toContain(secret);
  });

  it("needs the executions:read scope", async () => {
    const reader = await createApiKey(["executions:read"]);
    const other = await createApiKey(["tools:read", "tools:execute", "tools:write"]);
    expect((await list("?limit=1", reader.key)).status).toBe(200);
    const denied = await list("?limit=1", other.key);
    expect(denied.status).toBe(403);
    expect(denied.type).toContain("application/problem+json");
    expect(denied.body.code).toBe("insufficient_scope");
    expect(denied.body).not.toHaveProperty("items");
    expect((await api("/executions", { token: null })).status).toBe(401);
  });

  it("refuses a bad filter with 422 that says what is expected", async () => {
    const cases: [string, string, string][] = [
      ["?outcome=exploded", "/query/outcome", "outcome must be one of: success,"],
      ["?upstream_status=teapot", "/query/upstream_status", "upstream_status must be an HTTP status code"],
      ["?upstream_status=42", "/query/upstream_status", "upstream_status must be an HTTP status code, 100-599."],
      ["?from=yesterday", "/query/from", "from must be a date and time in ISO 8601 with its offset"],
      ["?to=2026-12-04T13:05", "/query/to", "to must be a date and time in ISO 8601 with its offset"],
      ["?from=2026-12-04T13:05:00Z&to=2026-12-04T13:05:00Z", "/query/to", "to must be later than from."],
      ["?from=2026-12-04T14:45:00%2B01:00&to=2026-12-04T13:30:00Z", "/query/to", "to must be later than from."],
      ["?limit=0", "/query/limit", ""],
    ];
    for (const [query, path, message] of cases) {
      const res = await list(query);
      expect(res.status, query).toBe(422);
      expect(res.type).toContain("application/problem+json");
      expect(res.body.code).toBe("invalid_request");
      expect(res.body.errors, query).toEqual([{ path, message: expect.stringContaining(message) }]);
    }
    const cursor = await list("?cursor=not-a-cursor");
    expect(cursor.status).toBe(400);
    expect(cursor.body.code).toBe("invalid_cursor");
  });
});

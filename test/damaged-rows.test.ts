/**
 * A tool row damaged outside toolgate (an UPDATE by hand, a restored backup):
 * a JSON column that does not parse, or holds the wrong shape. Reads go on
 * and mark the row (src/registry/stored-tool.ts); running, exporting and
 * editing it fail with a problem that says what to do; PUT repairs it and
 * DELETE removes it. Every damaged row is deleted after its test, so the
 * listings of other tests never meet one.
 */
import { env, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, api, createTool, execute, httpTool, json, useUpstream, waitForLog, type Json } from "./helpers";
import { getPage, postForm, signIn, textOf } from "./ui-helpers";

const upstream = useUpstream();

const damagedIds: string[] = [];
afterEach(async () => {
  for (const id of damagedIds.splice(0)) await env.DB.prepare("DELETE FROM tools WHERE id = ?").bind(id).run();
});

/** A bearer-token tool whose `column` is then set to `text` straight in D1. */
async function damagedTool(column: string, text: string): Promise<Json> {
  const tool = await createTool({ auth_config: { type: "bearer_token", token: "stored-token-1234" } });
  await env.DB.prepare(`UPDATE tools SET ${column} = ? WHERE id = ?`).bind(text, tool.id).run();
  damagedIds.push(tool.id);
  return tool;
}

/** Every tool GET /tools lists, page by page. */
async function listAll(): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const res = await api(`/tools?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    const body = await res.json<Json>();
    expect(res.status, JSON.stringify(body)).toBe(200);
    items.push(...body.items);
    cursor = body.next_cursor;
  } while (cursor);
  return items;
}

const DAMAGES: [string, string, string, string][] = [
  ["auth_secrets that is not JSON", "auth_secrets", '{"token": "v1.', "is not valid JSON"],
  ["a sealed value that is not a string", "auth_secrets", '{"token": 42}', "is not an object of sealed values"],
  ["an input_schema that is not JSON", "input_schema", "{nope", "is not valid JSON"],
  ["headers that are an array", "headers", "[1,2]", "is not an object of header values"],
  ["auth_params of another auth type", "auth_params", '{"type":"oauth2"}', "is not an object whose type is auth_type"],
  ["an input_schema that is JSON null", "input_schema", "null", "is not a JSON Schema object"],
];

describe("GET /tools with a damaged row", () => {
  for (const [what, column, text, problem] of DAMAGES)
    it(`still lists every tool, marking the one with ${what}`, async () => {
      const before = await createTool();
      const tool = await damagedTool(column, text);
      const after = await createTool();
      const items = await listAll();
      expect(items.find((t) => t.id === before.id)).toEqual(before);
      expect(items.find((t) => t.id === after.id)).toEqual(after);
      expect(items.find((t) => t.id === tool.id)).toEqual({
        id: tool.id,
        name: tool.name,
        description: null,
        execution_type: "http_request",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/items",
        mcp_enabled: true,
        version: 1,
        created_at: tool.created_at,
        updated_at: tool.updated_at,
        damaged: {
          columns: [{ column, problem }],
          detail: `The stored tool "${tool.name}" is damaged and cannot run: ${column} ${problem}. Replace it with PUT /tools/${tool.id} (sending its secrets again), or delete it.`,
        },
      });
    });

  it("answers GET /tools/{id} with the same marked tool and its ETag", async () => {
    const tool = await damagedTool("auth_secrets", "not json");
    const res = await api(`/tools/${tool.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"1"');
    const body = await res.json<Json>();
    expect(body.damaged.columns).toEqual([{ column: "auth_secrets", problem: "is not valid JSON" }]);
    expect(body).not.toHaveProperty("auth_config");
  });
});

describe("executing a damaged row", () => {
  it("answers 500 tool_damaged, sends nothing and logs it", async () => {
    const tool = await damagedTool("auth_secrets", '{"token": {"nested": true}}');
    const { status, body } = await execute(tool.id, { anything: 1 });
    expect(status).toBe(500);
    expect(body).toMatchObject({
      code: "tool_damaged",
      detail: `The stored tool "${tool.name}" is damaged and cannot run: auth_secrets is not an object of sealed values. Replace it with PUT /tools/${tool.id} (sending its secrets again), or delete it.`,
      tool_id: tool.id,
      tool_version: 1,
    });
    expect(upstream.calls).toEqual([]);
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "internal_error", error_message: body.detail, tool_name: tool.name });
  });

  it("answers tools/call over MCP with an error result, and leaves the tool out of tools/list", async () => {
    const tool = await damagedTool("input_schema", "[");
    const rpc = async (body: unknown) => {
      const res = await SELF.fetch("https://toolgate.test/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${ADMIN_TOKEN}`,
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return res.json<Json>();
    };
    const called = await rpc({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: tool.name, arguments: {} },
    });
    expect(called.result.isError).toBe(true);
    expect(called.result.content[0].text).toContain("input_schema is not valid JSON");
    expect(called.result.content[0].text).toContain('"code":"tool_damaged"');
    const listed = await rpc({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect(listed.result.tools.map((t: Json) => t.name)).not.toContain(tool.name);
  });
});

describe("exporting a damaged row", () => {
  it("leaves it out of the list, and answers the one export with 500 tool_damaged", async () => {
    const tool = await damagedTool("input_schema", "{");
    const page = await (await api("/exports/functions?format=openai&limit=100")).json<Json>();
    expect(page.items.map((item: Json) => item.function.name)).not.toContain(tool.name);
    const one = await api(`/exports/functions/${tool.id}?format=openai`);
    const body = await one.json<Json>();
    expect(one.status).toBe(500);
    expect(body.code).toBe("tool_damaged");
    expect(body.damaged).toEqual([{ column: "input_schema", problem: "is not valid JSON" }]);
  });
});

describe("repairing a damaged row", () => {
  it("replaces it with PUT once every secret is sent again, and it runs", async () => {
    const tool = await damagedTool("auth_secrets", "}");
    const withoutSecret = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: httpTool({ name: tool.name, auth_config: { type: "bearer_token" } }),
    });
    expect(withoutSecret.status).toBe(422);
    expect((await withoutSecret.json<Json>()).errors).toEqual([
      { path: "/auth_config/token", message: "token is required for bearer_token authentication." },
    ]);
    const repaired = await api(`/tools/${tool.id}`, {
      method: "PUT",
      headers: { "if-match": '"1"' },
      json: httpTool({ name: tool.name, auth_config: { type: "bearer_token", token: "new-token-1234" } }),
    });
    expect(repaired.status).toBe(200);
    expect((await repaired.json<Json>()).version).toBe(2);
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe("Bearer new-token-1234");
  });

  it("deletes it", async () => {
    const tool = await damagedTool("auth_params", "not json");
    expect((await api(`/tools/${tool.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/tools/${tool.id}`)).status).toBe(404);
  });
});

describe("the web UI with a damaged row", () => {
  it("lists every tool, marking the damaged one, and its page says what is wrong", async () => {
    const session = await signIn();
    const healthy = await createTool();
    const tool = await damagedTool("headers", "oops");
    const list = await getPage(`/ui?q=${encodeURIComponent(tool.name)}`, session);
    expect(list.status).toBe(200);
    expect(textOf(await list.text())).toContain("Damaged: its stored headers cannot be read.");
    const all = await (await getPage("/ui", session)).text();
    expect(all).toContain(healthy.name);

    const page = await getPage(`/ui/tools/${tool.id}`, session);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(textOf(html)).toContain(
      "This tool's stored definition is damaged, so it cannot run or be edited here. headers is not valid JSON",
    );
    expect(html).toContain(`href="/ui/tools/${tool.id}/delete"`);
    expect(html).not.toContain(`href="/ui/tools/${tool.id}/edit"`);

    // A run from a test panel opened before the damage: refused as the API refuses it, and logged.
    const run = await postForm(`/ui/tools/${tool.id}/run`, {}, session);
    const runText = textOf(await run.text());
    expect(run.status).toBe(500);
    expect(runText).toContain("Outcome internal error");
    expect(runText).toContain("headers is not valid JSON. Replace it with PUT");
    expect(upstream.calls).toEqual([]);

    const editor = await getPage(`/ui/tools/${tool.id}/edit`, session);
    expect(editor.status).toBe(500);
    expect(textOf(await editor.text())).toContain("headers is not valid JSON. Replace it with PUT");
  });
});

/**
 * The definition cache (src/registry/definition-cache.ts, runnable.ts): a
 * warm execute reads no D1, another isolate's change is seen within the
 * bound, the writing isolate sees its own change at once, and a caller's
 * bookmark forces a fresh read. "Another isolate" is a write straight to D1,
 * which is all this isolate could observe of one.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DefinitionCache, parseCacheBound } from "../src/registry/definition-cache";
import {
  API_ORIGIN,
  connectionBody,
  connectionRow,
  createConnectedTool,
  createConnection,
  putConnection,
} from "./connection-helpers";
import { api, callWorker, createTool, json, uniqueName, useUpstream, type Bindings, type Json } from "./helpers";

const upstream = useUpstream();
const V1 = "https://api.example.com/v1/cached";
const V2 = "https://api.example.com/v2/cached";

afterEach(() => vi.restoreAllMocks());

/** What another isolate's PUT leaves in D1: a new endpoint and version, written without this isolate knowing. */
async function changeElsewhere(toolId: string): Promise<void> {
  await env.DB.prepare("UPDATE tools SET endpoint_url = ?, version = version + 1 WHERE id = ?").bind(V2, toolId).run();
}

async function run(toolId: string, bindings: Bindings, headers: Record<string, string> = {}) {
  const res = await callWorker(bindings, `/tools/${toolId}/execute`, { method: "POST", json: { input: {} }, headers });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { body, res, endpoint: upstream.calls.at(-1)?.url.href };
}

/** env.DB, noting the SQL of every statement prepared on it or on a session opened from it. */
function statementsNoted() {
  const sql: string[] = [];
  const noting = (target: D1Database | D1DatabaseSession) => (query: string) => {
    sql.push(query);
    return target.prepare(query);
  };
  const db = {
    prepare: noting(env.DB),
    batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
    exec: (query: string) => env.DB.exec(query),
    withSession: (constraint?: string) => {
      const session = env.DB.withSession(constraint);
      return {
        prepare: noting(session),
        batch: (statements: D1PreparedStatement[]) => session.batch(statements),
        getBookmark: () => session.getBookmark(),
      };
    },
  };
  return { db, sql };
}
const readsTool = (query: string) => /from "tools"/i.test(query);
const writesConnectionError = (query: string) => /^update "connections" set "last_error_code"/i.test(query);

async function executeStatus(toolId: string, bindings: Bindings): Promise<number> {
  const res = await callWorker(bindings, `/tools/${toolId}/execute`, { method: "POST", json: { input: {} } });
  await res.arrayBuffer();
  return res.status;
}

function serveBoth() {
  upstream.on("GET", V1, () => json({ version: 1 }));
  upstream.on("GET", V2, () => json({ version: 2 }));
}

// The first request of a file builds the app and loads its modules: seconds on a loaded machine.
describe("the definition cache in the isolate", { timeout: 60_000 }, () => {
  it("reads D1 on every execute when the bound is 0", async () => {
    serveBoth();
    const tool = await createTool({ endpoint_url: V1 });
    const off = { DEFINITION_CACHE_SECONDS: "0" };
    expect((await run(tool.id, off)).body.tool_version).toBe(1);
    await changeElsewhere(tool.id);
    expect((await run(tool.id, off)).body.tool_version).toBe(2);
  });

  it("drops the tools of a connection saved in this isolate: the next execute sends the new credential", async () => {
    upstream.on("GET", `${API_ORIGIN}/v1/items`, () => json({ ok: true }));
    const connection = await createConnection({ auth_config: { type: "bearer_token", token: "cached-token-one" } });
    const tool = await createConnectedTool(connection.id);
    const bound = { DEFINITION_CACHE_SECONDS: "60" };
    await run(tool.id, bound);
    expect(upstream.calls.at(-1)?.headers.get("authorization")).toBe("Bearer cached-token-one");

    const saved = await putConnection(
      connection.id,
      connectionBody({ name: connection.name, auth_config: { type: "bearer_token", token: "cached-token-two" } }),
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await run(tool.id, bound);
    expect(upstream.calls.at(-1)?.headers.get("authorization")).toBe("Bearer cached-token-two");
  });

  it("drops a connection's tools when an execute records or clears its error, so that the next success clears it", async () => {
    let answer = 401;
    upstream.on("GET", `${API_ORIGIN}/v1/items`, () => json({ answer }, { status: answer }));
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id);
    const bound = { DEFINITION_CACHE_SECONDS: "3600" };

    expect(await executeStatus(tool.id, bound)).toBe(502);
    expect((await connectionRow(connection.id)).last_error_code).toBe("unauthorized");

    // The cached row said "no error"; the write that recorded one dropped it, so this success reads it and clears it.
    answer = 200;
    expect(await executeStatus(tool.id, bound)).toBe(200);
    expect((await connectionRow(connection.id)).last_error_code).toBeNull();

    // The clear dropped the row that still showed the error: the next success reads it again and writes nothing.
    const healed = statementsNoted();
    expect(await executeStatus(tool.id, { ...bound, DB: healed.db })).toBe(200);
    expect(healed.sql.filter(readsTool)).toHaveLength(1);
    expect(healed.sql.filter(writesConnectionError)).toEqual([]);

    const warm = statementsNoted();
    expect(await executeStatus(tool.id, { ...bound, DB: warm.db })).toBe(200);
    expect(warm.sql.filter(readsTool)).toEqual([]);
  });

  it("keeps serving a connection that keeps failing from the cache: only a write that changed its row drops it", async () => {
    upstream.on("GET", `${API_ORIGIN}/v1/items`, () => json({ error: "nope" }, { status: 401 }));
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id);
    const bound = { DEFINITION_CACHE_SECONDS: "3600" };

    expect(await executeStatus(tool.id, bound)).toBe(502);
    expect((await connectionRow(connection.id)).last_error_code).toBe("unauthorized");
    // Reads the row with its error (the first failure dropped it); the same error again changes nothing.
    expect(await executeStatus(tool.id, bound)).toBe(502);

    const failing = statementsNoted();
    expect(await executeStatus(tool.id, { ...bound, DB: failing.db })).toBe(502);
    expect(failing.sql.filter(readsTool)).toEqual([]);
  });

  it("serves a tool changed elsewhere until the bound has passed, then reads the change", async () => {
    serveBoth();
    const tool = await createTool({ endpoint_url: V1 });
    const bound = { DEFINITION_CACHE_SECONDS: "60" };
    expect((await run(tool.id, bound)).body.tool_version).toBe(1);

    await changeElsewhere(tool.id);
    const stale = await run(tool.id, bound);
    expect(stale.body.tool_version).toBe(1);
    expect(stale.endpoint).toBe(V1);

    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + 59_000);
    expect((await run(tool.id, bound)).body.tool_version).toBe(1);
    vi.spyOn(Date, "now").mockReturnValue(now + 60_500);
    const fresh = await run(tool.id, bound);
    expect(fresh.body.tool_version).toBe(2);
    expect(fresh.endpoint).toBe(V2);
  });

  it("sees its own PUT and DELETE at once, whatever the bound", async () => {
    serveBoth();
    const tool = await createTool({ endpoint_url: V1 });
    const bound = { DEFINITION_CACHE_SECONDS: "3600" };
    expect((await run(tool.id, bound)).body.tool_version).toBe(1);

    const put = await callWorker(bound, `/tools/${tool.id}`, {
      method: "PUT",
      json: {
        ...tool,
        endpoint_url: V2,
        id: undefined,
        version: undefined,
        created_at: undefined,
        updated_at: undefined,
      },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const after = await run(tool.id, bound);
    expect(after.body.tool_version).toBe(2);
    expect(after.endpoint).toBe(V2);

    expect((await callWorker(bound, `/tools/${tool.id}`, { method: "DELETE" })).status).toBe(204);
    const gone = await callWorker(bound, `/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    expect(gone.status).toBe(404);
    expect((await gone.json<Json>()).code).toBe("tool_not_found");
  });

  it("reads again for a caller whose x-d1-bookmark is newer than the cached copy", async () => {
    serveBoth();
    const tool = await createTool({ endpoint_url: V1 });
    const bound = { DEFINITION_CACHE_SECONDS: "3600" };
    const first = await run(tool.id, bound);
    expect(first.res.headers.get("x-d1-bookmark")).toMatch(/^[0-9a-f-]+$/);

    // The caller wrote through another isolate, which answered with this bookmark.
    const session = env.DB.withSession("first-primary");
    await session
      .prepare("UPDATE tools SET endpoint_url = ?, version = version + 1 WHERE id = ?")
      .bind(V2, tool.id)
      .run();
    const bookmark = session.getBookmark();
    expect(bookmark).not.toBeNull();

    expect((await run(tool.id, bound)).body.tool_version).toBe(1);
    const own = await run(tool.id, bound, { "x-d1-bookmark": bookmark! });
    expect(own.body.tool_version).toBe(2);
    expect(own.res.headers.get("x-d1-bookmark")! >= bookmark!).toBe(true);
  });

  it("finds a tool a lagging replica does not have yet on the primary", async () => {
    serveBoth();
    const tool = await createTool({ endpoint_url: V1 });
    // A replica that has none of the tools (they were all created after its snapshot).
    const lagging = {
      prepare: (sql: string) => env.DB.prepare(sql),
      batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
      exec: (sql: string) => env.DB.exec(sql),
      withSession: (constraint?: string) => {
        const session = env.DB.withSession(constraint);
        if (constraint === "first-primary") return session;
        return {
          prepare: (sql: string) =>
            session.prepare(/from "tools"/.test(sql) ? sql.replace(/ where /i, " where 0 and ") : sql),
          batch: (statements: D1PreparedStatement[]) => session.batch(statements),
          getBookmark: () => session.getBookmark(),
        };
      },
    };
    expect((await run(tool.id, { DB: lagging, DEFINITION_CACHE_SECONDS: "0" })).body.tool_version).toBe(1);
  });

  it("finds MCP tools by name through the cache, and a rename in this isolate at once", async () => {
    serveBoth();
    const name = uniqueName("cached");
    const tool = await createTool({ name, endpoint_url: V1 });
    const call = (toolName: string) =>
      callWorker({ DEFINITION_CACHE_SECONDS: "3600" }, "/mcp", {
        method: "POST",
        headers: { accept: "application/json, text/event-stream" },
        json: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: toolName, arguments: {} } },
      }).then((res) => res.json<Json>());
    expect(
      (await call(name)).result.structuredContent ?? JSON.parse((await call(name)).result.content[0].text),
    ).toEqual({
      version: 1,
    });

    const renamed = uniqueName("renamed");
    const put = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: { name: renamed, execution_type: "http_request", method: "GET", endpoint_url: V2 },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    expect((await call(name)).error?.message).toContain("Unknown tool");
    expect(JSON.parse((await call(renamed)).result.content[0].text)).toEqual({ version: 2 });
  });
});

describe("DefinitionCache", () => {
  const value = (id: string) => ({ tool: { id } }) as never;

  it("serves an entry for less than the bound, by its own clock", () => {
    let now = 1000;
    const cache = new DefinitionCache(10, () => now);
    cache.set("id:a", value("a"), ["tool:a"], null, cache.generation);
    now += 4999;
    expect(cache.get("id:a", 5000)).toEqual(value("a"));
    now += 1;
    expect(cache.get("id:a", 5000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("drops every entry built from what was written, and only those", () => {
    const cache = new DefinitionCache(10, () => 0);
    cache.set("id:a", value("a"), ["tool:a"], null, cache.generation);
    cache.set("mcp:x", value("a"), ["tool:a", "tool-name:x"], null, cache.generation);
    cache.set("id:b", value("b"), ["tool:b", "connection:c"], null, cache.generation);
    cache.invalidate("tool:a");
    expect(cache.get("id:a", 1000)).toBeUndefined();
    expect(cache.get("mcp:x", 1000)).toBeUndefined();
    expect(cache.get("id:b", 1000)).toEqual(value("b"));
    cache.invalidate("connection:c");
    expect(cache.get("id:b", 1000)).toBeUndefined();
  });

  it("does not keep a read that started before a write", () => {
    const cache = new DefinitionCache(10, () => 0);
    const before = cache.generation;
    cache.invalidate("tool:a");
    cache.set("id:a", value("a"), ["tool:a"], null, before);
    expect(cache.get("id:a", 1000)).toBeUndefined();
  });

  it("serves a caller's bookmark only from an entry read at that bookmark or later", () => {
    const cache = new DefinitionCache(10, () => 0);
    cache.set("id:a", value("a"), ["tool:a"], "00000002-00000001", cache.generation);
    cache.set("id:b", value("b"), ["tool:b"], null, cache.generation);
    expect(cache.get("id:a", 1000, "00000001-00000009")).toEqual(value("a"));
    expect(cache.get("id:a", 1000, "00000002-00000001")).toEqual(value("a"));
    expect(cache.get("id:a", 1000, "00000002-00000002")).toBeUndefined();
    expect(cache.get("id:b", 1000, "00000001-00000000")).toBeUndefined();
  });

  it("holds at most its limit, dropping the least recently used", () => {
    const cache = new DefinitionCache(2, () => 0);
    cache.set("id:a", value("a"), [], null, cache.generation);
    cache.set("id:b", value("b"), [], null, cache.generation);
    cache.get("id:a", 1000);
    cache.set("id:c", value("c"), [], null, cache.generation);
    expect(cache.get("id:b", 1000)).toBeUndefined();
    expect(cache.get("id:a", 1000)).toEqual(value("a"));
    expect(cache.get("id:c", 1000)).toEqual(value("c"));
  });

  it.each([
    [undefined, 5000],
    ["", 5000],
    ["0", 0],
    ["2.5", 2500],
    ["3600", 3_600_000],
  ])("reads DEFINITION_CACHE_SECONDS=%j as %d ms", (setting, ms) => {
    expect(parseCacheBound(setting)).toEqual({ ok: true, ms });
  });

  it.each(["-1", "3601", "five", "1e3", "0.0001"])("refuses DEFINITION_CACHE_SECONDS=%j", (setting) => {
    expect(parseCacheBound(setting).ok).toBe(false);
  });
});

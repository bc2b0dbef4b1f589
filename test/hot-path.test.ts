/**
 * The execute hot path's D1 use, statement by statement: one read (the tool),
 * and the log row written after the response, through waitUntil.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { api, apiRequest, createApiKey, createTool, json, uniqueName, useUpstream, type Json } from "./helpers";
import { createConnectedTool, createConnection } from "./connection-helpers";

const upstream = useUpstream();

const ENDPOINT = "https://api.example.com/v1/hot";

/** A D1 binding that records each statement as it runs, and holds every INSERT until `release()`. */
function recordingDb(real: D1Database) {
  const statements: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const run = async <T>(call: () => Promise<T>): Promise<T> => {
      statements.push(sql);
      if (/^\s*insert/i.test(sql)) await gate;
      return call();
    };
    return {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values), sql),
      first: (column?: string) => run(() => (column === undefined ? stmt.first() : stmt.first(column))),
      all: () => run(() => stmt.all()),
      run: () => run(() => stmt.run()),
      raw: (options?: { columnNames?: false }) => run(() => stmt.raw(options)),
    } as unknown as D1PreparedStatement;
  };
  const db = {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    batch: () => Promise.reject(new Error("the hot path does not batch")),
    exec: () => Promise.reject(new Error("the hot path does not exec")),
  } as unknown as D1Database;
  return { db, statements, release };
}

/** Executes through the Worker's own fetch with the recording binding; the deferred work is left running. */
async function executeRecorded(toolId: string, token?: string) {
  const recorder = recordingDb(env.DB);
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    apiRequest(`/tools/${toolId}/execute`, { method: "POST", json: { input: {} }, token }),
    { ...env, DB: recorder.db } as Cloudflare.Env,
    ctx,
  );
  return { res, body: await res.json<Json>(), ctx, ...recorder };
}

/** "select tools", "insert executions", "update api_keys": what each statement did to which table. */
const kinds = (statements: string[]) =>
  statements.map((sql) => {
    const m =
      /^\s*(select)\b.*?\bfrom "(\w+)"|^\s*(insert) into "(\w+)"|^\s*(update) "(\w+)"|^\s*(delete) from "(\w+)"/is.exec(
        sql,
      );
    return m ? m.slice(1).filter(Boolean).join(" ").toLowerCase() : sql;
  });

describe("the execute hot path", () => {
  it("reads the tool once, answers, and only then writes the log row", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });

    const run = await executeRecorded(tool.id);
    expect(run.res.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.output).toEqual({ ok: true });
    // The response is out while the INSERT is still held: the log row is not yet there.
    expect(kinds(run.statements)).toEqual(["select tools", "insert executions"]);
    expect((await api(`/executions/${run.body.execution_id}`)).status).toBe(404);

    run.release();
    await waitOnExecutionContext(run.ctx);
    const log = await api(`/executions/${run.body.execution_id}`);
    expect(log.status).toBe(200);
    expect((await log.json<Json>()).outcome).toBe("success");
  });

  it("with an API key, reads only the tool once the key is known to the isolate", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const { key } = await createApiKey(["tools:execute"]);

    const first = await executeRecorded(tool.id, key);
    expect(first.res.status, JSON.stringify(first.body)).toBe(200);
    first.release();
    await waitOnExecutionContext(first.ctx);

    const second = await executeRecorded(tool.id, key);
    expect(second.res.status, JSON.stringify(second.body)).toBe(200);
    second.release();
    await waitOnExecutionContext(second.ctx);
    // The first call looked the key up (and noted its use); the second finds it in the isolate's cache.
    expect(kinds(first.statements).filter((kind) => kind.startsWith("select"))).toEqual([
      "select api_keys",
      "select tools",
    ]);
    expect(kinds(second.statements)).toEqual(["select tools", "insert executions"]);
  });

  it.each([
    ["a bearer token", { type: "bearer_token", token: "hot-path-bearer-token" }],
    [
      "client credentials",
      {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: "https://auth.example.com/oauth/token",
        client_id: "hot-path-client",
        client_secret: "hot-path-client-secret",
      },
    ],
  ])("with a connection (%s), reads the tool and its connection in one statement", async (_, auth) => {
    upstream.on("POST", "https://auth.example.com/oauth/token", () =>
      json({ access_token: "hot-path-access-token", expires_in: 3600 }),
    );
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    const connection = await createConnection({ name: uniqueName("hot"), auth_config: auth });
    const tool = await createConnectedTool(connection.id);

    for (let i = 0; i < 2; i++) {
      const run = await executeRecorded(tool.id);
      expect(run.res.status, JSON.stringify(run.body)).toBe(200);
      run.release();
      await waitOnExecutionContext(run.ctx);
      const reads = run.statements.filter((sql) => /^\s*select/i.test(sql));
      expect(reads).toHaveLength(1);
      expect(reads[0]).toMatch(/from "tools" left join "connections"/i);
      // Besides the log row, at most the once-a-minute last_used_at: a healthy execute writes nothing else.
      const writes = kinds(run.statements).filter((kind) => !kind.startsWith("select"));
      expect(writes[0]).toBe("insert executions");
      expect(writes.slice(1)).toEqual(i === 0 ? ["update connections"] : []);
    }
  });
});

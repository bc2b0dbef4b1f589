/**
 * The execute hot path's D1 use, statement by statement: a cold execute reads
 * its tool once, a warm one reads nothing, and the log row is written after
 * the response, grouped with others (src/registry/log-writer.ts).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { api, apiRequest, createApiKey, createTool, json, uniqueName, useUpstream, type Json } from "./helpers";
import { createConnectedTool, createConnection } from "./connection-helpers";

const upstream = useUpstream();

const ENDPOINT = "https://api.example.com/v1/hot";

/**
 * A D1 binding that records each statement as it runs (its sessions too),
 * and holds every INSERT until `release()`.
 */
function recordingDb(real: D1Database) {
  const statements: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const underlying = new WeakMap<object, { stmt: D1PreparedStatement; sql: string }>();
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const run = async <T>(call: () => Promise<T>): Promise<T> => {
      statements.push(sql);
      if (/^\s*insert/i.test(sql)) await gate;
      return call();
    };
    const wrapped = {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values), sql),
      first: (column?: string) => run(() => (column === undefined ? stmt.first() : stmt.first(column))),
      all: () => run(() => stmt.all()),
      run: () => run(() => stmt.run()),
      raw: (options?: { columnNames?: false }) => run(() => stmt.raw(options)),
    };
    underlying.set(wrapped, { stmt, sql });
    return wrapped as unknown as D1PreparedStatement;
  };
  const recording = (target: Pick<D1Database, "prepare" | "batch">) => ({
    prepare: (sql: string) => wrap(target.prepare(sql), sql),
    // A group of log rows and its monitoring rollup are written in one batch (src/registry/log-batch.ts).
    batch: async (batch: D1PreparedStatement[]) => {
      const parts = batch.map((stmt) => underlying.get(stmt)!);
      statements.push(...parts.map((part) => part.sql));
      if (parts.some((part) => /^\s*insert/i.test(part.sql))) await gate;
      return target.batch(parts.map((part) => part.stmt));
    },
  });
  const db = {
    ...recording(real),
    exec: () => Promise.reject(new Error("the hot path does not exec")),
    withSession: (constraint?: string) => {
      const session = real.withSession(constraint);
      return { ...recording(session), getBookmark: () => session.getBookmark() };
    },
  } as unknown as D1Database;
  return { db, statements, release };
}

/** Calls the Worker's own fetch with `db`; the deferred work is left running. */
async function callWith(db: D1Database, path: string, init: Parameters<typeof apiRequest>[1] = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(apiRequest(path, init), { ...env, DB: db } as Cloudflare.Env, ctx);
  return { res, body: await res.json<Json>(), ctx };
}

async function executeRecorded(toolId: string, recorder = recordingDb(env.DB), token?: string) {
  const call = await callWith(recorder.db, `/tools/${toolId}/execute`, {
    method: "POST",
    json: { input: {} },
    token,
  });
  return { ...call, ...recorder };
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
  it("reads the tool once, then not at all while cached, and writes each log row after the response", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });

    const cold = await executeRecorded(tool.id);
    expect(cold.res.status, JSON.stringify(cold.body)).toBe(200);
    cold.release();
    await waitOnExecutionContext(cold.ctx);
    expect(kinds(cold.statements)).toEqual(["select tools", "insert execution_rollups", "insert executions"]);

    const warm = await executeRecorded(tool.id);
    expect(warm.res.status, JSON.stringify(warm.body)).toBe(200);
    expect(warm.body.output).toEqual({ ok: true });
    // The response is out with no read at all; the row waits for its group (a few ms), whose INSERT is held.
    expect(kinds(warm.statements)).toEqual([]);
    await vi.waitFor(() => expect(kinds(warm.statements)).toEqual(["insert execution_rollups", "insert executions"]));
    const elsewhere = await api(`/executions/${warm.body.execution_id}`);
    expect(elsewhere.status).toBe(404);
    expect((await elsewhere.json<Json>()).code).toBe("execution_pending");
    expect(elsewhere.headers.get("retry-after")).toBe("1");
    // The isolate that ran it answers from its buffer meanwhile.
    const own = await callWith(warm.db, `/executions/${warm.body.execution_id}`);
    expect(own.res.status).toBe(200);
    expect(own.body).toMatchObject({ id: warm.body.execution_id, outcome: "success", output: { ok: true } });

    warm.release();
    await waitOnExecutionContext(warm.ctx);
    const log = await api(`/executions/${warm.body.execution_id}`);
    expect(log.status).toBe(200);
    expect((await log.json<Json>()).outcome).toBe("success");
  });

  it("with an API key, reads nothing once the key and the tool are known to the isolate", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const { key } = await createApiKey(["tools:execute"]);

    const first = await executeRecorded(tool.id, undefined, key);
    expect(first.res.status, JSON.stringify(first.body)).toBe(200);
    first.release();
    await waitOnExecutionContext(first.ctx);

    const second = await executeRecorded(tool.id, undefined, key);
    expect(second.res.status, JSON.stringify(second.body)).toBe(200);
    second.release();
    await waitOnExecutionContext(second.ctx);
    // The first call looked the key and the tool up (and noted the key's use); the second finds both in the isolate.
    expect(kinds(first.statements).filter((kind) => kind.startsWith("select"))).toEqual([
      "select api_keys",
      "select tools",
    ]);
    expect(kinds(second.statements)).toEqual(["insert execution_rollups", "insert executions"]);
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
  ])(
    "with a connection (%s), reads the tool and its connection in one statement, then not at all while cached",
    async (_, auth) => {
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
        // The first reads both in one statement; the second finds them in the definition cache.
        expect(reads).toHaveLength(i === 0 ? 1 : 0);
        if (i === 0) expect(reads[0]).toMatch(/from "tools" left join "connections"/i);
        // Besides the log row (written with its group, so last), at most the once-a-minute last_used_at:
        // a healthy execute writes nothing else.
        const writes = kinds(run.statements).filter((kind) => !kind.startsWith("select"));
        expect(writes).toEqual(
          i === 0
            ? ["update connections", "insert execution_rollups", "insert executions"]
            : ["insert execution_rollups", "insert executions"],
        );
      }
    },
  );
});

/**
 * Concurrency: requests that race inside one isolate. A burst of cold OAuth2
 * executions makes a single token request, and of several PUTs made against
 * the same version exactly one wins while the others get 412 and change nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, callWorker, createTool, execute, httpTool, json, uniqueName, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

describe("50 concurrent cold OAuth2 executions", () => {
  it("make exactly one token request, and every execution uses that token", async () => {
    const tokenUrl = `https://auth.example.com/${crypto.randomUUID()}/token`;
    const endpoint = `https://api.example.com/${crypto.randomUUID()}/items`;
    const tool = await createTool({
      endpoint_url: endpoint,
      auth_config: {
        type: "oauth2",
        token_url: tokenUrl,
        client_id: uniqueName("client"),
        client_secret: `secret-${crypto.randomUUID()}`,
      },
    });
    let issued = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    upstream.on("POST", tokenUrl, async () => {
      issued++;
      // Slow enough that all 50 executions are waiting for a token at once.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return json({ access_token: `at-burst-${issued}`, token_type: "Bearer", expires_in: 3600 });
    });
    upstream.on("GET", endpoint, async (req) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return json({ seen: req.headers.get("authorization") });
    });

    const results = await Promise.all(Array.from({ length: 50 }, () => execute(tool.id)));

    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(upstream.callsTo(tokenUrl)).toHaveLength(1);
    const calls = upstream.callsTo(endpoint);
    expect(calls).toHaveLength(50);
    for (const call of calls) expect(call.headers.get("authorization")).toBe("Bearer at-burst-1");
    // The executions really did overlap, so one request served them all.
    expect(mostInFlight).toBeGreaterThan(1);
  });
});

/**
 * A D1 binding on which no tool is written until `writers` requests have read
 * a tool: every racing PUT reads the same version before any of them writes,
 * so only the conditional UPDATE can tell the winner from the losers.
 */
function racingDb(db: D1Database, writers: number): D1Database {
  let reads = 0;
  let release!: () => void;
  const everyoneHasRead = new Promise<void>((resolve) => (release = resolve));
  const timedOut = new Promise<void>((resolve) => setTimeout(resolve, 5000));
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrap(value.apply(target, args), sql);
        return async (...args: unknown[]) => {
          if (sql.startsWith('update "tools"')) await Promise.race([everyoneHasRead, timedOut]);
          const result = await value.apply(target, args);
          if (sql.startsWith("select") && sql.includes('from "tools"') && ++reads === writers) release();
          return result;
        };
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("concurrent PUTs against one version", () => {
  async function putAll(id: string, bodies: Json[], ifMatch: string): Promise<{ status: number; body: Json }[]> {
    const db = racingDb(env.DB, bodies.length);
    return Promise.all(
      bodies.map(async (json) => {
        const res = await callWorker({ DB: db }, `/tools/${id}`, {
          method: "PUT",
          headers: { "if-match": ifMatch },
          json,
        });
        return { status: res.status, body: await res.json<Json>() };
      }),
    );
  }

  it("exactly one of two PUTs with the same If-Match wins; the other gets 412 and loses no data", async () => {
    const name = uniqueName("race");
    const tool = await createTool({ name, description: "original" });
    const bodies = ["alpha", "beta"].map((who) =>
      httpTool({
        name,
        description: `written by ${who}`,
        endpoint_url: `https://api.example.com/${who}`,
        timeout: who === "alpha" ? 11 : 22,
      }),
    );

    const results = await putAll(tool.id, bodies, '"1"');

    expect(results.map((r) => r.status).sort(), JSON.stringify(results)).toEqual([200, 412]);
    const winner = results.findIndex((r) => r.status === 200);
    const loser = results[1 - winner]!;
    expect(loser.body).toMatchObject({ status: 412, code: "version_mismatch" });
    const stored = await (await api(`/tools/${tool.id}`)).json<Json>();
    expect(stored).toEqual(results[winner]!.body);
    expect(stored).toMatchObject({
      version: 2,
      description: bodies[winner]!.description,
      endpoint_url: bodies[winner]!.endpoint_url,
      timeout: bodies[winner]!.timeout,
      created_at: tool.created_at,
    });
  });

  it("of ten PUTs with the same If-Match, one wins, and the stored secret is the winner's", async () => {
    const name = uniqueName("race10");
    const endpoint = `https://api.example.com/${crypto.randomUUID()}/race`;
    const tool = await createTool({
      name,
      endpoint_url: endpoint,
      auth_config: { type: "bearer_token", token: "token-original" },
    });
    const bodies = Array.from({ length: 10 }, (_, i) =>
      httpTool({
        name,
        endpoint_url: endpoint,
        description: `writer ${i}`,
        auth_config: { type: "bearer_token", token: `token-writer-${i}` },
      }),
    );

    const results = await putAll(tool.id, bodies, '"1"');

    const winners = results.flatMap((r, i) => (r.status === 200 ? [i] : []));
    expect(winners, JSON.stringify(results.map((r) => r.status))).toHaveLength(1);
    for (const r of results) if (r.status !== 200) expect(r.body.code).toBe("version_mismatch");
    const winner = winners[0]!;
    const stored = await (await api(`/tools/${tool.id}`)).json<Json>();
    expect(stored).toMatchObject({ version: 2, description: `writer ${winner}` });

    // The credential stored is the one sent with the winning description, not a loser's.
    upstream.on("GET", endpoint, (req) => json({ ok: req.headers.get("authorization") }));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.callsTo(endpoint)[0]?.headers.get("authorization")).toBe(`Bearer token-writer-${winner}`);
  });

  it("a PUT whose If-Match is already stale is refused before anything is written", async () => {
    const tool = await createTool({ description: "v1" });
    const first = await api(`/tools/${tool.id}`, {
      method: "PUT",
      headers: { "if-match": '"1"' },
      json: httpTool({ name: tool.name, description: "v2" }),
    });
    expect(first.status).toBe(200);

    const stale = await api(`/tools/${tool.id}`, {
      method: "PUT",
      headers: { "if-match": '"1"' },
      json: httpTool({ name: tool.name, description: "stale write" }),
    });

    expect(stale.status).toBe(412);
    expect(await (await api(`/tools/${tool.id}`)).json()).toMatchObject({ version: 2, description: "v2" });
  });
});

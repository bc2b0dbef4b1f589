/**
 * D1 read replication through the Sessions API (src/db/session.ts): which
 * session each kind of request opens, and the bookmark a caller gets back in
 * `x-d1-bookmark` and may send again to read their own writes.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callWorker, createTool, httpTool, json, useUpstream, type Json } from "./helpers";
import { signIn } from "./ui-helpers";

const upstream = useUpstream();

/** env.DB, noting the constraint or bookmark of every session opened on it. */
function sessionsNoted() {
  const opened: string[] = [];
  const db = {
    prepare: (sql: string) => env.DB.prepare(sql),
    batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
    exec: (sql: string) => env.DB.exec(sql),
    withSession: (constraint?: string) => {
      opened.push(constraint ?? "(none)");
      return env.DB.withSession(constraint);
    },
  };
  return { db, opened };
}

const BOOKMARK = /^[0-9a-f]+(?:-[0-9a-f]+)+$/;

describe("D1 sessions per request", () => {
  it("writes go to the primary, and the response carries the bookmark after the write", async () => {
    const noted = sessionsNoted();
    const res = await callWorker({ DB: noted.db }, "/tools", { method: "POST", json: httpTool() });
    expect(res.status).toBe(201);
    expect(noted.opened).toEqual(["first-primary"]);
    expect(res.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
  });

  it("API reads may go to a replica, no older than the bookmark the caller sends", async () => {
    const created = await callWorker({}, "/tools", { method: "POST", json: httpTool() });
    const bookmark = created.headers.get("x-d1-bookmark")!;
    const noted = sessionsNoted();
    const anywhere = await callWorker({ DB: noted.db }, "/tools?limit=1");
    expect(anywhere.status).toBe(200);
    const own = await callWorker({ DB: noted.db }, `/tools/${(await created.json<Json>()).id}`, {
      headers: { "x-d1-bookmark": bookmark },
    });
    expect(own.status).toBe(200);
    expect(noted.opened).toEqual(["first-unconstrained", bookmark]);
    expect(own.headers.get("x-d1-bookmark")! >= bookmark).toBe(true);
  });

  it("an execute whose tool is not cached reads it through a replica session", async () => {
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    const tool = await createTool();
    const noted = sessionsNoted();
    const res = await callWorker({ DB: noted.db, DEFINITION_CACHE_SECONDS: "0" }, `/tools/${tool.id}/execute`, {
      method: "POST",
      json: { input: {} },
    });
    expect(res.status).toBe(200);
    expect(noted.opened).toEqual(["first-unconstrained"]);
    expect(res.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
  });

  it("the UI reads the primary: a browser carries no bookmark from page to page", async () => {
    const session = await signIn();
    const noted = sessionsNoted();
    const page = await callWorker({ DB: noted.db }, "/ui", { token: null, headers: { cookie: session.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Tools");
    expect(noted.opened).toEqual(["first-primary"]);
  });

  it("the OAuth2 callback of connections reads the primary: the flow it looks up began a moment ago", async () => {
    const noted = sessionsNoted();
    const res = await callWorker({ DB: noted.db }, `/oauth/callback?state=${"s".repeat(43)}&code=some-code`, {
      token: null,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("sign-in");
    expect(noted.opened).toEqual(["first-primary"]);
  });

  it("refuses a bookmark that is not one, before D1 sees it", async () => {
    const noted = sessionsNoted();
    const res = await callWorker({ DB: noted.db }, "/tools", { headers: { "x-d1-bookmark": "'; drop table tools" } });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect((await res.json<Json>()).code).toBe("invalid_bookmark");
    expect(noted.opened).toEqual([]);
  });
});

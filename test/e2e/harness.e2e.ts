/**
 * The harness itself: `wrangler dev` runs on the test's own vars (never the
 * developer's .dev.vars), so the admin token, the keyring and the local outbound
 * settings are the ones startDevServer chose, and the mock upstream is reachable.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, startMockUpstream, type DevServer, type MockUpstream } from "./harness";

describe("the e2e dev server", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  /** The longest the event loop went without turning while both servers started. */
  let longestStall = 0;

  beforeAll(async () => {
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      longestStall = Math.max(longestStall, now - last);
      last = now;
    }, 50);
    try {
      [server, upstream] = await Promise.all([startDevServer({ applyMigrations: true }), startMockUpstream()]);
    } finally {
      clearInterval(tick);
    }
  });

  afterAll(async () => {
    await server?.stop();
    await upstream?.stop();
  });

  it("starts both servers without blocking the test process, so one's start deadline never runs out during the other's setup", () => {
    // Applying the migrations takes seconds (over ten on a loaded machine); run synchronously, it
    // froze this process and used up the mock upstream's start deadline while the mock was listening.
    expect(longestStall).toBeLessThan(2_000);
  });

  const api = (route: string, token: string, body?: unknown) =>
    fetch(`${server.url}${route}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("accepts its own admin token and no other, whatever .dev.vars holds", async () => {
    expect((await api("/tools", server.adminToken)).status).toBe(200);
    expect((await api("/tools", "not-the-token")).status).toBe(401);
    let devVars = "";
    try {
      devVars = readFileSync(path.join(import.meta.dirname, "..", "..", ".dev.vars"), "utf8");
    } catch {
      // No .dev.vars (a fresh clone, CI): nothing that could leak in.
    }
    const developerToken = /^ADMIN_TOKEN=(.*)$/m.exec(devVars)?.[1]?.trim();
    if (developerToken && developerToken !== server.adminToken) {
      expect((await api("/tools", developerToken)).status).toBe(401);
    }
  });

  it("seals a secret with its keyring and calls the mock upstream over http on 127.0.0.1", async () => {
    const created = await api("/tools", server.adminToken, {
      name: "get_weather",
      execution_type: "http_request",
      method: "GET",
      endpoint_url: `${upstream.url}/weather`,
      auth_config: { type: "api_key", location: "query", key_name: "appid", value: "demo-weather-key" },
      input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const run = await api(`/tools/${id}/execute`, server.adminToken, { input: { q: "Paris" } });
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({
      status_code: 200,
      output: { city: "Paris", temperature_c: 18.5, conditions: "light rain" },
    });
  });
});

/**
 * Upgrading to connections (issue 11, item 8): a database at migration 0005
 * holding tools of every auth type gets 0006 (the connections tables and
 * tools.connection_id), and every tool reads and executes exactly as before,
 * sealed secrets and all. Nothing is converted.
 *
 * The tools are written by the API into the suite's database, then copied row
 * by row (every column 0005 has) into UPGRADE_DB, an empty database migrated
 * only to 0005: the rows are what toolgate wrote before the upgrade.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, callWorker, createTool, json, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

const TOKEN_URL = "https://auth.example.com/oauth/token";

/** Empties UPGRADE_DB, so the test starts from nothing whatever ran before it. */
async function emptyUpgradeDb(): Promise<void> {
  const { results } = await env.UPGRADE_DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  ).all<{ name: string }>();
  for (const { name } of results) await env.UPGRADE_DB.prepare(`DROP TABLE "${name}"`).run();
}

async function columnsOf(db: D1Database, table: string): Promise<string[]> {
  const { results } = await db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all<{ name: string }>();
  return results.map((r) => r.name);
}

/** Copies a tool's row from the suite's database into UPGRADE_DB, with the columns UPGRADE_DB has. */
async function copyTool(id: string, columns: string[]): Promise<void> {
  const row = await env.DB.prepare("SELECT * FROM tools WHERE id = ?").bind(id).first<Record<string, unknown>>();
  if (!row) throw new Error(`no tool ${id}`);
  const names = columns.map((c) => `"${c}"`).join(", ");
  const marks = columns.map(() => "?").join(", ");
  await env.UPGRADE_DB.prepare(`INSERT INTO tools (${names}) VALUES (${marks})`)
    .bind(...columns.map((c) => row[c] ?? null))
    .run();
}

// With the definition cache off: the tools copied into the upgraded database have the ids of tools this
// isolate ran (and cached) from the test database.
const onUpgraded = (path: string, init?: Parameters<typeof callWorker>[2]) =>
  callWorker({ DB: env.UPGRADE_DB, DEFINITION_CACHE_SECONDS: "0" }, path, init);

describe("upgrading a database from migration 0005 to 0006", () => {
  it("keeps every tool of every auth type reading and executing unchanged", async () => {
    const endpoint = (name: string) => `https://api.example.com/v1/upgrade/${name}`;
    const cases: { auth: Json | null; name: string; sent: (r: { headers: Headers; url: URL }) => unknown }[] = [
      { name: "none", auth: { type: "none" }, sent: (r) => r.headers.get("authorization") },
      {
        name: "bearer",
        auth: { type: "bearer_token", token: "upgrade-bearer-token" },
        sent: (r) => r.headers.get("authorization"),
      },
      {
        name: "api-key-header",
        auth: { type: "api_key", key_name: "x-api-key", location: "header", value: "upgrade-header-key" },
        sent: (r) => r.headers.get("x-api-key"),
      },
      {
        name: "api-key-query",
        auth: { type: "api_key", key_name: "api_key", location: "query", value: "upgrade-query-key" },
        sent: (r) => r.url.searchParams.get("api_key"),
      },
      {
        name: "oauth2-basic",
        auth: {
          type: "oauth2",
          token_url: TOKEN_URL,
          client_id: "upgrade-client-basic",
          client_secret: "upgrade-client-secret-b",
        },
        sent: (r) => r.headers.get("authorization"),
      },
      {
        name: "oauth2-post",
        auth: {
          type: "oauth2",
          token_url: TOKEN_URL,
          client_id: "upgrade-client-post",
          client_secret: "upgrade-client-secret-p",
          client_auth_method: "client_secret_post",
          scope: "read",
        },
        sent: (r) => r.headers.get("authorization"),
      },
    ];
    upstream.on("POST", TOKEN_URL, async (r) => {
      const form = new URLSearchParams(r.body);
      const basic = r.headers.get("authorization");
      const client = form.get("client_id") ?? atob(basic!.replace("Basic ", "")).split(":")[0];
      return json({ access_token: `upgrade-access-token-for-${client}`, expires_in: 3600 });
    });
    for (const c of cases) upstream.on("GET", endpoint(c.name), () => json({ tool: c.name }));

    // Before the upgrade: the tools as the API writes them. None is run yet, so no token is cached:
    // after the upgrade, each secret must come out of its sealed value.
    const tools = [];
    for (const c of cases) tools.push(await createTool({ endpoint_url: endpoint(c.name), auth_config: c.auth }));
    const fn = await createTool({
      execution_type: "function",
      function_name: "current_time",
      method: undefined,
      endpoint_url: undefined,
    });
    const expected = [
      null,
      "Bearer upgrade-bearer-token",
      "upgrade-header-key",
      "upgrade-query-key",
      "Bearer upgrade-access-token-for-upgrade-client-basic",
      "Bearer upgrade-access-token-for-upgrade-client-post",
    ];
    const shown: Json[] = [];
    for (const tool of [...tools, fn]) shown.push(await (await api(`/tools/${tool.id}`)).json<Json>());

    // A database at 0005, holding those rows.
    await emptyUpgradeDb();
    const upTo0005 = env.TEST_MIGRATIONS.filter((m) => m.name < "0006");
    expect(upTo0005.map((m) => m.name)).toEqual([
      "0000_init.sql",
      "0001_api_keys.sql",
      "0002_outbound_retries.sql",
      "0003_retention_index.sql",
      "0004_ui_sessions.sql",
      "0005_mcp_enabled.sql",
    ]);
    await applyD1Migrations(env.UPGRADE_DB, upTo0005);
    const columns0005 = await columnsOf(env.UPGRADE_DB, "tools");
    expect(columns0005).not.toContain("connection_id");
    // Columns of later migrations: connection_id (0006), format_mode (0007).
    expect(columns0005).toEqual(
      (await columnsOf(env.DB, "tools")).filter((c) => c !== "connection_id" && c !== "format_mode"),
    );
    for (const tool of [...tools, fn]) await copyTool(tool.id, columns0005);

    // The upgrade: every migration, as `wrangler d1 migrations apply` runs them.
    await applyD1Migrations(env.UPGRADE_DB, env.TEST_MIGRATIONS);
    expect(await columnsOf(env.UPGRADE_DB, "tools")).toContain("connection_id");
    const { results: converted } = await env.UPGRADE_DB.prepare(
      "SELECT (SELECT count(*) FROM connections) AS connections, (SELECT count(*) FROM tools WHERE connection_id IS NOT NULL) AS tools",
    ).all();
    expect(converted).toEqual([{ connections: 0, tools: 0 }]);

    // Each tool reads as it did, with connection_id null and formats asserted as before, and sends the same credential.
    for (const [i, tool] of [...tools, fn].entries()) {
      const res = await onUpgraded(`/tools/${tool.id}`);
      expect(res.status).toBe(200);
      expect(await res.json<Json>()).toEqual({ ...shown[i], connection_id: null, format_mode: "assert" });
    }
    for (const [i, tool] of tools.entries()) {
      const res = await onUpgraded(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
      const body = await res.json<Json>();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.output).toEqual({ tool: cases[i]!.name });
      expect(cases[i]!.sent(upstream.callsTo(endpoint(cases[i]!.name)).at(-1)!)).toBe(expected[i]);
    }
    const res = await onUpgraded(`/tools/${fn.id}/execute`, { method: "POST", json: { input: {} } });
    expect(res.status, await res.clone().text()).toBe(200);
    // Both clients authenticated as configured, with the secrets sealed before the upgrade.
    const tokenCalls = upstream.callsTo(TOKEN_URL);
    expect(tokenCalls.map((r) => r.headers.get("authorization"))).toEqual([
      `Basic ${btoa("upgrade-client-basic:upgrade-client-secret-b")}`,
      null,
    ]);
    expect(new URLSearchParams(tokenCalls[1]!.body).get("client_secret")).toBe("upgrade-client-secret-p");
  });
});

describe("upgrading a database from migration 0006 to 0007", () => {
  it("keeps a 2020-12 tool saved before asserting its formats, where a new one treats them as annotations", async () => {
    const tool = await createTool({
      execution_type: "function",
      function_name: "current_time",
      method: undefined,
      endpoint_url: undefined,
      input_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { email: { type: "string", format: "email" } },
      },
    });
    const badEmail = { method: "POST", json: { input: { email: "not an email" } } } as const;
    expect((await api(`/tools/${tool.id}/execute`, badEmail)).status).toBe(200);

    // The row as toolgate wrote it before 0007: without format_mode.
    await emptyUpgradeDb();
    await applyD1Migrations(
      env.UPGRADE_DB,
      env.TEST_MIGRATIONS.filter((m) => m.name < "0007"),
    );
    const columns0006 = await columnsOf(env.UPGRADE_DB, "tools");
    expect(columns0006).not.toContain("format_mode");
    await copyTool(tool.id, columns0006);
    await applyD1Migrations(env.UPGRADE_DB, env.TEST_MIGRATIONS);

    const shown = await (await onUpgraded(`/tools/${tool.id}`)).json<Json>();
    expect(shown.format_mode).toBe("assert");
    const res = await onUpgraded(`/tools/${tool.id}/execute`, badEmail);
    const body = await res.json<Json>();
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.errors).toEqual([expect.objectContaining({ path: "/input/email", keyword: "format" })]);
  });
});

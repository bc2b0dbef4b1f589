/**
 * Tools that use a connection: saved only against its allowed origins, shown
 * with the connection's config, executed with its credential (every type),
 * and stopped when the connection is not ready, points elsewhere or was
 * changed outside toolgate. Over the API and over MCP, and in the log.
 */
import { env, SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, api, createTool, execute, json, uniqueName, useUpstream, waitForLog, type Json } from "./helpers";
import {
  API_ORIGIN,
  connectionRow,
  createConnectedTool,
  createConnection,
  eventually,
  getConnection,
} from "./connection-helpers";

const upstream = useUpstream();

const ENDPOINT = `${API_ORIGIN}/v1/items`;
const TOKEN_URL = "https://auth.example.com/oauth/token";

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function post(path: string, body: unknown): Promise<{ status: number; body: Json }> {
  const res = await api(path, { method: "POST", json: body });
  return { status: res.status, body: await res.json<Json>() };
}

describe("saving a tool with connection_id", () => {
  it("shows connection_id, and the connection's config as auth_config, in GET, the list and the write's answer", async () => {
    const connection = await createConnection({
      auth_config: { type: "basic", username: "alice", password: "pa55word-basic" },
    });
    const tool = await createConnectedTool(connection.id);
    const expected = { type: "basic", username: "alice", secrets_set: ["password"] };
    expect(tool).toMatchObject({ connection_id: connection.id, auth_config: expected });
    const got = await (await api(`/tools/${tool.id}`)).json<Json>();
    expect(got).toMatchObject({ connection_id: connection.id, auth_config: expected });
    // The row itself carries no credential of its own.
    const row = await env.DB.prepare(
      "SELECT auth_type, auth_params, auth_secrets, connection_id FROM tools WHERE id = ?",
    )
      .bind(tool.id)
      .first<Json>();
    expect(row).toEqual({
      auth_type: "none",
      auth_params: '{"type":"none"}',
      auth_secrets: "{}",
      connection_id: connection.id,
    });
    let listed: Json | undefined;
    let cursor: string | null = null;
    for (let i = 0; i < 100 && !listed; i++) {
      const page: Json = await (
        await api(`/tools?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
      ).json();
      listed = (page.items as Json[]).find((item) => item.id === tool.id);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(listed).toMatchObject({ connection_id: connection.id, auth_config: expected });
  });

  it("refuses connection_id together with auth_config (422 at /connection_id)", async () => {
    const connection = await createConnection();
    const { status, body } = await post("/tools", {
      name: uniqueName(),
      execution_type: "http_request",
      method: "GET",
      endpoint_url: ENDPOINT,
      connection_id: connection.id,
      auth_config: { type: "none" },
    });
    expect(status).toBe(422);
    expect(body.errors).toContainEqual({
      path: "/connection_id",
      message: expect.stringMatching(/either connection_id or auth_config, not both/),
    });
  });

  it("refuses an unknown connection (422 at /connection_id)", async () => {
    const { status, body } = await post("/tools", {
      name: uniqueName(),
      execution_type: "http_request",
      method: "GET",
      endpoint_url: ENDPOINT,
      connection_id: "no-such-connection",
    });
    expect(status).toBe(422);
    expect(body.errors).toEqual([
      { path: "/connection_id", message: 'There is no connection with id "no-such-connection".' },
    ]);
  });

  it("refuses an endpoint outside the connection's allowed origins, naming them (422 at /endpoint_url), on create and replace", async () => {
    const connection = await createConnection({ allowed_origins: [API_ORIGIN, "https://eu.example.com"] });
    const tool = {
      name: uniqueName(),
      execution_type: "http_request",
      method: "GET",
      endpoint_url: "https://attacker.example/collect",
      connection_id: connection.id,
    };
    const created = await post("/tools", tool);
    expect(created.status).toBe(422);
    expect(created.body.errors).toEqual([
      {
        path: "/endpoint_url",
        message: `https://attacker.example is not one of the allowed origins of connection "${connection.name}": ${API_ORIGIN}, https://eu.example.com. Call one of those, or add the origin to the connection first.`,
      },
    ]);
    const saved = await createConnectedTool(connection.id);
    const replaced = await api(`/tools/${saved.id}`, { method: "PUT", json: { ...tool, name: saved.name } });
    expect(replaced.status).toBe(422);
    expect((await replaced.json<Json>()).errors[0].path).toBe("/endpoint_url");
  });

  it("refuses a connection for a function tool", async () => {
    const connection = await createConnection();
    const { status, body } = await post("/tools", {
      name: uniqueName(),
      execution_type: "function",
      function_name: "current_time",
      connection_id: connection.id,
    });
    expect(status).toBe(422);
    expect(body.errors[0].path).toBe("/connection_id");
  });

  it("moves a tool from its own credential onto a connection and back", async () => {
    const connection = await createConnection();
    const tool = await createTool({
      endpoint_url: ENDPOINT,
      auth_config: { type: "bearer_token", token: "own-token-000" },
    });
    const base = { name: tool.name, execution_type: "http_request", method: "GET", endpoint_url: ENDPOINT };
    const onto = await api(`/tools/${tool.id}`, { method: "PUT", json: { ...base, connection_id: connection.id } });
    expect(onto.status).toBe(200);
    expect(await onto.json<Json>()).toMatchObject({
      connection_id: connection.id,
      auth_config: { type: "bearer_token" },
    });
    expect((await getConnection(connection.id)).tools_count).toBe(1);
    // Back to its own credential: the old one is gone, so it must be sent.
    const back = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: { ...base, auth_config: { type: "bearer_token" } },
    });
    expect(back.status).toBe(422);
    expect((await back.json<Json>()).code).toBe("secrets_required");
    const withToken = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: { ...base, auth_config: { type: "bearer_token", token: "own-token-001" } },
    });
    expect(await withToken.json<Json>()).toMatchObject({
      connection_id: null,
      auth_config: { secrets_set: ["token"] },
    });
    expect((await getConnection(connection.id)).tools_count).toBe(0);
  });
});

describe("executing a tool that uses a connection", () => {
  it("sends a bearer token", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const connection = await createConnection({ auth_config: { type: "bearer_token", token: "conn-bearer-abc123" } });
    const tool = await createConnectedTool(connection.id);
    const run = await execute(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe("Bearer conn-bearer-abc123");
  });

  it.each([
    ["header", (r: { headers: Headers; url: URL }) => r.headers.get("x-api-key")],
    ["query", (r: { headers: Headers; url: URL }) => r.url.searchParams.get("x-api-key")],
  ] as const)("sends an API key in the %s", async (location, read) => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const connection = await createConnection({
      auth_config: { type: "api_key", key_name: "x-api-key", location, value: "conn-api-key-xyz" },
    });
    const run = await execute((await createConnectedTool(connection.id)).id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(read(upstream.calls[0]!)).toBe("conn-api-key-xyz");
  });

  it("sends Basic credentials, and redacts the password, user:password and its base64 wherever they come back", async () => {
    const password = "pa55/w0rd+basic=";
    const basic = base64(`alice:${password}`);
    upstream.on("GET", ENDPOINT, (r) =>
      json({ got: r.headers.get("authorization"), pair: `alice:${password}`, password, bare: basic }),
    );
    const connection = await createConnection({ auth_config: { type: "basic", username: "alice", password } });
    const run = await execute((await createConnectedTool(connection.id)).id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe(`Basic ${basic}`);
    expect(run.body.output).toEqual({
      got: "Basic [REDACTED]",
      pair: "[REDACTED]",
      password: "[REDACTED]",
      bare: "[REDACTED]",
    });
    const log = JSON.stringify(await waitForLog(run.body.execution_id));
    for (const form of [password, `alice:${password}`, basic]) expect(log).not.toContain(form);
  });

  it("obtains a client-credentials token for the connection, and connections with the same client get their own", async () => {
    let issued = 0;
    upstream.on("POST", TOKEN_URL, () => json({ access_token: `access-token-${++issued}-abcdef`, expires_in: 3600 }));
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const clientId = uniqueName("client");
    const auth = {
      type: "oauth2",
      grant_type: "client_credentials",
      token_url: TOKEN_URL,
      client_id: clientId,
      client_secret: "shared-client-secret",
    };
    const first = await createConnection({ auth_config: auth });
    const second = await createConnection({ auth_config: auth });
    const toolA = await createConnectedTool(first.id);
    const toolB = await createConnectedTool(first.id);
    const toolC = await createConnectedTool(second.id);
    for (const tool of [toolA, toolB, toolC]) expect((await execute(tool.id)).status).toBe(200);
    const sent = upstream.callsTo(ENDPOINT).map((r) => r.headers.get("authorization"));
    // Two tools of one connection share its token; the other connection has its own.
    expect(sent).toEqual([
      "Bearer access-token-1-abcdef",
      "Bearer access-token-1-abcdef",
      "Bearer access-token-2-abcdef",
    ]);
    expect(upstream.callsTo(TOKEN_URL)).toHaveLength(2);
  });

  it("answers 409 connection_not_ready for a connection without its secret: nothing sent, logged as connection_not_ready", async () => {
    const connection = await createConnection({ auth_config: { type: "api_key", key_name: "k", location: "header" } });
    const tool = await createConnectedTool(connection.id);
    const run = await execute(tool.id);
    expect(run.status).toBe(409);
    expect(run.res.headers.get("content-type")).toBe("application/problem+json");
    expect(run.body).toMatchObject({
      code: "connection_not_ready",
      connection_id: connection.id,
      connection_status: "needs_secret",
      tool_id: tool.id,
    });
    expect(run.body.detail).toBe(
      `Connection "${connection.name}" has no value set yet: send it with PUT /connections/${connection.id} (or on the connection's page in the web UI), then run the tool again.`,
    );
    expect(upstream.calls).toEqual([]);
    const log = await waitForLog(run.body.execution_id);
    expect(log).toMatchObject({ outcome: "connection_not_ready", error_message: run.body.detail, attempts: null });
    const filtered = await (await api(`/tools/${tool.id}/executions?outcome=connection_not_ready`)).json<Json>();
    expect(filtered.items.map((e: Json) => e.id)).toEqual([run.body.execution_id]);
  });

  it("answers 409 needs_authorization for an authorization-code connection that was never signed in", async () => {
    const connection = await createConnection({
      auth_config: {
        type: "oauth2",
        grant_type: "authorization_code",
        authorization_url: "https://accounts.example.com/authorize",
        token_url: "https://accounts.example.com/token",
        client_id: "public-client",
      },
    });
    const run = await execute((await createConnectedTool(connection.id)).id);
    expect(run.status).toBe(409);
    expect(run.body).toMatchObject({ code: "connection_not_ready", connection_status: "needs_authorization" });
    expect(run.body.detail).toContain(`POST /connections/${connection.id}/authorize`);
    expect(upstream.calls).toEqual([]);
  });

  it("over MCP, a connection that is not ready is an isError result with the same words", async () => {
    const connection = await createConnection({ auth_config: { type: "bearer_token" } });
    const tool = await createConnectedTool(connection.id);
    const transport = new StreamableHTTPClientTransport(new URL("https://toolgate.test/mcp"), {
      requestInit: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      fetch: (input, init) => SELF.fetch(new Request(input, init)),
    });
    const client = new Client({ name: "t", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: tool.name, arguments: {} });
      expect(result.isError).toBe(true);
      const text = (result.content as { text: string }[])[0]!.text;
      expect(text).toContain(
        `Connection "${connection.name}" has no token set yet: send it with PUT /connections/${connection.id}`,
      );
      expect(text).toContain(`"code":"connection_not_ready"`);
      expect(text).toContain(`"connection_status":"needs_secret"`);
      expect(upstream.calls).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("refuses at execution an endpoint moved outside the allowed origins in D1 (403 origin_not_allowed), sending nothing", async () => {
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id);
    await env.DB.prepare("UPDATE tools SET endpoint_url = ? WHERE id = ?")
      .bind("https://attacker.example/collect", tool.id)
      .run();
    const run = await execute(tool.id);
    expect(run.status).toBe(403);
    expect(run.body).toMatchObject({ code: "outbound_blocked", reason: "origin_not_allowed", target: "endpoint_url" });
    expect(run.body.detail).toContain(
      `https://attacker.example is not one of the allowed origins of connection "${connection.name}"`,
    );
    expect(upstream.calls).toEqual([]);
  });

  it("refuses secrets whose connection was pointed elsewhere in D1 (500 binding_mismatch), sending nothing", async () => {
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id);
    await env.DB.prepare("UPDATE connections SET allowed_origins = ? WHERE id = ?")
      .bind(JSON.stringify([API_ORIGIN, "https://attacker.example"]), connection.id)
      .run();
    const run = await execute(tool.id);
    expect(run.status).toBe(500);
    expect(run.body).toMatchObject({
      code: "secrets_unavailable",
      reason: "binding_mismatch",
      connection_id: connection.id,
    });
    expect(run.body.detail).toContain(`PUT /connections/${connection.id}`);
    expect(upstream.calls).toEqual([]);
  });

  it("answers 409 for a tool whose connection was deleted behind toolgate's back", async () => {
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id);
    await env.DB.prepare("DELETE FROM connections WHERE id = ?").bind(connection.id).run();
    const run = await execute(tool.id);
    expect(run.status).toBe(409);
    expect(run.body).toMatchObject({ code: "connection_not_ready", connection_status: "missing" });
    expect(upstream.calls).toEqual([]);
  });

  it("never sends the credential across origins on a redirect, even to another allowed origin", async () => {
    const other = "https://eu.example.com/v1/items";
    upstream.on("GET", ENDPOINT, () => new Response(null, { status: 302, headers: { location: other } }));
    upstream.on("GET", other, () => json({ ok: true }));
    const connection = await createConnection({
      allowed_origins: [API_ORIGIN, "https://eu.example.com"],
      auth_config: { type: "bearer_token", token: "conn-bearer-redirect" },
    });
    const run = await execute((await createConnectedTool(connection.id)).id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.callsTo(ENDPOINT)[0]!.headers.get("authorization")).toBe("Bearer conn-bearer-redirect");
    expect(upstream.callsTo(other)[0]!.headers.get("authorization")).toBeNull();
  });
});

describe("what executions record on the connection", () => {
  it("sets last_used_at after a use", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const connection = await createConnection();
    expect(connection.last_used_at).toBeNull();
    const before = Date.now();
    expect((await execute((await createConnectedTool(connection.id)).id)).status).toBe(200);
    const seen = await eventually(
      () => getConnection(connection.id),
      (c) => c.last_used_at !== null,
    );
    expect(Date.parse(seen.last_used_at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("goes to status error on a 401, with what to do, and back to ready after a success", async () => {
    let answer = 401;
    upstream.on("GET", ENDPOINT, () => json({ error: "nope" }, { status: answer }));
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id);
    expect((await execute(tool.id)).status).toBe(502);
    const failed = await eventually(
      () => getConnection(connection.id),
      (c) => c.status === "error",
    );
    expect(failed.error).toEqual({
      code: "unauthorized",
      at: expect.any(String),
      message: `The API answered 401 Unauthorized to the credential: it is wrong, expired or revoked. Send a new one with PUT /connections/${connection.id}, then test the connection.`,
    });
    expect((await connectionRow(connection.id)).last_error_code).toBe("unauthorized");

    answer = 200;
    expect((await execute(tool.id)).status).toBe(200);
    const healed = await eventually(
      () => getConnection(connection.id),
      (c) => c.status === "ready",
    );
    expect(healed).not.toHaveProperty("error");
    expect((await connectionRow(connection.id)).last_error_code).toBeNull();
  });

  it("goes to status error when the token endpoint refuses the client", async () => {
    upstream.on("POST", TOKEN_URL, () => json({ error: "invalid_client" }, { status: 401 }));
    const connection = await createConnection({
      auth_config: {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: TOKEN_URL,
        client_id: uniqueName("client"),
        client_secret: "wrong-client-secret",
      },
    });
    const run = await execute((await createConnectedTool(connection.id)).id);
    expect(run.body).toMatchObject({ code: "token_error", oauth_error: "invalid_client" });
    const failed = await eventually(
      () => getConnection(connection.id),
      (c) => c.status === "error",
    );
    expect(failed.error.code).toBe("token_error");
  });

  it("does not count a 500 against the credential", async () => {
    upstream.on("GET", ENDPOINT, () => json({ error: "down" }, { status: 500 }));
    const connection = await createConnection();
    const run = await execute((await createConnectedTool(connection.id)).id);
    expect(run.status).toBe(502);
    await waitForLog(run.body.execution_id);
    await eventually(
      () => getConnection(connection.id),
      (c) => c.last_used_at !== null,
    );
    expect((await getConnection(connection.id)).status).toBe("ready");
  });
});

/**
 * /connections as an API: create, list, get, replace, delete; what each
 * field accepts; the status values; the rule for keeping stored secrets; and
 * the protections of the tools that use a connection (a connection in use is
 * not deleted, its origins are not narrowed under them).
 */
import { describe, expect, it } from "vitest";
import { api, uniqueName, type Json } from "./helpers";
import {
  API_ORIGIN,
  connectionBody,
  connectionRow,
  createConnectedTool,
  createConnection,
  getConnection,
  putConnection,
} from "./connection-helpers";

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function post(body: Record<string, unknown>): Promise<{ status: number; body: Json }> {
  const res = await api("/connections", { method: "POST", json: body });
  return { status: res.status, body: await res.json<Json>() };
}

describe("POST /connections", () => {
  it("returns 201 with every field, an ETag and a Location, and never the secret", async () => {
    const name = uniqueName("weather");
    const res = await api("/connections", {
      method: "POST",
      json: {
        name,
        description: "The weather API",
        auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: "wx-key-0123456789" },
        allowed_origins: ["https://API.Example.com:443/", "https://api.example.com", "https://eu.example.com:8443"],
        test_request: { method: "GET", url: "https://api.example.com/v1/me" },
      },
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    const body = JSON.parse(text) as Json;
    expect(text).not.toContain("wx-key-0123456789");
    expect(res.headers.get("etag")).toBe('"1"');
    expect(res.headers.get("location")).toBe(`/connections/${body.id}`);
    expect(body).toEqual({
      id: body.id,
      name,
      description: "The weather API",
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", secrets_set: ["value"] },
      // Normalised as the URL parser writes origins, each once.
      allowed_origins: ["https://api.example.com", "https://eu.example.com:8443"],
      test_request: { method: "GET", url: "https://api.example.com/v1/me" },
      status: "ready",
      tools_count: 0,
      last_used_at: null,
      version: 1,
      created_at: body.created_at,
      updated_at: body.created_at,
    });
    expect(body.created_at).toMatch(ISO_UTC);
    const row = await connectionRow(body.id);
    expect(row.secrets_version).toBe(1);
    expect(JSON.parse(row.auth_secrets).value).toMatch(/^v2\./);
  });

  it.each([
    ["bearer_token", { type: "bearer_token" }, ["token"]],
    ["api_key", { type: "api_key", key_name: "key", location: "query" }, ["value"]],
    ["basic", { type: "basic", username: "alice" }, ["password"]],
    [
      "oauth2 client_credentials",
      { type: "oauth2", grant_type: "client_credentials", token_url: "https://auth.example.com/token", client_id: "c" },
      ["client_secret"],
    ],
  ])("accepts %s without its secret, as needs_secret", async (_label, auth, missing) => {
    const { status, body } = await post(connectionBody({ auth_config: auth }));
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.status).toBe("needs_secret");
    expect(body.auth_config.secrets_set).toEqual([]);
    expect(missing.length).toBe(1);
  });

  it("stores an authorization-code connection: needs_authorization until it is signed in, client_secret optional", async () => {
    const { status, body } = await post(
      connectionBody({
        auth_config: {
          type: "oauth2",
          grant_type: "authorization_code",
          authorization_url: "https://accounts.example.com/authorize",
          token_url: "https://accounts.example.com/token",
          client_id: "public-client",
          scope: "read write",
          extra_authorize_params: { access_type: "offline", prompt: "consent" },
        },
      }),
    );
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.status).toBe("needs_authorization");
    expect(body.auth_config).toEqual({
      type: "oauth2",
      grant_type: "authorization_code",
      authorization_url: "https://accounts.example.com/authorize",
      token_url: "https://accounts.example.com/token",
      client_id: "public-client",
      scope: "read write",
      extra_authorize_params: { access_type: "offline", prompt: "consent" },
      client_auth_method: "client_secret_basic",
      secrets_set: [],
    });
  });

  it("shows basic's username and client credentials' defaults, never the password or client secret", async () => {
    const basic = await post(
      connectionBody({ auth_config: { type: "basic", username: "alice", password: "pa55word-basic" } }),
    );
    expect(basic.body.auth_config).toEqual({ type: "basic", username: "alice", secrets_set: ["password"] });
    const cc = await post(
      connectionBody({
        auth_config: {
          type: "oauth2",
          grant_type: "client_credentials",
          token_url: "https://auth.example.com/token",
          client_id: "svc",
          client_secret: "client-secret-value",
        },
      }),
    );
    expect(cc.body.auth_config).toEqual({
      type: "oauth2",
      grant_type: "client_credentials",
      token_url: "https://auth.example.com/token",
      client_id: "svc",
      client_auth_method: "client_secret_basic",
      secrets_set: ["client_secret"],
    });
    expect(JSON.stringify([basic, cc])).not.toMatch(/pa55word-basic|client-secret-value/);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "an origin with a path",
      { allowed_origins: ["https://api.example.com/v1"] },
      "/allowed_origins/0",
      /without a path/,
    ],
    [
      "an origin with a query",
      { allowed_origins: ["https://api.example.com/?a=1"] },
      "/allowed_origins/0",
      /without a path/,
    ],
    ["a private origin", { allowed_origins: ["https://10.0.0.7"] }, "/allowed_origins/0", /private network/],
    ["a plain http origin", { allowed_origins: ["http://api.example.com"] }, "/allowed_origins/0", /Plain http/],
    ["a metadata origin", { allowed_origins: ["https://169.254.169.254"] }, "/allowed_origins/0", /metadata/],
    ["not a URL", { allowed_origins: ["api.example.com"] }, "/allowed_origins/0", /origin such as/],
    ["no origin", { allowed_origins: [] }, "/allowed_origins", /at least one origin/],
    [
      "a test request elsewhere",
      { test_request: { method: "GET", url: "https://other.example.com/me" } },
      "/test_request/url",
      /one of the allowed origins/,
    ],
    [
      "a test request with a method it cannot send",
      { test_request: { method: "DELETE", url: `${API_ORIGIN}/me` } },
      "/test_request/method",
      /GET, HEAD, POST/,
    ],
    [
      "a token URL on a private host",
      {
        auth_config: {
          type: "oauth2",
          grant_type: "client_credentials",
          token_url: "https://localhost/token",
          client_id: "c",
        },
      },
      "/auth_config/token_url",
      /loopback/,
    ],
    [
      "an authorization URL on a private host",
      {
        auth_config: {
          type: "oauth2",
          grant_type: "authorization_code",
          authorization_url: "https://192.168.1.1/authorize",
          token_url: "https://accounts.example.com/token",
          client_id: "c",
        },
      },
      "/auth_config/authorization_url",
      /private network/,
    ],
    [
      "an extra authorize parameter the flow sets itself",
      {
        auth_config: {
          type: "oauth2",
          grant_type: "authorization_code",
          authorization_url: "https://accounts.example.com/authorize",
          token_url: "https://accounts.example.com/token",
          client_id: "c",
          extra_authorize_params: { redirect_uri: "https://attacker.example/cb" },
        },
      },
      "/auth_config/extra_authorize_params/redirect_uri",
      /set by the authorization flow/,
    ],
    [
      "a Basic username with a colon",
      { auth_config: { type: "basic", username: "a:b" } },
      "/auth_config/username",
      /colon/,
    ],
    [
      "an API key header name that is not a token",
      { auth_config: { type: "api_key", key_name: "X Key", location: "header" } },
      "/auth_config/key_name",
      /not a valid header name/,
    ],
    [
      "a bearer token with a line break",
      { auth_config: { type: "bearer_token", token: "abc\r\ndefghij" } },
      "/auth_config/token",
      /carriage return/,
    ],
    [
      "an empty secret (any other length is accepted, as for tools)",
      { auth_config: { type: "bearer_token", token: "" } },
      "/auth_config/token",
      /cannot be empty/,
    ],
    [
      "an unknown type",
      { auth_config: { type: "digest" } },
      "/auth_config/type",
      /bearer_token, api_key, basic, oauth2/,
    ],
    [
      "an oauth2 config without grant_type",
      { auth_config: { type: "oauth2", token_url: "https://a.example/t", client_id: "c" } },
      "/auth_config/grant_type",
      /client_credentials or authorization_code/,
    ],
    ["a name tools could not have", { name: "has space" }, "/name", /1-64 characters/],
  ])("refuses %s with 422 at the field", async (_label, overrides, path, message) => {
    const { status, body } = await post(connectionBody(overrides));
    expect(status, JSON.stringify(body)).toBe(422);
    const error = (body.errors as { path: string; message: string }[]).find((e) => e.path === path);
    expect(error, JSON.stringify(body.errors)).toBeDefined();
    expect(error!.message).toMatch(message);
  });

  it("refuses a name another connection has (409 connection_name_taken)", async () => {
    const first = await createConnection();
    const { status, body } = await post(connectionBody({ name: first.name }));
    expect(status).toBe(409);
    expect(body).toMatchObject({ code: "connection_name_taken" });
  });
});

describe("GET /connections", () => {
  it("pages through every connection, oldest first, with a keyset cursor", async () => {
    const made = [await createConnection(), await createConnection(), await createConnection()];
    const seen: Json[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const res = await api(`/connections?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const page = await res.json<{ items: Json[]; next_cursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    const ids = seen.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const connection of made) expect(ids).toContain(connection.id);
    const positions = made.map((c) => ids.indexOf(c.id));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("refuses a cursor it did not issue", async () => {
    const res = await api("/connections?cursor=bm90LWEtY3Vyc29y");
    expect(res.status).toBe(400);
    expect(await res.json<Json>()).toMatchObject({ code: "invalid_cursor" });
  });
});

describe("GET /connections/{id}", () => {
  it("answers 404 connection_not_found for an unknown id", async () => {
    const res = await api("/connections/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json<Json>()).toMatchObject({ code: "connection_not_found" });
  });

  it("counts the tools that use it", async () => {
    const connection = await createConnection();
    await createConnectedTool(connection.id);
    await createConnectedTool(connection.id);
    expect((await getConnection(connection.id)).tools_count).toBe(2);
  });
});

describe("PUT /connections/{id}", () => {
  it("honours If-Match: 412 for a stale version, 200 and the next ETag for the current one", async () => {
    const connection = await createConnection();
    const body = connectionBody({
      name: connection.name,
      description: "changed",
      auth_config: { type: "bearer_token" },
    });
    const stale = await api(`/connections/${connection.id}`, {
      method: "PUT",
      json: body,
      headers: { "if-match": '"7"' },
    });
    expect(stale.status).toBe(412);
    expect(await stale.json<Json>()).toMatchObject({ code: "version_mismatch" });
    const fresh = await api(`/connections/${connection.id}`, {
      method: "PUT",
      json: body,
      headers: { "if-match": '"1"' },
    });
    expect(fresh.status, await fresh.clone().text()).toBe(200);
    expect(fresh.headers.get("etag")).toBe('"2"');
    expect(await fresh.json<Json>()).toMatchObject({ description: "changed", version: 2, status: "ready" });
  });

  it("keeps a stored secret when nothing it is bound to changed, without a new secrets_version", async () => {
    const connection = await createConnection();
    const before = await connectionRow(connection.id);
    const { status, body } = await putConnection(
      connection.id,
      connectionBody({ name: "renamed_" + connection.name.slice(0, 40), auth_config: { type: "bearer_token" } }),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.auth_config.secrets_set).toEqual(["token"]);
    const after = await connectionRow(connection.id);
    expect(after.auth_secrets).toBe(before.auth_secrets);
    expect(after.secrets_version).toBe(1);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
    [
      "allowed_origins",
      { allowed_origins: [API_ORIGIN] },
      { allowed_origins: [API_ORIGIN, "https://attacker.example"], auth_config: { type: "bearer_token" } },
      /token must be sent again because allowed_origins changed/,
    ],
    [
      "the auth type",
      { auth_config: { type: "bearer_token", token: "conn-bearer-token-0001" } },
      { auth_config: { type: "api_key", key_name: "k", location: "header" } },
      /value must be sent again because the auth type changed/,
    ],
    [
      "the API key's name",
      { auth_config: { type: "api_key", key_name: "X-Key", location: "header", value: "api-key-value-1" } },
      { auth_config: { type: "api_key", key_name: "X-Other", location: "header" } },
      /value must be sent again because key_name changed/,
    ],
    [
      "the Basic username",
      { auth_config: { type: "basic", username: "alice", password: "pa55word-basic" } },
      { auth_config: { type: "basic", username: "mallory" } },
      /password must be sent again because username changed/,
    ],
    [
      "the token URL and client_id",
      {
        auth_config: {
          type: "oauth2",
          grant_type: "client_credentials",
          token_url: "https://auth.example.com/token",
          client_id: "svc",
          client_secret: "client-secret-value",
        },
      },
      {
        auth_config: {
          type: "oauth2",
          grant_type: "client_credentials",
          token_url: "https://auth.example.com/other-token",
          client_id: "svc2",
        },
      },
      /client_secret must be sent again because token_url and client_id changed/,
    ],
  ])("asks for the secrets again when %s changes (422 secrets_required)", async (_label, initial, changed, message) => {
    const connection = await createConnection(initial);
    const { status, body } = await putConnection(connection.id, connectionBody({ name: connection.name, ...changed }));
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.code).toBe("secrets_required");
    expect(body.errors[0].message).toMatch(message);
    // Nothing was written.
    expect((await connectionRow(connection.id)).version).toBe(1);
  });

  it("bumps secrets_version with a new secret, and then again with the next", async () => {
    const connection = await createConnection();
    const put = (token: string) =>
      putConnection(
        connection.id,
        connectionBody({ name: connection.name, auth_config: { type: "bearer_token", token } }),
      );
    expect((await put("second-bearer-token")).status).toBe(200);
    expect((await connectionRow(connection.id)).secrets_version).toBe(2);
    expect((await put("third-bearer-token-")).status).toBe(200);
    expect((await connectionRow(connection.id)).secrets_version).toBe(3);
  });

  it("refuses to leave out an origin a tool calls (422 origins_in_use, naming the tool)", async () => {
    const connection = await createConnection({ allowed_origins: [API_ORIGIN, "https://eu.example.com"] });
    const tool = await createConnectedTool(connection.id, { endpoint_url: "https://eu.example.com/v1/x" });
    const { status, body } = await putConnection(
      connection.id,
      connectionBody({
        name: connection.name,
        allowed_origins: [API_ORIGIN],
        auth_config: { type: "bearer_token", token: "new-bearer-token" },
      }),
    );
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.code).toBe("origins_in_use");
    expect(body.tools).toEqual([{ id: tool.id, name: tool.name, origin: "https://eu.example.com" }]);
    expect(body.detail).toContain(`${tool.name} (https://eu.example.com)`);
    expect((await connectionRow(connection.id)).allowed_origins).toBe(
      JSON.stringify([API_ORIGIN, "https://eu.example.com"]),
    );
  });

  it("answers 404 for an unknown connection", async () => {
    const { status, body } = await putConnection("nope", connectionBody());
    expect(status).toBe(404);
    expect(body.code).toBe("connection_not_found");
  });
});

describe("DELETE /connections/{id}", () => {
  it("deletes an unused connection", async () => {
    const connection = await createConnection();
    const res = await api(`/connections/${connection.id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect((await api(`/connections/${connection.id}`)).status).toBe(404);
  });

  it("refuses to delete a connection in use, naming the tools (409 connection_in_use), and deletes nothing", async () => {
    const connection = await createConnection();
    const a = await createConnectedTool(connection.id);
    const b = await createConnectedTool(connection.id);
    const res = await api(`/connections/${connection.id}`, { method: "DELETE" });
    expect(res.status).toBe(409);
    const body = await res.json<Json>();
    expect(body).toMatchObject({ code: "connection_in_use", tools_count: 2 });
    expect(body.tools).toEqual([
      { id: a.id, name: a.name },
      { id: b.id, name: b.name },
    ]);
    expect(body.detail).toContain(a.name);
    expect((await api(`/connections/${connection.id}`)).status).toBe(200);
    // Once the tools are gone, it goes.
    for (const tool of [a, b]) expect((await api(`/tools/${tool.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/connections/${connection.id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("answers 404 for an unknown connection", async () => {
    const res = await api("/connections/nope", { method: "DELETE" });
    expect(res.status).toBe(404);
  });
});

describe("scopes", () => {
  it("connections:read reads but does not write; tools scopes do neither", async () => {
    const { key: reader } = await createApiKeyWith(["connections:read"]);
    const { key: toolsOnly } = await createApiKeyWith(["tools:read", "tools:write"]);
    const connection = await createConnection();
    expect((await api(`/connections/${connection.id}`, { token: reader })).status).toBe(200);
    const write = await api("/connections", { method: "POST", json: connectionBody(), token: reader });
    expect(write.status).toBe(403);
    expect(await write.json<Json>()).toMatchObject({ code: "insufficient_scope", required_scope: "connections:write" });
    expect((await api(`/connections/${connection.id}`, { token: toolsOnly })).status).toBe(403);
  });
});

async function createApiKeyWith(scopes: string[]): Promise<{ key: string }> {
  const res = await api("/api-keys", { method: "POST", json: { name: uniqueName("key"), scopes } });
  expect(res.status).toBe(201);
  return res.json<{ key: string }>();
}

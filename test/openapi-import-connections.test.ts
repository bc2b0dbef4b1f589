/**
 * An OpenAPI import makes each security scheme one connection: created
 * without its secret (so every operation imports in one request), shared by
 * all the scheme's tools, limited to their origin, and made to work by one
 * PUT of the key. Or the request maps a scheme to a connection that exists.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createApiKey, execute, json, uniqueName, useUpstream, type Json } from "./helpers";
import { createConnection, getConnection, putConnection } from "./connection-helpers";

const upstream = useUpstream();

const API = "https://keys.example.com/v2";

/** A document of four operations, every one of which needs the API key in X-Key. */
function keyDocument(title = uniqueName("Keyed API")) {
  const op = (operationId: string, extra: Record<string, unknown> = {}) => ({
    operationId,
    responses: { "200": { description: "ok" } },
    ...extra,
  });
  return {
    openapi: "3.0.3",
    info: { title, version: "1" },
    servers: [{ url: API }],
    security: [{ key: [] }],
    components: { securitySchemes: { key: { type: "apiKey", in: "header", name: "X-Key" } } },
    paths: {
      "/items": {
        get: op("listItems"),
        post: op("createItem", {
          requestBody: {
            required: true,
            content: { "application/json": { schema: { type: "object", properties: { name: { type: "string" } } } } },
          },
        }),
      },
      "/items/{id}": {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
        get: op("getItem"),
        delete: op("deleteItem"),
      },
    },
  };
}

async function importOpenApi(body: Record<string, unknown>) {
  const res = await api("/imports/openapi", { method: "POST", json: body });
  return { status: res.status, body: await res.json<Json>() };
}

function byOperation(results: Json[]): Record<string, Json> {
  return Object.fromEntries(results.map((r) => [r.operation_id ?? `${r.method} ${r.path}`, r]));
}

describe("an API-key document imports every operation in one request, without the secret", () => {
  it("shares one connection that is needs_secret; tools answer 409 until a PUT of the key, then all work and send it", async () => {
    const prefix = `${uniqueName("keyed")}_`;
    const document = keyDocument();
    const { status, body } = await importOpenApi({ document, name_prefix: prefix });
    expect(status, JSON.stringify(body)).toBe(201);
    const results = byOperation(body.results);
    expect(Object.values(results).map((r) => r.status)).toEqual(["created", "created", "created", "created"]);

    // One connection, for the one scheme, that every tool names.
    expect(body.connections).toHaveLength(1);
    const [made] = body.connections;
    expect(made).toMatchObject({
      security_scheme: "key",
      status: "created",
      name: `${document.info.title.replace(/[^A-Za-z0-9_-]+/g, "_")}_key`,
      auth_config: { type: "api_key", key_name: "X-Key", location: "header", secrets_set: [] },
      allowed_origins: ["https://keys.example.com"],
      connection_status: "needs_secret",
      needs: ["value"],
      operations: 4,
    });
    for (const r of Object.values(results)) expect(r).toMatchObject({ security_scheme: "key", connection_id: made.id });
    const tools = await Promise.all(
      Object.values(results).map(async (r) => (await api(`/tools/${r.tool_id}`)).json<Json>()),
    );
    for (const tool of tools) expect(tool.connection_id).toBe(made.id);
    const connection = await getConnection(made.id);
    expect(connection).toMatchObject({ status: "needs_secret", tools_count: 4 });

    // Without the key: 409 connection_not_ready, and nothing is sent.
    const early = await execute(results.listItems!.tool_id, {});
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: "connection_not_ready", connection_id: made.id });
    expect(upstream.calls).toHaveLength(0);

    // One PUT of the key makes every tool work.
    const { auth_config: _shown, ...rest } = connection;
    const put = await putConnection(made.id, {
      name: rest.name,
      description: rest.description,
      allowed_origins: rest.allowed_origins,
      auth_config: { type: "api_key", key_name: "X-Key", location: "header", value: "keyed-secret-value-91" },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.status).toBe("ready");

    upstream.on("GET", `${API}/items`, () => json([]));
    upstream.on("POST", `${API}/items`, () => json({ id: 1 }));
    upstream.on("GET", `${API}/items/1`, () => json({ id: 1 }));
    upstream.on("DELETE", `${API}/items/1`, () => new Response(null, { status: 204 }));
    const runs = [
      await execute(results.listItems!.tool_id, {}),
      await execute(results.createItem!.tool_id, { name: "one" }),
      await execute(results.getItem!.tool_id, { id: 1 }),
      await execute(results.deleteItem!.tool_id, { id: 1 }),
    ];
    for (const run of runs) expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
      "GET /v2/items",
      "POST /v2/items",
      "GET /v2/items/1",
      "DELETE /v2/items/1",
    ]);
    for (const call of upstream.calls) expect(call.headers.get("x-key")).toBe("keyed-secret-value-91");
  });

  it("a dry run shows the connection it would create and creates none", async () => {
    const document = keyDocument();
    const before = await env.DB.prepare("SELECT count(*) AS n FROM connections").first<{ n: number }>();
    const { status, body } = await importOpenApi({ document, dry_run: true });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.connections).toEqual([
      {
        security_scheme: "key",
        status: "would_create",
        name: `${document.info.title.replace(/[^A-Za-z0-9_-]+/g, "_")}_key`,
        auth_config: { type: "api_key", key_name: "X-Key", location: "header", secrets_set: [] },
        allowed_origins: ["https://keys.example.com"],
        needs: ["value"],
        operations: 4,
      },
    ]);
    for (const r of body.results) expect(r).toMatchObject({ status: "would_create", security_scheme: "key" });
    const after = await env.DB.prepare("SELECT count(*) AS n FROM connections").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("with the key in connections.<scheme>, the connection is ready at once and the key is never echoed", async () => {
    const { status, body } = await importOpenApi({
      document: keyDocument(),
      operation_ids: ["listItems"],
      connections: { key: { value: "keyed-secret-given-77" } },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.connections[0]).toMatchObject({
      status: "created",
      connection_status: "ready",
      needs: [],
      auth_config: { secrets_set: ["value"] },
    });
    expect(JSON.stringify(body)).not.toContain("keyed-secret-given-77");
    upstream.on("GET", `${API}/items`, () => json([]));
    const run = await execute(body.results[0].tool_id, {});
    expect(run.status).toBe(200);
    expect(upstream.calls[0]!.headers.get("x-key")).toBe("keyed-secret-given-77");
  });

  it("a second import of the same document gets a connection of its own, with a suffixed name", async () => {
    const document = keyDocument();
    const first = await importOpenApi({ document, name_prefix: `${uniqueName("a")}_` });
    const second = await importOpenApi({ document, name_prefix: `${uniqueName("b")}_` });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.connections[0].name).toBe(`${first.body.connections[0].name}_2`);
    expect(second.body.connections[0].id).not.toBe(first.body.connections[0].id);
  });
});

describe("a connection none of whose tools could be created", () => {
  it("is deleted again, and reported as skipped", async () => {
    const document = { ...keyDocument(), servers: [{ url: "https://user:pw@keys.example.com/v2" }] };
    const before = await env.DB.prepare("SELECT count(*) AS n FROM connections").first<{ n: number }>();
    const { status, body } = await importOpenApi({ document, operation_ids: ["listItems"] });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.results[0]).toMatchObject({ status: "skipped", reason: "invalid_tool" });
    expect(body.connections).toEqual([
      expect.objectContaining({
        status: "skipped",
        detail: "None of its operations became a tool, so the connection was not kept.",
      }),
    ]);
    expect(body.connections[0].id).toBeUndefined();
    const after = await env.DB.prepare("SELECT count(*) AS n FROM connections").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });
});

describe("creating connections needs connections:write", () => {
  it("a tools:write key gets 403 and nothing is created; a dry run, a mapped scheme or inline secrets need no more", async () => {
    const { key } = await createApiKey(["tools:write"]);
    const prefix = `${uniqueName("scoped")}_`;
    const document = keyDocument();
    const before = await env.DB.prepare("SELECT count(*) AS n FROM connections").first<{ n: number }>();
    const refused = await api("/imports/openapi", {
      method: "POST",
      token: key,
      json: { document, name_prefix: prefix },
    });
    expect(refused.status).toBe(403);
    expect(await refused.json<Json>()).toMatchObject({
      code: "insufficient_scope",
      required_scope: "connections:write",
    });
    const after = await env.DB.prepare("SELECT count(*) AS n FROM connections").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
    const tools = await env.DB.prepare("SELECT count(*) AS n FROM tools WHERE instr(name, ?) = 1").bind(prefix).first();
    expect(tools!.n).toBe(0);

    const dry = await api("/imports/openapi", { method: "POST", token: key, json: { document, dry_run: true } });
    expect(dry.status).toBe(200);
    const existing = await createConnection({
      auth_config: { type: "api_key", key_name: "X-Key", location: "header" },
      allowed_origins: ["https://keys.example.com"],
    });
    const mapped = await api("/imports/openapi", {
      method: "POST",
      token: key,
      json: { document, name_prefix: `${prefix}m_`, connections: { key: { connection_id: existing.id } } },
    });
    expect(mapped.status).toBe(201);
    const inline = await api("/imports/openapi", {
      method: "POST",
      token: key,
      json: { document, name_prefix: `${prefix}i_`, auth_config: { value: "inline-key-value-1" } },
    });
    expect(inline.status).toBe(201);
    expect((await inline.json<Json>()).connections).toEqual([]);
  });
});

describe("mapping a scheme to an existing connection", () => {
  it("uses it for every operation of the scheme and creates none", async () => {
    const existing = await createConnection({
      auth_config: { type: "api_key", key_name: "X-Key", location: "header", value: "mapped-key-value-55" },
      allowed_origins: ["https://keys.example.com"],
    });
    const { status, body } = await importOpenApi({
      document: keyDocument(),
      name_prefix: `${uniqueName("mapped")}_`,
      connections: { key: { connection_id: existing.id } },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.connections).toEqual([
      expect.objectContaining({
        security_scheme: "key",
        status: "existing",
        id: existing.id,
        connection_status: "ready",
      }),
    ]);
    for (const r of body.results) expect(r).toMatchObject({ status: "created", connection_id: existing.id });
    upstream.on("GET", `${API}/items/7`, () => json({ id: 7 }));
    const run = await execute(byOperation(body.results).getItem!.tool_id, { id: 7 });
    expect(run.status).toBe(200);
    expect(upstream.calls[0]!.headers.get("x-key")).toBe("mapped-key-value-55");
  });

  it("refuses a connection_id that names nothing (422 at /connections/<scheme>/connection_id) and creates nothing", async () => {
    const prefix = `${uniqueName("nothing")}_`;
    const { status, body } = await importOpenApi({
      document: keyDocument(),
      name_prefix: prefix,
      connections: { key: { connection_id: "no-such-connection" } },
    });
    expect(status).toBe(422);
    expect(body).toMatchObject({ code: "connection_not_found", errors: [{ path: "/connections/key/connection_id" }] });
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM tools WHERE instr(name, ?) = 1").bind(prefix).first();
    expect(rows!.n).toBe(0);
  });

  it("skips the operations whose origin the mapped connection does not allow (invalid_tool at /endpoint_url)", async () => {
    const elsewhere = await createConnection({
      auth_config: { type: "api_key", key_name: "X-Key", location: "header" },
      allowed_origins: ["https://other.example.com"],
    });
    const { status, body } = await importOpenApi({
      document: keyDocument(),
      operation_ids: ["listItems"],
      connections: { key: { connection_id: elsewhere.id } },
    });
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({
      status: "skipped",
      reason: "invalid_tool",
      errors: [{ path: "/endpoint_url" }],
    });
  });
});

describe("each kind of scheme becomes its kind of connection", () => {
  const document = (title: string) => ({
    openapi: "3.1.0",
    info: { title, version: "1" },
    servers: [{ url: "https://multi.example.com" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        basic: { type: "http", scheme: "basic" },
        query: { type: "apiKey", in: "query", name: "api_key" },
        cookie: { type: "apiKey", in: "cookie", name: "sid" },
        machine: {
          type: "oauth2",
          flows: { clientCredentials: { tokenUrl: "https://auth.multi.example.com/token", scopes: { read: "" } } },
        },
        user: {
          type: "oauth2",
          flows: {
            implicit: { authorizationUrl: "https://auth.multi.example.com/implicit", scopes: {} },
            authorizationCode: {
              authorizationUrl: "/oauth/authorize",
              tokenUrl: "https://auth.multi.example.com/token",
              scopes: { "repo:read": "", "repo:write": "" },
            },
          },
        },
      },
    },
    paths: {
      "/a": { get: { operationId: "bearerOp", security: [{ bearer: [] }], responses: { "200": { description: "" } } } },
      "/b": { get: { operationId: "basicOp", security: [{ basic: [] }], responses: { "200": { description: "" } } } },
      "/c": { get: { operationId: "queryOp", security: [{ query: [] }], responses: { "200": { description: "" } } } },
      "/d": {
        get: { operationId: "machineOp", security: [{ machine: ["read"] }], responses: { "200": { description: "" } } },
      },
      "/e": {
        get: { operationId: "readOp", security: [{ user: ["repo:read"] }], responses: { "200": { description: "" } } },
        post: {
          operationId: "writeOp",
          security: [{ user: ["repo:read", "repo:write"] }],
          responses: { "200": { description: "" } },
        },
      },
      "/f": { get: { operationId: "cookieOp", security: [{ cookie: [] }], responses: { "200": { description: "" } } } },
      "/g": {
        get: {
          operationId: "bothOp",
          security: [{ bearer: [], query: [] }],
          responses: { "200": { description: "" } },
        },
      },
      "/h": {
        get: {
          operationId: "orOp",
          security: [{ cookie: [] }, { query: [] }, { bearer: [] }],
          responses: { "200": { description: "" } },
        },
      },
    },
  });

  it("a dry run maps each scheme, fills OAuth2 URLs and the operations' scopes, and names what each still needs", async () => {
    const { status, body } = await importOpenApi({ document: document("Multi"), dry_run: true });
    expect(status, JSON.stringify(body)).toBe(200);
    const connections = Object.fromEntries(body.connections.map((c: Json) => [c.security_scheme, c]));
    expect(Object.keys(connections)).toEqual(["bearer", "basic", "query", "machine", "user"]);
    expect(connections.bearer).toMatchObject({ auth_config: { type: "bearer_token" }, needs: ["token"] });
    expect(connections.basic).toMatchObject({ auth_config: { type: "basic" }, needs: ["username", "password"] });
    expect(connections.basic.auth_config.username).toBeUndefined();
    expect(connections.query).toMatchObject({
      auth_config: { type: "api_key", key_name: "api_key", location: "query" },
      needs: ["value"],
      operations: 2,
    });
    expect(connections.machine).toMatchObject({
      auth_config: {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: "https://auth.multi.example.com/token",
        scope: "read",
      },
      needs: ["client_id", "client_secret"],
    });
    expect(connections.user).toMatchObject({
      name: "Multi_user",
      auth_config: {
        type: "oauth2",
        grant_type: "authorization_code",
        authorization_url: "https://multi.example.com/oauth/authorize",
        token_url: "https://auth.multi.example.com/token",
        scope: "repo:read repo:write",
      },
      needs: ["client_id", "authorization"],
      operations: 2,
      allowed_origins: ["https://multi.example.com"],
    });
    const results = byOperation(body.results);
    expect(results.orOp).toMatchObject({ status: "would_create", security_scheme: "query" });
    expect(results.cookieOp).toMatchObject({ status: "skipped", reason: "unsupported_security" });
    expect(results.cookieOp!.detail).toContain("API key in a cookie");
    expect(results.bothOp).toMatchObject({ status: "skipped", reason: "unsupported_security" });
    expect(results.bothOp!.detail).toContain("bearer + query are required together");
  });

  it("a real import creates them; authorization code is needs_authorization; OAuth2 and Basic need their client_id and username", async () => {
    const title = uniqueName("Multi");
    const { status, body } = await importOpenApi({
      document: document(title),
      name_prefix: `${uniqueName("multi")}_`,
      connections: { user: { client_id: "my-app" }, basic: { username: "alice", password: "alice-password-1" } },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    const connections = Object.fromEntries(body.connections.map((c: Json) => [c.security_scheme, c]));
    expect(connections.user).toMatchObject({
      status: "created",
      connection_status: "needs_authorization",
      needs: ["authorization"],
      auth_config: { client_id: "my-app", scope: "repo:read repo:write" },
    });
    expect(connections.basic).toMatchObject({
      status: "created",
      connection_status: "ready",
      auth_config: { type: "basic", username: "alice", secrets_set: ["password"] },
    });
    expect(connections.bearer).toMatchObject({ status: "created", connection_status: "needs_secret" });
    expect(connections.machine).toMatchObject({ status: "skipped", needs: ["client_id", "client_secret"] });
    const results = byOperation(body.results);
    expect(results.machineOp).toMatchObject({ status: "skipped", reason: "connection_incomplete" });
    expect(results.machineOp!.detail).toContain("connections.machine.client_id");
    for (const id of ["bearerOp", "basicOp", "queryOp", "readOp", "writeOp", "orOp"])
      expect(results[id], id).toMatchObject({
        status: "created",
        connection_id: connections[results[id]!.security_scheme].id,
      });

    upstream.on("GET", "https://multi.example.com/b", () => json({}));
    const run = await execute(results.basicOp!.tool_id, {});
    expect(run.status).toBe(200);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe(`Basic ${btoa("alice:alice-password-1")}`);
    const waiting = await execute(results.readOp!.tool_id, {});
    expect(waiting.body).toMatchObject({ code: "connection_not_ready", connection_status: "needs_authorization" });
  });
});

describe("Swagger 2.0 securityDefinitions", () => {
  it("become connections too: apiKey, basic and an accessCode flow", async () => {
    const document = {
      swagger: "2.0",
      info: { title: "Old API", version: "1" },
      host: "old.example.com",
      basePath: "/api",
      schemes: ["https"],
      securityDefinitions: {
        key: { type: "apiKey", in: "header", name: "X-Old-Key" },
        login: { type: "basic" },
        user: {
          type: "oauth2",
          flow: "accessCode",
          authorizationUrl: "https://old.example.com/oauth/authorize",
          tokenUrl: "https://old.example.com/oauth/token",
          scopes: { read: "" },
        },
      },
      paths: {
        "/a": { get: { operationId: "a", security: [{ key: [] }], responses: { "200": { description: "" } } } },
        "/b": { get: { operationId: "b", security: [{ login: [] }], responses: { "200": { description: "" } } } },
        "/c": { get: { operationId: "c", security: [{ user: ["read"] }], responses: { "200": { description: "" } } } },
      },
    };
    const { status, body } = await importOpenApi({ document, dry_run: true });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.results.map((r: Json) => r.status)).toEqual(["would_create", "would_create", "would_create"]);
    expect(
      body.connections.map((c: Json) => [c.security_scheme, c.auth_config.type, c.auth_config.grant_type]),
    ).toEqual([
      ["key", "api_key", undefined],
      ["login", "basic", undefined],
      ["user", "oauth2", "authorization_code"],
    ]);
    expect(body.connections[0].allowed_origins).toEqual(["https://old.example.com"]);
  });
});

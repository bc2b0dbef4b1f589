/**
 * POST /imports/openapi through the Worker: a dry run saves nothing, a real
 * import creates tools, and executing those tools sends exactly the requests
 * the fixture document describes.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import crmYaml from "./fixtures/crm-openapi-3.0.yaml?raw";
import petshopYaml from "./fixtures/petshop-swagger-2.0.yaml?raw";
import tasksDocument from "./fixtures/tasks-openapi-3.1.json";
import { api, createApiKey, execute, json, uniqueName, useUpstream, type ApiInit, type Json } from "./helpers";

const upstream = useUpstream();

async function importOpenApi(body: Record<string, unknown>, init: ApiInit = {}) {
  const res = await api("/imports/openapi", { method: "POST", json: body, ...init });
  return { status: res.status, body: await res.json<Json>(), res };
}

async function toolNamesStartingWith(prefix: string): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT name FROM tools WHERE instr(name, ?) = 1 ORDER BY name").bind(prefix).all();
  return rows.results.map((r) => r.name as string);
}

/** The results of an import by operationId (or METHOD path when there is none). */
function byOperation(results: Json[]): Record<string, Json> {
  return Object.fromEntries(results.map((r) => [r.operation_id ?? `${r.method} ${r.path}`, r]));
}

const CRM = "https://eu.crm.example.com/v1";
const CRM_SECRETS = { value: "crm-api-key-4f9a2c", client_secret: "crm-client-secret-77" };

describe("POST /imports/openapi: dry run", () => {
  it("reports every operation, names and drafts included, and saves nothing", async () => {
    const prefix = `${uniqueName("dry")}_`;
    const { status, body } = await importOpenApi({ document: crmYaml, dry_run: true, name_prefix: prefix });

    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.dry_run).toBe(true);
    expect(body.openapi_version).toBe("3.0");
    expect(body.unknown_operation_ids).toEqual([]);
    const results = byOperation(body.results);
    expect(Object.fromEntries(Object.entries(results).map(([id, r]) => [id, r.status]))).toEqual({
      listContacts: "would_create",
      createContact: "would_create",
      getContact: "would_create",
      deleteContact: "would_create",
      updateContact: "would_create",
      addNote: "would_create",
      "POST /contacts/search": "would_create",
      downloadReport: "would_create",
      uploadFile: "skipped",
      getSession: "skipped",
      checkHealth: "skipped",
    });
    expect(results.uploadFile).toMatchObject({ reason: "unsupported_media_type", method: "POST", path: "/files" });
    expect(results.getSession).toMatchObject({ reason: "unsupported_parameter" });
    expect(results.checkHealth).toMatchObject({ reason: "unsupported_method", method: "HEAD" });
    expect(results["POST /contacts/search"]!.name).toBe(`${prefix}post_contacts_search`);

    // Each scheme a connection, with what it would need; no secret was sent, and none is echoed.
    expect(results.listContacts!.security_scheme).toBe("oauth");
    expect(results.createContact!.security_scheme).toBe("apiKey");
    expect(body.connections).toEqual([
      expect.objectContaining({
        security_scheme: "oauth",
        status: "would_create",
        auth_config: {
          type: "oauth2",
          grant_type: "client_credentials",
          token_url: "https://auth.example.com/oauth/token",
          scope: "contacts.read",
          client_auth_method: "client_secret_basic",
          secrets_set: [],
        },
        allowed_origins: ["https://eu.crm.example.com"],
        needs: ["client_id", "client_secret"],
      }),
      expect.objectContaining({ security_scheme: "apiKey", status: "would_create", needs: ["value"] }),
    ]);
    expect(results.listContacts!.tool.auth_config).toBeUndefined();
    expect(results.listContacts!.tool).toMatchObject({
      name: `${prefix}listContacts`,
      description: "List contacts\n\nNewest first, a page at a time.",
      method: "GET",
      endpoint_url: `${CRM}/contacts`,
      input_mapping: {
        limit: { in: "query" },
        cursor: { in: "query" },
        tag: { in: "query" },
        filter_status: { in: "query", name: "filter[status]" },
        "X-Request-Id": { in: "header" },
      },
    });
    // explode: false is kept, so the engine sends ?sections=a,b as the document says.
    expect(results.downloadReport!.warnings).toBeUndefined();
    expect(results.downloadReport!.tool.input_mapping.sections).toEqual({ in: "query", style: "form", explode: false });

    expect(await toolNamesStartingWith(prefix)).toEqual([]);
  });

  it("never echoes the secrets it was given", async () => {
    const prefix = `${uniqueName("drysecret")}_`;
    const { status, body, res } = await importOpenApi({
      document: crmYaml,
      dry_run: true,
      name_prefix: prefix,
      auth_config: { ...CRM_SECRETS, client_id: "crm-client" },
    });
    expect(status).toBe(200);
    const results = byOperation(body.results);
    expect(results.listContacts!.needs_secrets).toBeUndefined();
    expect(results.listContacts!.tool.auth_config).toEqual({
      type: "oauth2",
      token_url: "https://auth.example.com/oauth/token",
      client_id: "crm-client",
      scope: "contacts.read",
      grant_type: "client_credentials",
      client_auth_method: "client_secret_basic",
    });
    expect(results.createContact!.tool.auth_config).toEqual({
      type: "api_key",
      key_name: "X-API-Key",
      location: "header",
    });
    const text = JSON.stringify(body) + [...res.headers].join();
    for (const secret of Object.values(CRM_SECRETS)) expect(text).not.toContain(secret);
    expect(await toolNamesStartingWith(prefix)).toEqual([]);
  });
});

describe("POST /imports/openapi: a real import", () => {
  async function importCrm(prefix: string, clientId: string) {
    const { status, body } = await importOpenApi({
      document: crmYaml,
      name_prefix: prefix,
      auth_config: { ...CRM_SECRETS, client_id: clientId },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return byOperation(body.results);
  }

  it("creates one tool per importable operation, secrets sealed like any tool's", async () => {
    const prefix = `${uniqueName("crm")}_`;
    const results = await importCrm(prefix, uniqueName("client"));
    const created = Object.values(results).filter((r) => r.status === "created");
    expect(created).toHaveLength(8);
    expect(await toolNamesStartingWith(prefix)).toEqual(created.map((r) => r.name).sort());

    const res = await api(`/tools/${results.createContact!.tool_id}`);
    const tool = await res.json<Json>();
    expect(tool).toMatchObject({
      name: `${prefix}createContact`,
      method: "POST",
      endpoint_url: `${CRM}/contacts`,
      body_format: "json",
      auth_config: { type: "api_key", key_name: "X-API-Key", location: "header", secrets_set: ["value"] },
    });
    // readOnly properties (id, created_at) are not inputs; required follows the body.
    expect(Object.keys(tool.input_schema.properties)).toEqual([
      "Idempotency-Key",
      "name",
      "email",
      "phone",
      "status",
      "tags",
      "company",
    ]);
    expect(tool.input_schema.required).toEqual(["Idempotency-Key", "name", "email"]);
    expect(tool.output_schema.required).toEqual(["id", "name", "email"]);
    const row = await env.DB.prepare("SELECT auth_secrets FROM tools WHERE id = ?")
      .bind(results.createContact!.tool_id)
      .first<{ auth_secrets: string }>();
    expect(row!.auth_secrets).not.toContain(CRM_SECRETS.value);
  });

  it("GET with path-less query, array, renamed and header parameters, behind OAuth2 client credentials", async () => {
    const clientId = uniqueName("client");
    const results = await importCrm(`${uniqueName("crm")}_`, clientId);
    upstream.on("POST", "https://auth.example.com/oauth/token", () =>
      json({ access_token: "crm-access-token-1", token_type: "Bearer", expires_in: 3600 }),
    );
    upstream.on("GET", `${CRM}/contacts`, () =>
      json({ items: [{ id: 7, name: "Ada", email: "ada@example.com", phone: null }], next_cursor: null }),
    );

    const { status, body } = await execute(results.listContacts!.tool_id, {
      limit: 5,
      tag: ["vip", "eu"],
      filter_status: "customer",
      "X-Request-Id": "trace-1",
    });

    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.output.items[0].name).toBe("Ada");
    const [token, call] = upstream.calls;
    expect(token!.url.href).toBe("https://auth.example.com/oauth/token");
    expect(Object.fromEntries(new URLSearchParams(token!.body))).toEqual({
      grant_type: "client_credentials",
      scope: "contacts.read",
    });
    expect(token!.headers.get("authorization")).toBe(`Basic ${btoa(`${clientId}:${CRM_SECRETS.client_secret}`)}`);
    expect(call!.method).toBe("GET");
    expect(call!.url.href).toBe(`${CRM}/contacts?limit=5&tag=vip&tag=eu&filter%5Bstatus%5D=customer`);
    expect(call!.headers.get("authorization")).toBe("Bearer crm-access-token-1");
    expect(call!.headers.get("x-request-id")).toBe("trace-1");
    expect(call!.headers.get("x-api-key")).toBeNull();
    expect(call!.body).toBe("");
  });

  it("POST with a required header and a JSON body built from a $ref'd requestBody; the API key in its header", async () => {
    const results = await importCrm(`${uniqueName("crm")}_`, uniqueName("client"));
    upstream.on("POST", `${CRM}/contacts`, () =>
      json(
        { id: 42, name: "Ada Lovelace", email: "ada@example.com", created_at: "2026-01-01T00:00:00Z" },
        { status: 201 },
      ),
    );

    const { status, body } = await execute(results.createContact!.tool_id, {
      "Idempotency-Key": "idem-0001",
      name: "Ada Lovelace",
      email: "ada@example.com",
      tags: ["vip"],
      company: { name: "Analytical Engines" },
    });

    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status_code).toBe(201);
    const [call] = upstream.calls;
    expect(call!.method).toBe("POST");
    expect(call!.url.href).toBe(`${CRM}/contacts`);
    expect(call!.headers.get("x-api-key")).toBe(CRM_SECRETS.value);
    expect(call!.headers.get("idempotency-key")).toBe("idem-0001");
    expect(call!.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(call!.body)).toEqual({
      name: "Ada Lovelace",
      email: "ada@example.com",
      tags: ["vip"],
      company: { name: "Analytical Engines" },
    });
  });

  it("PATCH and DELETE fill the path parameter declared on the path item; the JSON body takes nullable fields", async () => {
    const results = await importCrm(`${uniqueName("crm")}_`, uniqueName("client"));
    upstream.on("PATCH", `${CRM}/contacts/42`, () =>
      json({ id: 42, name: "Ada", email: "ada@example.com", status: "customer", phone: null }),
    );
    upstream.on("DELETE", `${CRM}/contacts/42`, () => new Response(null, { status: 204 }));

    const patched = await execute(results.updateContact!.tool_id, { contactId: 42, status: "customer", phone: null });
    const deleted = await execute(results.deleteContact!.tool_id, { contactId: 42 });

    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    const [patch, del] = upstream.calls;
    expect(patch!.url.href).toBe(`${CRM}/contacts/42`);
    expect(JSON.parse(patch!.body)).toEqual({ status: "customer", phone: null });
    expect(patch!.headers.get("x-api-key")).toBe(CRM_SECRETS.value);
    expect(del!.method).toBe("DELETE");
    expect(del!.body).toBe("");
  });

  it("a form request body is sent form-encoded, lists as repeated fields, schema defaults filled in", async () => {
    const results = await importCrm(`${uniqueName("crm")}_`, uniqueName("client"));
    upstream.on("POST", `${CRM}/contacts/9/notes`, () =>
      json({ id: 1, text: "Called", pinned: false }, { status: 201 }),
    );

    const { status, body } = await execute(results.addNote!.tool_id, {
      contactId: 9,
      text: "Called today",
      tags: ["phone", "q3"],
    });

    expect(status, JSON.stringify(body)).toBe(200);
    const [call] = upstream.calls;
    expect(call!.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    // The default for pinned comes last: it was filled in after the input given.
    expect(call!.body).toBe("text=Called+today&tags=phone&tags=q3&pinned=false");
  });

  it("the input schema comes from the document: a value it forbids is refused before anything is sent", async () => {
    const results = await importCrm(`${uniqueName("crm")}_`, uniqueName("client"));
    const byMinimum = await execute(results.getContact!.tool_id, { contactId: 0 });
    const byUnknown = await execute(results.getContact!.tool_id, { contactId: 1, verbose: true });
    expect(byMinimum.status).toBe(422);
    expect(byMinimum.body.errors).toEqual([expect.objectContaining({ path: "/input/contactId", keyword: "minimum" })]);
    expect(byUnknown.status).toBe(422);
    expect(upstream.calls).toHaveLength(0);
  });

  it("imports an OpenAPI 3.1 document: bearer and query API keys, nullable types, tuples", async () => {
    const prefix = `${uniqueName("tasks")}_`;
    const { status, body } = await importOpenApi({
      document: tasksDocument,
      name_prefix: prefix,
      auth_config: { token: "tasks-bearer-token", value: "tasks-query-key" },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.openapi_version).toBe("3.1");
    const results = byOperation(body.results);
    expect(results["list tasks (v2)"]).toMatchObject({ status: "created", name: `${prefix}list_tasks_v2` });
    // HTTP basic is a connection, which needs a username before it can exist.
    expect(results.adminStats).toMatchObject({ status: "skipped", reason: "connection_incomplete" });
    expect(results.adminStats!.detail).toContain("connections.basic.username");
    // The recursive Node schema is kept, its recursion a $ref to a definition the output schema carries.
    expect(results.getTree!.warnings).toBeUndefined();
    const tree = await (await api(`/tools/${results.getTree!.tool_id}`)).json<Json>();
    expect(JSON.stringify(tree.output_schema)).toMatch(/"\$ref":"#\/(definitions|\$defs)\/Node"/);

    upstream.on("POST", "https://tasks.example.org/api/projects/p-1/tasks", () =>
      json({ id: 3, title: "Write", done: false, due: null, labels: [] }, { status: 201 }),
    );
    upstream.on("PUT", "https://tasks.example.org/api/tasks/3", () => json({}));
    upstream.on("POST", "https://tasks.example.org/api/tasks/3/position", () => new Response(null, { status: 204 }));
    const created = await execute(results.createTask!.tool_id, { projectId: "p-1", title: "Write", due: null });
    const replaced = await execute(results.replaceTask!.tool_id, { taskId: 3, title: "Write", done: true });
    const moved = await execute(results.moveTask!.tool_id, { taskId: 3, position: [1, 2] });
    const tooLong = await execute(results.moveTask!.tool_id, { taskId: 3, position: [1, 2, 3] });

    expect([created.status, replaced.status, moved.status, tooLong.status]).toEqual([200, 200, 200, 422]);
    const [create, replace, move] = upstream.calls;
    expect(create!.headers.get("authorization")).toBe("Bearer tasks-bearer-token");
    expect(JSON.parse(create!.body)).toEqual({ title: "Write", due: null, done: false });
    expect(replace!.url.href).toBe("https://tasks.example.org/api/tasks/3?api_key=tasks-query-key");
    expect(replace!.headers.get("authorization")).toBeNull();
    expect(JSON.parse(move!.body)).toEqual({ position: [1, 2] });
  });

  it("imports a Swagger 2.0 document by converting it to OpenAPI 3.0 first: body, formData, multi arrays", async () => {
    const prefix = `${uniqueName("pets")}_`;
    const clientId = uniqueName("client");
    const { status, body } = await importOpenApi({
      document: petshopYaml,
      name_prefix: prefix,
      auth_config: { value: "petshop-key-1", client_id: clientId, client_secret: "petshop-secret-1" },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.openapi_version).toBe("2.0");
    const results = byOperation(body.results);
    expect(Object.fromEntries(Object.entries(results).map(([id, r]) => [id, r.reason ?? r.status]))).toEqual({
      addPet: "created",
      findPetsByStatus: "created",
      getPetById: "created",
      updatePetWithForm: "created",
      uploadFile: "unsupported_media_type",
    });
    // collectionFormat csv (the default) is style form, explode false: ?tags=a,b.
    expect(results.findPetsByStatus!.warnings).toBeUndefined();

    const API = "https://api.petshop.example.com/v2";
    upstream.on("POST", "https://auth.petshop.example.com/token", () =>
      json({ access_token: "pet-token-1", expires_in: 600 }),
    );
    upstream.on("POST", `${API}/pet`, () => json({ id: 1, name: "Rex", photoUrls: [] }));
    upstream.on("GET", `${API}/pet/findByStatus`, () => json([]));
    upstream.on("POST", `${API}/pet/1`, () => new Response(null, { status: 200 }));
    const added = await execute(results.addPet!.tool_id, { name: "Rex", photoUrls: [], status: "available" });
    const found = await execute(results.findPetsByStatus!.tool_id, { status: ["available", "sold"] });
    const updated = await execute(results.updatePetWithForm!.tool_id, { petId: 1, name: "Rex II" });

    expect([added.status, found.status, updated.status]).toEqual([200, 200, 200]);
    const [, add, find, update] = upstream.calls;
    expect(add!.headers.get("authorization")).toBe("Bearer pet-token-1");
    expect(JSON.parse(add!.body)).toEqual({ name: "Rex", photoUrls: [], status: "available" });
    expect(find!.url.href).toBe(`${API}/pet/findByStatus?status=available&status=sold`);
    expect(find!.headers.get("api_key")).toBe("petshop-key-1");
    expect(update!.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(update!.body).toBe("name=Rex+II");
  });

  it("de-duplicates names against tools already there: _2 on a second import", async () => {
    const prefix = `${uniqueName("twice")}_`;
    const options = {
      document: tasksDocument,
      name_prefix: prefix,
      operation_ids: ["createTask"],
      auth_config: { token: "tasks-bearer-token" },
    };
    const first = await importOpenApi(options);
    const second = await importOpenApi(options);
    const dry = await importOpenApi({ ...options, dry_run: true });
    expect(first.body.results[0]).toMatchObject({ status: "created", name: `${prefix}createTask` });
    expect(second.body.results[0]).toMatchObject({ status: "created", name: `${prefix}createTask_2` });
    expect(dry.body.results[0]).toMatchObject({ status: "would_create", name: `${prefix}createTask_3` });
  });

  it("de-duplicates names within one document, in document order", async () => {
    const prefix = `${uniqueName("same")}_`;
    const ops = { responses: {} };
    const { status, body } = await importOpenApi({
      document: {
        openapi: "3.0.3",
        servers: [{ url: "https://api.example.com" }],
        paths: {
          "/a": { get: { ...ops, operationId: "list pets" } },
          "/b": { get: { ...ops, operationId: "list_pets" } },
          "/c": { get: { ...ops, operationId: "list-pets!" } },
        },
      },
      name_prefix: prefix,
      dry_run: true,
    });
    expect(status).toBe(200);
    expect(body.results.map((r: Json) => r.name)).toEqual([
      `${prefix}list_pets`,
      `${prefix}list_pets_2`,
      `${prefix}list-pets`,
    ]);
  });

  it("a scheme auth_config does not complete uses a connection instead; a type without its secret skips with needs_secret", async () => {
    const prefix = `${uniqueName("nosecret")}_`;
    const { status, body } = await importOpenApi({
      document: crmYaml,
      name_prefix: prefix,
      auth_config: { value: CRM_SECRETS.value },
    });
    expect(status).toBe(201);
    const results = byOperation(body.results);
    // OAuth2 without a client_id cannot be a connection yet: the detail says what to send.
    expect(results.listContacts).toMatchObject({
      status: "skipped",
      reason: "connection_incomplete",
      security_scheme: "oauth",
    });
    expect(results.listContacts!.detail).toContain("send connections.oauth.client_id");
    // The API key completes its scheme inline: the tool keeps its own credential, as before connections.
    expect(results.createContact!.status).toBe("created");
    expect(results.createContact!.connection_id).toBeUndefined();
    const tool = await (await api(`/tools/${results.createContact!.tool_id}`)).json<Json>();
    expect(tool.auth_config).toMatchObject({ type: "api_key", secrets_set: ["value"] });
    expect(body.connections.map((c: Json) => [c.security_scheme, c.status])).toEqual([["oauth", "skipped"]]);

    const typed = await importOpenApi({
      document: crmYaml,
      name_prefix: `${uniqueName("typed")}_`,
      auth_config: { type: "bearer_token" },
    });
    expect(typed.status).toBe(200);
    expect(typed.body.results.filter((r: Json) => r.status === "created")).toEqual([]);
    expect(byOperation(typed.body.results).createContact).toMatchObject({
      reason: "needs_secret",
      needs_secrets: ["token"],
    });
  });

  it("auth_config with a type replaces the document's schemes; server_url replaces its servers", async () => {
    const { status, body } = await importOpenApi({
      document: crmYaml,
      name_prefix: `${uniqueName("override")}_`,
      operation_ids: ["getContact", "noSuchOperation"],
      server_url: "https://crm.internal.example.com/api/",
      auth_config: { type: "bearer_token", token: "override-token-1" },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.results).toHaveLength(1);
    expect(body.unknown_operation_ids).toEqual(["noSuchOperation"]);
    upstream.on("GET", "https://crm.internal.example.com/api/contacts/5", () =>
      json({ id: 5, name: "Grace", email: "grace@example.com" }),
    );
    const run = await execute(body.results[0].tool_id, { contactId: 5 });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe("Bearer override-token-1");
  });

  it("an operation the outbound policy refuses is skipped as invalid_tool, pointing at the field", async () => {
    const { status, body } = await importOpenApi({
      document: tasksDocument,
      server_url: "https://10.0.0.8/api",
      operation_ids: ["createTask"],
      auth_config: { token: "tasks-bearer-token" },
    });
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ status: "skipped", reason: "invalid_tool" });
    expect(body.results[0].errors[0].path).toBe("/endpoint_url");
  });
});

describe("POST /imports/openapi: access", () => {
  it("needs a token (401) with the tools:write scope (403)", async () => {
    const anonymous = await importOpenApi({ document: crmYaml, dry_run: true }, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe("unauthorized");
    const { key } = await createApiKey(["tools:read", "tools:execute"]);
    const reader = await importOpenApi({ document: crmYaml, dry_run: true }, { token: key });
    expect(reader.status).toBe(403);
    expect(reader.body).toMatchObject({ code: "insufficient_scope", required_scope: "tools:write" });
    const { key: writer } = await createApiKey(["tools:write"]);
    const allowed = await importOpenApi({ document: crmYaml, dry_run: true }, { token: writer });
    expect(allowed.status).toBe(200);
  });
});

describe("POST /imports/openapi: 422", () => {
  const cases: [string, Record<string, unknown>, string, string, string | RegExp][] = [
    ["not OpenAPI", { document: { hello: "world" } }, "invalid_openapi", "/document/openapi", /no openapi version/],
    [
      "a YAML syntax error",
      { document: "openapi: 3.0.0\npaths: [unclosed" },
      "invalid_openapi",
      "/document",
      /not valid YAML/,
    ],
    ["JSON that does not parse", { document: '{"openapi": ' }, "invalid_openapi", "/document", /not valid JSON/],
    ["a scalar", { document: "just text" }, "invalid_openapi", "/document", /not an object/],
    [
      "Swagger 1.2",
      { document: { swagger: "1.2", apis: [] } },
      "unsupported_openapi_version",
      "/document/swagger",
      "This is a Swagger 1.2 document; only Swagger 2.0 and OpenAPI 3.0 and 3.1 can be imported.",
    ],
    [
      "OpenAPI 3.2",
      { document: "openapi: 3.2.0\ninfo: {title: x, version: '1'}\npaths: {}" },
      "unsupported_openapi_version",
      "/document/openapi",
      /OpenAPI 3\.2\.0 is not supported/,
    ],
    [
      "a relative server and no server_url",
      { document: { openapi: "3.0.3", servers: [{ url: "/api/v3" }], paths: { "/pets": { get: { responses: {} } } } } },
      "server_url_required",
      "/server_url",
      /"\/api\/v3" is relative/,
    ],
    ["a relative server_url", { document: crmYaml, server_url: "/v1" }, "invalid_request", "/server_url", /absolute/],
    [
      "an empty secret",
      { document: crmYaml, auth_config: { value: "" } },
      "invalid_request",
      "/auth_config/value",
      /cannot be empty/,
    ],
    [
      "a bad name_prefix",
      { document: crmYaml, name_prefix: "crm tools" },
      "invalid_request",
      "/name_prefix",
      /name_prefix/,
    ],
    ["no document", {}, "invalid_request", "/document", /document/],
  ];
  it.each(cases)("%s", async (_label, body, code, path, message) => {
    const res = await importOpenApi(body);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body.code).toBe(code);
    expect(res.body.errors[0].path).toBe(path);
    if (typeof message === "string") expect(res.body.detail).toBe(message);
    else expect(res.body.errors[0].message).toMatch(message);
  });

  it("refuses more than 2,000 operations at once, pointing at operation_ids", async () => {
    const paths = Object.fromEntries(
      Array.from({ length: 2001 }, (_, i) => [`/items/${i}`, { get: { operationId: `get${i}`, responses: {} } }]),
    );
    const res = await importOpenApi({
      document: { openapi: "3.1.0", servers: [{ url: "https://x.example.com" }], paths },
      dry_run: true,
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "too_many_operations" });
    const some = await importOpenApi({
      document: { openapi: "3.1.0", servers: [{ url: "https://x.example.com" }], paths },
      dry_run: true,
      operation_ids: ["get1", "get2"],
    });
    expect(some.status).toBe(200);
    expect(some.body.results.map((r: Json) => r.name)).toEqual(["get1", "get2"]);
  });
});

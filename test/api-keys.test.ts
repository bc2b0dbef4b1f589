/**
 * Scoped API keys: shown once and stored as a hash, listed without the key,
 * revoked for good; and every route's scope, enforced and declared alike.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { API_KEY_CACHE_TTL_MS, resolvePrincipal } from "../src/access/principal";
import { api, createApiKey, createTool, uniqueName, waitForLog, type ApiInit, type Json } from "./helpers";

const SCOPES = [
  "tools:read",
  "tools:write",
  "tools:execute",
  "executions:read",
  "connections:read",
  "connections:write",
  "admin",
] as const;
type Scope = (typeof SCOPES)[number];

const KEY_FORMAT = /^tg_[A-Za-z0-9_-]{43}$/;

function base64Url(bytes: ArrayBuffer): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function sha256(text: string): Promise<string> {
  return base64Url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

async function apiKeyRow(id: string): Promise<Record<string, unknown> | null> {
  return env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(id).first<Record<string, unknown>>();
}

/** Every key in the listing, walking every page. */
async function listAllKeys(): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res = await api(`/api-keys?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status).toBe(200);
    const page = await res.json<{ items: Json[]; next_cursor: string | null }>();
    items.push(...page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
  throw new Error("never reached the last page");
}

/** A connection without its secret: nothing is ever sent with it (its test answers 409 needs_secret). */
async function connection(): Promise<Json> {
  const res = await api("/connections", {
    method: "POST",
    json: {
      name: uniqueName("conn"),
      auth_config: { type: "bearer_token" },
      allowed_origins: ["https://api.example.com"],
    },
  });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** A tool that runs without any upstream: the built-in current_time function. */
function functionTool(): Promise<Json> {
  return createTool({
    name: uniqueName("clock"),
    execution_type: "function",
    function_name: "current_time",
    method: undefined,
    endpoint_url: undefined,
    input_schema: undefined,
  });
}

describe("POST /api-keys", () => {
  it("returns the key once, with its metadata, a Location and Cache-Control: no-store", async () => {
    const name = uniqueName("orchestrator");
    const res = await api("/api-keys", { method: "POST", json: { name, scopes: ["tools:execute"] } });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Json>();
    expect(Object.keys(body).sort()).toEqual(
      ["created_at", "id", "key", "last_used_at", "name", "prefix", "revoked_at", "scopes"].sort(),
    );
    expect(body.key).toMatch(KEY_FORMAT);
    expect(body).toMatchObject({ name, scopes: ["tools:execute"], last_used_at: null, revoked_at: null });
    expect(body.prefix).toBe(body.key.slice(0, 11));
    expect(res.headers.get("location")).toBe(`/api-keys/${body.id}`);
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
  });

  it("stores only the SHA-256 of the key: no column holds the key or its secret part", async () => {
    const created = await createApiKey(["tools:read", "admin"]);
    const row = await apiKeyRow(created.id);
    expect(row).not.toBeNull();
    expect(Object.keys(row!).sort()).toEqual(
      ["created_at", "id", "key_hash", "last_used_at", "name", "prefix", "revoked_at", "scopes"].sort(),
    );
    expect(row!.key_hash).toBe(await sha256(created.key));
    const secretPart = created.key.slice(11);
    for (const [column, value] of Object.entries(row!)) {
      expect(String(value), column).not.toContain(created.key);
      expect(String(value), column).not.toContain(secretPart);
    }
    expect(JSON.parse(row!.scopes as string)).toEqual(["tools:read", "admin"]);
  });

  it("makes a different key every time", async () => {
    const keys = await Promise.all([1, 2, 3].map(() => createApiKey(["tools:read"])));
    expect(new Set(keys.map((k) => k.key)).size).toBe(3);
    expect(new Set(keys.map((k) => k.id)).size).toBe(3);
  });

  it("keeps each scope once, in the canonical order", async () => {
    const created = await createApiKey(["admin", "tools:read", "admin", "tools:execute"]);
    expect(created.scopes).toEqual(["tools:read", "tools:execute", "admin"]);
  });

  it.each([
    ["no scopes", { name: "x", scopes: [] }, "/scopes"],
    ["an unknown scope", { name: "x", scopes: ["tools:read", "root"] }, "/scopes/1"],
    ["no name", { scopes: ["tools:read"] }, "/name"],
    ["an empty name", { name: "", scopes: ["tools:read"] }, "/name"],
    ["a name with a control character", { name: "a\nb", scopes: ["tools:read"] }, "/name"],
  ])("refuses %s with 422 invalid_request", async (_label, json, path) => {
    const res = await api("/api-keys", { method: "POST", json });
    expect(res.status).toBe(422);
    const body = await res.json<Json>();
    expect(body.code).toBe("invalid_request");
    expect(body.errors.map((e: Json) => e.path)).toContain(path);
  });
});

describe("GET /api-keys", () => {
  it("lists keys oldest first with their metadata and never the key", async () => {
    const created = await createApiKey(["executions:read"]);
    const res = await api("/api-keys?limit=100");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(created.key.slice(11));
    expect(text).not.toContain('"key"');
    expect(text).not.toContain("key_hash");
    const all = await listAllKeys();
    const listed = all.find((k) => k.id === created.id);
    const { key: _key, ...withoutKey } = created;
    expect(listed).toEqual(withoutKey);
    const times = all.map((k) => k.created_at as string);
    expect([...times].sort()).toEqual(times);
  });

  it("pages with limit and next_cursor, and refuses a cursor it did not issue", async () => {
    const mine = new Set<string>();
    for (let i = 0; i < 3; i++) mine.add((await createApiKey(["tools:read"])).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api(`/api-keys?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      const page = await res.json<{ items: Json[]; next_cursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((k) => k.id as string));
      cursor = page.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of mine) expect(seen).toContain(id);
    const bad = await api("/api-keys?cursor=not-a-cursor");
    expect(bad.status).toBe(400);
    expect((await bad.json<Json>()).code).toBe("invalid_cursor");
  });

  it("records last_used_at after a key is used", async () => {
    const created = await createApiKey(["tools:read"]);
    expect((await api("/tools?limit=1", { token: created.key })).status).toBe(200);
    for (let attempt = 0; attempt < 100; attempt++) {
      const listed = (await listAllKeys()).find((k) => k.id === created.id);
      if (listed?.last_used_at) {
        expect(Date.parse(listed.last_used_at)).toBeGreaterThanOrEqual(Date.parse(created.created_at));
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("last_used_at was never set");
  });
});

describe("DELETE /api-keys/{id}", () => {
  it("revokes: the key gets 401 at once, the listing shows revoked_at, and the row stays", async () => {
    const created = await createApiKey(["tools:read"]);
    expect((await api("/tools?limit=1", { token: created.key })).status).toBe(200);

    const res = await api(`/api-keys/${created.id}`, { method: "DELETE" });
    expect(res.status).toBe(204);

    const refused = await api("/tools?limit=1", { token: created.key });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="toolgate", error="invalid_token"');
    expect((await refused.json<Json>()).code).toBe("unauthorized");
    const listed = (await listAllKeys()).find((k) => k.id === created.id);
    expect(listed?.revoked_at).toEqual(expect.any(String));
    expect((await apiKeyRow(created.id))?.revoked_at).toBe(listed?.revoked_at);
  });

  it("revoking twice is 204 and keeps the first revoked_at; an unknown id is 404 api_key_not_found", async () => {
    const created = await createApiKey(["tools:read"]);
    expect((await api(`/api-keys/${created.id}`, { method: "DELETE" })).status).toBe(204);
    const first = (await apiKeyRow(created.id))?.revoked_at;
    await new Promise((r) => setTimeout(r, 5));
    expect((await api(`/api-keys/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await apiKeyRow(created.id))?.revoked_at).toBe(first);

    const missing = await api(`/api-keys/${crypto.randomUUID()}`, { method: "DELETE" });
    expect(missing.status).toBe(404);
    expect((await missing.json<Json>()).code).toBe("api_key_not_found");
  });

  it("an API key with admin can manage keys, including revoking itself", async () => {
    const admin = await createApiKey(["admin"]);
    const created = await api("/api-keys", {
      method: "POST",
      token: admin.key,
      json: { name: "x", scopes: ["tools:read"] },
    });
    expect(created.status).toBe(201);
    expect((await api(`/api-keys/${admin.id}`, { method: "DELETE", token: admin.key })).status).toBe(204);
    expect((await api("/api-keys", { token: admin.key })).status).toBe(401);
  });
});

describe("the API key cache", () => {
  it(`lets a key revoked by another isolate work for at most ${API_KEY_CACHE_TTL_MS / 1000} s`, async () => {
    const created = await createApiKey(["tools:read"]);
    const deferred: Promise<unknown>[] = [];
    const defer = (work: Promise<unknown>) => void deferred.push(work);
    const start = Date.now();
    const now = vi.spyOn(Date, "now").mockReturnValue(start);
    try {
      expect(await resolvePrincipal(env, created.key, defer)).toMatchObject({
        ok: true,
        principal: { kind: "api_key", keyId: created.id },
      });
      // Revoked straight in D1, as the DELETE served by another isolate would.
      await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?")
        .bind(new Date().toISOString(), created.id)
        .run();
      now.mockReturnValue(start + API_KEY_CACHE_TTL_MS - 1);
      expect((await resolvePrincipal(env, created.key, defer)).ok).toBe(true);
      now.mockReturnValue(start + API_KEY_CACHE_TTL_MS);
      expect(await resolvePrincipal(env, created.key, defer)).toEqual({ ok: false, reason: "unknown_token" });
    } finally {
      now.mockRestore();
      await Promise.all(deferred);
    }
  });

  it("grants only the scopes this code knows, whatever the row says", async () => {
    const created = await createApiKey(["tools:read"]);
    await env.DB.prepare("UPDATE api_keys SET scopes = ? WHERE id = ?")
      .bind(JSON.stringify(["superuser", "tools:read"]), created.id)
      .run();
    const start = Date.now();
    const now = vi.spyOn(Date, "now").mockReturnValue(start + API_KEY_CACHE_TTL_MS * 2);
    try {
      const deferred: Promise<unknown>[] = [];
      const verdict = await resolvePrincipal(env, created.key, (work) => void deferred.push(work));
      await Promise.all(deferred);
      expect(verdict.ok && verdict.principal.scopes).toEqual(["tools:read"]);
    } finally {
      now.mockRestore();
    }
  });
});

/**
 * One request per operation of the API, with the scope it needs and the
 * status it answers when allowed. Each builds what it needs, so it can run
 * under any key.
 */
interface Operation {
  method: string;
  path: string;
  scope: Scope;
  allowed: number;
  request: () => Promise<{ path: string; init: ApiInit }>;
}

const OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/tools",
    scope: "tools:read",
    allowed: 200,
    request: async () => ({ path: "/tools?limit=1", init: {} }),
  },
  {
    method: "post",
    path: "/tools",
    scope: "tools:write",
    allowed: 201,
    request: async () => ({
      path: "/tools",
      init: {
        method: "POST",
        json: { name: uniqueName(), execution_type: "function", function_name: "current_time" },
      },
    }),
  },
  {
    method: "get",
    path: "/tools/{id}",
    scope: "tools:read",
    allowed: 200,
    request: async () => ({ path: `/tools/${(await functionTool()).id}`, init: {} }),
  },
  {
    method: "put",
    path: "/tools/{id}",
    scope: "tools:write",
    allowed: 200,
    request: async () => {
      const tool = await functionTool();
      return {
        path: `/tools/${tool.id}`,
        init: {
          method: "PUT",
          json: { name: tool.name, execution_type: "function", function_name: "current_time", description: "changed" },
        },
      };
    },
  },
  {
    method: "delete",
    path: "/tools/{id}",
    scope: "tools:write",
    allowed: 204,
    request: async () => ({ path: `/tools/${(await functionTool()).id}`, init: { method: "DELETE" } }),
  },
  {
    method: "post",
    path: "/tools/{id}/execute",
    scope: "tools:execute",
    allowed: 200,
    request: async () => ({
      path: `/tools/${(await functionTool()).id}/execute`,
      init: { method: "POST", json: { input: { timezone: "UTC" } } },
    }),
  },
  {
    method: "post",
    path: "/tools/by-name/{name}/execute",
    scope: "tools:execute",
    allowed: 200,
    request: async () => ({
      path: `/tools/by-name/${(await functionTool()).name}/execute`,
      init: { method: "POST", json: { input: { timezone: "UTC" } } },
    }),
  },
  {
    method: "get",
    path: "/tools/{id}/executions",
    scope: "executions:read",
    allowed: 200,
    request: async () => {
      const tool = await functionTool();
      const run = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
      await waitForLog((await run.json<Json>()).execution_id);
      return { path: `/tools/${tool.id}/executions`, init: {} };
    },
  },
  {
    method: "get",
    path: "/executions",
    scope: "executions:read",
    allowed: 200,
    request: async () => ({ path: "/executions?limit=1", init: {} }),
  },
  {
    method: "get",
    path: "/executions/{id}",
    scope: "executions:read",
    allowed: 200,
    request: async () => {
      const run = await api(`/tools/${(await functionTool()).id}/execute`, { method: "POST", json: { input: {} } });
      const { execution_id } = await run.json<Json>();
      await waitForLog(execution_id);
      return { path: `/executions/${execution_id}`, init: {} };
    },
  },
  {
    method: "get",
    path: "/tools/{id}/versions",
    scope: "tools:read",
    allowed: 200,
    request: async () => ({ path: `/tools/${(await functionTool()).id}/versions`, init: {} }),
  },
  {
    method: "get",
    path: "/tools/{id}/versions/{n}",
    scope: "tools:read",
    allowed: 200,
    request: async () => ({ path: `/tools/${(await functionTool()).id}/versions/1`, init: {} }),
  },
  {
    method: "post",
    path: "/tools/{id}/versions/{n}/restore",
    scope: "tools:write",
    allowed: 200,
    request: async () => ({
      path: `/tools/${(await functionTool()).id}/versions/1/restore`,
      init: { method: "POST", json: {} },
    }),
  },
  {
    method: "get",
    path: "/exports/functions",
    scope: "tools:read",
    allowed: 200,
    request: async () => ({ path: "/exports/functions?format=openai&limit=1", init: {} }),
  },
  {
    method: "get",
    path: "/exports/functions/{id}",
    scope: "tools:read",
    allowed: 200,
    request: async () => ({ path: `/exports/functions/${(await functionTool()).id}?format=anthropic`, init: {} }),
  },
  {
    method: "post",
    path: "/api-keys",
    scope: "admin",
    allowed: 201,
    request: async () => ({
      path: "/api-keys",
      init: { method: "POST", json: { name: uniqueName(), scopes: ["tools:read"] } },
    }),
  },
  {
    method: "get",
    path: "/api-keys",
    scope: "admin",
    allowed: 200,
    request: async () => ({ path: "/api-keys", init: {} }),
  },
  {
    method: "delete",
    path: "/api-keys/{id}",
    scope: "admin",
    allowed: 204,
    request: async () => ({ path: `/api-keys/${(await createApiKey(["tools:read"])).id}`, init: { method: "DELETE" } }),
  },
  {
    method: "post",
    path: "/admin/rewrap",
    scope: "admin",
    allowed: 200,
    request: async () => ({ path: "/admin/rewrap", init: { method: "POST" } }),
  },
  {
    method: "post",
    path: "/connections",
    scope: "connections:write",
    allowed: 201,
    request: async () => ({
      path: "/connections",
      init: {
        method: "POST",
        json: {
          name: uniqueName("conn"),
          auth_config: { type: "bearer_token" },
          allowed_origins: ["https://a.example"],
        },
      },
    }),
  },
  {
    method: "get",
    path: "/connections",
    scope: "connections:read",
    allowed: 200,
    request: async () => ({ path: "/connections?limit=1", init: {} }),
  },
  {
    method: "get",
    path: "/connections/{id}",
    scope: "connections:read",
    allowed: 200,
    request: async () => ({ path: `/connections/${(await connection()).id}`, init: {} }),
  },
  {
    method: "put",
    path: "/connections/{id}",
    scope: "connections:write",
    allowed: 200,
    request: async () => {
      const current = await connection();
      return {
        path: `/connections/${current.id}`,
        init: {
          method: "PUT",
          json: { name: current.name, auth_config: { type: "bearer_token" }, allowed_origins: ["https://b.example"] },
        },
      };
    },
  },
  {
    method: "delete",
    path: "/connections/{id}",
    scope: "connections:write",
    allowed: 204,
    request: async () => ({ path: `/connections/${(await connection()).id}`, init: { method: "DELETE" } }),
  },
  {
    method: "post",
    path: "/connections/{id}/test",
    scope: "connections:write",
    // Past the scope check: the connection has no secret to test yet.
    allowed: 409,
    request: async () => ({ path: `/connections/${(await connection()).id}/test`, init: { method: "POST" } }),
  },
  {
    method: "post",
    path: "/connections/{id}/authorize",
    scope: "connections:write",
    // Past the scope check: a bearer connection has no sign-in to start.
    allowed: 409,
    request: async () => ({ path: `/connections/${(await connection()).id}/authorize`, init: { method: "POST" } }),
  },
  {
    method: "post",
    path: "/imports/curl",
    scope: "tools:write",
    allowed: 200,
    request: async () => ({
      path: "/imports/curl",
      init: { method: "POST", json: { command: "curl https://api.example.com/v1/items" } },
    }),
  },
  {
    method: "post",
    path: "/schemas/infer",
    scope: "tools:write",
    allowed: 200,
    request: async () => ({ path: "/schemas/infer", init: { method: "POST", json: { sample: { id: 1 } } } }),
  },
  {
    method: "post",
    path: "/imports/openapi",
    scope: "tools:write",
    allowed: 200,
    request: async () => ({
      path: "/imports/openapi",
      init: {
        method: "POST",
        json: { document: { openapi: "3.1.0", servers: [{ url: "https://api.example.com" }], paths: {} } },
      },
    }),
  },
];

describe("scopes", () => {
  it("the table below covers every operation of the OpenAPI document, with the scope it declares", async () => {
    const doc = await (
      await api("/openapi.json", { token: null })
    ).json<{ paths: Record<string, Record<string, Json>> }>();
    const declared = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => op.security?.length)
          .map(([method, op]) => `${method} ${path} ${op.security[0].bearerAuth.join(" ")}`),
      )
      .sort();
    expect(OPERATIONS.map((op) => `${op.method} ${op.path} ${op.scope}`).sort()).toEqual(declared);
  });

  describe.each(SCOPES)("a key with only %s", (scope) => {
    it.each(OPERATIONS.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
      "%s",
      async (_label, op) => {
        const { key } = await createApiKey([scope]);
        const { path, init } = await op.request();
        const res = await api(path, { ...init, token: key });
        const text = await res.text();
        if (op.scope === scope) {
          expect(res.status, text).toBe(op.allowed);
          return;
        }
        expect(res.status, text).toBe(403);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(res.headers.get("www-authenticate")).toBe(
          `Bearer realm="toolgate", error="insufficient_scope", scope="${op.scope}"`,
        );
        expect(JSON.parse(text)).toEqual({
          type: "https://toolgate.dev/problems/insufficient-scope",
          title: "Forbidden",
          status: 403,
          code: "insufficient_scope",
          detail: `This operation needs the ${op.scope} scope, which this API key does not have.`,
          required_scope: op.scope,
        });
        expect(text).not.toContain(key);
      },
    );
  });

  it.each(OPERATIONS.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    "ADMIN_TOKEN holds every scope: %s",
    async (_label, op) => {
      const { path, init } = await op.request();
      const res = await api(path, init);
      expect(res.status, await res.text()).toBe(op.allowed);
    },
  );

  it("a key with every scope but one is refused exactly where that scope is needed", async () => {
    for (const missing of SCOPES) {
      const { key } = await createApiKey(SCOPES.filter((s) => s !== missing));
      for (const op of OPERATIONS) {
        const { path, init } = await op.request();
        const res = await api(path, { ...init, token: key });
        await res.arrayBuffer();
        expect(res.status, `${op.method} ${op.path} without ${missing}`).toBe(op.scope === missing ? 403 : op.allowed);
      }
    }
    // Every scope times every operation: hundreds of requests, which a loaded 2-core CI machine needs time for.
  }, 120_000);

  it("refusals change nothing: a tools:read key cannot create, replace or delete", async () => {
    const { key } = await createApiKey(["tools:read"]);
    const tool = await functionTool();
    const name = uniqueName("denied");
    const attempts: [string, ApiInit][] = [
      ["/tools", { method: "POST", json: { name, execution_type: "function", function_name: "current_time" } }],
      [
        `/tools/${tool.id}`,
        {
          method: "PUT",
          json: { name: tool.name, execution_type: "function", function_name: "current_time", description: "x" },
        },
      ],
      [`/tools/${tool.id}`, { method: "DELETE" }],
    ];
    for (const [path, init] of attempts) expect((await api(path, { ...init, token: key })).status).toBe(403);
    expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
    const row = await env.DB.prepare("SELECT id FROM tools WHERE name = ?").bind(name).first();
    expect(row).toBeNull();
  });
});

describe("an orchestrator with an execute-only key", () => {
  it("runs tools but cannot read, change or audit them", async () => {
    const { key } = await createApiKey(["tools:execute"], "orchestrator");
    const tool = await functionTool();

    const run = await api(`/tools/${tool.id}/execute`, {
      method: "POST",
      token: key,
      json: { input: { timezone: "Asia/Tokyo" } },
    });
    expect(run.status).toBe(200);
    const result = await run.json<Json>();
    expect(result.output.timezone).toBe("Asia/Tokyo");

    const denied: [string, ApiInit][] = [
      ["/tools", {}],
      [`/tools/${tool.id}`, {}],
      [
        `/tools/${tool.id}`,
        { method: "PUT", json: { name: tool.name, execution_type: "function", function_name: "current_time" } },
      ],
      [`/tools/${tool.id}`, { method: "DELETE" }],
      [
        "/tools",
        { method: "POST", json: { name: uniqueName(), execution_type: "function", function_name: "current_time" } },
      ],
      [`/tools/${tool.id}/executions`, {}],
      [`/executions/${result.execution_id}`, {}],
      ["/executions", {}],
      ["/api-keys", {}],
      ["/admin/rewrap", { method: "POST" }],
    ];
    for (const [path, init] of denied) {
      const res = await api(path, { ...init, token: key });
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(403);
      await res.arrayBuffer();
    }
    // The tool is as it was, and the run is in the log for those who may read it.
    expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
    expect((await waitForLog(result.execution_id)).outcome).toBe("success");
  });
});

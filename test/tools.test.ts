/** The tool registry through the Worker: CRUD, pagination, ETags, write-only secrets, function tools. */
import { describe, expect, it } from "vitest";
import { api, createTool, execute, httpTool, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Lets the clock move on, so a later write gets a later timestamp. */
const tick = () => new Promise((r) => setTimeout(r, 5));

async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, any>> {
  const body = await res.json<Record<string, any>>();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(body).toMatchObject({ status, code });
  return body;
}

interface Page {
  items: Record<string, any>[];
  next_cursor: string | null;
  raw: string;
}

/** Walks GET /tools from the start to the end (next_cursor null). */
async function walkTools(limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 2000; i++) {
    const query: string = `limit=${limit}` + (cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`);
    const res = await api(`/tools?${query}`);
    const raw = await res.text();
    expect(res.status, raw).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = JSON.parse(raw) as { items: Record<string, any>[]; next_cursor: string | null };
    expect(Object.keys(body).sort()).toEqual(["items", "next_cursor"]);
    pages.push({ ...body, raw });
    if (body.next_cursor === null) return pages;
    cursor = body.next_cursor;
  }
  throw new Error("GET /tools never reached next_cursor: null");
}

/** A tool as GET /tools lists it, found by walking every page. */
async function listed(id: string): Promise<{ item: Record<string, any> | undefined; raws: string[] }> {
  const pages = await walkTools(100);
  return { item: pages.flatMap((p) => p.items).find((t) => t.id === id), raws: pages.map((p) => p.raw) };
}

async function put(id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api(`/tools/${id}`, { method: "PUT", json: body, headers });
}

describe("POST /tools", () => {
  it("returns 201 with every field, defaults filled in, an ETag and a Location", async () => {
    const name = uniqueName("create_full");
    const input = {
      name,
      description: "Creates an order",
      execution_type: "http_request",
      method: "POST",
      endpoint_url: "https://shop.example.com/v1/customers/{customer_id}/orders",
      headers: { "X-Client": "toolgate-tests" },
      auth_config: { type: "bearer_token", token: "tok-create-full" },
      input_schema: {
        type: "object",
        properties: { customer_id: { type: "string" }, sku: { type: "string" }, qty: { type: "integer" } },
        required: ["customer_id", "sku"],
      },
      output_schema: { type: "object", properties: { order_id: { type: "string" } } },
      input_mapping: { qty: { in: "query", name: "quantity" } },
    };
    const before = Date.now();
    const res = await api("/tools", { method: "POST", json: input });
    const body = await res.json<Record<string, any>>();

    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("etag")).toBe('"1"');
    expect(res.headers.get("location")).toBe(`/tools/${body.id}`);
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body).toEqual({
      id: body.id,
      name,
      description: "Creates an order",
      execution_type: "http_request",
      format_mode: "by_draft",
      method: "POST",
      endpoint_url: "https://shop.example.com/v1/customers/{customer_id}/orders",
      function_name: null,
      headers: { "X-Client": "toolgate-tests" },
      timeout: 30,
      max_response_bytes: 5 * 1024 * 1024,
      retry: null,
      auth_config: { type: "bearer_token", secrets_set: ["token"] },
      connection_id: null,
      input_schema: input.input_schema,
      output_schema: input.output_schema,
      input_mapping: { qty: { in: "query", name: "quantity" } },
      body_format: "json",
      mcp_enabled: true,
      version: 1,
      created_at: body.created_at,
      updated_at: body.created_at,
    });
    expect(body.created_at).toMatch(ISO_UTC);
    expect(Date.parse(body.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(body.created_at)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("stores the minimal tool with nulls and defaults", async () => {
    const name = uniqueName("create_min");
    const res = await api("/tools", {
      method: "POST",
      json: { name, execution_type: "http_request", method: "GET", endpoint_url: "https://api.example.com/ping" },
    });
    const body = await res.json<Record<string, any>>();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({
      name,
      description: null,
      function_name: null,
      headers: {},
      timeout: 30,
      max_response_bytes: 5 * 1024 * 1024,
      retry: null,
      auth_config: { type: "none", secrets_set: [] },
      input_schema: { type: "object", properties: {} },
      output_schema: null,
      input_mapping: null,
      body_format: "json",
      mcp_enabled: true,
      version: 1,
    });
  });
});

describe("GET /tools/{id}", () => {
  it("returns the tool exactly as created, with its ETag", async () => {
    const created = await createTool({ description: "read me", timeout: 12, body_format: "form", method: "POST" });
    const res = await api(`/tools/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"1"');
    expect(await res.json()).toEqual(created);
  });
});

describe("GET /tools pagination", () => {
  it("walks every page with a small limit: no duplicates, oldest first, next_cursor null at the end", async () => {
    const mine: Record<string, any>[] = [];
    for (let i = 0; i < 5; i++) {
      mine.push(await createTool({ name: uniqueName(`page${i}`) }));
      await tick();
    }

    const limit = 2;
    const pages = await walkTools(limit);
    const all = pages.flatMap((p) => p.items);

    // Every page but the last is full and points on; the last is not empty and ends the walk.
    for (const page of pages.slice(0, -1)) {
      expect(page.items).toHaveLength(limit);
      expect(typeof page.next_cursor).toBe("string");
      expect(page.next_cursor).not.toBe("");
    }
    const last = pages.at(-1)!;
    expect(last.next_cursor).toBeNull();
    expect(last.items.length).toBeGreaterThanOrEqual(1);
    expect(last.items.length).toBeLessThanOrEqual(limit);

    const ids = all.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    const sortKeys = all.map((t) => [t.created_at as string, t.id as string] as const);
    const sorted = [...sortKeys].sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
    expect(sortKeys).toEqual(sorted);

    // Mine are all there, in creation order, and listed exactly as created.
    const seen = all.filter((t) => mine.some((m) => m.id === t.id));
    expect(seen.map((t) => t.id)).toEqual(mine.map((m) => m.id));
    expect(seen).toEqual(mine);
  });

  it("gives the same page again for the same cursor", async () => {
    for (let i = 0; i < 3; i++) await createTool();
    const first = await api("/tools?limit=1");
    const firstBody = await first.json<Record<string, any>>();
    expect(firstBody.items).toHaveLength(1);
    expect(typeof firstBody.next_cursor).toBe("string");
    const cursor = encodeURIComponent(firstBody.next_cursor);
    const a = await (await api(`/tools?limit=2&cursor=${cursor}`)).json<Record<string, any>>();
    const b = await (await api(`/tools?limit=2&cursor=${cursor}`)).json<Record<string, any>>();
    expect(a.items).toHaveLength(2);
    expect(a.items.map((t: any) => t.id)).toEqual(b.items.map((t: any) => t.id));
    expect(a.items[0].id).not.toBe(firstBody.items[0].id);
  });

  it("rejects a cursor it did not issue with 400 invalid_cursor", async () => {
    for (const cursor of ["not-a-cursor", btoa(JSON.stringify({ at: "x", id: "y" })), btoa("[1,2]"), "%%%"]) {
      const res = await api(`/tools?cursor=${encodeURIComponent(cursor)}`);
      const body = await expectProblem(res, 400, "invalid_cursor");
      expect(body.title).toBe("Bad Request");
    }
  });

  it("rejects limit=0 and limit=1000 with 422 at /query/limit", async () => {
    for (const limit of ["0", "1000", "101", "abc"]) {
      const res = await api(`/tools?limit=${limit}`);
      const body = await expectProblem(res, 422, "invalid_request");
      expect(body.errors).toEqual([expect.objectContaining({ path: "/query/limit" })]);
    }
    const ok = await api("/tools?limit=100");
    expect(ok.status).toBe(200);
    expect((await ok.json<Record<string, any>>()).items.length).toBeLessThanOrEqual(100);
  });
});

describe("PUT /tools/{id}", () => {
  it("replaces the whole definition and increments the version; created_at stays", async () => {
    const created = await createTool({ description: "old", headers: { "X-Old": "1" }, timeout: 5 });
    await tick();
    const replacement = httpTool({
      name: created.name,
      method: "PATCH",
      endpoint_url: "https://api.example.com/v2/items",
      timeout: 60,
    });

    const res = await put(created.id, replacement);
    const body = await res.json<Record<string, any>>();

    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get("etag")).toBe('"2"');
    expect(body).toEqual({
      ...created,
      description: null,
      method: "PATCH",
      endpoint_url: "https://api.example.com/v2/items",
      headers: {},
      timeout: 60,
      version: 2,
      updated_at: body.updated_at,
    });
    expect(body.created_at).toBe(created.created_at);
    expect(body.updated_at).toMatch(ISO_UTC);
    expect(body.updated_at).not.toBe(created.updated_at);
    expect(Date.parse(body.updated_at)).toBeGreaterThan(Date.parse(created.created_at));

    const got = await api(`/tools/${created.id}`);
    expect(got.headers.get("etag")).toBe('"2"');
    expect(await got.json()).toEqual(body);
  });

  it("honours If-Match: current ETag works, a stale one is 412 version_mismatch, * works", async () => {
    const created = await createTool();
    const v2 = await put(created.id, httpTool({ name: created.name, description: "v2" }), { "if-match": '"1"' });
    expect(v2.status).toBe(200);
    expect(v2.headers.get("etag")).toBe('"2"');

    const stale = await put(created.id, httpTool({ name: created.name, description: "lost" }), { "if-match": '"1"' });
    const problem = await expectProblem(stale, 412, "version_mismatch");
    expect(problem.title).toBe("Precondition Failed");
    expect(problem.detail).toContain(created.id);
    const unchanged = await (await api(`/tools/${created.id}`)).json<Record<string, any>>();
    expect(unchanged).toMatchObject({ version: 2, description: "v2" });

    const star = await put(created.id, httpTool({ name: created.name, description: "v3" }), { "if-match": "*" });
    expect(star.status).toBe(200);
    expect(star.headers.get("etag")).toBe('"3"');
    expect(await star.json()).toMatchObject({ version: 3, description: "v3" });

    // RFC 9110: If-Match uses strong comparison, so a weak tag never matches.
    const weak = await put(created.id, httpTool({ name: created.name, description: "v4" }), { "if-match": 'W/"3"' });
    await expectProblem(weak, 412, "version_mismatch");
    const listed = await put(created.id, httpTool({ name: created.name, description: "v4" }), {
      "if-match": '"1", "3"',
    });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ version: 4, description: "v4" });
  });

  it("refuses to rename onto an existing name with 409 tool_name_taken", async () => {
    const a = await createTool();
    const b = await createTool();
    const res = await put(b.id, httpTool({ name: a.name }));
    const body = await expectProblem(res, 409, "tool_name_taken");
    expect(body.detail).toContain(a.name);
    expect(await (await api(`/tools/${b.id}`)).json()).toEqual(b);
  });
});

describe("duplicate names", () => {
  it("refuses a second tool with the same name: 409 tool_name_taken", async () => {
    const first = await createTool();
    const res = await api("/tools", { method: "POST", json: httpTool({ name: first.name }) });
    const body = await expectProblem(res, 409, "tool_name_taken");
    expect(body.title).toBe("Conflict");
    expect(body.detail).toBe(`A tool named "${first.name}" already exists.`);
  });
});

describe("DELETE /tools/{id}", () => {
  it("deletes the tool (204, then 404) and keeps its execution logs", async () => {
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/doomed" });
    upstream.on("GET", "https://api.example.com/v1/doomed", () => json({ ok: true }));
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    const log = await waitForLog(run.body.execution_id);

    const del = await api(`/tools/${tool.id}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe("");

    const gone = await expectProblem(await api(`/tools/${tool.id}`), 404, "tool_not_found");
    expect(gone.detail).toBe(`There is no tool with id "${tool.id}".`);
    await expectProblem(await api(`/tools/${tool.id}`, { method: "DELETE" }), 404, "tool_not_found");
    expect((await listed(tool.id)).item).toBeUndefined();

    const kept = await api(`/executions/${run.body.execution_id}`);
    expect(kept.status).toBe(200);
    expect(await kept.json()).toEqual(log);
    expect(log).toMatchObject({ tool_id: tool.id, tool_name: tool.name, outcome: "success" });

    const history = await api(`/tools/${tool.id}/executions`);
    expect(history.status).toBe(200);
    const page = await history.json<Record<string, any>>();
    expect(page.items.map((e: any) => e.id)).toEqual([run.body.execution_id]);
    expect(page.next_cursor).toBeNull();
  });
});

describe("secrets are write-only", () => {
  const cases = [
    {
      type: "bearer_token",
      secret: `bearer-${crypto.randomUUID()}`,
      auth: (s: string) => ({ type: "bearer_token", token: s }),
      shown: { type: "bearer_token", secrets_set: ["token"] },
    },
    {
      type: "api_key",
      secret: `apikey-${crypto.randomUUID()}`,
      auth: (s: string) => ({ type: "api_key", key_name: "X-Api-Key", location: "header", value: s }),
      shown: { type: "api_key", key_name: "X-Api-Key", location: "header", secrets_set: ["value"] },
    },
    {
      type: "oauth2",
      secret: `client-secret-${crypto.randomUUID()}`,
      auth: (s: string) => ({
        type: "oauth2",
        token_url: "https://auth.example.com/oauth/token",
        client_id: "write-only-client",
        client_secret: s,
        scope: "read",
      }),
      shown: {
        type: "oauth2",
        token_url: "https://auth.example.com/oauth/token",
        client_id: "write-only-client",
        scope: "read",
        grant_type: "client_credentials",
        client_auth_method: "client_secret_basic",
        secrets_set: ["client_secret"],
      },
    },
  ];

  for (const c of cases) {
    it(`never returns the ${c.type} secret (create, get, list, put)`, async () => {
      const created = await api("/tools", { method: "POST", json: httpTool({ auth_config: c.auth(c.secret) }) });
      const createdText = await created.text();
      expect(created.status, createdText).toBe(201);
      expect(createdText).not.toContain(c.secret);
      const tool = JSON.parse(createdText) as Record<string, any>;
      expect(tool.auth_config).toEqual(c.shown);

      const got = await api(`/tools/${tool.id}`);
      const gotText = await got.text();
      expect(got.status).toBe(200);
      expect(gotText).not.toContain(c.secret);
      expect(JSON.parse(gotText).auth_config).toEqual(c.shown);

      const { item, raws } = await listed(tool.id);
      expect(item?.auth_config).toEqual(c.shown);
      for (const raw of raws) expect(raw).not.toContain(c.secret);

      // Once resending the secret, once leaving it out (kept).
      const newSecret = `${c.secret}-rotated`;
      const resent = await put(tool.id, httpTool({ name: tool.name, auth_config: c.auth(newSecret) }));
      const resentText = await resent.text();
      expect(resent.status, resentText).toBe(200);
      expect(resentText).not.toContain(c.secret);
      expect(resentText).not.toContain(newSecret);
      expect(JSON.parse(resentText).auth_config).toEqual(c.shown);

      const withoutSecret: Record<string, unknown> = c.auth("unused");
      for (const field of ["token", "value", "client_secret"]) delete withoutSecret[field];
      const kept = await put(tool.id, httpTool({ name: tool.name, auth_config: withoutSecret }));
      const keptText = await kept.text();
      expect(kept.status, keptText).toBe(200);
      expect(keptText).not.toContain(c.secret);
      expect(keptText).not.toContain(newSecret);
      expect(JSON.parse(keptText).auth_config).toEqual(c.shown);
    });
  }
});

describe("PUT keeps a left-out secret only when where and how it is sent is unchanged", () => {
  it("keeps the bearer token when nothing security-relevant changes", async () => {
    const tool = await createTool({
      endpoint_url: "https://keep.example.com/v1/items",
      auth_config: { type: "bearer_token", token: "tok-keep-original" },
    });
    const res = await put(
      tool.id,
      httpTool({
        name: tool.name,
        description: "edited",
        endpoint_url: "https://keep.example.com/v1/items",
        auth_config: { type: "bearer_token" },
      }),
    );
    const body = await res.json<Record<string, any>>();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.auth_config).toEqual({ type: "bearer_token", secrets_set: ["token"] });

    upstream.on("GET", "https://keep.example.com/v1/items", () => json({ ok: 1 }));
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]?.headers.get("authorization")).toBe("Bearer tok-keep-original");
  });

  it("keeps it when only the path changes on the same origin", async () => {
    const tool = await createTool({
      endpoint_url: "https://keep-path.example.com/v1/items",
      auth_config: { type: "api_key", key_name: "X-Key", location: "header", value: "key-keep-path" },
    });
    const res = await put(
      tool.id,
      httpTool({
        name: tool.name,
        endpoint_url: "https://keep-path.example.com/v2/other?x=1",
        auth_config: { type: "api_key", key_name: "X-Key", location: "header" },
      }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json<Record<string, any>>()).auth_config.secrets_set).toEqual(["value"]);

    upstream.on("GET", "https://keep-path.example.com/v2/other", () => json({ ok: 1 }));
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    expect(upstream.calls[0]?.url.href).toBe("https://keep-path.example.com/v2/other?x=1");
    expect(upstream.calls[0]?.headers.get("x-key")).toBe("key-keep-path");
  });

  it("keeps the oauth2 client secret when its whole configuration is unchanged (a header key name's case aside)", async () => {
    const clientId = uniqueName("keep-client");
    const auth = {
      type: "oauth2",
      token_url: "https://auth.keep.example.com/oauth/token",
      client_id: clientId,
      scope: "contacts.read",
      audience: "https://api.keep.example.com",
    };
    const tool = await createTool({
      endpoint_url: "https://api.keep.example.com/v1/contacts",
      auth_config: { ...auth, client_secret: "cs-keep-original" },
    });
    const res = await put(
      tool.id,
      httpTool({
        name: tool.name,
        description: "edited",
        // The path is not part of what a secret is bound to: only the endpoint's origin is.
        endpoint_url: "https://api.keep.example.com/v2/contacts",
        // The URL parser writes this the same way as the stored token_url.
        auth_config: { ...auth, token_url: "https://AUTH.keep.example.com:443/oauth/token" },
      }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json<Record<string, any>>()).auth_config.secrets_set).toEqual(["client_secret"]);

    upstream.on("POST", "https://auth.keep.example.com/oauth/token", () =>
      json({ access_token: "at-keep", token_type: "Bearer", expires_in: 3600 }),
    );
    upstream.on("GET", "https://api.keep.example.com/v2/contacts", () => json([]));
    const run = await execute(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const [tokenCall, apiCall] = upstream.calls;
    expect(tokenCall?.headers.get("authorization")).toBe(`Basic ${btoa(`${clientId}:cs-keep-original`)}`);
    expect(apiCall?.headers.get("authorization")).toBe("Bearer at-keep");
  });

  it("keeps the api_key value when only the header name's case changes", async () => {
    const tool = await createTool({
      endpoint_url: "https://keep-case.example.com/v1/items",
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: "key-keep-case" },
    });
    const res = await put(
      tool.id,
      httpTool({
        name: tool.name,
        endpoint_url: "https://keep-case.example.com/v1/items",
        auth_config: { type: "api_key", key_name: "x-api-key", location: "header" },
      }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    upstream.on("GET", "https://keep-case.example.com/v1/items", () => json({ ok: 1 }));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.calls[0]?.headers.get("x-api-key")).toBe("key-keep-case");
  });

  const OAUTH = {
    type: "oauth2",
    token_url: "https://auth.bound.example.com/oauth/token?tenant=a",
    client_id: "c-bound",
    scope: "read",
    audience: "https://api.bound.example.com",
  };
  const oauthChanges: [what: string, auth: Record<string, unknown>, words: string][] = [
    ["token_url's path", { token_url: "https://auth.bound.example.com/other/token?tenant=a" }, "token_url changed"],
    ["token_url's query", { token_url: "https://auth.bound.example.com/oauth/token?tenant=b" }, "token_url changed"],
    ["client_id", { client_id: "c-other" }, "client_id changed"],
    ["client_auth_method", { client_auth_method: "client_secret_post" }, "client_auth_method changed"],
    ["scope", { scope: "read write" }, "scope changed"],
    ["scope, removed", { scope: undefined }, "scope changed"],
    ["audience", { audience: "https://other.example.com" }, "audience changed"],
    [
      "token_url and scope at once",
      { token_url: "https://auth.bound.example.com/t", scope: "admin" },
      "token_url and scope changed",
    ],
  ];

  for (const [what, change, words] of oauthChanges) {
    it(`requires the oauth2 client_secret again when ${what} changes, naming what changed`, async () => {
      const tool = await createTool({
        endpoint_url: "https://api.bound.example.com/v1/items",
        auth_config: { ...OAUTH, client_secret: "cs-bound-secret" },
      });
      const res = await put(
        tool.id,
        httpTool({ name: tool.name, endpoint_url: tool.endpoint_url, auth_config: { ...OAUTH, ...change } }),
      );
      const body = await expectProblem(res, 422, "secrets_required");
      expect(body.errors).toEqual([
        {
          path: "/auth_config/client_secret",
          message: `client_secret must be sent again because ${words}; stored secrets are only sent where they were entered for.`,
        },
      ]);
      expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);

      // With the secret sent again, the same change is accepted.
      const resent = await put(
        tool.id,
        httpTool({
          name: tool.name,
          endpoint_url: tool.endpoint_url,
          auth_config: { ...OAUTH, ...change, client_secret: "cs-bound-secret-2" },
        }),
      );
      expect(resent.status, await resent.clone().text()).toBe(200);
    });
  }

  const apiKeyChanges: [what: string, auth: Record<string, unknown>, words: string][] = [
    ["the key's name", { key_name: "X-Other-Key" }, "key_name changed"],
    ["the key's location", { location: "query" }, "location changed"],
    ["the key's location and name", { location: "query", key_name: "api_key" }, "location and key_name changed"],
  ];
  for (const [what, change, words] of apiKeyChanges) {
    it(`requires the api_key value again when ${what} changes`, async () => {
      const auth = { type: "api_key", key_name: "X-Api-Key", location: "header" };
      const tool = await createTool({ auth_config: { ...auth, value: "key-bound-value" } });
      const res = await put(tool.id, httpTool({ name: tool.name, auth_config: { ...auth, ...change } }));
      const body = await expectProblem(res, 422, "secrets_required");
      expect(body.errors).toEqual([
        {
          path: "/auth_config/value",
          message: `value must be sent again because ${words}; stored secrets are only sent where they were entered for.`,
        },
      ]);
      expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
    });
  }

  const originChanges = [
    ["a different host", "https://api.example.com/v1/items", "https://evil.example.net/v1/items"],
    ["a different port", "https://api.example.com/v1/items", "https://api.example.com:8443/v1/items"],
    ["http to https", "http://api.example.com/v1/items", "https://api.example.com/v1/items"],
  ] as const;

  for (const [what, from, to] of originChanges) {
    it(`requires the bearer token again for ${what} (422 secrets_required)`, async () => {
      // Plain http needs ALLOW_HTTP since the outbound policy came in.
      const tool = await createTool(
        { endpoint_url: from, auth_config: { type: "bearer_token", token: "tok-x-0001" } },
        { ALLOW_HTTP: "true" },
      );
      const res = await put(
        tool.id,
        httpTool({ name: tool.name, endpoint_url: to, auth_config: { type: "bearer_token" } }),
      );
      const body = await expectProblem(res, 422, "secrets_required");
      expect(body.errors).toEqual([
        {
          path: "/auth_config/token",
          message: expect.stringContaining("the origin of endpoint_url changed"),
        },
      ]);
      // Nothing was written.
      expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);

      // Sending the secret again makes the same change acceptable.
      const resent = await put(
        tool.id,
        httpTool({ name: tool.name, endpoint_url: to, auth_config: { type: "bearer_token", token: "tok-y-0002" } }),
      );
      expect(resent.status).toBe(200);
      expect(await resent.json()).toMatchObject({ endpoint_url: to, version: 2 });
    });
  }

  it("requires the api_key value again when the endpoint origin changes", async () => {
    const tool = await createTool({
      endpoint_url: "https://a.example.com/v1",
      auth_config: { type: "api_key", key_name: "k", location: "query", value: "v-1-000001" },
    });
    const res = await put(
      tool.id,
      httpTool({
        name: tool.name,
        endpoint_url: "https://b.example.com/v1",
        auth_config: { type: "api_key", key_name: "k", location: "query" },
      }),
    );
    const body = await expectProblem(res, 422, "secrets_required");
    expect(body.errors.map((e: any) => e.path)).toEqual(["/auth_config/value"]);
  });

  it("requires the oauth2 client_secret again when the token_url origin changes", async () => {
    const auth = { type: "oauth2", token_url: "https://auth.example.com/token", client_id: "c-origin" };
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/items",
      auth_config: { ...auth, client_secret: "s-origin" },
    });
    const res = await put(
      tool.id,
      httpTool({
        name: tool.name,
        endpoint_url: "https://api.example.com/v1/items",
        auth_config: { ...auth, token_url: "https://login.other.example/token" },
      }),
    );
    const body = await expectProblem(res, 422, "secrets_required");
    expect(body.errors).toEqual([
      {
        path: "/auth_config/client_secret",
        message:
          "client_secret must be sent again because token_url changed; stored secrets are only sent where they were entered for.",
      },
    ]);
    expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
  });

  it("requires the oauth2 client_secret again when the endpoint origin changes", async () => {
    const auth = { type: "oauth2", token_url: "https://auth.example.com/token", client_id: "c-origin2" };
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/items",
      auth_config: { ...auth, client_secret: "s-origin2" },
    });
    const res = await put(
      tool.id,
      httpTool({ name: tool.name, endpoint_url: "https://api2.example.com/v1/items", auth_config: auth }),
    );
    const body = await expectProblem(res, 422, "secrets_required");
    expect(body.errors.map((e: any) => e.path)).toEqual(["/auth_config/client_secret"]);
  });

  it("requires the secret again when the auth type changes", async () => {
    const tool = await createTool({ auth_config: { type: "bearer_token", token: "tok-type" } });
    const res = await put(
      tool.id,
      httpTool({ name: tool.name, auth_config: { type: "api_key", key_name: "X-Key", location: "header" } }),
    );
    const body = await expectProblem(res, 422, "secrets_required");
    expect(body.errors).toEqual([
      {
        path: "/auth_config/value",
        message:
          "value must be sent again because the auth type changed; stored secrets are only sent where they were entered for.",
      },
    ]);
    expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
  });

  it("requires the secret on create", async () => {
    const res = await api("/tools", { method: "POST", json: httpTool({ auth_config: { type: "bearer_token" } }) });
    const body = await expectProblem(res, 422, "secrets_required");
    expect(body.errors.map((e: any) => e.path)).toEqual(["/auth_config/token"]);
  });
});

describe("function tools", () => {
  const CURRENT_TIME_INPUT = {
    type: "object",
    properties: {
      timezone: {
        type: "string",
        description: "An IANA time zone name, such as America/New_York or Asia/Tokyo.",
        default: "UTC",
      },
    },
    additionalProperties: false,
  };

  async function createCurrentTime(): Promise<Record<string, any>> {
    const res = await api("/tools", {
      method: "POST",
      json: { name: uniqueName("current_time"), execution_type: "function", function_name: "current_time" },
    });
    const body = await res.json<Record<string, any>>();
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body;
  }

  it("creates a current_time tool with the function's schemas", async () => {
    const tool = await createCurrentTime();
    expect(tool).toMatchObject({
      execution_type: "function",
      function_name: "current_time",
      method: null,
      endpoint_url: null,
      headers: {},
      auth_config: { type: "none", secrets_set: [] },
      input_mapping: null,
      input_schema: CURRENT_TIME_INPUT,
      version: 1,
    });
    expect(tool.output_schema).toMatchObject({
      type: "object",
      required: ["timezone", "iso", "date", "time", "weekday", "utc_offset", "unix"],
    });
  });

  it("runs current_time in Asia/Tokyo", async () => {
    const tool = await createCurrentTime();
    const before = Math.floor(Date.now() / 1000);
    const { status, body } = await execute(tool.id, { timezone: "Asia/Tokyo" });

    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ tool_id: tool.id, tool_version: 1, status_code: null });
    const out = body.output;
    expect(Object.keys(out).sort()).toEqual(["date", "iso", "time", "timezone", "unix", "utc_offset", "weekday"]);
    expect(out.timezone).toBe("Asia/Tokyo");
    expect(out.utc_offset).toBe("+09:00");
    expect(out.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(out.time).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(out.iso).toBe(`${out.date}T${out.time}+09:00`);
    expect(Math.abs(out.unix - before)).toBeLessThanOrEqual(5);
    // The wall clock is UTC + 9 h at that instant.
    const tokyo = new Date((out.unix + 9 * 3600) * 1000).toISOString();
    expect(out.date).toBe(tokyo.slice(0, 10));
    expect(out.time).toBe(tokyo.slice(11, 19));
    const weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    expect(out.weekday).toBe(weekdays[new Date((out.unix + 9 * 3600) * 1000).getUTCDay()]);
    expect(upstream.calls).toHaveLength(0);

    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "success", upstream_status: null, method: null, url: null });
  });

  it("defaults to UTC", async () => {
    const tool = await createCurrentTime();
    const { status, body } = await execute(tool.id);
    expect(status).toBe(200);
    expect(body.output).toMatchObject({ timezone: "UTC", utc_offset: "+00:00" });
    expect(body.output.iso).toBe(`${body.output.date}T${body.output.time}Z`);
  });

  it("answers 422 input_invalid for a time zone that does not exist", async () => {
    const tool = await createCurrentTime();
    const { status, body, res } = await execute(tool.id, { timezone: "Mars/Olympus_Mons" });
    expect(status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(body).toMatchObject({ status: 422, code: "input_invalid", tool_id: tool.id });
    expect(body.errors).toEqual([expect.objectContaining({ path: "/input/timezone" })]);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("input_invalid");
  });

  it("refuses an unknown function_name with 422", async () => {
    const res = await api("/tools", {
      method: "POST",
      json: { name: uniqueName("nofn"), execution_type: "function", function_name: "launch_rockets" },
    });
    const body = await expectProblem(res, 422, "invalid_tool");
    expect(body.errors).toEqual([{ path: "/function_name", message: expect.stringContaining("current_time") }]);
  });
});

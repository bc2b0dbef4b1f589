/**
 * A tool's definition history through the API: a version on every save (in
 * the same batch as the write), never a secret in a version, and restore as a
 * new version that follows the binding rule: a restored destination that
 * differs asks for the secret again and never gets the old one.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createApiKey, createTool, execute, httpTool, json, uniqueName, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

const ORIGIN_A = "https://api-a.example.com";
const ORIGIN_B = "https://api-b.example.com";

async function versions(id: string, query = ""): Promise<{ status: number; body: Json }> {
  const res = await api(`/tools/${id}/versions${query}`);
  return { status: res.status, body: await res.json<Json>() };
}

async function version(id: string, n: number): Promise<{ status: number; body: Json; text: string }> {
  const res = await api(`/tools/${id}/versions/${n}`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Json, text };
}

async function put(id: string, body: Json): Promise<Json> {
  const res = await api(`/tools/${id}`, { method: "PUT", json: body });
  const out = await res.json<Json>();
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out;
}

async function restore(id: string, n: number, body?: Json, headers?: Record<string, string>) {
  const res = await api(`/tools/${id}/versions/${n}/restore`, {
    method: "POST",
    ...(body === undefined ? {} : { json: body }),
    ...(headers ? { headers } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Json, text, etag: res.headers.get("etag") };
}

/** A secret no response should ever contain, recognisable wherever it turns up. */
function recognisableSecret(label: string): string {
  return `sk-${label}-${crypto.randomUUID()}-NEVER-SHOWN`;
}

describe("a version on every save", () => {
  it("records create and each replace, newest first, with who saved it", async () => {
    const key = await createApiKey(["tools:read", "tools:write"]);
    const body = httpTool({ description: "first" });
    const created = await api("/tools", { method: "POST", json: body, token: key.key });
    const tool = await created.json<Json>();
    expect(created.status).toBe(201);
    await put(tool.id, { ...body, description: "second" });
    await put(tool.id, { ...body, description: "third", endpoint_url: `${ORIGIN_A}/v2/items` });

    const list = await versions(tool.id);
    expect(list.status).toBe(200);
    expect(list.body.next_cursor).toBeNull();
    expect(list.body.items.map((v: Json) => [v.version, v.saved_by])).toEqual([
      [3, "admin-token"],
      [2, "admin-token"],
      [1, `api-key-${key.id}`],
    ]);
    const first = await version(tool.id, 1);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      tool_id: tool.id,
      version: 1,
      saved_at: tool.updated_at,
      definition: {
        name: body.name,
        description: "first",
        endpoint_url: "https://api.example.com/v1/items",
        method: "GET",
        auth_config: { type: "none", secrets_set: [] },
        timeout: 30,
      },
    });
    expect((await version(tool.id, 3)).body.definition).toMatchObject({
      description: "third",
      endpoint_url: `${ORIGIN_A}/v2/items`,
    });
  });

  it("pages through versions with a cursor", async () => {
    const body = httpTool();
    const tool = await createTool(body);
    for (const description of ["b", "c", "d"]) await put(tool.id, { ...body, description });
    const first = await versions(tool.id, "?limit=3");
    expect(first.body.items.map((v: Json) => v.version)).toEqual([4, 3, 2]);
    const second = await versions(tool.id, `?limit=3&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((v: Json) => v.version)).toEqual([1]);
    expect(second.body.next_cursor).toBeNull();
    const other = await createTool();
    expect((await versions(other.id, `?cursor=${first.body.next_cursor}`)).status).toBe(400);
  });

  it("records nothing for a write that was refused", async () => {
    const body = httpTool();
    const tool = await createTool(body);
    const stale = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: { ...body, description: "late" },
      headers: { "if-match": '"7"' },
    });
    expect(stale.status).toBe(412);
    const taken = await createTool();
    const clash = await api(`/tools/${tool.id}`, { method: "PUT", json: { ...body, name: taken.name } });
    expect(clash.status).toBe(409);
    expect((await versions(tool.id)).body.items.map((v: Json) => v.version)).toEqual([1]);
  });

  it("records each tool an OpenAPI import creates, over several insert statements", async () => {
    const prefix = `${uniqueName("vi")}_`;
    // More operations than one INSERT statement carries (ROWS_PER_INSERT), so the ids span statements.
    const paths = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `/r${i}`,
        { get: { operationId: `get${i}`, responses: { "200": { description: "ok" } } } },
      ]),
    );
    const document = { openapi: "3.1.0", info: { title: "t", version: "1" }, servers: [{ url: ORIGIN_A }], paths };
    const res = await api("/imports/openapi", { method: "POST", json: { document, name_prefix: prefix } });
    const body = await res.json<Json>();
    expect(res.status, JSON.stringify(body)).toBe(201);
    const created = body.results.filter((r: Json) => r.status === "created");
    expect(created).toHaveLength(10);
    for (const result of created) {
      const list = await versions(result.tool_id);
      expect(list.body.items).toEqual([
        expect.objectContaining({ version: 1, name: result.name, saved_by: null, tool_id: result.tool_id }),
      ]);
    }
  });

  it("keeps the versions after the tool is deleted, and refuses to restore them", async () => {
    const body = httpTool();
    const tool = await createTool(body);
    await put(tool.id, { ...body, description: "edited" });
    expect((await api(`/tools/${tool.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await versions(tool.id)).body.items.map((v: Json) => v.version)).toEqual([2, 1]);
    expect((await version(tool.id, 2)).body.definition.description).toBe("edited");
    const restored = await restore(tool.id, 1);
    expect(restored.status).toBe(404);
    expect(restored.body.code).toBe("tool_not_found");
  });

  it("answers 404 for an unknown tool or version", async () => {
    const unknown = await versions(crypto.randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("tool_not_found");
    const tool = await createTool();
    const missing = await version(tool.id, 5);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("version_not_found");
    expect((await restore(tool.id, 5)).body.code).toBe("version_not_found");
  });
});

describe("no secret in any version", () => {
  it("keeps only the names of the secret fields, through every auth type", async () => {
    const secrets = [recognisableSecret("bearer"), recognisableSecret("apikey"), recognisableSecret("oauth")];
    const body = httpTool({ auth_config: { type: "bearer_token", token: secrets[0] } });
    const tool = await createTool(body);
    await put(tool.id, {
      ...body,
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: secrets[1] },
    });
    await put(tool.id, {
      ...body,
      auth_config: {
        type: "oauth2",
        token_url: "https://auth.example.com/token",
        client_id: "client-1",
        client_secret: secrets[2],
      },
    });

    const list = await api(`/tools/${tool.id}/versions`);
    const listText = await list.text();
    expect(list.status).toBe(200);
    const texts = [listText];
    for (const n of [1, 2, 3]) {
      const { status, text } = await version(tool.id, n);
      expect(status).toBe(200);
      texts.push(text);
    }
    const stored = await env.DB.prepare("SELECT * FROM tool_versions WHERE tool_id = ?").bind(tool.id).all();
    expect(stored.results).toHaveLength(3);
    texts.push(JSON.stringify(stored.results));
    const sealed = await env.DB.prepare("SELECT auth_secrets FROM tools WHERE id = ?").bind(tool.id).first<Json>();
    for (const text of texts) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      // Not even the sealed form: a version row is no place for ciphertext either.
      expect(text).not.toContain("v2.");
      expect(text).not.toContain(JSON.parse(sealed!.auth_secrets).client_secret);
    }
    expect((await version(tool.id, 1)).body.definition.auth_config).toEqual({
      type: "bearer_token",
      secrets_set: ["token"],
    });
    expect((await version(tool.id, 2)).body.definition.auth_config).toEqual({
      type: "api_key",
      key_name: "X-Api-Key",
      location: "header",
      secrets_set: ["value"],
    });
  });
});

describe("restore", () => {
  it("saves the old definition as a new version, with If-Match as PUT", async () => {
    const body = httpTool({ description: "original", timeout: 12, headers: { Accept: "application/json" } });
    const tool = await createTool(body);
    await put(tool.id, {
      ...body,
      description: "changed",
      timeout: 40,
      headers: {},
      input_schema: { type: "object", properties: { q: { type: "string" } } },
    });

    const stale = await restore(tool.id, 1, {}, { "if-match": '"1"' });
    expect(stale.status).toBe(412);
    const restored = await restore(tool.id, 1, {}, { "if-match": '"2"' });
    expect(restored.status, restored.text).toBe(200);
    expect(restored.etag).toBe('"3"');
    expect(restored.body).toMatchObject({
      id: tool.id,
      version: 3,
      description: "original",
      timeout: 12,
      headers: { Accept: "application/json" },
      input_schema: { type: "object", properties: {} },
    });
    const now = await (await api(`/tools/${tool.id}`)).json<Json>();
    expect(now).toMatchObject({ version: 3, description: "original", timeout: 12 });

    expect((await versions(tool.id)).body.items.map((v: Json) => v.version)).toEqual([3, 2, 1]);
    const [first, third] = [await version(tool.id, 1), await version(tool.id, 3)];
    expect(third.body.definition).toEqual(first.body.definition);
  });

  it("restores without a body too", async () => {
    const body = httpTool({ description: "one" });
    const tool = await createTool(body);
    await put(tool.id, { ...body, description: "two" });
    const restored = await restore(tool.id, 1);
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body.description).toBe("one");
  });

  it("keeps the current secret where the restored destination is the same, and it still works", async () => {
    const secret = recognisableSecret("same");
    const body = httpTool({
      endpoint_url: `${ORIGIN_A}/v1/items`,
      auth_config: { type: "bearer_token", token: secret },
    });
    const tool = await createTool(body);
    // Same origin, another path: the stored token is kept without being sent again.
    await put(tool.id, { ...body, endpoint_url: `${ORIGIN_A}/v2/things`, auth_config: { type: "bearer_token" } });

    const restored = await restore(tool.id, 1);
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body.endpoint_url).toBe(`${ORIGIN_A}/v1/items`);
    expect(restored.body.auth_config).toEqual({ type: "bearer_token", secrets_set: ["token"] });
    expect(restored.text).not.toContain(secret);

    upstream.on("GET", `${ORIGIN_A}/v1/items`, () => json({ ok: true }));
    const run = await execute(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe(`Bearer ${secret}`);
  });

  it("asks for the secret again where the restored destination differs, and never sends the old one there", async () => {
    const [secretA, secretB, secretAgain] = [
      recognisableSecret("a"),
      recognisableSecret("b"),
      recognisableSecret("again"),
    ];
    const body = httpTool({ endpoint_url: `${ORIGIN_A}/items`, auth_config: { type: "bearer_token", token: secretA } });
    const tool = await createTool(body);
    // Moved to another origin: the secret had to be sent again there.
    await put(tool.id, {
      ...body,
      endpoint_url: `${ORIGIN_B}/items`,
      auth_config: { type: "bearer_token", token: secretB },
    });

    const refused = await restore(tool.id, 1);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("secrets_required");
    expect(refused.body.errors).toEqual([
      {
        path: "/auth_config/token",
        message:
          "token must be sent again because the origin of endpoint_url changed; stored secrets are only sent where they were entered for.",
      },
    ]);
    expect(refused.text).not.toContain(secretA);
    expect(refused.text).not.toContain(secretB);
    // Nothing changed: the tool is still at version 2, on origin B, and no version was recorded.
    expect((await api(`/tools/${tool.id}`)).headers.get("etag")).toBe('"2"');
    expect((await versions(tool.id)).body.items.map((v: Json) => v.version)).toEqual([2, 1]);

    const wrongField = await restore(tool.id, 1, { secrets: { client_secret: secretAgain } });
    expect(wrongField.status).toBe(422);
    expect(wrongField.body.errors[0].path).toBe("/secrets/client_secret");

    const restored = await restore(tool.id, 1, { secrets: { token: secretAgain } });
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body).toMatchObject({ version: 3, endpoint_url: `${ORIGIN_A}/items` });
    expect(restored.text).not.toContain(secretAgain);

    upstream.on("GET", `${ORIGIN_A}/items`, () => json({ ok: true }));
    const run = await execute(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls.map((call) => call.headers.get("authorization"))).toEqual([`Bearer ${secretAgain}`]);
    for (const call of upstream.calls) {
      expect(call.url.origin).toBe(ORIGIN_A);
      expect(JSON.stringify([...call.headers]) + call.url.href + call.body).not.toContain(secretB);
    }
  });

  it("asks for the secret again when the restored version has another auth type", async () => {
    const body = httpTool({ endpoint_url: `${ORIGIN_A}/items` });
    const tool = await createTool(body);
    await put(tool.id, { ...body, auth_config: { type: "bearer_token", token: recognisableSecret("t") } });
    await put(tool.id, {
      ...body,
      auth_config: { type: "api_key", key_name: "X-Key", location: "header", value: recognisableSecret("k") },
    });
    const refused = await restore(tool.id, 2);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      {
        path: "/auth_config/token",
        message:
          "token must be sent again because the auth type changed; stored secrets are only sent where they were entered for.",
      },
    ]);
    // Back to no auth at all needs nothing.
    expect((await restore(tool.id, 1)).status).toBe(200);
  });
});

/**
 * Rotating a connection's secret, and the encryption key under it:
 *
 * - a PUT with a new API key is what every tool of the connection sends from
 *   its next execution on, and the old key is never sent again;
 * - a client-credentials token is cached under the connection's
 *   secrets_version, so one obtained before a PUT of the secret is not used
 *   after it, even if a copy survives in KV (another isolate wrote it back);
 * - POST /admin/rewrap moves connection secrets to the current key, reports a
 *   row changed outside toolgate instead of re-sealing it, and returns no secret.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { callWorker, execute, json, uniqueName, useUpstream, type ApiInit, type Json } from "./helpers";
import {
  API_ORIGIN,
  connectionBody,
  connectionRow,
  createConnectedTool,
  createConnection,
  eventually,
  putConnection,
} from "./connection-helpers";
import { testKey, type TestKey } from "./keys";

const upstream = useUpstream();

const TOKEN_URL = "https://auth.example.com/oauth/token";
const KV_PREFIX = "oauth2-token:v1:";

describe("a PUT of a new API key on a connection", () => {
  it("is sent by every tool of the connection from its next execution on, and the old key never again", async () => {
    const endpoints = ["a", "b", "c"].map((path) => `${API_ORIGIN}/v1/rotation-${crypto.randomUUID()}/${path}`);
    for (const endpoint of endpoints) upstream.on("GET", endpoint, () => json({ ok: true }));
    const apiKey = (value: string) => ({ type: "api_key", key_name: "x-api-key", location: "header", value });
    const connection = await createConnection({ auth_config: apiKey("old-api-key-0001") });
    const tools = await Promise.all(
      endpoints.map((endpoint_url) => createConnectedTool(connection.id, { endpoint_url })),
    );
    for (const tool of tools) expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.calls.map((c) => c.headers.get("x-api-key"))).toEqual(Array(3).fill("old-api-key-0001"));

    const put = await putConnection(
      connection.id,
      connectionBody({ name: connection.name, auth_config: apiKey("new-api-key-0002") }),
    );
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain("new-api-key-0002");

    const before = upstream.calls.length;
    for (let round = 0; round < 2; round++) for (const tool of tools) expect((await execute(tool.id)).status).toBe(200);
    const after = upstream.calls.slice(before);
    expect(after).toHaveLength(6);
    for (const call of after) expect(call.headers.get("x-api-key")).toBe("new-api-key-0002");
    for (const call of after) expect(JSON.stringify([...call.headers, call.url.href])).not.toContain("old-api-key");
  });
});

describe("a PUT of the client secret on a client-credentials connection", () => {
  it("retires the token obtained with the old secret, even one left in KV", async () => {
    let issued = 0;
    const basics: (string | null)[] = [];
    upstream.on("POST", TOKEN_URL, (r) => {
      basics.push(r.headers.get("authorization"));
      return json({ access_token: `rotation-access-token-${++issued}`, expires_in: 3600 });
    });
    upstream.on("GET", `${API_ORIGIN}/v1/items`, () => json({ ok: true }));
    const auth = {
      type: "oauth2",
      grant_type: "client_credentials",
      token_url: TOKEN_URL,
      client_id: uniqueName("client"),
      client_secret: "rotation-client-secret",
    };
    const connection = await createConnection({ auth_config: auth });
    const tool = await createConnectedTool(connection.id);
    const sent = () => upstream.callsTo(`${API_ORIGIN}/v1/items`).map((c) => c.headers.get("authorization"));

    const kvBefore = new Set((await env.TOKEN_CACHE.list({ prefix: KV_PREFIX })).keys.map((k) => k.name));
    expect((await execute(tool.id)).status).toBe(200);
    expect((await execute(tool.id)).status).toBe(200);
    expect(sent()).toEqual(["Bearer rotation-access-token-1", "Bearer rotation-access-token-1"]);
    // The token as another isolate could still hold it: its KV entry, written after the response.
    const listed = await eventually(
      async () => (await env.TOKEN_CACHE.list({ prefix: KV_PREFIX })).keys.filter((k) => !kvBefore.has(k.name)),
      (keys) => keys.length > 0,
    );
    expect(listed).toHaveLength(1);
    const oldEntry = { name: listed[0]!.name, value: (await env.TOKEN_CACHE.get(listed[0]!.name))! };

    // The same secret sent again is still a new secret: secrets_version goes up.
    const put = await putConnection(connection.id, connectionBody({ name: connection.name, auth_config: auth }));
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await connectionRow(connection.id)).secrets_version).toBe(2);
    // The PUT forgot the token; put it back, as an isolate racing the PUT could.
    await env.TOKEN_CACHE.put(oldEntry.name, oldEntry.value, { expirationTtl: 3600 });

    expect((await execute(tool.id)).status).toBe(200);
    expect((await execute(tool.id)).status).toBe(200);
    expect(sent().slice(2)).toEqual(["Bearer rotation-access-token-2", "Bearer rotation-access-token-2"]);
    expect(issued).toBe(2);
    expect(basics).toHaveLength(2);
  });
});

describe("POST /admin/rewrap and connections", () => {
  let OLD: TestKey;
  let NEW: TestKey;
  beforeAll(async () => {
    OLD = { base64: env.ENCRYPTION_KEY!, id: (await loadKeyring(env)).current.id };
    NEW = await testKey(111);
  });

  const withKeys = (keys: TestKey[], path: string, init: ApiInit = {}) =>
    callWorker({ ENCRYPTION_KEYS: keys.map((k) => k.base64).join(",") }, path, init);

  async function keyIdsOf(connectionId: string): Promise<string[]> {
    const secrets = JSON.parse((await connectionRow(connectionId)).auth_secrets) as Record<string, string>;
    return Object.values(secrets).map((sealed) => sealed.split(".")[1]!);
  }

  async function rewrapAll(keys: TestKey[]): Promise<{ pages: Json[]; text: string }> {
    const pages: Json[] = [];
    let text = "";
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const query = `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await withKeys(keys, `/admin/rewrap${query}`, { method: "POST" });
      const body = await res.text();
      expect(res.status, body).toBe(200);
      text += body;
      const page = JSON.parse(body) as Json;
      pages.push(page);
      cursor = page.next_cursor;
      if (!cursor) return { pages, text };
    }
    throw new Error("rewrap never finished");
  }

  it("moves every connection secret to the current key, and the tools run with the old key retired", async () => {
    const secrets = {
      bearer: "rewrap-conn-bearer-secret",
      password: "rewrap-conn-basic-password",
      client: "rewrap-conn-client-secret",
    };
    const bearer = await createConnection({ auth_config: { type: "bearer_token", token: secrets.bearer } });
    const basic = await createConnection({
      auth_config: { type: "basic", username: "alice", password: secrets.password },
    });
    const cc = await createConnection({
      auth_config: {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: TOKEN_URL,
        client_id: uniqueName("client"),
        client_secret: secrets.client,
      },
    });
    for (const c of [bearer, basic, cc]) expect(await keyIdsOf(c.id)).toEqual([OLD.id]);
    const versions = await Promise.all(
      [bearer, basic, cc].map(async (c) => (await connectionRow(c.id)).secrets_version),
    );

    const { pages, text } = await rewrapAll([NEW, OLD]);
    for (const secret of Object.values(secrets)) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(btoa(secret));
    }
    expect(text).not.toContain(btoa(`alice:${secrets.password}`));
    expect(pages.reduce((n, p) => n + p.connection_secrets.rewrapped, 0)).toBeGreaterThanOrEqual(3);
    const failed = pages.flatMap((p) => p.failures as Json[]).map((f) => f.connection_id);
    for (const c of [bearer, basic, cc]) {
      expect(failed).not.toContain(c.id);
      expect(await keyIdsOf(c.id)).toEqual([NEW.id]);
    }
    // A rewrap changes no secret: secrets_version stays, so cached tokens stay valid.
    expect(
      await Promise.all([bearer, basic, cc].map(async (c) => (await connectionRow(c.id)).secrets_version)),
    ).toEqual(versions);

    // With OLD retired, every one still opens and is sent.
    upstream.on("POST", TOKEN_URL, () => json({ access_token: "rewrap-access-token", expires_in: 3600 }));
    const expected: [Json, string][] = [
      [bearer, `Bearer ${secrets.bearer}`],
      [basic, `Basic ${btoa(`alice:${secrets.password}`)}`],
      [cc, "Bearer rewrap-access-token"],
    ];
    for (const [connection, header] of expected) {
      const endpoint = `${API_ORIGIN}/v1/rewrap-${crypto.randomUUID()}`;
      upstream.on("GET", endpoint, () => json({ ok: true }));
      const tool = await createConnectedTool(connection.id, { endpoint_url: endpoint });
      const res = await withKeys([NEW], `/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(upstream.callsTo(endpoint)[0]!.headers.get("authorization")).toBe(header);
    }
  });

  it("reports a connection pointed elsewhere outside toolgate as binding_mismatch, and leaves its value as it was", async () => {
    const connection = await createConnection({
      auth_config: { type: "bearer_token", token: "rewrap-mismatch-secret" },
    });
    await env.DB.prepare("UPDATE connections SET allowed_origins = ? WHERE id = ?")
      .bind(JSON.stringify([API_ORIGIN, "https://attacker.example"]), connection.id)
      .run();
    const stored = (await connectionRow(connection.id)).auth_secrets;

    const { pages, text } = await rewrapAll([NEW, OLD]);
    expect(text).not.toContain("rewrap-mismatch-secret");
    const failures = pages.flatMap((p) => p.failures as Json[]).filter((f) => f.connection_id === connection.id);
    expect(failures).toEqual([
      expect.objectContaining({
        kind: "connection_secret",
        connection_id: connection.id,
        field: "token",
        reason: "binding_mismatch",
      }),
    ]);
    expect((await connectionRow(connection.id)).auth_secrets).toBe(stored);
  });
});

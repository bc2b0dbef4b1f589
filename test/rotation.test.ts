/**
 * Key rotation through the Worker: writes use the current key, old rows keep
 * opening, POST /admin/rewrap moves every tool secret and cached token to the
 * current key without returning a secret, and once the old key is retired
 * only the rows that were not rewrapped fail, each saying which key is gone.
 *
 * Tools made with `api()` are sealed under the test ENCRYPTION_KEY (OLD
 * below); requests that need another keyring go through `callWorker` with
 * ENCRYPTION_KEYS set.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { sealSecret, type Keyring } from "../src/crypto/seal";
import { cachedTokenBinding, toolDestination, toolSecretBinding } from "../src/engine/auth/binding";
import { drizzle } from "drizzle-orm/d1";
import { TokenCache } from "../src/engine/auth/token-cache";
import { rewrapToolSecrets } from "../src/registry/rewrap";
import {
  api,
  callWorker,
  createTool,
  json,
  uniqueName,
  useUpstream,
  waitForLog,
  type ApiInit,
  type Json,
} from "./helpers";
import { testKey, type TestKey } from "./keys";
import { sealV1 } from "./legacy-seal";

const upstream = useUpstream();

const PREFIX = "oauth2-token:v1:";
const NEW = await testKey(101);
const NEWER = await testKey(102);
const STRANGER = await testKey(103);
let OLD: TestKey;

beforeAll(async () => {
  const keyring = await loadKeyring(env);
  OLD = { base64: env.ENCRYPTION_KEY!, id: keyring.current.id };
  expect(env.ENCRYPTION_KEYS).toBeUndefined();
});

/** A request to the Worker with ENCRYPTION_KEYS set to these keys, the first current. */
function withKeys(keys: TestKey[], path: string, init: ApiInit = {}): Promise<Response> {
  return callWorker({ ENCRYPTION_KEYS: keys.map((k) => k.base64).join(",") }, path, init);
}

function keyringOf(keys: TestKey[]): Promise<Keyring> {
  return loadKeyring({ ENCRYPTION_KEYS: keys.map((k) => k.base64).join(",") });
}

/** Runs POST /admin/rewrap until next_cursor is null; returns each page and the raw text of every response. */
async function rewrapAll(keys: TestKey[], limit = 100): Promise<{ pages: Json[]; text: string }> {
  const pages: Json[] = [];
  let text = "";
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const query = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
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

function totals(pages: Json[]) {
  return {
    rewrapped: pages.reduce((n, p) => n + p.tool_secrets.rewrapped, 0),
    kept: pages.reduce((n, p) => n + p.cached_tokens.kept, 0),
    dropped: pages.reduce((n, p) => n + p.cached_tokens.dropped, 0),
    failures: pages.flatMap((p) => p.failures as Json[]),
  };
}

async function sealedSecretsOf(toolId: string): Promise<Record<string, string>> {
  const row = await env.DB.prepare("SELECT auth_secrets FROM tools WHERE id = ?")
    .bind(toolId)
    .first<{ auth_secrets: string }>();
  expect(row).not.toBeNull();
  return JSON.parse(row!.auth_secrets) as Record<string, string>;
}

async function keyIdsOf(toolId: string): Promise<string[]> {
  return Object.values(await sealedSecretsOf(toolId)).map((sealed) => sealed.split(".")[1]!);
}

/** Every sealed value in the tools table, by tool id. */
async function allSealedValues(): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT auth_secrets FROM tools").all<{ auth_secrets: string }>();
  return results.flatMap((r) => Object.values(JSON.parse(r.auth_secrets) as Record<string, string>));
}

/** Every cached token in KV: its name and the key id of its sealed value. */
async function allCachedTokens(): Promise<{ name: string; keyId: string | undefined }[]> {
  const entries: { name: string; keyId: string | undefined }[] = [];
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown, string> = await env.TOKEN_CACHE.list({ prefix: PREFIX, cursor });
    for (const { name } of page.keys) {
      const value = await env.TOKEN_CACHE.get(name);
      if (value !== null) entries.push({ name, keyId: value.split(".")[1] });
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return entries;
}

interface OAuth2Setup {
  tokenUrl: string;
  endpoint: string;
  clientId: string;
  clientSecret: string;
  issued: string[];
}

/** An OAuth2 tool (sealed under OLD) with its own token endpoint and API. */
async function oauth2Tool(): Promise<{ tool: Json; setup: OAuth2Setup }> {
  const id = crypto.randomUUID();
  const setup: OAuth2Setup = {
    tokenUrl: `https://auth.example.com/${id}/token`,
    endpoint: `https://api.example.com/${id}/items`,
    clientId: uniqueName("client"),
    clientSecret: `client-secret-${id}`,
    issued: [],
  };
  upstream.on("POST", setup.tokenUrl, () => {
    const token = `access-${id}-${setup.issued.length + 1}`;
    setup.issued.push(token);
    return json({ access_token: token, token_type: "Bearer", expires_in: 3600 });
  });
  upstream.on("GET", setup.endpoint, () => json({ ok: true }));
  const tool = await createTool({
    endpoint_url: setup.endpoint,
    auth_config: {
      type: "oauth2",
      token_url: setup.tokenUrl,
      client_id: setup.clientId,
      client_secret: setup.clientSecret,
    },
  });
  return { tool, setup };
}

/** The KV name of a client's cached token under one key of the keyring. */
async function tokenName(setup: OAuth2Setup, keys: TestKey[]): Promise<string> {
  const keyring = await keyringOf(keys);
  const id = await new TokenCache(env.TOKEN_CACHE, keyring, () => {}).cacheKey({
    tokenUrl: setup.tokenUrl,
    clientId: setup.clientId,
    clientSecret: setup.clientSecret,
    clientAuthMethod: "client_secret_basic",
  });
  return PREFIX + id;
}

function bearerTool(secret: string): Promise<Json> {
  const endpoint = `https://api.example.com/${crypto.randomUUID()}/bearer`;
  upstream.on("GET", endpoint, () => json({ ok: true }));
  return createTool({ endpoint_url: endpoint, auth_config: { type: "bearer_token", token: secret } });
}

/**
 * Runs a tool and returns the credential header its upstream received (the
 * response itself shows it redacted); fails the test unless the run succeeded.
 */
async function credentialSent(keys: TestKey[], tool: Json, header = "authorization"): Promise<string | null> {
  const { status, body } = await executeWith(keys, tool.id);
  expect(status, JSON.stringify(body)).toBe(200);
  return upstream.callsTo(tool.endpoint_url).at(-1)?.headers.get(header) ?? null;
}

async function executeWith(keys: TestKey[], toolId: string): Promise<{ status: number; body: Json }> {
  const res = await withKeys(keys, `/tools/${toolId}/execute`, { method: "POST", json: { input: {} } });
  return { status: res.status, body: await res.json<Json>() };
}

describe("writes and reads with a keyring", () => {
  it("seals new secrets under the first key of ENCRYPTION_KEYS", async () => {
    for (const keys of [
      [NEW, OLD],
      [OLD, NEW],
    ]) {
      const res = await withKeys(keys, "/tools", {
        method: "POST",
        json: {
          name: uniqueName(),
          execution_type: "http_request",
          method: "GET",
          endpoint_url: "https://api.example.com/v1/keyring",
          auth_config: { type: "api_key", key_name: "x-api-key", location: "header", value: "value-under-current" },
        },
      });
      const tool = await res.json<Json>();
      expect(res.status, JSON.stringify(tool)).toBe(201);
      expect(await keyIdsOf(tool.id)).toEqual([keys[0]!.id]);
    }
  });

  it("opens secrets sealed under an older key that is still in the keyring", async () => {
    const tool = await bearerTool("token-sealed-under-old");
    expect(await keyIdsOf(tool.id)).toEqual([OLD.id]);
    expect(await credentialSent([NEW, OLD], tool)).toBe("Bearer token-sealed-under-old");
  });

  it.each([
    ["empty", "", "ENCRYPTION_KEYS entry 1 of 1 is empty"],
    ["not base64", "not-a-key!", "ENCRYPTION_KEYS entry 1 of 1 is malformed"],
    ["a duplicate", "DUP", "ENCRYPTION_KEYS entries 1 and 2 are the same key"],
  ])("fails closed when ENCRYPTION_KEYS is %s: writes 500, executions 500, rewrap 500", async (_label, raw, detail) => {
    const setting = raw === "DUP" ? `${NEW.base64},${NEW.base64}` : raw;
    const bindings = { ENCRYPTION_KEYS: setting };
    const existing = await bearerTool("token-never-sent-x");
    const name = uniqueName("closed");
    const created = await callWorker(bindings, "/tools", {
      method: "POST",
      json: {
        name,
        execution_type: "http_request",
        method: "GET",
        endpoint_url: "https://api.example.com/v1/closed",
        auth_config: { type: "bearer_token", token: "never-stored-1" },
      },
    });
    const createdBody = await created.json<Json>();
    expect(created.status).toBe(500);
    expect(createdBody.code).toBe("encryption_key_unavailable");
    expect(createdBody.detail).toContain(detail);
    expect(await env.DB.prepare("SELECT id FROM tools WHERE name = ?").bind(name).first()).toBeNull();

    const run = await callWorker(bindings, `/tools/${existing.id}/execute`, { method: "POST", json: { input: {} } });
    const runBody = await run.json<Json>();
    expect(run.status).toBe(500);
    expect(runBody).toMatchObject({ code: "secrets_unavailable", reason: "keyring_unavailable" });
    expect(upstream.calls).toHaveLength(0);

    const rewrap = await callWorker(bindings, "/admin/rewrap", { method: "POST" });
    expect(rewrap.status).toBe(500);
    expect((await rewrap.json<Json>()).code).toBe("encryption_key_unavailable");
    for (const text of [JSON.stringify(createdBody), JSON.stringify(runBody)]) expect(text).not.toContain(NEW.base64);
  });
});

describe("POST /admin/rewrap", () => {
  it("moves every tool secret and cached token to the current key and returns no secret", async () => {
    const bearer = await bearerTool("bearer-secret-rotate-me");
    const apiKeyEndpoint = `https://api.example.com/${crypto.randomUUID()}/key`;
    upstream.on("GET", apiKeyEndpoint, () => json({ ok: true }));
    const apiKeyTool = await createTool({
      endpoint_url: apiKeyEndpoint,
      auth_config: { type: "api_key", key_name: "x-api-key", location: "header", value: "api-key-secret-rotate-me" },
    });
    const { tool: oauth, setup } = await oauth2Tool();
    // A token cached under OLD, an entry under a key the keyring never held, and a corrupt one.
    expect((await executeWith([OLD], oauth.id)).status).toBe(200);
    const oldName = await tokenName(setup, [OLD]);
    expect((await env.TOKEN_CACHE.get(oldName))?.split(".")[1]).toBe(OLD.id);
    const strangerName = `${PREFIX}stranger-${crypto.randomUUID()}`;
    const strangerValue = await sealSecret(
      await keyringOf([STRANGER]),
      '{"accessToken":"x","expiresAt":1}',
      cachedTokenBinding(strangerName),
    );
    await env.TOKEN_CACHE.put(strangerName, strangerValue, { expirationTtl: 3600 });
    const corruptName = `${PREFIX}corrupt-${crypto.randomUUID()}`;
    await env.TOKEN_CACHE.put(corruptName, "not a sealed value", { expirationTtl: 3600 });

    const { pages, text } = await rewrapAll([NEW, OLD]);

    for (const secret of [
      "bearer-secret-rotate-me",
      "api-key-secret-rotate-me",
      setup.clientSecret,
      setup.issued[0]!,
      NEW.base64,
      OLD.base64,
    ]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(btoa(secret));
    }
    expect(pages.at(-1)).toMatchObject({ current_key_id: NEW.id, key_ids: [NEW.id, OLD.id], next_cursor: null });
    const sum = totals(pages);
    expect(sum.failures).toEqual([]);
    expect(sum.rewrapped).toBeGreaterThanOrEqual(3);
    expect(sum.dropped).toBeGreaterThanOrEqual(3);

    for (const tool of [bearer, apiKeyTool, oauth]) expect(await keyIdsOf(tool.id)).toEqual([NEW.id]);
    for (const sealed of await allSealedValues()) expect(sealed.startsWith(`v2.${NEW.id}.`), sealed).toBe(true);
    for (const name of [oldName, strangerName, corruptName]) expect(await env.TOKEN_CACHE.get(name)).toBeNull();
    for (const entry of await allCachedTokens()) expect(entry.keyId, entry.name).toBe(NEW.id);
    // The definitions did not change: same version, same ETag.
    expect((await (await api(`/tools/${bearer.id}`)).json<Json>()).version).toBe(bearer.version);

    // With the old key retired, all three still work. The OAuth2 client misses
    // the cache once (its cache name derives from the current key) and fetches one new token.
    expect(await credentialSent([NEW], bearer)).toBe("Bearer bearer-secret-rotate-me");
    expect(await credentialSent([NEW], apiKeyTool, "x-api-key")).toBe("api-key-secret-rotate-me");
    const tokenCalls = upstream.callsTo(setup.tokenUrl).length;
    expect(await credentialSent([NEW], oauth)).toBe(`Bearer ${setup.issued[1]}`);
    expect(await credentialSent([NEW], oauth)).toBe(`Bearer ${setup.issued[1]}`);
    expect(upstream.callsTo(setup.tokenUrl).length).toBe(tokenCalls + 1);
    expect((await env.TOKEN_CACHE.get(await tokenName(setup, [NEW])))?.split(".")[1]).toBe(NEW.id);
  });

  it("drops a cached token in the v1 format, even under the current key: the cache no longer reads it", async () => {
    const name = `${PREFIX}v1-entry-${crypto.randomUUID()}`;
    await env.TOKEN_CACHE.put(name, await sealV1('{"accessToken":"x","expiresAt":1}', name, NEW.base64), {
      expirationTtl: 3600,
    });
    const sum = totals((await rewrapAll([NEW, OLD])).pages);
    expect(sum.failures).toEqual([]);
    expect(sum.dropped).toBeGreaterThanOrEqual(1);
    expect(await env.TOKEN_CACHE.get(name)).toBeNull();
  });

  it("never uses a cached token in the v1 format: it is a miss, and a fresh token replaces it", async () => {
    const { tool, setup } = await oauth2Tool();
    const name = await tokenName(setup, [OLD]);
    const stale = JSON.stringify({ accessToken: "stale-v1-access-token", expiresAt: Date.now() + 3_600_000 });
    await env.TOKEN_CACHE.put(name, await sealV1(stale, name, OLD.base64), { expirationTtl: 3600 });

    expect(await credentialSent([OLD], tool)).toBe(`Bearer ${setup.issued[0]}`);
    expect(upstream.callsTo(setup.tokenUrl)).toHaveLength(1);
    expect((await env.TOKEN_CACHE.get(name))?.startsWith(`v2.${OLD.id}.`)).toBe(true);
  });

  it("is idempotent: a second run rewraps nothing and keeps what is current", async () => {
    const tool = await bearerTool("idempotent-secret-1");
    const first = totals((await rewrapAll([NEW, OLD])).pages);
    expect(first.rewrapped).toBeGreaterThanOrEqual(1);
    const after = await sealedSecretsOf(tool.id);

    const second = totals((await rewrapAll([NEW, OLD])).pages);
    expect(second).toMatchObject({ rewrapped: 0, dropped: 0, failures: [] });
    expect(await sealedSecretsOf(tool.id)).toEqual(after);
  });

  it("works a page at a time with limit and next_cursor, and refuses a cursor it did not issue", async () => {
    const tools = [];
    for (let i = 0; i < 3; i++) tools.push(await bearerTool(`paged-secret-${i}-abc`));
    const { pages } = await rewrapAll([NEWER, NEW, OLD], 1);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const page of pages.slice(0, -1)) expect(page.next_cursor).toEqual(expect.any(String));
    for (const tool of tools) expect(await keyIdsOf(tool.id)).toEqual([NEWER.id]);
    for (const sealed of await allSealedValues()) expect(sealed.startsWith(`v2.${NEWER.id}.`)).toBe(true);

    const bad = await withKeys([NEW, OLD], "/admin/rewrap?cursor=bm90LW91cnM", { method: "POST" });
    expect(bad.status).toBe(400);
    expect((await bad.json<Json>()).code).toBe("invalid_cursor");
    const tooMany = await withKeys([NEW, OLD], "/admin/rewrap?limit=101", { method: "POST" });
    expect(tooMany.status).toBe(422);

    // Leave every row under NEW, as the other tests expect to find the store.
    expect(totals((await rewrapAll([NEW, NEWER, OLD])).pages).failures).toEqual([]);
  });
});

describe("retiring the old key", () => {
  it("breaks only the rows that were not rewrapped, each with an error that names the missing key", async () => {
    const rewrapped = await bearerTool("rewrapped-secret-111");
    await rewrapAll([NEW, OLD]);
    expect(await keyIdsOf(rewrapped.id)).toEqual([NEW.id]);
    // Created under OLD after the rewrap: never moved.
    const stranded = await bearerTool("stranded-secret-222");
    expect(await keyIdsOf(stranded.id)).toEqual([OLD.id]);

    expect(await credentialSent([NEW], rewrapped)).toBe("Bearer rewrapped-secret-111");

    const callsBefore = upstream.calls.length;
    const failed = await executeWith([NEW], stranded.id);
    const detail = `The tool's stored credentials are sealed under key ${OLD.id}, which is not in the keyring: it was retired before this tool was rewrapped. Put the key back in ENCRYPTION_KEYS, or send the tool's secrets again with PUT.`;
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({
      type: "https://toolgate.dev/problems/secrets-unavailable",
      status: 500,
      code: "secrets_unavailable",
      reason: "unknown_key",
      key_id: OLD.id,
      detail,
      tool_id: stranded.id,
    });
    expect(JSON.stringify(failed.body)).not.toContain("stranded-secret-222");
    expect(upstream.calls.length).toBe(callsBefore);
    const log = await waitForLog(failed.body.execution_id);
    expect(log).toMatchObject({ outcome: "auth_error", error_message: detail, url: null });

    // Rewrap reports the stranded row, with no secret, every time it runs.
    const rowBefore = await sealedSecretsOf(rewrapped.id);
    for (let run = 0; run < 2; run++) {
      const { pages, text } = await rewrapAll([NEW]);
      const sum = totals(pages);
      expect(sum.rewrapped).toBe(0);
      expect(sum.failures).toContainEqual({
        kind: "tool_secret",
        tool_id: stranded.id,
        field: "token",
        reason: "unknown_key",
        key_id: OLD.id,
        detail: `Sealed under key ${OLD.id}, which is not in the keyring: add that key back to ENCRYPTION_KEYS and run rewrap again, or send token again with PUT /tools/${stranded.id}.`,
      });
      expect(text).not.toContain("stranded-secret-222");
      expect(text).not.toContain(rewrapped.id);
    }
    expect(await sealedSecretsOf(rewrapped.id)).toEqual(rowBefore);

    // Putting the old key back and rewrapping again rescues the row.
    await rewrapAll([NEW, OLD]);
    expect(await credentialSent([NEW], stranded)).toBe("Bearer stranded-secret-222");
  });

  it("reports a value copied from another row as binding_mismatch, without opening or changing it", async () => {
    const a = await bearerTool("row-a-secret-333");
    const b = await bearerTool("row-b-secret-444");
    const copied = await sealedSecretsOf(a.id);
    await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?").bind(JSON.stringify(copied), b.id).run();

    const { pages, text } = await rewrapAll([NEW, OLD]);
    expect(totals(pages).failures).toContainEqual(
      expect.objectContaining({ tool_id: b.id, field: "token", reason: "binding_mismatch", key_id: null }),
    );
    expect(text).not.toContain("row-a-secret-333");
    expect(await sealedSecretsOf(b.id)).toEqual(copied);
    // Repair the row so later runs in this file start clean.
    await api(`/tools/${b.id}`, { method: "DELETE" });
  });

  it("reports an altered value (its binding MAC intact) as auth_failed, without changing it", async () => {
    const tool = await bearerTool("row-c-secret-555");
    const { token } = await sealedSecretsOf(tool.id);
    const parts = token!.split(".");
    parts[3] = (parts[3]![0] === "A" ? "B" : "A") + parts[3]!.slice(1);
    const altered = { token: parts.join(".") };
    await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?").bind(JSON.stringify(altered), tool.id).run();

    const { pages } = await rewrapAll([NEW, OLD]);
    expect(totals(pages).failures).toContainEqual(
      expect.objectContaining({ tool_id: tool.id, field: "token", reason: "auth_failed", key_id: null }),
    );
    expect(await sealedSecretsOf(tool.id)).toEqual(altered);
    await api(`/tools/${tool.id}`, { method: "DELETE" });
  });

  it("loses to a save that lands between its read and its write: the saved secret stays, reported as concurrent_change", async () => {
    const tool = await bearerTool("before-the-race-555");
    const db = drizzle(env.DB);
    // What a PUT that sends a new token writes while rewrap is working on the row.
    const saved = await sealSecret(
      await keyringOf([NEW, OLD]),
      "saved-during-rewrap",
      toolSecretBinding(
        tool.id,
        "token",
        toolDestination({ authParams: tool.auth_config, endpointUrl: tool.endpoint_url }),
      ),
    );
    const batch = db.batch.bind(db);
    vi.spyOn(db, "batch").mockImplementation(async (queries) => {
      await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?")
        .bind(JSON.stringify({ token: saved }), tool.id)
        .run();
      return batch(queries);
    });

    const page = await rewrapToolSecrets(db, await keyringOf([NEW, OLD]), "", 100, true);

    expect(page.failures).toContainEqual({
      kind: "tool_secret",
      tool_id: tool.id,
      field: null,
      reason: "concurrent_change",
      key_id: null,
      detail: "The tool changed or was deleted while it was being rewrapped; run rewrap again.",
    });
    expect(await sealedSecretsOf(tool.id)).toEqual({ token: saved });
    expect(await credentialSent([NEW], tool)).toBe("Bearer saved-during-rewrap");
  });

  it("deleting a tool forgets its cached token under every key of the keyring", async () => {
    const { tool, setup } = await oauth2Tool();
    expect((await executeWith([OLD], tool.id)).status).toBe(200);
    const oldName = await tokenName(setup, [OLD]);
    expect(await env.TOKEN_CACHE.get(oldName)).not.toBeNull();

    const res = await withKeys([NEW, OLD], `/tools/${tool.id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await env.TOKEN_CACHE.get(oldName)).toBeNull();
  });
});

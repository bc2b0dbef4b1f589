/**
 * Stored secrets bound to their destination (docs/storage.md, "Sealed values"):
 * v1 values written by an older toolgate keep working and rewrap moves them to
 * v2; SEALED_V1_READS=false ends v1 reads; a row whose destination is changed
 * straight in D1 fails closed with binding_mismatch and sends nothing; a
 * corrupt row does not stop a rewrap.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Session } from "../src/ui/session";
import { openDraftSecrets, sealDraftSecrets } from "../src/ui/draft-secrets";
import {
  api,
  callWorker,
  createTool,
  json,
  uniqueName,
  useUpstream,
  waitForLog,
  type Bindings,
  type Json,
} from "./helpers";
import { testKey } from "./keys";
import { downgradeToV1, sealToolSecretV1 } from "./legacy-seal";

const upstream = useUpstream();

const V1_OFF: Bindings = { SEALED_V1_READS: "false" };
const OTHER = await testKey(211);

const BINDING_MISMATCH_DETAIL =
  "The tool's stored credentials were sealed for another destination: its URL, token URL, API key placement or OAuth2 client was changed outside toolgate (or the credentials were copied from another tool or field), so nothing was sent. Check the tool's definition; if the change is intended, send its secrets again with PUT.";
const LEGACY_DETAIL =
  "The tool's stored credentials are in the old v1 format, which this deployment no longer opens (SEALED_V1_READS is not true). Set SEALED_V1_READS to true and run POST /admin/rewrap to move them to v2, or send the tool's secrets again with PUT.";

interface Fixture {
  kind: string;
  tool: Json;
  /** The plaintext of each secret field. */
  secrets: Record<string, string>;
  /** The credential as the upstream must receive it, read from the last call to the endpoint. */
  sent: () => string | null;
}

/** One tool per auth type, each with its own endpoint (and token endpoint), answering 200. */
async function toolsOfEveryType(bindings?: Bindings): Promise<Fixture[]> {
  const run = crypto.randomUUID().slice(0, 8);
  const base = `https://api-${run}.binding.example`;
  const tokenUrl = `https://auth-${run}.binding.example/oauth/token`;
  let issued = 0;
  upstream.on("POST", tokenUrl, () =>
    json({ access_token: `at-${run}-${++issued}`, token_type: "Bearer", expires_in: 3600 }),
  );
  const last = (path: string) => upstream.callsTo(`${base}${path}`).at(-1);
  const defs: [string, Record<string, unknown>, Record<string, string>, () => string | null][] = [
    [
      "bearer_token",
      { type: "bearer_token" },
      { token: `bearer-${run}-secret` },
      () => last("/bearer")?.headers.get("authorization") ?? null,
    ],
    [
      "api_key header",
      { type: "api_key", key_name: "X-Api-Key", location: "header" },
      { value: `header-key-${run}` },
      () => last("/header")?.headers.get("x-api-key") ?? null,
    ],
    [
      "api_key query",
      { type: "api_key", key_name: "appid", location: "query" },
      { value: `query-key-${run}` },
      () => last("/query")?.url.searchParams.get("appid") ?? null,
    ],
    [
      "oauth2",
      {
        type: "oauth2",
        token_url: tokenUrl,
        client_id: `client-${run}`,
        scope: "read write",
        audience: "https://api.binding.example",
      },
      { client_secret: `client-secret-${run}` },
      () => upstream.callsTo(tokenUrl).at(-1)?.headers.get("authorization") ?? null,
    ],
  ];
  const fixtures: Fixture[] = [];
  for (const [kind, auth, secrets, sent] of defs) {
    const path = `/${kind.split(" ").at(-1)!.replace("bearer_token", "bearer").replace("oauth2", "oauth")}`;
    upstream.on("GET", `${base}${path}`, () => json({ ok: kind }));
    const tool = await createTool({ endpoint_url: `${base}${path}`, auth_config: { ...auth, ...secrets } }, bindings);
    fixtures.push({ kind, tool, secrets, sent });
  }
  return fixtures;
}

/** What each fixture's upstream must receive. */
function expectedCredential(f: Fixture): string {
  if (f.kind === "bearer_token") return `Bearer ${f.secrets.token}`;
  if (f.kind === "oauth2") return `Basic ${btoa(`${f.tool.auth_config.client_id}:${f.secrets.client_secret}`)}`;
  return f.secrets.value!;
}

async function sealedSecretsOf(toolId: string): Promise<Record<string, string>> {
  const row = await env.DB.prepare("SELECT auth_secrets FROM tools WHERE id = ?")
    .bind(toolId)
    .first<{ auth_secrets: string }>();
  return JSON.parse(row!.auth_secrets) as Record<string, string>;
}

/**
 * Executes with the definition cache off: these tests change rows straight in D1, as another isolate or an
 * attacker would, and this isolate would run its cached copy until the bound (test/definition-cache.test.ts).
 */
async function run(toolId: string, bindings: Bindings = {}): Promise<{ status: number; body: Json }> {
  const res = await callWorker({ DEFINITION_CACHE_SECONDS: "0", ...bindings }, `/tools/${toolId}/execute`, {
    method: "POST",
    json: { input: {} },
  });
  return { status: res.status, body: await res.json<Json>() };
}

/** POST /admin/rewrap until next_cursor is null; every page must answer 200. */
async function rewrapAll(bindings: Bindings = {}, limit = 100): Promise<Json[]> {
  const pages: Json[] = [];
  let cursor: string | null = null;
  do {
    const query = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await callWorker(bindings, `/admin/rewrap${query}`, { method: "POST" });
    const page = await res.json<Json>();
    expect(res.status, JSON.stringify(page)).toBe(200);
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor);
  return pages;
}

/** Fails the test unless the execution failed closed with secrets_unavailable for `reason`, sent nothing, and logged it. */
async function expectFailedClosed(result: { status: number; body: Json }, reason: string, detail: string) {
  expect(result.status, JSON.stringify(result.body)).toBe(500);
  expect(result.body).toMatchObject({ code: "secrets_unavailable", reason, detail });
  expect(upstream.calls, "nothing may be sent upstream").toEqual([]);
  const log = await waitForLog(result.body.execution_id);
  expect(log).toMatchObject({ outcome: "auth_error", error_message: detail, url: null, attempts: null });
}

describe("v1 values written by an older toolgate", () => {
  it("still open, for every auth type, while SEALED_V1_READS is on (its default)", async () => {
    for (const f of await toolsOfEveryType()) {
      await downgradeToV1(f.tool.id, f.secrets);
      for (const sealed of Object.values(await sealedSecretsOf(f.tool.id))) expect(sealed).toMatch(/^v1\./);
      for (const bindings of [{}, { SEALED_V1_READS: "true" }, { SEALED_V1_READS: undefined }]) {
        const result = await run(f.tool.id, bindings);
        expect(result.status, `${f.kind}: ${JSON.stringify(result.body)}`).toBe(200);
        expect(f.sent(), f.kind).toBe(expectedCredential(f));
      }
    }
    // Leave nothing in v1 for the count below.
    await rewrapAll();
  });

  it("rewrap moves them to v2 and reports legacy_v1_remaining down to 0; then they work with v1 reads off", async () => {
    const fixtures = await toolsOfEveryType();
    for (const f of fixtures) await downgradeToV1(f.tool.id, f.secrets);

    const pages = await rewrapAll({}, 1);

    expect(pages[0]!.legacy_v1_remaining).toBeGreaterThanOrEqual(3);
    const counts = pages.map((p) => p.legacy_v1_remaining as number);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(pages.at(-1)).toMatchObject({
      legacy_v1_remaining: 0,
      sealed_v1_reads: true,
      legacy_v1_note: "No v1 values are left: you can set SEALED_V1_READS to false.",
    });
    expect(pages.flatMap((p) => p.failures)).toEqual([]);
    expect(pages.reduce((n, p) => n + p.tool_secrets.rewrapped, 0)).toBeGreaterThanOrEqual(4);
    for (const f of fixtures) {
      for (const sealed of Object.values(await sealedSecretsOf(f.tool.id))) expect(sealed).toMatch(/^v2\./);
      // The definition did not change.
      expect((await (await api(`/tools/${f.tool.id}`)).json<Json>()).version).toBe(1);
      const result = await run(f.tool.id, V1_OFF);
      expect(result.status, `${f.kind}: ${JSON.stringify(result.body)}`).toBe(200);
      expect(f.sent(), f.kind).toBe(expectedCredential(f));
    }
    // A second run has nothing left to do.
    const again = await rewrapAll();
    expect(again.at(-1)).toMatchObject({ legacy_v1_remaining: 0, tool_secrets: { rewrapped: 0, failed: 0 } });
  });

  it.each([["false"], ["off"], ["0"], ["no"], ["not-a-switch"]])(
    "with SEALED_V1_READS=%s, a v1 row fails closed with legacy_format, and rewrap leaves it as it is",
    async (setting) => {
      const tool = await createTool({
        endpoint_url: `https://legacy-${crypto.randomUUID()}.binding.example/items`,
        auth_config: { type: "bearer_token", token: "legacy-bearer-token" },
      });
      await downgradeToV1(tool.id, { token: "legacy-bearer-token" });
      const v1 = await sealedSecretsOf(tool.id);

      await expectFailedClosed(await run(tool.id, { SEALED_V1_READS: setting }), "legacy_format", LEGACY_DETAIL);

      const pages = await rewrapAll({ SEALED_V1_READS: setting });
      expect(pages.flatMap((p) => p.failures)).toContainEqual({
        kind: "tool_secret",
        tool_id: tool.id,
        field: "token",
        reason: "legacy_format",
        key_id: null,
        detail: `The value is in the v1 format and SEALED_V1_READS is not true, so it is not opened: send token again with PUT /tools/${tool.id}, or set SEALED_V1_READS to true and run rewrap again.`,
      });
      expect(pages.at(-1)).toMatchObject({ sealed_v1_reads: false });
      expect(pages.at(-1)!.legacy_v1_remaining).toBeGreaterThanOrEqual(1);
      expect(pages.at(-1)!.legacy_v1_note).toMatch(
        /^\d+ tool secrets? (is|are) in the v1 format and SEALED_V1_READS is not true, so they do not open: /,
      );
      expect(await sealedSecretsOf(tool.id)).toEqual(v1);

      // Not opened, not lost: with v1 reads on again, rewrap moves it and it works.
      await rewrapAll();
      expect((await sealedSecretsOf(tool.id)).token).toMatch(/^v2\./);
      upstream.on("GET", tool.endpoint_url, () => json({ ok: true }));
      expect((await run(tool.id, { SEALED_V1_READS: setting })).status).toBe(200);
    },
  );

  it("a rewrap that leaves v1 values says how many, and to keep going", async () => {
    const tool = await createTool({
      endpoint_url: `https://count-${crypto.randomUUID()}.binding.example/items`,
      auth_config: { type: "bearer_token", token: "count-bearer-token" },
    });
    // A v1 value bound to another row: it never opens, so it stays v1 and is counted.
    const stranded = await sealToolSecretV1(crypto.randomUUID(), "token", "count-bearer-token");
    await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?")
      .bind(JSON.stringify({ token: stranded }), tool.id)
      .run();

    const last = (await rewrapAll()).at(-1)!;

    expect(last.legacy_v1_remaining).toBe(1);
    expect(last.legacy_v1_note).toBe(
      "1 tool secret is still in the v1 format. Run rewrap until next_cursor is null; once this count is 0, set SEALED_V1_READS to false.",
    );
    expect(last.failures).toContainEqual(expect.objectContaining({ tool_id: tool.id, reason: "auth_failed" }));
    await env.DB.prepare("DELETE FROM tools WHERE id = ?").bind(tool.id).run();
    expect((await rewrapAll()).at(-1)!.legacy_v1_remaining).toBe(0);
  });
});

describe("a row changed outside the service", () => {
  /**
   * Tools sealed under OTHER, a key that rewrap (with the suite's key current)
   * moves away from, so that rewrap reads them. Each has run once, so the
   * change below is the only difference.
   */
  const UNDER_OTHER: Bindings = { ENCRYPTION_KEYS: `${OTHER.base64},${env.ENCRYPTION_KEY}` };
  const REWRAP_FROM_OTHER: Bindings = { ENCRYPTION_KEYS: `${env.ENCRYPTION_KEY},${OTHER.base64}` };
  async function working(kind: string): Promise<Fixture> {
    const f = (await toolsOfEveryType(UNDER_OTHER)).find((x) => x.kind === kind)!;
    const before = await run(f.tool.id, UNDER_OTHER);
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(f.sent()).toBe(expectedCredential(f));
    upstream.calls.length = 0;
    return f;
  }

  const setParam = (path: string, value: string | null) => ({
    sql: `UPDATE tools SET auth_params = json_set(auth_params, '${path}', ?) WHERE id = ?`,
    value,
  });
  const changes: [what: string, kind: string, update: { sql: string; value: string | null }][] = [
    [
      "endpoint_url to another origin",
      "bearer_token",
      { sql: "UPDATE tools SET endpoint_url = ? WHERE id = ?", value: "https://attacker.example/collect" },
    ],
    [
      "endpoint_url's port",
      "api_key query",
      {
        sql: "UPDATE tools SET endpoint_url = replace(endpoint_url, '.example/', '.example:8443/') WHERE id = ?",
        value: null,
      },
    ],
    ["token_url's path only", "oauth2", setParam("$.token_url", null)],
    ["the API key's name", "api_key header", setParam("$.key_name", "X-Other-Key")],
    [
      "the API key's location",
      "api_key header",
      // The name in lower case too, so that the location is the only fact that differs.
      {
        sql: "UPDATE tools SET auth_params = json_set(auth_params, '$.location', ?, '$.key_name', 'x-api-key') WHERE id = ?",
        value: "query",
      },
    ],
    ["client_id", "oauth2", setParam("$.client_id", "another-client")],
    ["client_auth_method", "oauth2", setParam("$.client_auth_method", "client_secret_post")],
    ["scope", "oauth2", setParam("$.scope", "read write admin")],
    ["audience", "oauth2", setParam("$.audience", "https://attacker.example")],
  ];

  it.each(changes)("%s: execute fails closed with binding_mismatch and sends nothing", async (_what, kind, update) => {
    const f = await working(kind);
    let statement = env.DB.prepare(update.sql);
    if (update.sql.includes("$.token_url")) {
      const moved = f.tool.auth_config.token_url.replace("/oauth/token", "/evil/token");
      statement = statement.bind(moved, f.tool.id);
    } else statement = update.value === null ? statement.bind(f.tool.id) : statement.bind(update.value, f.tool.id);
    expect((await statement.run()).meta.changes).toBe(1);

    await expectFailedClosed(await run(f.tool.id, UNDER_OTHER), "binding_mismatch", BINDING_MISMATCH_DETAIL);

    // Rewrap reports it and leaves it as it is: it never re-seals a value for a destination it was not entered for.
    const sealed = await sealedSecretsOf(f.tool.id);
    const failures = (await rewrapAll(REWRAP_FROM_OTHER)).flatMap((p) => p.failures);
    expect(failures).toContainEqual(
      expect.objectContaining({ tool_id: f.tool.id, reason: "binding_mismatch", key_id: null }),
    );
    expect(await sealedSecretsOf(f.tool.id)).toEqual(sealed);
    await env.DB.prepare("DELETE FROM tools WHERE id = ?").bind(f.tool.id).run();
  });

  it("a change outside the binding (the endpoint's path, a header key name's case, the description) keeps working", async () => {
    const f = await working("api_key header");
    const path = f.tool.endpoint_url.replace("/header", "/v2/header");
    upstream.on("GET", path, () => json({ ok: "moved path" }));
    await env.DB.prepare(
      "UPDATE tools SET endpoint_url = ?, description = 'changed', auth_params = json_set(auth_params, '$.key_name', 'x-api-key') WHERE id = ?",
    )
      .bind(path, f.tool.id)
      .run();

    const result = await run(f.tool.id, UNDER_OTHER);

    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(upstream.callsTo(path)[0]?.headers.get("x-api-key")).toBe(f.secrets.value);
    // Rewrap moves it to the current key: its binding is what it was sealed for.
    expect((await rewrapAll(REWRAP_FROM_OTHER)).flatMap((p) => p.failures)).toEqual([]);
    expect((await sealedSecretsOf(f.tool.id)).value!.split(".")[1]).not.toBe(OTHER.id);
    expect((await run(f.tool.id)).status).toBe(200);
  });

  it("a v2 value copied to another tool with the very same destination does not open", async () => {
    const endpoint = `https://twins-${crypto.randomUUID()}.binding.example/items`;
    const a = await createTool({
      endpoint_url: endpoint,
      auth_config: { type: "bearer_token", token: "twin-a-token" },
    });
    const b = await createTool({
      endpoint_url: endpoint,
      auth_config: { type: "bearer_token", token: "twin-b-token" },
    });
    await env.DB.prepare("UPDATE tools SET auth_secrets = (SELECT auth_secrets FROM tools WHERE id = ?) WHERE id = ?")
      .bind(a.id, b.id)
      .run();

    await expectFailedClosed(await run(b.id), "binding_mismatch", BINDING_MISMATCH_DETAIL);
    await env.DB.prepare("DELETE FROM tools WHERE id = ?").bind(b.id).run();
  });

  it("a v2 value moved to another field of its row does not open", async () => {
    const tool = await createTool({
      endpoint_url: `https://field-${crypto.randomUUID()}.binding.example/items`,
      auth_config: {
        type: "oauth2",
        token_url: "https://auth.binding.example/t",
        client_id: "c1",
        client_secret: "field-secret-1",
      },
    });
    const { client_secret } = await sealedSecretsOf(tool.id);
    // Same destination facts, another field: only the field in the binding differs.
    await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?")
      .bind(JSON.stringify({ client_secret, token: client_secret }), tool.id)
      .run();

    await expectFailedClosed(await run(tool.id), "binding_mismatch", BINDING_MISMATCH_DETAIL);
    await env.DB.prepare("DELETE FROM tools WHERE id = ?").bind(tool.id).run();
  });
});

describe("rewrap with corrupt rows", () => {
  it("reports each corrupt row by tool and reason and goes on with the others", async () => {
    const corrupt: [string, string, string | null][] = [
      ["auth_secrets", "not json at all", null],
      ["auth_secrets", '["v1.00000000.AAAA.BBBB"]', null],
      ["auth_secrets", '{"token": 42}', "token"],
      ["auth_secrets", '{"token": "plaintext-secret-in-d1"}', "token"],
      ["auth_params", "{ not json", null],
    ];
    const ids: string[] = [];
    for (const [column, value] of corrupt) {
      const tool = await createTool({ auth_config: { type: "bearer_token", token: "corrupt-row-token" } });
      // A row with current secrets has nothing to rewrap, whatever its auth_params: make this one need it.
      if (column === "auth_params") await downgradeToV1(tool.id, { token: "corrupt-row-token" });
      await env.DB.prepare(`UPDATE tools SET ${column} = ? WHERE id = ?`).bind(value, tool.id).run();
      ids.push(tool.id);
    }
    // A healthy v1 row among them, which must still be moved.
    const healthy = await createTool({
      endpoint_url: `https://healthy-${crypto.randomUUID()}.binding.example/items`,
      auth_config: { type: "bearer_token", token: "healthy-row-token" },
    });
    await downgradeToV1(healthy.id, { token: "healthy-row-token" });

    const pages = await rewrapAll({}, 2);

    const failures = pages.flatMap((p) => p.failures as Json[]);
    const detail = (column: string, id: string) =>
      `The row's ${column} is not a JSON object, so its secrets cannot be used: send the tool's auth_config again, secrets included, with PUT /tools/${id}.`;
    expect(failures).toContainEqual({
      kind: "tool_secret",
      tool_id: ids[0],
      field: null,
      reason: "malformed",
      key_id: null,
      detail: detail("auth_secrets", ids[0]!),
    });
    expect(failures).toContainEqual({
      kind: "tool_secret",
      tool_id: ids[1],
      field: null,
      reason: "malformed",
      key_id: null,
      detail: detail("auth_secrets", ids[1]!),
    });
    for (const id of [ids[2], ids[3]])
      expect(failures).toContainEqual({
        kind: "tool_secret",
        tool_id: id,
        field: "token",
        reason: "malformed",
        key_id: null,
        detail: `The value is not a sealed value: send token again with PUT /tools/${id}.`,
      });
    expect(failures).toContainEqual({
      kind: "tool_secret",
      tool_id: ids[4],
      field: null,
      reason: "malformed",
      key_id: null,
      detail: detail("auth_params", ids[4]!),
    });
    expect(JSON.stringify(pages)).not.toContain("plaintext-secret-in-d1");
    expect((await sealedSecretsOf(healthy.id)).token).toMatch(/^v2\./);
    upstream.on("GET", healthy.endpoint_url, () => json({ ok: true }));
    expect((await run(healthy.id, V1_OFF)).status).toBe(200);
    // The v1 value of the row whose auth_params do not parse stays; the array is not counted as a v1 value.
    expect(pages.at(-1)!.legacy_v1_remaining).toBe(1);

    for (const id of ids) await env.DB.prepare("DELETE FROM tools WHERE id = ?").bind(id).run();
  });
});

describe("UI draft secrets", () => {
  it("keep working with SEALED_V1_READS=false: they are always v2", async () => {
    const session = { csrfToken: `csrf-${crypto.randomUUID()}` } as Session;
    const off = { ...env, SEALED_V1_READS: "false" };
    const sealed = await sealDraftSecrets(off, session, "new", { token: "draft-token-123" });
    expect(sealed.token).toMatch(/^v2\./);
    expect(await openDraftSecrets(off, session, "new", { "draft_secret.token": sealed.token! }, {})).toEqual({
      token: "draft-token-123",
    });
    // Bound to the session and the tool, as before.
    const other = { csrfToken: "another-session" } as Session;
    expect(await openDraftSecrets(off, other, "new", { "draft_secret.token": sealed.token! }, {})).toEqual({});
    expect(await openDraftSecrets(off, session, uniqueName(), { "draft_secret.token": sealed.token! }, {})).toEqual({});
  });
});

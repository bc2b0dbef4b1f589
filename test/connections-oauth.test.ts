/**
 * OAuth2 authorization-code connections against a real authorization server
 * (oidc-provider, started by test/oauth/global-setup.ts at localhost while
 * toolgate is at 127.0.0.1): the flow through the API and the provider's
 * pages, the callback's checks and failure pages, refresh (ahead of expiry,
 * on 401, one at a time across isolates, with rotation), revocation, and
 * where tokens are and are not.
 */
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { openSecret, sealSecret } from "../src/crypto/seal";
import { connections, connectionTokens, type ConnectionRow } from "../src/db/schema";
import { connectionDestination, connectionSecretBinding } from "../src/engine/auth/binding";
import {
  connectionAccessToken,
  IsolateRefreshes,
  type AuthorizationCodeParams,
  type AuthorizationCodeSource,
} from "../src/engine/auth/authorization-code";
import { openToken, readTokenRow, storeGrantedTokens } from "../src/engine/auth/connection-tokens";
import { readOutboundSettings } from "../src/engine/outbound/settings";
import { callWorker, createApiKey, uniqueName, type Json } from "./helpers";
import {
  authorizeUrl,
  callToolgate,
  consentAtProvider,
  createApiTool,
  createAuthCodeConnection,
  executeTool,
  newBrowser,
  oauth,
  OAUTH_BINDINGS,
  pageText,
  providerLog,
  revokeAtProvider,
  TOOLGATE,
  useProviderNetwork,
  type ClientKind,
} from "./oauth-helpers";

const outbound = useProviderNetwork();

async function connectionRow(id: string): Promise<ConnectionRow> {
  const row = await drizzle(env.DB).select().from(connections).where(eq(connections.id, id)).get();
  if (!row) throw new Error(`no connection ${id}`);
  return row;
}

/** The tokens as stored, opened with the test keyring. */
async function storedTokens(connectionId: string, sealedFor?: ConnectionRow) {
  const keyring = await loadKeyring(env);
  const connection = sealedFor ?? (await connectionRow(connectionId));
  const row = await readTokenRow(env.DB, connectionId);
  if (!row?.accessToken) throw new Error("no tokens stored");
  return {
    row,
    accessToken: await openToken(keyring, connection, "access_token", row.accessToken),
    refreshToken: row.refreshToken ? await openToken(keyring, connection, "refresh_token", row.refreshToken) : null,
  };
}

/** Makes the stored access token look expired (expires_at is not sealed: it says nothing secret). */
async function expireAccessToken(connectionId: string): Promise<void> {
  await drizzle(env.DB)
    .update(connectionTokens)
    .set({ expiresAt: Date.now() - 1000 })
    .where(eq(connectionTokens.connectionId, connectionId))
    .run();
}

/** Connects `connection` through the API flow as `account`; returns the page the callback showed. */
async function connectViaApi(connectionId: string, account: string) {
  const browser = newBrowser();
  const page = await consentAtProvider(browser, await authorizeUrl(connectionId), account);
  return { browser, page };
}

async function getConnection(id: string): Promise<Json> {
  const res = await callToolgate(`/connections/${id}`);
  expect(res.status).toBe(200);
  return res.json<Json>();
}

describe("the flow through the API", () => {
  it.each<ClientKind>(["basic", "post", "public"])(
    "authorize → the provider's login and consent → callback → Connected → a tool runs with the token (%s client)",
    async (client) => {
      const account = uniqueName("acct");
      const connection = await createAuthCodeConnection(client);
      expect(connection.status).toBe("needs_authorization");
      const tool = await createApiTool(connection.id);

      const url = await authorizeUrl(connection.id);
      expect(url.origin + url.pathname).toBe(oauth.authorizationUrl);
      expect(url.searchParams.get("response_type")).toBe("code");
      expect(url.searchParams.get("redirect_uri")).toBe(`${TOOLGATE}/oauth/callback`);
      expect(url.searchParams.get("code_challenge_method")).toBe("S256");
      expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const { page } = await connectViaApi(connection.id, account);
      expect(page.url.href).toContain(`${TOOLGATE}/oauth/callback?`);
      expect(page.status).toBe(200);
      const text = pageText(page.html);
      expect(text).toContain("Connected");
      expect(text).toContain(`as ${account}@example.test`);
      expect(text).toContain("Granted scopes:");
      expect(text).toContain("api:read");

      // The code went back with the PKCE verifier, authenticated as the client is configured.
      const exchange = (await providerLog(account)).tokenRequests.find((r) => r.grantType === "authorization_code");
      expect(exchange).toMatchObject({
        status: 200,
        redirectUri: `${TOOLGATE}/oauth/callback`,
        clientAuth: client === "basic" ? "basic" : client === "post" ? "post" : "none",
      });
      expect(exchange?.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);

      expect((await getConnection(connection.id)).status).toBe("ready");
      const run = await executeTool(tool.id);
      expect(run.status, JSON.stringify(run.body)).toBe(200);
      expect(run.body.output).toMatchObject({ account, path: "/items" });
      const { accessToken } = await storedTokens(connection.id);
      expect((await providerLog(account)).apiRequests).toEqual([
        { method: "GET", path: "/items", token: accessToken, account, status: 200 },
      ]);
    },
  );

  it("connecting clears an error the connection recorded before", async () => {
    const connection = await createAuthCodeConnection();
    await drizzle(env.DB)
      .update(connections)
      .set({ lastErrorCode: "token_error", lastErrorAt: new Date(Date.now() - 60_000).toISOString() })
      .where(eq(connections.id, connection.id))
      .run();
    await connectViaApi(connection.id, uniqueName("acct"));
    const after = await getConnection(connection.id);
    expect(after.status).toBe("ready");
    expect(after.error).toBeUndefined();
  });

  it("without PUBLIC_BASE_URL, the redirect URI is the origin of the request that started the flow", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection();
    const res = await callWorker(
      { ...OAUTH_BINDINGS, PUBLIC_BASE_URL: "" },
      `/connections/${connection.id}/authorize`,
      { method: "POST" },
    );
    const body = await res.json<Json>();
    expect(body.redirect_uri).toBe("https://toolgate.test/oauth/callback");
    const url = new URL(body.authorization_url);
    expect(url.searchParams.get("redirect_uri")).toBe("https://toolgate.test/oauth/callback");
    const page = await consentAtProvider(newBrowser({ PUBLIC_BASE_URL: "" }), url, account);
    expect(page.url.origin).toBe("https://toolgate.test");
    expect(pageText(page.html)).toContain("Connected");
    // With it, the setting wins over the request's origin.
    const configured = await callToolgate(
      `/connections/${connection.id}/authorize`,
      { method: "POST" },
      { PUBLIC_BASE_URL: "https://toolgate.example.com" },
    );
    expect((await configured.json<Json>()).redirect_uri).toBe("https://toolgate.example.com/oauth/callback");
  });

  it("needs connections:write, and only authorization-code connections can be authorized", async () => {
    const connection = await createAuthCodeConnection();
    const reader = await createApiKey(["connections:read"]);
    const refused = await callToolgate(`/connections/${connection.id}/authorize`, {
      method: "POST",
      token: reader.key,
    });
    expect(refused.status).toBe(403);
    expect((await refused.json<Json>()).code).toBe("insufficient_scope");

    const bearer = await callToolgate("/connections", {
      method: "POST",
      json: {
        name: uniqueName("conn"),
        auth_config: { type: "bearer_token", token: "t0ken-value" },
        allowed_origins: [oauth.apiOrigin],
      },
    });
    const id = (await bearer.json<Json>()).id;
    const wrongType = await callToolgate(`/connections/${id}/authorize`, { method: "POST" });
    expect(wrongType.status).toBe(409);
    expect(await wrongType.json<Json>()).toMatchObject({ code: "not_authorization_code", connection_id: id });
    const missing = await callToolgate(`/connections/nope/authorize`, { method: "POST" });
    expect(missing.status).toBe(404);
  });
});

describe("the callback refuses", () => {
  it("a state used twice: the second time changes nothing", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection();
    const { browser, page } = await connectViaApi(connection.id, account);
    expect(pageText(page.html)).toContain("Connected");
    const before = await readTokenRow(env.DB, connection.id);
    const again = await browser.navigate(page.url);
    expect(again.status).toBe(400);
    expect(pageText(again.html)).toContain("This sign-in link has already been used");
    expect((await readTokenRow(env.DB, connection.id))?.tokenVersion).toBe(before?.tokenVersion);
    // The code was not sent again either: one exchange.
    expect((await providerLog(account)).tokenRequests.filter((r) => r.grantType === "authorization_code")).toHaveLength(
      1,
    );
  });

  it("an expired state (10 minutes), without exchanging the code", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection();
    const url = await authorizeUrl(connection.id);
    await env.DB.prepare("UPDATE oauth_states SET expires_at = ? WHERE connection_id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), connection.id)
      .run();
    const page = await consentAtProvider(newBrowser(), url, account);
    expect(page.status).toBe(400);
    expect(pageText(page.html)).toContain("This sign-in expired");
    expect((await providerLog(account)).tokenRequests).toEqual([]);
    expect((await getConnection(connection.id)).status).toBe("needs_authorization");
  });

  it("a state toolgate did not make, and no state at all", async () => {
    const browser = newBrowser();
    const unknown = await browser.navigate(`${TOOLGATE}/oauth/callback?state=forged&code=abc`);
    expect(unknown.status).toBe(400);
    expect(pageText(unknown.html)).toContain("already been used");
    const none = await browser.navigate(`${TOOLGATE}/oauth/callback?code=abc`);
    expect(none.status).toBe(400);
    expect(pageText(none.html)).toContain("This is not a sign-in toolgate started");
  });

  it("access_denied: says so plainly, and the connection still needs authorization", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection();
    const page = await consentAtProvider(newBrowser(), await authorizeUrl(connection.id), account, "deny");
    expect(page.status).toBe(400);
    const text = pageText(page.html);
    expect(text).toContain("Access was not granted");
    expect(text).toContain("declined to give toolgate access");
    expect(text).toContain("access_denied");
    expect((await getConnection(connection.id)).status).toBe("needs_authorization");
  });

  it("an error code RFC 6749 does not register is not repeated", async () => {
    const connection = await createAuthCodeConnection();
    const state = (await authorizeUrl(connection.id)).searchParams.get("state")!;
    const page = await newBrowser().navigate(
      `${TOOLGATE}/oauth/callback?state=${state}&error=${encodeURIComponent("<b>leak-me</b>")}&error_description=also-me`,
    );
    const text = pageText(page.html);
    expect(text).toContain("error code that the OAuth standards do not define");
    expect(page.html).not.toContain("leak-me");
    expect(page.html).not.toContain("also-me");
  });

  it("a failed exchange, with the registered error code only", async () => {
    const account = uniqueName("acct");
    // The right client, the wrong secret: the provider answers invalid_client.
    const connection = await createAuthCodeConnection("basic", { client_secret: "not-the-secret" });
    const page = await consentAtProvider(newBrowser(), await authorizeUrl(connection.id), account);
    expect(page.status).toBe(502);
    const text = pageText(page.html);
    expect(text).toContain("The provider did not issue tokens");
    expect(text).toContain('error "invalid_client"');
    expect(text).toContain("client secret");
    expect(page.html).not.toContain("not-the-secret");
    expect((await getConnection(connection.id)).status).toBe("needs_authorization");
  });

  it("a flow whose API key was revoked in between", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection();
    const key = await createApiKey(["connections:write"]);
    const url = await authorizeUrl(connection.id, { token: key.key });
    expect((await callToolgate(`/api-keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
    const page = await consentAtProvider(newBrowser(), url, account);
    expect(page.status).toBe(403);
    expect(pageText(page.html)).toContain("Not allowed any more");
    expect((await getConnection(connection.id)).status).toBe("needs_authorization");
  });
});

describe("a flow started in the UI", () => {
  /** Signs in to the UI in `browser` and presses Connect: the hand-off page. */
  async function pressConnect(browser: ReturnType<typeof newBrowser>, connectionId: string) {
    await browser.navigate(`${TOOLGATE}/ui/sign-in`, {
      method: "POST",
      form: { token: "test-admin-token-for-the-test-suite", next: "/ui" },
      from: `${TOOLGATE}/ui/sign-in`,
    });
    const home = await browser.navigate(`${TOOLGATE}/ui`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.html)?.[1];
    expect(csrf, "a CSRF token on the page").toBeTruthy();
    const handoff = await browser.navigate(`${TOOLGATE}/ui/connections/${connectionId}/connect`, {
      method: "POST",
      form: { _csrf: csrf! },
      from: `${TOOLGATE}/ui`,
    });
    expect(handoff.status).toBe(200);
    const cookie = handoff.headers.getSetCookie().find((c) => c.startsWith("__Host-toolgate_oauth_"));
    expect(cookie).toMatch(/; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const link = /<a class="button primary" href="([^"]+)"/.exec(handoff.html)?.[1]?.replaceAll("&amp;", "&");
    expect(link?.startsWith(oauth.authorizationUrl)).toBe(true);
    return { handoff, providerUrl: new URL(link!), cookieName: cookie!.split("=")[0]! };
  }

  it("comes back cross-site with its Lax flow cookie (not the Strict session) and connects", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection();
    const browser = newBrowser();
    const { providerUrl, cookieName } = await pressConnect(browser, connection.id);
    const page = await consentAtProvider(browser, providerUrl, account, "allow", `${TOOLGATE}/ui`);
    expect(pageText(page.html)).toContain("Connected");
    const callback = browser.requests.find((r) => r.url.pathname === "/oauth/callback");
    expect(callback?.cookies).toContain(cookieName);
    expect(callback?.cookies).not.toContain("__Host-toolgate_session");
    // Used once, then dropped.
    expect(browser.cookies("127.0.0.1:8787")[cookieName]).toBeUndefined();
  });

  it("without its flow cookie (another browser), or with another value, the callback refuses", async () => {
    for (const tamper of ["drop", "replace"] as const) {
      const account = uniqueName("acct");
      const connection = await createAuthCodeConnection();
      const browser = newBrowser();
      const { providerUrl, cookieName } = await pressConnect(browser, connection.id);
      if (tamper === "drop") browser.deleteCookie("127.0.0.1:8787", cookieName);
      else browser.setCookie("127.0.0.1:8787", cookieName, "A".repeat(43));
      const page = await consentAtProvider(browser, providerUrl, account);
      expect(page.status, tamper).toBe(403);
      expect(pageText(page.html)).toContain("This sign-in was started in another browser");
      expect((await providerLog(account)).tokenRequests, tamper).toEqual([]);
      expect((await getConnection(connection.id)).status).toBe("needs_authorization");
    }
  });
});

describe("refresh", () => {
  async function connected(client: ClientKind = "basic") {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection(client);
    const tool = await createApiTool(connection.id);
    const { page } = await connectViaApi(connection.id, account);
    expect(pageText(page.html)).toContain("Connected");
    return { account, connection, tool };
  }

  /** The engine's token function for the connection, with its own per-"isolate" state. */
  async function sourceFor(connectionId: string, isolate: IsolateRefreshes): Promise<AuthorizationCodeSource> {
    const connection = await connectionRow(connectionId);
    const keyring = await loadKeyring(env);
    const outboundSettings = readOutboundSettings({ ...env, ...OAUTH_BINDINGS } as never);
    if (!outboundSettings.ok) throw new Error("outbound settings");
    const clientSecret = connection.authSecrets.client_secret
      ? await openSecret(
          keyring,
          connection.authSecrets.client_secret,
          connectionSecretBinding(connection.id, "client_secret", connectionDestination(connection)),
        )
      : undefined;
    return {
      db: env.DB,
      keyring,
      connection: connection as ConnectionRow & { authParams: AuthorizationCodeParams },
      clientSecret,
      outbound: outboundSettings.settings,
      marginSeconds: 60,
      defer: () => {},
      isolate,
    };
  }

  it("20 concurrent callers in 20 isolates on an expired token make exactly 1 refresh request", async () => {
    const { account, connection } = await connected();
    const before = await storedTokens(connection.id);
    await expireAccessToken(connection.id);
    // Each caller has its own isolate state: only the D1 lease keeps them from refreshing at once.
    const sources = await Promise.all(
      Array.from({ length: 20 }, () => sourceFor(connection.id, new IsolateRefreshes())),
    );
    const results = await Promise.all(
      sources.map((source) => connectionAccessToken(source, AbortSignal.timeout(20_000))),
    );
    const tokens = new Set(results.map((r) => (r.ok ? r.accessToken : JSON.stringify(r.failure))));
    const after = await storedTokens(connection.id);
    expect([...tokens]).toEqual([after.accessToken]);
    expect(after.accessToken).not.toBe(before.accessToken);
    const refreshes = (await providerLog(account)).tokenRequests.filter((r) => r.grantType === "refresh_token");
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]).toMatchObject({ status: 200, refreshToken: before.refreshToken, refreshTokenReused: false });
    // Rotation: the new refresh token replaced the old one, and the row's lease is released.
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.row).toMatchObject({ leaseId: null, leaseUntil: null, invalidReason: null });
    expect(after.row.tokenVersion).toBe(before.row.tokenVersion + 1);
  });

  it("20 concurrent executions on an expired token make 1 refresh, and all run", async () => {
    const { account, connection, tool } = await connected();
    await expireAccessToken(connection.id);
    const runs = await Promise.all(Array.from({ length: 20 }, () => executeTool(tool.id)));
    expect(runs.map((r) => r.status)).toEqual(Array(20).fill(200));
    const log = await providerLog(account);
    expect(log.tokenRequests.filter((r) => r.grantType === "refresh_token")).toHaveLength(1);
    const { accessToken } = await storedTokens(connection.id);
    expect(new Set(log.apiRequests.map((r) => r.token))).toEqual(new Set([accessToken]));
  });

  it("rotation: each refresh sends the latest refresh token, never an old one again", async () => {
    const { account, connection, tool } = await connected("public");
    const seen: string[] = [];
    for (let round = 0; round < 3; round++) {
      seen.push((await storedTokens(connection.id)).refreshToken!);
      await expireAccessToken(connection.id);
      expect((await executeTool(tool.id)).status).toBe(200);
    }
    const refreshes = (await providerLog(account)).tokenRequests.filter((r) => r.grantType === "refresh_token");
    expect(refreshes.map((r) => r.refreshToken)).toEqual(seen);
    expect(new Set(seen).size).toBe(3);
    expect(refreshes.every((r) => r.status === 200 && !r.refreshTokenReused)).toBe(true);
  });

  it("ahead of expiry, within OAUTH_REFRESH_MARGIN_SECONDS, and not before", async () => {
    const { account, connection, tool } = await connected();
    // A token stored an hour ago that expires `inSeconds` from now (or, `fresh`, stored just now).
    const setExpiry = (inSeconds: number, fresh = false) =>
      drizzle(env.DB)
        .update(connectionTokens)
        .set({
          expiresAt: Date.now() + inSeconds * 1000,
          updatedAt: new Date(Date.now() - (fresh ? 0 : 3600_000)).toISOString(),
        })
        .where(eq(connectionTokens.connectionId, connection.id))
        .run();
    const refreshCount = async () =>
      (await providerLog(account)).tokenRequests.filter((r) => r.grantType === "refresh_token").length;
    await setExpiry(90);
    expect((await executeTool(tool.id)).status).toBe(200);
    expect(await refreshCount()).toBe(0);
    await setExpiry(30);
    expect((await executeTool(tool.id)).status).toBe(200);
    expect(await refreshCount()).toBe(1);
    // A larger margin reaches further ahead.
    await setExpiry(90);
    const res = await callToolgate(
      `/tools/${tool.id}/execute`,
      { method: "POST", json: { input: {} } },
      {
        OAUTH_REFRESH_MARGIN_SECONDS: "120",
      },
    );
    expect(res.status).toBe(200);
    expect(await refreshCount()).toBe(2);
    // At most half a token's lifetime: one that lives 30 s is not refreshed on every use.
    await setExpiry(30, true);
    expect((await executeTool(tool.id)).status).toBe(200);
    expect(await refreshCount()).toBe(2);
  });

  it("a 401 from the API makes one refresh and one retry", async () => {
    const { account, connection, tool } = await connected();
    // A stored access token the API does not know, far from expiry.
    const keyring = await loadKeyring(env);
    const row = await connectionRow(connection.id);
    await drizzle(env.DB)
      .update(connectionTokens)
      .set({
        accessToken: await sealSecret(
          keyring,
          "stale-access-token",
          connectionSecretBinding(row.id, "access_token", connectionDestination(row)),
        ),
      })
      .where(eq(connectionTokens.connectionId, connection.id))
      .run();
    const run = await executeTool(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const log = await providerLog(account);
    expect(log.tokenRequests.filter((r) => r.grantType === "refresh_token")).toHaveLength(1);
    expect(log.apiRequests.map((r) => r.status)).toEqual([200]);
    const apiCalls = outbound.calls.filter((c) => c.url.origin === oauth.apiOrigin);
    expect(apiCalls).toHaveLength(2);
  });

  it("revoked at the provider: invalid_grant → needs_authorization → executions answer 409", async () => {
    const { account, connection, tool } = await connected();
    expect((await executeTool(tool.id)).status).toBe(200);
    await revokeAtProvider(account);
    const refused = await executeTool(tool.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: "connection_not_ready",
      connection_id: connection.id,
      connection_status: "needs_authorization",
    });
    expect(refused.body.detail).toContain(`/connections/${connection.id}/authorize`);
    const refreshes = (await providerLog(account)).tokenRequests.filter((r) => r.grantType === "refresh_token");
    expect(refreshes.map((r) => r.error)).toEqual(["invalid_grant"]);
    expect(await getConnection(connection.id)).toMatchObject({ status: "needs_authorization" });
    // Nothing more goes to the provider or the API until someone connects again.
    const calls = outbound.calls.length;
    expect((await executeTool(tool.id)).status).toBe(409);
    expect(outbound.calls.length).toBe(calls);
    const log = await callToolgate(`/executions/${refused.body.execution_id}`);
    if (log.status === 200) expect((await log.json<Json>()).outcome).toBe("connection_not_ready");

    // Reconnecting makes it ready again.
    const { page } = await connectViaApi(connection.id, account);
    expect(pageText(page.html)).toContain("Connected");
    expect((await executeTool(tool.id)).status).toBe(200);
  });

  it("the connection test refreshes the token and says ok; after revocation it says not ready", async () => {
    const { account, connection } = await connected();
    const tested = await callToolgate(`/connections/${connection.id}/test`, { method: "POST" });
    const body = await tested.json<Json>();
    expect(tested.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ ok: true, status: 200 });
    expect(typeof body.latency_ms).toBe("number");
    expect((await providerLog(account)).tokenRequests.filter((r) => r.grantType === "refresh_token")).toHaveLength(1);
    await revokeAtProvider(account);
    const after = await callToolgate(`/connections/${connection.id}/test`, { method: "POST" });
    const failed = await after.json<Json>();
    expect(JSON.stringify(failed)).toContain("needs_authorization");
  });
});

describe("a changed destination", () => {
  /** Executes with a cache bound no test outlasts: a definition cached here stays until a write in this isolate drops it. */
  const CACHED = { DEFINITION_CACHE_SECONDS: "3600" };
  async function executeCached(toolId: string) {
    const res = await callToolgate(`/tools/${toolId}/execute`, { method: "POST", json: { input: {} } }, CACHED);
    return { status: res.status, body: await res.json<Json>() };
  }

  /**
   * What another isolate's PUT with a new scope leaves in D1 (the scope is part
   * of the destination): a new version, written without this isolate knowing.
   * A public client has no client_secret to seal again.
   */
  async function changeScopeElsewhere(connectionId: string): Promise<{ before: ConnectionRow; after: ConnectionRow }> {
    const before = await connectionRow(connectionId);
    const authParams = { ...before.authParams, scope: `${oauth.apiScopes} openid` } as ConnectionRow["authParams"];
    await drizzle(env.DB)
      .update(connections)
      .set({ authParams, version: before.version + 1 })
      .where(eq(connections.id, connectionId))
      .run();
    return { before, after: await connectionRow(connectionId) };
  }

  /**
   * What another isolate's callback leaves in D1: a new grant, sealed for the
   * connection as it is now (`after`). The provider's tokens are the ones it
   * issued for the grant (sealed for `before`), so its API accepts them.
   */
  async function connectAgainElsewhere(
    connectionId: string,
    { before, after }: { before: ConnectionRow; after: ConnectionRow },
  ): Promise<void> {
    const keyring = await loadKeyring(env);
    const { accessToken, refreshToken } = await storedTokens(connectionId, before);
    await storeGrantedTokens(
      env.DB,
      keyring,
      after,
      { accessToken, refreshToken, expiresAt: null, grantedScope: null, account: null },
      new Date(),
    );
  }

  it("a cached definition older than a reconnect does not mark the new grant: the call runs read fresh", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection("public");
    const tool = await createApiTool(connection.id);
    expect(pageText((await connectViaApi(connection.id, account)).page.html)).toContain("Connected");
    // This isolate caches the connection as it was connected.
    expect((await executeCached(tool.id)).status).toBe(200);
    const grant = await storedTokens(connection.id);

    // Another isolate changes the destination and someone connects again, within the cache's bound here.
    await connectAgainElsewhere(connection.id, await changeScopeElsewhere(connection.id));

    const run = await executeCached(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect((await readTokenRow(env.DB, connection.id))?.invalidReason).toBeNull();
    expect(await getConnection(connection.id)).toMatchObject({ status: "ready" });
    expect((await executeCached(tool.id)).status).toBe(200);
    // Every API call carried the one access token, which the provider issued for the grant.
    expect(new Set((await providerLog(account)).apiRequests.map((r) => r.token))).toEqual(new Set([grant.accessToken]));
  });

  it("a destination changed with nobody connecting again marks the grant: connect again", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection("public");
    const tool = await createApiTool(connection.id);
    expect(pageText((await connectViaApi(connection.id, account)).page.html)).toContain("Connected");
    await changeScopeElsewhere(connection.id);

    const calls = outbound.calls.length;
    const refused = await callToolgate(
      `/tools/${tool.id}/execute`,
      { method: "POST", json: { input: {} } },
      { DEFINITION_CACHE_SECONDS: "0" },
    );
    const body = await refused.json<Json>();
    expect(refused.status, JSON.stringify(body)).toBe(409);
    expect(body).toMatchObject({ code: "connection_not_ready", connection_status: "needs_authorization" });
    expect(outbound.calls.length).toBe(calls);
    expect((await readTokenRow(env.DB, connection.id))?.invalidReason).toBe("destination_changed");
    expect(await getConnection(connection.id)).toMatchObject({ status: "needs_authorization" });
  });
});

describe("where tokens are", () => {
  it("sealed in D1, and never in a response, page, log row or console line", async () => {
    const printed: string[] = [];
    const capture = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(capture),
    );
    const seen: string[] = [];
    const record = async (res: Response) => {
      seen.push(await res.clone().text());
      return res;
    };

    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection();
    const tool = await createApiTool(connection.id);
    const { page } = await connectViaApi(connection.id, account);
    seen.push(page.html);
    const first = await storedTokens(connection.id);
    await expireAccessToken(connection.id);
    const run = await record(await callToolgate(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } }));
    expect(run.status).toBe(200);
    const execution = (await run.clone().json<Json>()).execution_id;
    const second = await storedTokens(connection.id);
    // An API that echoes the Authorization header gets it back scrubbed.
    const echo = await createApiTool(connection.id, "/echo");
    const echoed = await record(
      await callToolgate(`/tools/${echo.id}/execute`, { method: "POST", json: { input: {} } }),
    );
    expect((await echoed.clone().json<Json>()).output).toEqual({ authorization: "Bearer [REDACTED]" });
    await record(await callToolgate(`/connections/${connection.id}`));
    await record(await callToolgate(`/connections`));
    await record(await callToolgate(`/tools/${tool.id}`));
    await record(await callToolgate(`/executions/${execution}`));
    await record(await callToolgate(`/tools/${tool.id}/executions`));
    spies.forEach((spy) => spy.mockRestore());

    const tokens = [first.accessToken, first.refreshToken!, second.accessToken, second.refreshToken!];
    expect(new Set(tokens).size).toBe(4);
    const tables = ["connection_tokens", "connections", "oauth_states", "executions", "tools"];
    const dump = (
      await Promise.all(
        tables.map(async (t) => JSON.stringify((await env.DB.prepare(`SELECT * FROM ${t}`).all()).results)),
      )
    ).join("\n");
    const stored = await readTokenRow(env.DB, connection.id);
    expect(stored?.accessToken).toMatch(/^v2\./);
    expect(stored?.refreshToken).toMatch(/^v2\./);
    for (const token of tokens) {
      expect(dump.includes(token), "a token in D1 in clear").toBe(false);
      for (const text of seen) expect(text.includes(token), "a token in a response or page").toBe(false);
      for (const line of printed) expect(line.includes(token), "a token in a console line").toBe(false);
    }
  });
});

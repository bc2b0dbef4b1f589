/**
 * Authentication end to end through the Worker: the wire format of every auth
 * type, the OAuth2 client credentials grant and its token cache (expiry, 401
 * refresh, single flight, sharing, invalidation on delete), token endpoint
 * failures, and redaction of every credential from responses and logs.
 *
 * The token cache lives in isolate memory and KV and outlives a test, so each
 * test uses its own token URL and tools.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { TokenCache } from "../src/engine/auth/token-cache";
import { api, createTool, execute, json, uniqueName, useUpstream, waitForLog, type RecordedRequest } from "./helpers";

const upstream = useUpstream();

/** A token URL no other test uses, so no cached token can leak in. */
function freshTokenUrl(): string {
  return `https://auth.example.com/${crypto.randomUUID()}/oauth/token`;
}

/** An API endpoint no other test uses. */
function freshEndpoint(): string {
  return `https://api.example.com/${crypto.randomUUID()}/items`;
}

interface OAuth2Config {
  token_url: string;
  client_id: string;
  client_secret: string;
  scope?: string;
  audience?: string;
  client_auth_method?: "client_secret_basic" | "client_secret_post";
}

function oauth2Config(overrides: Partial<OAuth2Config> = {}): OAuth2Config {
  return {
    token_url: freshTokenUrl(),
    client_id: uniqueName("client"),
    client_secret: `secret-${crypto.randomUUID()}`,
    ...overrides,
  };
}

async function createOAuth2Tool(
  endpoint: string,
  config: OAuth2Config,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  return createTool({
    name: uniqueName("oauth"),
    endpoint_url: endpoint,
    auth_config: { type: "oauth2", grant_type: "client_credentials", ...config },
    ...overrides,
  });
}

/**
 * A token endpoint that issues `prefix-1`, `prefix-2`, … in turn. `expires_in`
 * is left out of the response when it is null.
 */
function issueTokens(
  tokenUrl: string,
  prefix: string,
  options: { expiresIn?: number | null; delayMs?: number } = {},
): { issued: string[] } {
  const issued: string[] = [];
  upstream.on("POST", tokenUrl, async () => {
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const token = `${prefix}-${issued.length + 1}`;
    issued.push(token);
    const expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
    return json({
      access_token: token,
      token_type: "Bearer",
      ...(expiresIn === null ? {} : { expires_in: expiresIn }),
    });
  });
  return { issued };
}

/** Answers the API with the Authorization header it received. */
function echoAuthorization(endpoint: string, method = "GET"): void {
  upstream.on(method, endpoint, (req) => json({ seen: req.headers.get("authorization") }));
}

/** Answers the API with everything it received, as some real APIs do. */
function echoRequest(req: RecordedRequest, init: ResponseInit = {}): Response {
  return json({ url: req.url.href, headers: Object.fromEntries(req.headers), body: req.body }, init);
}

/**
 * The KV entry of a client's cached token. Its key is an HMAC under the
 * current encryption key, computed here with the Worker's own TokenCache.
 */
async function kvTokenEntry(config: OAuth2Config): Promise<string | null> {
  const keyring = await loadKeyring(env);
  const id = await new TokenCache(env.TOKEN_CACHE, keyring, () => {}).cacheKey({
    tokenUrl: config.token_url,
    clientId: config.client_id,
    clientSecret: config.client_secret,
    scope: config.scope,
    audience: config.audience,
    clientAuthMethod: config.client_auth_method ?? "client_secret_basic",
  });
  return env.TOKEN_CACHE.get(`oauth2-token:v1:${id}`);
}

/** The KV write happens after the response (waitUntil): wait for it. */
async function waitForKvToken(config: OAuth2Config): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await kvTokenEntry(config)) !== null) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the token was never written to KV");
}

describe("wire format of each auth type", () => {
  it("bearer_token sends Authorization: Bearer <token>", async () => {
    const endpoint = freshEndpoint();
    const tool = await createTool({
      endpoint_url: endpoint,
      auth_config: { type: "bearer_token", token: "bt-4c1d.e9f0_Z" },
    });
    expect(tool.auth_config).toEqual({ type: "bearer_token", secrets_set: ["token"] });
    upstream.on("GET", endpoint, () => json({ ok: true }));

    const { status } = await execute(tool.id);

    expect(status).toBe(200);
    expect(upstream.calls).toHaveLength(1);
    const [call] = upstream.calls;
    expect(call?.headers.get("authorization")).toBe("Bearer bt-4c1d.e9f0_Z");
    expect(call?.url.href).toBe(endpoint);
  });

  it("api_key in a header sends that header name and value, and no Authorization", async () => {
    const endpoint = freshEndpoint();
    const tool = await createTool({
      endpoint_url: endpoint,
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: "ak-77e1/9+Q==" },
    });
    upstream.on("GET", endpoint, () => json({ ok: true }));

    const { status } = await execute(tool.id);

    expect(status).toBe(200);
    const [call] = upstream.calls;
    expect(call?.headers.get("x-api-key")).toBe("ak-77e1/9+Q==");
    expect(call?.headers.get("authorization")).toBeNull();
    expect(call?.url.href).toBe(endpoint);
  });

  it("api_key in the query appends the parameter and keeps the existing ones", async () => {
    const endpoint = freshEndpoint();
    const tool = await createTool({
      endpoint_url: `${endpoint}?units=metric&lang=en`,
      auth_config: { type: "api_key", key_name: "api_key", location: "query", value: "qk-51a0-9d" },
      input_schema: { type: "object", properties: { q: { type: "string" } } },
    });
    upstream.on("GET", endpoint, () => json({ ok: true }));

    const { status } = await execute(tool.id, { q: "Paris" });

    expect(status).toBe(200);
    const [call] = upstream.calls;
    expect(call?.url.search).toBe("?units=metric&lang=en&q=Paris&api_key=qk-51a0-9d");
    expect(call?.headers.get("authorization")).toBeNull();
    expect(call?.headers.get("api_key")).toBeNull();
  });

  it("api_key in the query is form-encoded, so reserved characters arrive intact", async () => {
    const endpoint = freshEndpoint();
    const tool = await createTool({
      endpoint_url: `${endpoint}?v=2`,
      auth_config: { type: "api_key", key_name: "key", location: "query", value: "a+b/c=d&e f" },
    });
    upstream.on("GET", endpoint, () => json({ ok: true }));

    const { status } = await execute(tool.id);

    expect(status).toBe(200);
    const [call] = upstream.calls;
    expect(call?.url.search).toBe("?v=2&key=a%2Bb%2Fc%3Dd%26e+f");
    expect([...call!.url.searchParams]).toEqual([
      ["v", "2"],
      ["key", "a+b/c=d&e f"],
    ]);
  });

  it("none sends no Authorization header and no credentials", async () => {
    const endpoint = freshEndpoint();
    const tool = await createTool({ endpoint_url: endpoint, auth_config: { type: "none" } });
    upstream.on("GET", endpoint, () => json({ ok: true }));

    const { status } = await execute(tool.id);

    expect(status).toBe(200);
    const [call] = upstream.calls;
    expect(call?.headers.get("authorization")).toBeNull();
    expect(call?.url.href).toBe(endpoint);
    expect([...call!.headers.keys()].sort()).toEqual(["accept"]);
  });
});

describe("OAuth2 token request", () => {
  it("client_secret_basic (the default) form-encodes id and secret before base64 (RFC 6749 2.3.1)", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config({
      client_id: "my client+id&x",
      client_secret: "s3cr:t %+& pass",
      scope: "read write",
      audience: "https://api.example.com/",
    });
    const tool = await createOAuth2Tool(endpoint, config);
    expect(tool.auth_config).toMatchObject({ type: "oauth2", client_auth_method: "client_secret_basic" });
    issueTokens(config.token_url, "at-basic");
    echoAuthorization(endpoint);

    const { status, body } = await execute(tool.id);

    expect(status).toBe(200);
    expect(body.output).toEqual({ seen: "Bearer [REDACTED]" });
    const [tokenCall, apiCall] = upstream.calls;
    expect(tokenCall?.method).toBe("POST");
    expect(tokenCall?.url.href).toBe(config.token_url);
    // Written out by hand: space → "+", "+" → "%2B", "&" → "%26", ":" → "%3A", "%" → "%25".
    expect(tokenCall?.headers.get("authorization")).toBe(`Basic ${btoa("my+client%2Bid%26x:s3cr%3At+%25%2B%26+pass")}`);
    expect(tokenCall?.headers.get("authorization")).toBe(
      "Basic bXkrY2xpZW50JTJCaWQlMjZ4OnMzY3IlM0F0KyUyNSUyQiUyNitwYXNz",
    );
    expect(tokenCall?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(tokenCall?.body).toBe(
      "grant_type=client_credentials&scope=read+write&audience=https%3A%2F%2Fapi.example.com%2F",
    );
    const form = new URLSearchParams(tokenCall!.body);
    expect(form.has("client_id")).toBe(false);
    expect(form.has("client_secret")).toBe(false);
    expect(apiCall?.headers.get("authorization")).toBe("Bearer at-basic-1");
  });

  it("client_secret_basic without scope or audience sends only grant_type", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config({ client_id: "plain-id", client_secret: "plain-secret" });
    const tool = await createOAuth2Tool(endpoint, config);
    issueTokens(config.token_url, "at-plain");
    echoAuthorization(endpoint);

    const { status } = await execute(tool.id);

    expect(status).toBe(200);
    const [tokenCall] = upstream.callsTo(config.token_url);
    expect(tokenCall?.body).toBe("grant_type=client_credentials");
    expect(tokenCall?.headers.get("authorization")).toBe(`Basic ${btoa("plain-id:plain-secret")}`);
  });

  it("client_secret_post sends the credentials form-encoded in the body and no Authorization", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config({
      client_id: "my client+id&x",
      client_secret: "s3cr:t %+& pass",
      scope: "contacts.read",
      client_auth_method: "client_secret_post",
    });
    const tool = await createOAuth2Tool(endpoint, config);
    expect(tool.auth_config).toMatchObject({ client_auth_method: "client_secret_post" });
    issueTokens(config.token_url, "at-post");
    echoAuthorization(endpoint);

    const { status } = await execute(tool.id);

    expect(status).toBe(200);
    const [tokenCall, apiCall] = upstream.calls;
    expect(tokenCall?.url.href).toBe(config.token_url);
    expect(tokenCall?.headers.get("authorization")).toBeNull();
    expect(tokenCall?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(tokenCall!.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "client_credentials",
      scope: "contacts.read",
      client_id: "my client+id&x",
      client_secret: "s3cr:t %+& pass",
    });
    // Form encoding on the wire, not raw or percent-encoded with %20.
    expect(tokenCall?.body).toContain("client_id=my+client%2Bid%26x");
    expect(tokenCall?.body).toContain("client_secret=s3cr%3At+%25%2B%26+pass");
    expect(apiCall?.headers.get("authorization")).toBe("Bearer at-post-1");
  });
});

describe("OAuth2 token cache", () => {
  it("reuses a cached token: the second execute makes no token request", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    issueTokens(config.token_url, "at-cache");
    echoAuthorization(endpoint);

    const first = await execute(tool.id);
    const second = await execute(tool.id);

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    expect(upstream.callsTo(endpoint).map((c) => c.headers.get("authorization"))).toEqual([
      "Bearer at-cache-1",
      "Bearer at-cache-1",
    ]);
  });

  it("fetches a new token once the cached one is within its margin of expiry (a tenth of a short lifetime)", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    // 45 s lifetime − 4.5 s margin: usable for 40 s (memory only: KV refuses TTLs under 60 s).
    issueTokens(config.token_url, "at-short", { expiresIn: 45 });
    echoAuthorization(endpoint);

    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(start);
      expect((await execute(tool.id)).status).toBe(200);
      vi.setSystemTime(start + 39_000);
      expect((await execute(tool.id)).status).toBe(200);
      expect(upstream.callsTo(config.token_url)).toHaveLength(1);

      vi.setSystemTime(start + 41_000);
      expect((await execute(tool.id)).status).toBe(200);
      expect(upstream.callsTo(config.token_url)).toHaveLength(2);

      vi.setSystemTime(start + 42_000);
      expect((await execute(tool.id)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }

    expect(upstream.callsTo(config.token_url)).toHaveLength(2);
    expect(upstream.callsTo(endpoint).map((c) => c.headers.get("authorization"))).toEqual([
      "Bearer at-short-1",
      "Bearer at-short-1",
      "Bearer at-short-2",
      "Bearer at-short-2",
    ]);
  });

  it("caches a token that lives under 30 s too, in memory", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    issueTokens(config.token_url, "at-brief", { expiresIn: 20 });
    echoAuthorization(endpoint);

    expect((await execute(tool.id)).status).toBe(200);
    expect((await execute(tool.id)).status).toBe(200);

    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
  });

  it("never sends a token the upstream refused again, even when fetching its replacement failed", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    let tokenRequests = 0;
    upstream.on("POST", config.token_url, () => {
      tokenRequests++;
      if (tokenRequests === 2) return json({ error: "temporarily_unavailable" }, { status: 503 });
      return json({ access_token: `at-refused-${tokenRequests}`, token_type: "Bearer", expires_in: 3600 });
    });
    let revoked = false;
    upstream.on("GET", endpoint, (req) =>
      revoked && req.headers.get("authorization") === "Bearer at-refused-1"
        ? json({ error: "invalid_token" }, { status: 401 })
        : json({ seen: req.headers.get("authorization") }),
    );

    expect((await execute(tool.id)).status).toBe(200);
    revoked = true;
    const second = await execute(tool.id);
    expect(second.status).toBe(502);
    expect(second.body.code).toBe("token_error");
    const third = await execute(tool.id);
    expect(third.status).toBe(200);

    expect(upstream.callsTo(endpoint).map((c) => c.headers.get("authorization"))).toEqual([
      "Bearer at-refused-1",
      "Bearer at-refused-1",
      "Bearer at-refused-3",
    ]);
  });

  it("without expires_in assumes 300 s, and an expired token stored in KV is not used", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    issueTokens(config.token_url, "at-default", { expiresIn: null });
    echoAuthorization(endpoint);

    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(start);
      expect((await execute(tool.id)).status).toBe(200);
      // 300 − 30 = 270 s: long enough to be written to KV as well.
      await waitForKvToken(config);

      vi.setSystemTime(start + 269_000);
      expect((await execute(tool.id)).status).toBe(200);
      expect(upstream.callsTo(config.token_url)).toHaveLength(1);

      // Expired in memory; the KV copy (whose own TTL runs on real time) must not be used either.
      vi.setSystemTime(start + 271_000);
      expect((await execute(tool.id)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }

    expect(upstream.callsTo(config.token_url)).toHaveLength(2);
    expect(upstream.callsTo(endpoint).map((c) => c.headers.get("authorization"))).toEqual([
      "Bearer at-default-1",
      "Bearer at-default-1",
      "Bearer at-default-2",
    ]);
  });

  it("a 401 with a cached token fetches one new token and retries once, with the same request", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config, {
      method: "POST",
      input_schema: { type: "object", properties: { n: { type: "integer" } } },
    });
    issueTokens(config.token_url, "at-401");
    let revoked = false;
    upstream.on("POST", endpoint, (req) => {
      const auth = req.headers.get("authorization");
      if (revoked && auth === "Bearer at-401-1") return json({ error: "token revoked" }, { status: 401 });
      return json({ served_with: auth?.slice(-1), body: JSON.parse(req.body) });
    });

    expect((await execute(tool.id, { n: 1 })).status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    revoked = true;
    upstream.calls.length = 0;

    const { status, body } = await execute(tool.id, { n: 2 });

    expect(status).toBe(200);
    expect(body.status_code).toBe(200);
    expect(body.output).toEqual({ served_with: "2", body: { n: 2 } });
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    const apiCalls = upstream.callsTo(endpoint);
    expect(apiCalls.map((c) => c.headers.get("authorization"))).toEqual(["Bearer at-401-1", "Bearer at-401-2"]);
    expect(apiCalls[1]?.body).toBe(apiCalls[0]?.body);
    expect(apiCalls[1]?.body).toBe('{"n":2}');
    expect(apiCalls[1]?.headers.get("content-type")).toBe("application/json");
    expect(upstream.calls.map((c) => c.url.href)).toEqual([endpoint, config.token_url, endpoint]);

    // The new token replaced the refused one in the cache.
    upstream.calls.length = 0;
    expect((await execute(tool.id, { n: 3 })).body.output).toEqual({ served_with: "2", body: { n: 3 } });
    expect(upstream.callsTo(config.token_url)).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "success", upstream_status: 200 });
  });

  it("a 401 on the retry too is a 502 upstream_error with upstream_status 401, and no third call", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    issueTokens(config.token_url, "at-deny");
    let deny = false;
    upstream.on("GET", endpoint, () => (deny ? json({ error: "forbidden client" }, { status: 401 }) : json({})));

    expect((await execute(tool.id)).status).toBe(200);
    deny = true;
    upstream.calls.length = 0;

    const { status, body, res } = await execute(tool.id);

    expect(status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(body).toMatchObject({
      status: 502,
      code: "upstream_error",
      upstream_status: 401,
      upstream_body: { error: "forbidden client" },
    });
    expect(upstream.callsTo(endpoint).map((c) => c.headers.get("authorization"))).toEqual([
      "Bearer at-deny-1",
      "Bearer at-deny-2",
    ]);
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    expect(upstream.calls).toHaveLength(3);
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "upstream_error", upstream_status: 401 });
  });

  it("a 401 with a token fetched for this very call is not retried", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    issueTokens(config.token_url, "at-fresh");
    upstream.on("GET", endpoint, () => json({ error: "nope" }, { status: 401 }));

    const { status, body } = await execute(tool.id);

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "upstream_error", upstream_status: 401 });
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    expect(upstream.callsTo(endpoint)).toHaveLength(1);
  });

  it("concurrent cold executes share one token request (single flight)", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    const { issued } = issueTokens(config.token_url, "at-flight", { delayMs: 50 });
    echoAuthorization(endpoint);

    const results = await Promise.all(Array.from({ length: 5 }, () => execute(tool.id)));

    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(issued).toEqual(["at-flight-1"]);
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    const apiCalls = upstream.callsTo(endpoint);
    expect(apiCalls).toHaveLength(5);
    for (const call of apiCalls) expect(call.headers.get("authorization")).toBe("Bearer at-flight-1");
  });

  it("tools with the same client share a token; another secret or scope gets its own", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config({ scope: "items.read", audience: "https://api.example.com" });
    const first = await createOAuth2Tool(endpoint, config);
    const sameClient = await createOAuth2Tool(endpoint, { ...config });
    const otherSecret = await createOAuth2Tool(endpoint, { ...config, client_secret: `${config.client_secret}-v2` });
    const otherScope = await createOAuth2Tool(endpoint, { ...config, scope: "items.write" });
    issueTokens(config.token_url, "at-shared");
    echoAuthorization(endpoint);

    expect((await execute(first.id)).body.output).toEqual({ seen: "Bearer [REDACTED]" });
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);

    expect((await execute(sameClient.id)).status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);

    // How the client authenticates to the token endpoint does not change which token it gets.
    const postAuth = await createOAuth2Tool(endpoint, { ...config, client_auth_method: "client_secret_post" });
    expect((await execute(postAuth.id)).status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);

    expect((await execute(otherSecret.id)).status).toBe(200);
    const tokenCalls = upstream.callsTo(config.token_url);
    expect(tokenCalls).toHaveLength(2);
    expect(tokenCalls[1]?.headers.get("authorization")).toBe(
      `Basic ${btoa(`${config.client_id}:${config.client_secret}-v2`)}`,
    );

    expect((await execute(otherScope.id)).status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(3);
    expect(upstream.callsTo(config.token_url)[2]?.body).toBe(
      "grant_type=client_credentials&scope=items.write&audience=https%3A%2F%2Fapi.example.com",
    );

    expect(upstream.callsTo(endpoint).map((c) => c.headers.get("authorization"))).toEqual([
      "Bearer at-shared-1",
      "Bearer at-shared-1",
      "Bearer at-shared-1",
      "Bearer at-shared-2",
      "Bearer at-shared-3",
    ]);
  });

  it("DELETE of an oauth2 tool drops its cached token, in memory and in KV", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const toolA = await createOAuth2Tool(endpoint, config);
    const toolB = await createOAuth2Tool(endpoint, { ...config });
    issueTokens(config.token_url, "at-del");
    echoAuthorization(endpoint);

    expect((await execute(toolA.id)).status).toBe(200);
    expect((await execute(toolB.id)).status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    await waitForKvToken(config);

    const deleted = await api(`/tools/${toolA.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect(await kvTokenEntry(config)).toBeNull();

    expect((await execute(toolB.id)).status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(2);
    expect(upstream.callsTo(endpoint).map((c) => c.headers.get("authorization"))).toEqual([
      "Bearer at-del-1",
      "Bearer at-del-1",
      "Bearer at-del-2",
    ]);
  });
});

describe("OAuth2 token endpoint failures", () => {
  it("an OAuth error is a 502 token_error that never repeats the client secret", async () => {
    const endpoint = freshEndpoint();
    const secret = `cs-${crypto.randomUUID()}`;
    const config = oauth2Config({ client_secret: secret });
    const tool = await createOAuth2Tool(endpoint, config);
    upstream.on("POST", config.token_url, () =>
      json({ error: "invalid_client", error_description: `bad secret ${secret}` }, { status: 401 }),
    );

    const res = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    const text = await res.text();

    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      status: 502,
      code: "token_error",
      oauth_error: "invalid_client",
      token_status: 401,
      tool_id: tool.id,
    });
    expect(text).not.toContain(secret);
    expect(text).not.toContain(btoa(`${config.client_id}:${secret}`));
    expect(upstream.callsTo(endpoint)).toHaveLength(0);

    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("auth_error");
    expect(log.upstream_status).toBeNull();
    expect(JSON.stringify(log)).not.toContain(secret);
    expect(JSON.stringify(log)).not.toContain(btoa(`${config.client_id}:${secret}`));
  });

  it("an unreachable token endpoint is a 502 token_endpoint_unreachable", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    upstream.on("POST", config.token_url, () => {
      throw new TypeError("Network connection lost.");
    });

    const { status, body, res } = await execute(tool.id);

    expect(status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(body).toMatchObject({ status: 502, code: "token_endpoint_unreachable", tool_id: tool.id });
    expect(upstream.callsTo(config.token_url)).toHaveLength(1);
    expect(upstream.callsTo(endpoint)).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("auth_error");
  });

  it("a failed token request is not cached: the next execute asks again", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    let attempts = 0;
    upstream.on("POST", config.token_url, () => {
      attempts++;
      if (attempts === 1) return json({ error: "temporarily_unavailable" }, { status: 503 });
      return json({ access_token: "at-recovered", token_type: "Bearer", expires_in: 3600 });
    });
    echoAuthorization(endpoint);

    const failed = await execute(tool.id);
    expect(failed.status).toBe(502);
    // Not a token endpoint code in RFC 6749 section 5.2, so not repeated (test/oauth-errors.test.ts).
    expect(failed.body).toMatchObject({ code: "token_error", token_status: 503, oauth_error: "unrecognized" });

    const recovered = await execute(tool.id);
    expect(recovered.status).toBe(200);
    expect(upstream.callsTo(config.token_url)).toHaveLength(2);
    expect(upstream.callsTo(endpoint)[0]?.headers.get("authorization")).toBe("Bearer at-recovered");
  });
  it("a token endpoint that never answers within the tool's timeout is a 504 upstream_timeout", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config, { timeout: 1 });
    upstream.on("POST", config.token_url, () => new Promise<Response>(() => {}));

    const { status, body } = await execute(tool.id);

    expect(status).toBe(504);
    expect(body).toMatchObject({
      code: "upstream_timeout",
      detail: "The OAuth2 token endpoint did not answer within the tool's timeout of 1 s.",
    });
    expect(upstream.callsTo(endpoint)).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("timeout");
  });

  it("a token response without access_token or with a non-Bearer token_type is a token_error", async () => {
    const endpoint = freshEndpoint();
    const missing = oauth2Config();
    const mac = oauth2Config();
    const missingTool = await createOAuth2Tool(endpoint, missing);
    const macTool = await createOAuth2Tool(endpoint, mac);
    upstream.on("POST", missing.token_url, () => json({ token_type: "Bearer", expires_in: 3600 }));
    upstream.on("POST", mac.token_url, () => json({ access_token: "mac-1", token_type: "mac", expires_in: 3600 }));

    const a = await execute(missingTool.id);
    const b = await execute(macTool.id);

    expect(a.status).toBe(502);
    expect(a.body).toMatchObject({ code: "token_error", token_status: 200, oauth_error: null });
    expect(a.body.detail).toContain("no access_token");
    expect(b.status).toBe(502);
    expect(b.body).toMatchObject({ code: "token_error", token_status: 200, oauth_error: null });
    expect(b.body.detail).toContain("only Bearer tokens are supported");
    expect(upstream.callsTo(endpoint)).toHaveLength(0);
  });

  it("an access_token that cannot go in a header (CR, LF, NUL) is a token_error, not a crash", async () => {
    for (const accessToken of ["at-line\r\nX-Injected: 1", "at-nul\u0000", "at-lf\nrest"]) {
      const endpoint = freshEndpoint();
      const config = oauth2Config();
      const tool = await createOAuth2Tool(endpoint, config);
      upstream.on("POST", config.token_url, () => json({ access_token: accessToken, token_type: "Bearer" }));

      const { status, body } = await execute(tool.id);

      expect(status, JSON.stringify(body)).toBe(502);
      expect(body).toMatchObject({ code: "token_error", token_status: 200, oauth_error: null });
      expect(body.detail).toContain("cannot be sent in a header");
      expect(upstream.callsTo(endpoint)).toHaveLength(0);
      expect((await waitForLog(body.execution_id)).outcome).toBe("auth_error");
    }
  });

  it("a shared token request that times out for one tool does not fail another tool with a longer timeout", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const hasty = await createOAuth2Tool(endpoint, config, { timeout: 1 });
    const patient = await createOAuth2Tool(endpoint, { ...config }, { timeout: 30 });
    // Slower than the hasty tool's timeout, well within the patient one's.
    issueTokens(config.token_url, "at-slow", { delayMs: 1500 });
    echoAuthorization(endpoint);

    const hastyRun = execute(hasty.id);
    // Let the hasty execution start the (shared) token request first.
    await new Promise((r) => setTimeout(r, 200));
    const patientRun = execute(patient.id);
    const [hastyResult, patientResult] = await Promise.all([hastyRun, patientRun]);

    expect(hastyResult.status).toBe(504);
    expect(hastyResult.body.code).toBe("upstream_timeout");
    expect(upstream.callsTo(config.token_url).length).toBeGreaterThanOrEqual(1);
    expect(patientResult.status, JSON.stringify(patientResult.body)).toBe(200);
    expect(patientResult.body.output).toEqual({ seen: "Bearer [REDACTED]" });
  });
});

describe("redaction of credentials", () => {
  it("a bearer token echoed back by the upstream is redacted from the output and the log", async () => {
    const endpoint = freshEndpoint();
    const token = `bt-${crypto.randomUUID()}`;
    const tool = await createTool({ endpoint_url: endpoint, auth_config: { type: "bearer_token", token } });
    upstream.on("GET", endpoint, (req) => echoRequest(req));

    const res = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(upstream.calls[0]?.headers.get("authorization")).toBe(`Bearer ${token}`);
    expect(JSON.parse(text).output.headers.authorization).toBe("Bearer [REDACTED]");
    expect(text).not.toContain(token);
    const log = await waitForLog(JSON.parse(text).execution_id);
    expect(log.output.headers.authorization).toBe("Bearer [REDACTED]");
    expect(JSON.stringify(log)).not.toContain(token);
  });

  it("an api key echoed back in headers or in the URL is redacted, also from an error body", async () => {
    const headerKey = `hk-${crypto.randomUUID()}`;
    const queryKey = `qk+/=${crypto.randomUUID()}`;
    const headerEndpoint = freshEndpoint();
    const queryEndpoint = freshEndpoint();
    const headerTool = await createTool({
      endpoint_url: headerEndpoint,
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: headerKey },
    });
    const queryTool = await createTool({
      endpoint_url: queryEndpoint,
      auth_config: { type: "api_key", key_name: "key", location: "query", value: queryKey },
    });
    upstream.on("GET", headerEndpoint, (req) => echoRequest(req));
    upstream.on("GET", queryEndpoint, (req) => echoRequest(req, { status: 403 }));

    const headerRes = await api(`/tools/${headerTool.id}/execute`, { method: "POST", json: { input: {} } });
    const headerText = await headerRes.text();
    expect(headerRes.status).toBe(200);
    expect(JSON.parse(headerText).output.headers["x-api-key"]).toBe("[REDACTED]");
    expect(headerText).not.toContain(headerKey);

    const queryRes = await api(`/tools/${queryTool.id}/execute`, { method: "POST", json: { input: {} } });
    const queryText = await queryRes.text();
    const queryBody = JSON.parse(queryText);
    expect(queryRes.status).toBe(502);
    expect(queryBody).toMatchObject({ code: "upstream_error", upstream_status: 403 });
    expect(upstream.callsTo(queryEndpoint)[0]?.url.searchParams.get("key")).toBe(queryKey);
    expect(queryBody.upstream_body.url).toBe(`${queryEndpoint}?key=[REDACTED]`);
    expect(queryText).not.toContain(queryKey);
    expect(queryText).not.toContain(encodeURIComponent(queryKey));
    expect(queryText).not.toContain(new URLSearchParams({ key: queryKey }).toString().slice(4));

    const headerLog = await waitForLog(JSON.parse(headerText).execution_id);
    const queryLog = await waitForLog(queryBody.execution_id);
    expect(JSON.stringify(headerLog)).not.toContain(headerKey);
    expect(queryLog.url).toBe(queryEndpoint);
    expect(queryLog.output.url).toBe(`${queryEndpoint}?key=[REDACTED]`);
    expect(JSON.stringify(queryLog)).not.toContain(new URLSearchParams({ key: queryKey }).toString().slice(4));
    expect(JSON.stringify(queryLog)).not.toContain(queryKey);
  });

  it("an OAuth2 access token and client credentials echoed back are redacted from the output and the log", async () => {
    const endpoint = freshEndpoint();
    const config = oauth2Config();
    const tool = await createOAuth2Tool(endpoint, config);
    const accessToken = `at-${crypto.randomUUID()}`;
    upstream.on("POST", config.token_url, () =>
      json({ access_token: accessToken, token_type: "bearer", expires_in: 3600 }),
    );
    // A careless upstream that also leaks the client credentials it knows about.
    upstream.on("GET", endpoint, (req) =>
      json({
        headers: Object.fromEntries(req.headers),
        client: { id: config.client_id, secret: config.client_secret },
        basic: `Basic ${btoa(`${config.client_id}:${config.client_secret}`)}`,
      }),
    );

    const res = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(upstream.callsTo(endpoint)[0]?.headers.get("authorization")).toBe(`Bearer ${accessToken}`);
    const body = JSON.parse(text);
    expect(body.output.headers.authorization).toBe("Bearer [REDACTED]");
    expect(body.output.client.secret).toBe("[REDACTED]");
    expect(body.output.basic).toBe("Basic [REDACTED]");
    for (const secret of [accessToken, config.client_secret]) expect(text).not.toContain(secret);
    const log = await waitForLog(body.execution_id);
    expect(log.output.headers.authorization).toBe("Bearer [REDACTED]");
    for (const secret of [accessToken, config.client_secret]) expect(JSON.stringify(log)).not.toContain(secret);
  });
});

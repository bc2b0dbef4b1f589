/**
 * `POST /connections/{id}/test`: the answer ({ ok, status, latency_ms, error? })
 * for each way a test can go, what it does to the connection's status, that no
 * secret or response body ever comes back, and that the credential goes only
 * to an allowed origin.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, json, uniqueName, useUpstream, type Json } from "./helpers";
import { API_ORIGIN, connectionRow, createConnection, getConnection } from "./connection-helpers";

const upstream = useUpstream();

const ME = `${API_ORIGIN}/v1/me`;
const TOKEN_URL = "https://auth.example.com/oauth/token";
const TOKEN = "conn-test-bearer-token-7f3a9c";
const CLIENT_SECRET = "conn-test-client-secret-5d1e";

async function testConnection(id: string): Promise<{ status: number; body: Json; text: string }> {
  const res = await api(`/connections/${id}/test`, { method: "POST" });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Json, text };
}

/** A bearer connection whose test_request is GET ME. */
function bearerWithTest(): Promise<Json> {
  return createConnection({
    auth_config: { type: "bearer_token", token: TOKEN },
    test_request: { method: "GET", url: ME },
  });
}

function clientCredentials(overrides: Json = {}): Promise<Json> {
  return createConnection({
    auth_config: {
      type: "oauth2",
      grant_type: "client_credentials",
      token_url: TOKEN_URL,
      client_id: uniqueName("client"),
      client_secret: CLIENT_SECRET,
    },
    ...overrides,
  });
}

describe("POST /connections/{id}/test with a test_request", () => {
  it("sends the credential to the test request and answers ok, the status and the latency, nothing else", async () => {
    upstream.on("GET", ME, () => json({ user: "alice", echoed: TOKEN }));
    const connection = await bearerWithTest();
    const run = await testConnection(connection.id);
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ ok: true, status: 200, latency_ms: expect.any(Number) });
    expect(run.body.latency_ms).toBeGreaterThanOrEqual(0);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    // The body echoed the token: it is not part of the answer.
    expect(run.text).not.toContain(TOKEN);
    expect(run.text).not.toContain("alice");
  });

  it("on a 401 answers ok:false with plain words, and sets the connection's status to error until a test succeeds", async () => {
    let answer = 401;
    upstream.on("GET", ME, () => json({ error: `bad token ${TOKEN}` }, { status: answer }));
    const connection = await bearerWithTest();
    const failed = await testConnection(connection.id);
    expect(failed.status).toBe(200);
    expect(failed.body).toEqual({
      ok: false,
      status: 401,
      latency_ms: expect.any(Number),
      error: {
        code: "unauthorized",
        message: "The API answered 401 Unauthorized: the credential is wrong, expired or revoked.",
      },
    });
    expect(failed.text).not.toContain(TOKEN);
    // Written before the answer: the next read shows it at once.
    const shown = await getConnection(connection.id);
    expect(shown.status).toBe("error");
    expect(shown.error).toMatchObject({ code: "unauthorized", at: expect.any(String) });
    expect(JSON.stringify(shown)).not.toContain(TOKEN);

    answer = 200;
    expect((await testConnection(connection.id)).body).toMatchObject({ ok: true, status: 200 });
    const healed = await getConnection(connection.id);
    expect(healed.status).toBe("ready");
    expect(healed).not.toHaveProperty("error");
    expect((await connectionRow(connection.id)).last_error_code).toBeNull();
  });

  it("on a 403 sets status error with code forbidden", async () => {
    upstream.on("GET", ME, () => json({}, { status: 403 }));
    const connection = await bearerWithTest();
    const run = await testConnection(connection.id);
    expect(run.body).toMatchObject({ ok: false, status: 403, error: { code: "forbidden" } });
    expect((await getConnection(connection.id)).error.code).toBe("forbidden");
  });

  it("on a 500 answers ok:false without the body, and does not count it against the credential", async () => {
    upstream.on("GET", ME, () => json({ leaked: TOKEN }, { status: 500 }));
    const connection = await bearerWithTest();
    const run = await testConnection(connection.id);
    expect(run.body).toEqual({
      ok: false,
      status: 500,
      latency_ms: expect.any(Number),
      error: {
        code: "upstream_status",
        message: "The test request was answered 500, not 2xx: check test_request's URL and method.",
      },
    });
    expect(run.text).not.toContain(TOKEN);
    expect((await getConnection(connection.id)).status).toBe("ready");
  });

  it("when the host cannot be reached, answers ok:false with status null and leaves the status alone", async () => {
    upstream.on("GET", ME, () => {
      throw new TypeError("Network connection lost.");
    });
    const connection = await bearerWithTest();
    const run = await testConnection(connection.id);
    expect(run.body).toEqual({
      ok: false,
      status: null,
      latency_ms: expect.any(Number),
      error: {
        code: "network_error",
        message: "The test request's host could not be reached (DNS, connection or TLS failure).",
      },
    });
    expect((await getConnection(connection.id)).status).toBe("ready");
  });

  it("sends nothing to a test request moved outside the allowed origins in D1", async () => {
    const connection = await bearerWithTest();
    await env.DB.prepare("UPDATE connections SET test_request = ? WHERE id = ?")
      .bind(JSON.stringify({ method: "GET", url: "https://attacker.example/collect" }), connection.id)
      .run();
    const run = await testConnection(connection.id);
    expect(run.body).toEqual({
      ok: false,
      status: null,
      latency_ms: expect.any(Number),
      error: {
        code: "outbound_blocked",
        message: "https://attacker.example is not one of the connection's allowed origins; change test_request.",
      },
    });
    expect(upstream.calls).toEqual([]);
  });

  it("does not follow a redirect to another origin with the credential", async () => {
    const OTHER = "https://files.example.com/landing";
    upstream.on("GET", ME, () => new Response(null, { status: 302, headers: { location: OTHER } }));
    upstream.on("GET", OTHER, () => json({ ok: true }));
    const connection = await createConnection({
      auth_config: { type: "bearer_token", token: TOKEN },
      allowed_origins: [API_ORIGIN, "https://files.example.com"],
      test_request: { method: "GET", url: ME },
    });
    const run = await testConnection(connection.id);
    expect(run.body).toMatchObject({ ok: true, status: 200 });
    expect(upstream.callsTo(ME)[0]!.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(upstream.callsTo(OTHER)[0]!.headers.get("authorization")).toBeNull();
  });
});

describe("POST /connections/{id}/test refuses", () => {
  it("a connection without a test_request (422 test_request_missing), sending nothing", async () => {
    const connection = await createConnection();
    const run = await testConnection(connection.id);
    expect(run.status).toBe(422);
    expect(run.body).toMatchObject({ code: "test_request_missing" });
    expect(run.body.detail).toContain(`PUT /connections/${connection.id}`);
    expect(upstream.calls).toEqual([]);
  });

  it("a connection without its secret (409 connection_not_ready), sending nothing", async () => {
    const connection = await createConnection({
      auth_config: { type: "api_key", key_name: "x-api-key", location: "header" },
      test_request: { method: "GET", url: ME },
    });
    const run = await testConnection(connection.id);
    expect(run.status).toBe(409);
    expect(run.body).toMatchObject({
      code: "connection_not_ready",
      connection_id: connection.id,
      connection_status: "needs_secret",
    });
    expect(upstream.calls).toEqual([]);
  });

  it("an unknown connection (404)", async () => {
    const run = await testConnection("00000000-0000-4000-8000-000000000000");
    expect(run.status).toBe(404);
    expect(run.body.code).toBe("connection_not_found");
  });
});

describe("POST /connections/{id}/test with client credentials", () => {
  it("requests a fresh token each time, even with one cached, and answers the token endpoint's status", async () => {
    let issued = 0;
    upstream.on("POST", TOKEN_URL, () => json({ access_token: `cc-access-token-${++issued}-x`, expires_in: 3600 }));
    const connection = await clientCredentials();
    for (let i = 0; i < 2; i++) {
      const run = await testConnection(connection.id);
      expect(run.body).toEqual({ ok: true, status: 200, latency_ms: expect.any(Number) });
      expect(run.text).not.toContain("cc-access-token");
      expect(run.text).not.toContain(CLIENT_SECRET);
    }
    expect(upstream.callsTo(TOKEN_URL)).toHaveLength(2);
  });

  it("then sends the test request with the new token", async () => {
    upstream.on("POST", TOKEN_URL, () => json({ access_token: "cc-access-token-for-me", expires_in: 3600 }));
    upstream.on("GET", ME, () => json({}));
    const connection = await clientCredentials({ test_request: { method: "GET", url: ME } });
    const run = await testConnection(connection.id);
    expect(run.body).toMatchObject({ ok: true, status: 200 });
    expect(upstream.callsTo(ME)[0]!.headers.get("authorization")).toBe("Bearer cc-access-token-for-me");
  });

  it("when the token endpoint refuses the client, answers ok:false token_error and sets status error", async () => {
    upstream.on("POST", TOKEN_URL, () =>
      json({ error: "invalid_client", error_description: `secret ${CLIENT_SECRET} is wrong` }, { status: 401 }),
    );
    const connection = await clientCredentials();
    const run = await testConnection(connection.id);
    expect(run.body).toMatchObject({ ok: false, status: 401, error: { code: "token_error" } });
    expect(run.body.error.message).toMatch(/^Fetching an OAuth2 access token failed\./);
    expect(run.text).not.toContain(CLIENT_SECRET);
    const shown = await getConnection(connection.id);
    expect(shown.status).toBe("error");
    expect(shown.error.code).toBe("token_error");
  });
});

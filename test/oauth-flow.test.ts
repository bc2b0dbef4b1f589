/**
 * The pure parts of the authorization-code flow, case by case: the
 * authorization URL, when a token counts as expiring, the account shown, the
 * refresh margin setting, the flow cookie's name, and the cron's purge of
 * abandoned flows.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newPkce, sha256Base64Url } from "../src/crypto/pkce";
import { expiring, refreshMarginSeconds, type AuthorizationCodeParams } from "../src/engine/auth/authorization-code";
import { accountOf } from "../src/engine/auth/authorization-code-grant";
import { buildAuthorizationUrl, flowCookieName } from "../src/registry/oauth-flow";
import { purgeExpiredFlows } from "../src/retention";

const params: AuthorizationCodeParams = {
  type: "oauth2",
  grant_type: "authorization_code",
  authorization_url: "https://provider.example/authorize?tenant=acme",
  token_url: "https://provider.example/token",
  client_id: "client-1",
  scope: "read write",
  client_auth_method: "client_secret_basic",
};
const flow = { state: "S".repeat(43), codeChallenge: "C".repeat(43), redirectUri: "https://tg.example/oauth/callback" };

describe("the authorization URL", () => {
  it("carries the flow's parameters, keeps the URL's own query, and adds the audience", () => {
    const url = new URL(buildAuthorizationUrl({ ...params, audience: "https://api.example" }, flow));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: "acme",
      response_type: "code",
      client_id: "client-1",
      redirect_uri: flow.redirectUri,
      scope: "read write",
      audience: "https://api.example",
      state: flow.state,
      code_challenge: flow.codeChallenge,
      code_challenge_method: "S256",
    });
  });

  it("adds extra_authorize_params, which never replace the flow's own", () => {
    const url = new URL(
      buildAuthorizationUrl(
        {
          ...params,
          extra_authorize_params: {
            access_type: "offline",
            prompt: "consent",
            state: "attacker",
            redirect_uri: "https://evil.example/",
            code_challenge_method: "plain",
          },
        },
        flow,
      ),
    );
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.get("prompt")).toBe("consent");
    expect(url.searchParams.getAll("state")).toEqual([flow.state]);
    expect(url.searchParams.getAll("redirect_uri")).toEqual([flow.redirectUri]);
    expect(url.searchParams.getAll("code_challenge_method")).toEqual(["S256"]);
  });

  it("PKCE: the challenge is base64url SHA-256 of a 43-character verifier (RFC 7636 appendix B)", async () => {
    expect(await sha256Base64Url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
    const { verifier, challenge } = await newPkce();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(await sha256Base64Url(verifier));
  });

  it("each flow has its own cookie name, from its state's hash", () => {
    expect(flowCookieName("abcdefghijklmnopqrstuvwxyz")).toBe("__Host-toolgate_oauth_abcdefghijklmnop");
  });
});

describe("expiring", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const hourAgo = "2026-01-01T11:00:00.000Z";
  it.each([
    ["no expiry known: used until refused", null, hourAgo, 60, false],
    ["beyond the margin", now + 61_000, hourAgo, 60, false],
    ["inside the margin", now + 59_000, hourAgo, 60, true],
    ["expired", now - 1, hourAgo, 60, true],
    ["margin 0: only once expired", now + 1000, hourAgo, 0, false],
    ["a short-lived token: at most half its lifetime", now + 40_000, new Date(now - 10_000).toISOString(), 60, false],
    ["a short-lived token past half its lifetime", now + 20_000, new Date(now - 40_000).toISOString(), 60, true],
  ] as const)("%s", (_, expiresAt, storedAt, margin, expected) => {
    expect(expiring(expiresAt, storedAt, margin, now)).toBe(expected);
  });
});

describe("OAUTH_REFRESH_MARGIN_SECONDS", () => {
  it.each([
    [undefined, 60],
    ["", 60],
    ["0", 0],
    [" 120 ", 120],
    ["3600", 3600],
    ["3601", 60],
    ["-5", 60],
    ["1.5", 60],
    ["soon", 60],
  ])("%j → %i", (value, expected) => {
    expect(refreshMarginSeconds({ OAUTH_REFRESH_MARGIN_SECONDS: value })).toBe(expected);
  });
});

describe("the account shown", () => {
  const idToken = (claims: object) =>
    `e30.${btoa(JSON.stringify(claims)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}.sig`;
  it.each([
    [
      "the ID token's email first",
      { idToken: idToken({ sub: "u1", email: "ada@example.com" }), fields: {} },
      "ada@example.com",
    ],
    ["then its name", { idToken: idToken({ sub: "u1", name: "Ada" }), fields: {} }, "Ada"],
    ["then its sub", { idToken: idToken({ sub: "u1" }), fields: {} }, "u1"],
    ["the token response when there is no ID token", { idToken: null, fields: { user_id: "U42" } }, "U42"],
    ["an ID token that does not decode is ignored", { idToken: "not-a-jwt", fields: { email: "b@x" } }, "b@x"],
    ["nothing", { idToken: null, fields: { access_token: "secret" } }, null],
    ["control characters are dropped", { idToken: null, fields: { email: "a\r\nb@x" } }, "ab@x"],
  ] as const)("%s", (_, tokens, expected) => {
    expect(accountOf(tokens)).toBe(expected);
  });
  it("is cut at 200 characters", () => {
    expect(accountOf({ idToken: null, fields: { email: "a".repeat(500) } })).toHaveLength(200);
  });
});

describe("the cron", () => {
  it("deletes flows that expired more than an hour ago, and keeps the others", async () => {
    const now = Date.now();
    const row = (id: string, expiresAt: number) =>
      env.DB.prepare(
        "INSERT INTO oauth_states (id, connection_id, principal, code_verifier, redirect_uri, flow_cookie_hash, created_at, expires_at) VALUES (?, 'c', 'admin', 'v2.x', 'https://x/oauth/callback', NULL, ?, ?)",
      )
        .bind(id, new Date(expiresAt - 600_000).toISOString(), new Date(expiresAt).toISOString())
        .run();
    const prefix = crypto.randomUUID();
    await row(`${prefix}-old`, now - 2 * 3600_000);
    await row(`${prefix}-recent`, now - 10 * 60_000);
    await row(`${prefix}-live`, now + 5 * 60_000);
    expect(await purgeExpiredFlows(env.DB, now)).toBeGreaterThanOrEqual(1);
    const left = await env.DB.prepare("SELECT id FROM oauth_states WHERE id LIKE ? ORDER BY id")
      .bind(`${prefix}%`)
      .all<{ id: string }>();
    expect(left.results.map((r) => r.id)).toEqual([`${prefix}-live`, `${prefix}-recent`]);
  });
});

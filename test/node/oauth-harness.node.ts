// The OAuth test harness (test/oauth/provider.ts) does what the connection
// tests rely on: a real provider whose refresh tokens rotate and whose grant
// dies when a used refresh token comes back, and an API that stops accepting
// a token once its grant is revoked. Checked here in plain Node, by speaking
// to it as toolgate and a browser would.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlainBrowser } from "../oauth/plain-browser";
import { startOAuthHarness, type OAuthHarness } from "../oauth/provider";

const REDIRECT = "http://127.0.0.1:9/oauth/callback";
let harness: OAuthHarness;

beforeAll(async () => {
  harness = await startOAuthHarness({ redirectUris: [REDIRECT] });
});
afterAll(async () => {
  await harness?.stop();
});

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Login and consent as a person would; returns the code the provider sends back. */
async function authorize(account: string, decision: "Allow" | "Deny" = "Allow") {
  const { verifier, challenge } = pkce();
  const url = new URL(harness.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: harness.clients.basic.id,
    redirect_uri: REDIRECT,
    scope: `openid profile email ${harness.apiScopes}`,
    state: "s1",
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const browser = new PlainBrowser((request) => fetch(request));
  const login = await browser.navigate(url, { from: "http://127.0.0.1:9/ui" });
  expect(login.html).toContain("Sign in to the test provider");
  const consent = await browser.submit(login, "/login", { username: account, password: harness.password });
  expect(consent.html).toContain("api:read");
  const back = await browser.submit(consent, decision === "Allow" ? "/allow" : "/deny", {}, "http://127.0.0.1:9");
  expect(back.url.origin + back.url.pathname).toBe(REDIRECT);
  return { params: back.url.searchParams, verifier };
}

async function token(form: Record<string, string>) {
  const res = await fetch(harness.tokenUrl, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${harness.clients.basic.id}:${harness.clients.basic.secret}`).toString("base64")}`,
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function callApi(accessToken: string) {
  return (await fetch(`${harness.apiOrigin}/items`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

describe("the OAuth harness", () => {
  it("issues a code after login and consent, and tokens for it; the API accepts the access token", async () => {
    const { params, verifier } = await authorize("harness_a");
    expect(params.get("state")).toBe("s1");
    const issued = await token({
      grant_type: "authorization_code",
      code: params.get("code")!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(issued.status).toBe(200);
    expect(issued.body.refresh_token).toBeTruthy();
    expect(issued.body.scope).toContain("api:read");
    expect(await callApi(issued.body.access_token!)).toBe(200);
    expect(harness.log("harness_a").apiRequests.map((r) => r.status)).toEqual([200]);
  });

  it("refuses a code without the right PKCE verifier", async () => {
    const { params } = await authorize("harness_b");
    const refused = await token({
      grant_type: "authorization_code",
      code: params.get("code")!,
      redirect_uri: REDIRECT,
      code_verifier: pkce().verifier,
    });
    expect(refused).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("rotates refresh tokens, and revokes the grant when a used one is sent again", async () => {
    const { params, verifier } = await authorize("harness_c");
    const first = await token({
      grant_type: "authorization_code",
      code: params.get("code")!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    const second = await token({ grant_type: "refresh_token", refresh_token: first.body.refresh_token! });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(await callApi(second.body.access_token!)).toBe(200);
    const replay = await token({ grant_type: "refresh_token", refresh_token: first.body.refresh_token! });
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // The whole grant is gone: the rotated refresh token and the access tokens too.
    expect((await token({ grant_type: "refresh_token", refresh_token: second.body.refresh_token! })).body.error).toBe(
      "invalid_grant",
    );
    expect(await callApi(second.body.access_token!)).toBe(401);
    expect(harness.log("harness_c").tokenRequests.filter((r) => r.refreshTokenReused)).toHaveLength(1);
  });

  it("revoking an account's grants makes the API refuse its tokens and the refresh fail with invalid_grant", async () => {
    const { params, verifier } = await authorize("harness_d");
    const issued = await token({
      grant_type: "authorization_code",
      code: params.get("code")!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(await harness.revoke("harness_d")).toBe(1);
    expect(await callApi(issued.body.access_token!)).toBe(401);
    expect((await token({ grant_type: "refresh_token", refresh_token: issued.body.refresh_token! })).body.error).toBe(
      "invalid_grant",
    );
  });

  it("sends access_denied back when the person denies", async () => {
    const { params } = await authorize("harness_e", "Deny");
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("state")).toBe("s1");
  });

  it("issues client-credentials tokens the API accepts", async () => {
    const { id, secret } = harness.clients.machine;
    const res = await fetch(harness.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials", scope: "api:read" }),
    });
    const body = (await res.json()) as Record<string, string>;
    expect(res.status).toBe(200);
    expect(await callApi(body.access_token!)).toBe(200);
  });
});

/**
 * An ADMIN_TOKEN shorter than 32 characters is never accepted: not as a bearer
 * token on the API or /mcp, not at the UI's sign-in, and not through a UI
 * session opened with it earlier. Whoever sends it is told why
 * (`admin_token_too_short`), never the token; API keys keep working.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIN_ADMIN_TOKEN_LENGTH } from "../src/access/principal";
import { FAILED_AUTH_LIMIT } from "../src/access/throttle";
import worker from "../src/index";
import { ADMIN_TOKEN, callWorker, createApiKey, randomClientAddress, type Json } from "./helpers";
import { decodeEntities, ORIGIN, sessionHash } from "./ui-helpers";

const SHORT = "s".repeat(MIN_ADMIN_TOKEN_LENGTH - 1);
const JUST_LONG_ENOUGH = "L".repeat(MIN_ADMIN_TOKEN_LENGTH);

describe("the API", () => {
  it("the suite's own token is long enough", () => {
    expect(MIN_ADMIN_TOKEN_LENGTH).toBe(32);
    expect(ADMIN_TOKEN.length).toBeGreaterThanOrEqual(MIN_ADMIN_TOKEN_LENGTH);
  });

  it(`refuses an ADMIN_TOKEN of ${MIN_ADMIN_TOKEN_LENGTH - 1} characters with admin_token_too_short, naming the minimum and the fix`, async () => {
    for (const path of ["/tools", "/api-keys", "/mcp"]) {
      const res = await callWorker({ ADMIN_TOKEN: SHORT }, path, { token: SHORT });
      const text = await res.text();
      expect(res.status, path).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="toolgate", error="invalid_token"');
      expect(JSON.parse(text)).toEqual({
        type: "https://toolgate.dev/problems/admin-token-too-short",
        title: "Unauthorized",
        status: 401,
        detail:
          "This is ADMIN_TOKEN, but it is shorter than 32 characters, so it is never accepted. Set a new one of at least 32 random characters: `openssl rand -base64 32 | npx wrangler secret put ADMIN_TOKEN` (locally, `npm run dev` replaces a short one in .dev.vars). API keys keep working meanwhile.",
        code: "admin_token_too_short",
        min_length: 32,
      });
      expect(text).not.toContain(SHORT);
    }
  });

  it(`accepts one of exactly ${MIN_ADMIN_TOKEN_LENGTH}`, async () => {
    const res = await callWorker({ ADMIN_TOKEN: JUST_LONG_ENOUGH }, "/tools", { token: JUST_LONG_ENOUGH });
    expect(res.status).toBe(200);
  });

  it("answers any other token as before, and API keys keep working", async () => {
    const wrong = await callWorker({ ADMIN_TOKEN: SHORT }, "/tools", { token: `${SHORT}x` });
    expect(wrong.status).toBe(401);
    expect((await wrong.json<Json>()).code).toBe("unauthorized");
    const { key } = await createApiKey(["tools:read"]);
    expect((await callWorker({ ADMIN_TOKEN: SHORT }, "/tools", { token: key })).status).toBe(200);
  });

  it("does not count the short token as a failed attempt: the operator's setting is at fault, not the caller", async () => {
    const address = randomClientAddress();
    for (let i = 0; i <= FAILED_AUTH_LIMIT; i++) {
      const res = await callWorker({ ADMIN_TOKEN: SHORT }, "/tools", {
        token: SHORT,
        headers: { "cf-connecting-ip": address },
      });
      expect((await res.json<Json>()).code).toBe("admin_token_too_short");
    }
  });
});

describe("the web UI", () => {
  async function signInWith(adminToken: string, token: string): Promise<Response> {
    const request = new Request(`${ORIGIN}/ui/sign-in`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: ORIGIN,
        "cf-connecting-ip": randomClientAddress(),
      },
      body: new URLSearchParams({ token, next: "/ui" }),
      redirect: "manual",
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(request, { ...env, ADMIN_TOKEN: adminToken }, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it("refuses to sign in with a short admin token and says why, in plain words", async () => {
    const res = await signInWith(SHORT, SHORT);
    const html = await res.text();
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    const error = decodeEntities(/<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? "");
    expect(error.trim()).toBe(
      "This is the admin token, but it is shorter than 32 characters, so toolgate no longer accepts it. Whoever runs this toolgate must set a new admin token of at least 32 characters (the README's upgrade notes say how). Until then, sign in with an API key.",
    );
    expect(html).not.toContain(SHORT);
    expect((await signInWith(JUST_LONG_ENOUGH, JUST_LONG_ENOUGH)).status).toBe(303);
  });

  it("ends a session that a short admin token opened before it was refused", async () => {
    // A session row as an older toolgate wrote it for this ADMIN_TOKEN (src/ui/session.ts).
    const id = "a".repeat(43);
    const tokenHash = await sessionHash(`admin:${id}:${SHORT}`);
    await env.DB.prepare("INSERT INTO ui_sessions (id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .bind(await sessionHash(id), tokenHash, new Date().toISOString(), new Date(Date.now() + 3_600_000).toISOString())
      .run();
    const open = (adminToken: string) =>
      callWorker({ ADMIN_TOKEN: adminToken }, "/ui", {
        token: null,
        headers: { cookie: `__Host-toolgate_session=${id}` },
        redirect: "manual",
      });
    const refused = await open(SHORT);
    expect(refused.status).toBe(303);
    expect(refused.headers.get("location")).toBe("/ui/sign-in?next=%2Fui&reason=session_ended");
    // The same row, had that token been long enough, opens the page: the length is what closed it.
    const longId = "b".repeat(43);
    await env.DB.prepare("INSERT INTO ui_sessions (id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .bind(
        await sessionHash(longId),
        await sessionHash(`admin:${longId}:${JUST_LONG_ENOUGH}`),
        new Date().toISOString(),
        new Date(Date.now() + 3_600_000).toISOString(),
      )
      .run();
    const accepted = await callWorker({ ADMIN_TOKEN: JUST_LONG_ENOUGH }, "/ui", {
      token: null,
      headers: { cookie: `__Host-toolgate_session=${longId}` },
      redirect: "manual",
    });
    expect(accepted.status).toBe(200);
  });
});

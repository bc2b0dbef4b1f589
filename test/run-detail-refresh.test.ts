/**
 * Run detail for an authorization-code connection (against the oidc-provider
 * harness): a stored token the API refuses with 401 is refreshed, and the run
 * detail shows the stored token's use, the refresh (grant, origin, status,
 * time) and both attempts, with no access or refresh token anywhere in it.
 */
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { sealSecret } from "../src/crypto/seal";
import { connections, connectionTokens } from "../src/db/schema";
import { connectionDestination, connectionSecretBinding } from "../src/engine/auth/binding";
import { openToken, readTokenRow } from "../src/engine/auth/connection-tokens";
import { uniqueName, type Json } from "./helpers";
import {
  authorizeUrl,
  callToolgate,
  consentAtProvider,
  createApiTool,
  createAuthCodeConnection,
  executeTool,
  newBrowser,
  oauth,
  useProviderNetwork,
} from "./oauth-helpers";

useProviderNetwork();

describe("run detail of an authorization-code connection", () => {
  it("shows the stored token refused with 401, the refresh, and both attempts, without a token", async () => {
    const account = uniqueName("acct");
    const connection = await createAuthCodeConnection("basic");
    const tool = await createApiTool(connection.id);
    await consentAtProvider(newBrowser(), await authorizeUrl(connection.id), account);

    // A stored access token the API does not know, far from expiry.
    const keyring = await loadKeyring(env);
    const row = await drizzle(env.DB).select().from(connections).where(eq(connections.id, connection.id)).get();
    const stale = `stale-access-${crypto.randomUUID()}`;
    await drizzle(env.DB)
      .update(connectionTokens)
      .set({
        accessToken: await sealSecret(
          keyring,
          stale,
          connectionSecretBinding(row!.id, "access_token", connectionDestination(row!)),
        ),
      })
      .where(eq(connectionTokens.connectionId, connection.id))
      .run();

    const run = await executeTool(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const res = await callToolgate(`/executions/${run.body.execution_id}`);
    const log = await res.json<Json>();
    const detail = log.detail;

    const tokenOrigin = new URL(oauth.tokenUrl).origin;
    expect(detail.token_fetches).toEqual([
      {
        endpoint: tokenOrigin,
        source: "stored",
        grant_type: null,
        status: null,
        duration_ms: expect.any(Number),
        error: null,
        after_401: false,
      },
      {
        endpoint: tokenOrigin,
        source: "token_endpoint",
        grant_type: "refresh_token",
        status: 200,
        duration_ms: expect.any(Number),
        error: null,
        after_401: true,
      },
    ]);
    expect(detail.attempts.map((a: Json) => [a.attempt, a.status])).toEqual([
      [1, 401],
      [2, 200],
    ]);
    expect(detail.curl).toContain(`-H 'authorization: Bearer '"$ACCESS_TOKEN"`);

    const tokens = await readTokenRow(env.DB, connection.id);
    const fresh = await openToken(keyring, row!, "access_token", tokens!.accessToken!);
    const refresh = await openToken(keyring, row!, "refresh_token", tokens!.refreshToken!);
    const text = JSON.stringify(log);
    for (const secret of [stale, fresh, refresh]) expect(text).not.toContain(secret);
  });
});

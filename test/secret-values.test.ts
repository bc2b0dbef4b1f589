/**
 * What a secret may contain (src/registry/secret-values.ts), and what an
 * execute does with a stored secret its header cannot carry, from a row
 * saved before that rule (src/engine/auth/index.ts).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sealToolSecrets } from "../src/registry/secrets";
import { api, createTool, execute, httpTool, json, useUpstream, waitForLog, type Json } from "./helpers";

const upstream = useUpstream();

const CHARACTERS: [string, string, string][] = [
  ["\r", "a carriage return (CR)", "without line breaks"],
  ["\n", "a line feed (LF)", "without line breaks"],
  ["\0", "a NUL character (U+0000)", "without it"],
];

const AUTH_CONFIGS: [string, (secret: string) => Record<string, unknown>, string][] = [
  ["a bearer token", (token) => ({ type: "bearer_token", token }), "token"],
  ["an API key in a header", (value) => ({ type: "api_key", location: "header", key_name: "X-Key", value }), "value"],
  ["an API key in the query", (value) => ({ type: "api_key", location: "query", key_name: "key", value }), "value"],
  [
    "an OAuth2 client secret",
    (client_secret) => ({
      type: "oauth2",
      token_url: "https://auth.example.com/token",
      client_id: "client",
      client_secret,
    }),
    "client_secret",
  ],
];

describe("saving a secret with CR, LF or NUL", () => {
  for (const [what, authConfig, field] of AUTH_CONFIGS)
    for (const [character, name, advice] of CHARACTERS)
      it(`refuses ${name} in ${what} with 422 at /auth_config/${field}`, async () => {
        const secret = `secret-${crypto.randomUUID()}${character}tail`;
        const res = await api("/tools", { method: "POST", json: httpTool({ auth_config: authConfig(secret) }) });
        const text = await res.text();
        expect(res.status).toBe(422);
        const body = JSON.parse(text) as Json;
        expect(body.code).toBe("invalid_tool");
        expect(body.errors).toEqual([
          {
            path: `/auth_config/${field}`,
            message: `${field} contains ${name}, which no header can carry, so no secret may contain it. Paste the secret again ${advice}${advice === "without it" ? "" : "; a copied secret often ends with one"}.`,
          },
        ]);
        expect(text).not.toContain(secret.slice(0, 20));
      });

  it("refuses it on replace too", async () => {
    const tool = await createTool({
      auth_config: { type: "api_key", location: "query", key_name: "k", value: "old-key-1234" },
    });
    const res = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: httpTool({
        name: tool.name,
        auth_config: { type: "api_key", location: "query", key_name: "k", value: "new-key-1234\n" },
      }),
    });
    expect(res.status).toBe(422);
    expect((await res.json<Json>()).errors[0].path).toBe("/auth_config/value");
  });

  it("still takes any other text in a query API key, which no header has to carry", async () => {
    const tool = await createTool({
      auth_config: { type: "api_key", location: "query", key_name: "key", value: "clé-€-ключ-1234" },
    });
    upstream.on("GET", "https://api.example.com/v1/items", (req) => json({ key: req.url.searchParams.get("key") }));
    const { status } = await execute(tool.id);
    expect(status).toBe(200);
    expect(upstream.calls[0]!.url.searchParams.get("key")).toBe("clé-€-ключ-1234");
  });
});

describe("executing a stored secret that its header cannot carry", () => {
  /** A bearer-token tool whose stored token is `token`, sealed as a save would seal it but without its checks. */
  async function toolWithStoredToken(token: string): Promise<Json> {
    const tool = await createTool({ auth_config: { type: "bearer_token", token: "valid-token-1234" } });
    const sealed = await sealToolSecrets(
      env as never,
      tool.id,
      { params: { type: "bearer_token" }, endpointUrl: tool.endpoint_url, provided: { token } },
      null,
    );
    await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?").bind(JSON.stringify(sealed), tool.id).run();
    return tool;
  }

  for (const [token, what] of <[string, string][]>[
    ["old-token\r\nX-Injected: 1", "a line break"],
    ["old-token\u0000", "NUL"],
    ["old-token-€", "a character outside Latin-1"],
  ])
    it(`answers 500 secrets_unavailable, reason unsendable, for ${what}; nothing is sent`, async () => {
      const tool = await toolWithStoredToken(token);
      const { status, body } = await execute(tool.id);
      expect(status).toBe(500);
      expect(body).toMatchObject({ code: "secrets_unavailable", reason: "unsendable" });
      expect(body.detail).toContain("Send the secret again with PUT.");
      expect(JSON.stringify(body)).not.toContain("old-token");
      expect(upstream.calls).toEqual([]);
      const log = await waitForLog(body.execution_id);
      expect(log.outcome).toBe("auth_error");
      expect(JSON.stringify(log)).not.toContain("old-token");
    });

  it("works again once the secret is sent again", async () => {
    const tool = await toolWithStoredToken("old-token\nrest");
    const res = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: httpTool({ name: tool.name, auth_config: { type: "bearer_token", token: "fresh-token-1234" } }),
    });
    expect(res.status).toBe(200);
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe("Bearer fresh-token-1234");
  });
});

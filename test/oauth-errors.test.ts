/**
 * What a token endpoint says that toolgate repeats: RFC 6749's registered
 * error codes and IANA's registered token types, nothing of its own text. A
 * hostile endpoint that reflects part of the client secret (which the
 * Redactor, matching whole values, cannot recognise) gets none of it shown.
 */
import { describe, expect, it } from "vitest";
import { registeredError, registeredTokenType, UNREGISTERED_ERROR } from "../src/engine/auth/oauth-registered";
import { api, createTool, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

const REGISTERED = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
];

describe("registeredError", () => {
  it.each(REGISTERED)("repeats %s", (code) => {
    expect(registeredError(code)).toBe(code);
  });

  it.each([
    ["a code of another RFC 6749 section", "temporarily_unavailable"],
    ["a code in another case", "INVALID_CLIENT"],
    ["a code with a space", "invalid_client "],
    ["free text", "client secret cs-1234 is wrong"],
    ["the empty string", ""],
    ["a number", 401],
    ["an object", { code: "invalid_client" }],
  ])("replaces %s with the fixed word", (_label, error) => {
    expect(registeredError(error)).toBe(UNREGISTERED_ERROR);
  });

  it("is null when there is no error", () => {
    expect(registeredError(undefined)).toBeNull();
    expect(registeredError(null)).toBeNull();
  });

  it("takes the registered codes as a parameter, for other endpoints of the protocol", () => {
    expect(registeredError("access_denied", ["access_denied"])).toBe("access_denied");
    expect(registeredError("invalid_client", ["access_denied"])).toBe(UNREGISTERED_ERROR);
  });
});

describe("registeredTokenType", () => {
  it("spells a registered type as the registry does, whatever the case it came in", () => {
    expect(registeredTokenType("dpop")).toBe("DPoP");
    expect(registeredTokenType("N_A")).toBe("N_A");
    expect(registeredTokenType("mac")).toBeNull();
    expect(registeredTokenType("cs-part-of-a-secret")).toBeNull();
  });
});

/** An OAuth2 tool with its own token URL and endpoint, so no cached token interferes. */
async function oauth2Tool() {
  const id = crypto.randomUUID();
  const tokenUrl = `https://auth.example.com/${id}/token`;
  const secret = `cs-${crypto.randomUUID()}`;
  const tool = await createTool({
    name: uniqueName("oauth_err"),
    endpoint_url: `https://api.example.com/${id}/items`,
    auth_config: { type: "oauth2", token_url: tokenUrl, client_id: "client-1", client_secret: secret },
  });
  return { tool, tokenUrl, secret };
}

/** Executes, and returns the response text and the log row as text, which must hold none of `parts`. */
async function executeExpectingNone(toolId: string, parts: string[]) {
  const res = await api(`/tools/${toolId}/execute`, { method: "POST", json: { input: {} } });
  const text = await res.text();
  const body = JSON.parse(text);
  const log = JSON.stringify(await waitForLog(body.execution_id));
  for (const part of parts) {
    expect(text, "the response").not.toContain(part);
    expect(log, "the log row").not.toContain(part);
  }
  return { status: res.status, body, log: JSON.parse(log) };
}

describe("a token endpoint's error", () => {
  it("that is part of the client secret shows as the fixed word", async () => {
    const { tool, tokenUrl, secret } = await oauth2Tool();
    const part = secret.slice(0, 24);
    upstream.on("POST", tokenUrl, () => json({ error: part }, { status: 400 }));

    const { status, body, log } = await executeExpectingNone(tool.id, [part]);

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "token_error", token_status: 400, oauth_error: "unrecognized" });
    expect(body.detail).toBe(
      "Fetching an OAuth2 access token failed. The token endpoint answered 400 with an error code that RFC 6749 does not define (toolgate does not repeat it).",
    );
    expect(log).toMatchObject({ outcome: "auth_error", error_message: body.detail });
  });

  it("that is a code RFC 6749 does not register for token endpoints shows as the fixed word", async () => {
    const { tool, tokenUrl } = await oauth2Tool();
    upstream.on("POST", tokenUrl, () => json({ error: "temporarily_unavailable" }, { status: 503 }));

    const { status, body } = await executeExpectingNone(tool.id, ["temporarily_unavailable"]);

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "token_error", token_status: 503, oauth_error: "unrecognized" });
  });

  it("that is a registered code is shown, and its description and URI never are", async () => {
    const { tool, tokenUrl, secret } = await oauth2Tool();
    const description = `The client secret ${secret.slice(0, 20)}… is not valid`;
    const uri = `https://auth.example.com/errors?hint=${secret.slice(3, 23)}`;
    upstream.on("POST", tokenUrl, () =>
      json({ error: "invalid_client", error_description: description, error_uri: uri }, { status: 401 }),
    );

    const { status, body } = await executeExpectingNone(tool.id, [
      secret.slice(0, 20),
      secret.slice(3, 23),
      "is not valid",
      "auth.example.com/errors",
    ]);

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "token_error", token_status: 401, oauth_error: "invalid_client" });
    expect(body.detail).toBe(
      'Fetching an OAuth2 access token failed. The token endpoint answered 401 with error "invalid_client".',
    );
  });

  it("a token_type that is part of the client secret is not shown; a registered one is", async () => {
    const { tool, tokenUrl, secret } = await oauth2Tool();
    const part = secret.slice(0, 24);
    let tokenType = part;
    upstream.on("POST", tokenUrl, () => json({ access_token: "at-unused-1", token_type: tokenType }));

    const reflected = await executeExpectingNone(tool.id, [part]);
    expect(reflected.status).toBe(502);
    expect(reflected.body.detail).toContain("issued another type of token; only Bearer tokens are supported.");

    tokenType = "dpop";
    const registered = await executeExpectingNone(tool.id, []);
    expect(registered.body.detail).toContain('issued a "DPoP" token; only Bearer tokens are supported.');
  });
});

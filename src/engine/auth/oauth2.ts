/**
 * OAuth2 client credentials grant (RFC 6749 section 4.4): the token request
 * and its response. Caching lives in ./token-cache.ts.
 */

import { formEncode, textToBase64 } from "../../encoding";
import { readTextCapped } from "../body";
import { fetchOutbound, type Refusal } from "../outbound/fetch";
import type { OutboundSettings } from "../outbound/policy";
import { isValidHeaderValue } from "../request";
import { registeredError, registeredTokenType, UNREGISTERED_ERROR } from "./oauth-registered";

/** A token response is a small JSON object; anything bigger is not read. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

export interface OAuth2Client {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
  audience?: string | undefined;
  clientAuthMethod: ClientAuthMethod;
  /**
   * Whose client this is, for the token cache's key: a connection's id and
   * secrets version (`connection:<id>:<version>`). Absent for a tool's own
   * client, whose key is the client alone, as before connections.
   */
  cacheScope?: string;
}

export interface TokenGrant {
  /** The token endpoint's HTTP status (2xx). */
  status: number;
  accessToken: string;
  /** Lifetime in seconds, from `expires_in`, or undefined when the server did not say. */
  expiresIn: number | undefined;
}

export type TokenFailure =
  | { kind: "token_error"; tokenStatus: number | null; oauthError: string | null; detail: string }
  | { kind: "timeout" }
  | { kind: "network_error"; detail: string }
  | { kind: "outbound_blocked"; refusal: Refusal };

export type TokenResult = { ok: true; grant: TokenGrant } | { ok: false; failure: TokenFailure };

/**
 * The HTTP Basic credentials for a client: RFC 6749 section 2.3.1 says the id
 * and secret are form-url-encoded first, then joined with ":" and base64'd.
 */
export function basicCredentials(clientId: string, clientSecret: string): string {
  return textToBase64(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
}

export function buildTokenRequest(client: OAuth2Client): { url: string; init: RequestInit & { headers: Headers } } {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (client.scope) form.set("scope", client.scope);
  if (client.audience) form.set("audience", client.audience);
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  });
  if (client.clientAuthMethod === "client_secret_post") {
    form.set("client_id", client.clientId);
    form.set("client_secret", client.clientSecret);
  } else {
    headers.set("authorization", `Basic ${basicCredentials(client.clientId, client.clientSecret)}`);
  }
  return { url: client.tokenUrl, init: { method: "POST", headers, body: form.toString() } };
}

/**
 * One token request. The token URL passes the outbound policy like any other
 * request; a redirect is not followed (the client credentials would go with it).
 */
export async function requestToken(
  client: OAuth2Client,
  signal: AbortSignal,
  outbound: OutboundSettings,
): Promise<TokenResult> {
  let response: Response;
  try {
    const { url, init } = buildTokenRequest(client);
    const sent = await fetchOutbound(url, { ...init, signal }, outbound);
    if (!sent.ok) return { ok: false, failure: { kind: "outbound_blocked", refusal: sent.refusal } };
    response = sent.response;
  } catch (err) {
    if (isTimeout(err)) return { ok: false, failure: { kind: "timeout" } };
    return { ok: false, failure: { kind: "network_error", detail: "The token endpoint could not be reached." } };
  }
  let payload: unknown = null;
  try {
    const body = await readTextCapped(response, MAX_TOKEN_RESPONSE_BYTES);
    if (body.ok && body.text) payload = JSON.parse(body.text);
  } catch (err) {
    if (isTimeout(err)) return { ok: false, failure: { kind: "timeout" } };
    // Unreadable or not JSON: judged below as a response without access_token.
  }
  const record = payload !== null && typeof payload === "object" ? (payload as Record<string, unknown>) : {};
  if (!response.ok) {
    // error_description and error_uri are the provider's free text: never repeated.
    const code = registeredError(record.error);
    return {
      ok: false,
      failure: {
        kind: "token_error",
        tokenStatus: response.status,
        oauthError: code,
        detail: `The token endpoint answered ${response.status}${errorClause(code)}${
          response.status >= 300 && response.status < 400 ? " (token requests do not follow redirects)" : ""
        }.`,
      },
    };
  }
  const accessToken = record.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    return tokenError(response.status, "The token endpoint's response has no access_token.");
  }
  if (!isValidHeaderValue(accessToken)) {
    return tokenError(
      response.status,
      "The token endpoint issued an access_token that cannot be sent in a header (control characters).",
    );
  }
  const tokenType = record.token_type;
  if (typeof tokenType === "string" && tokenType.toLowerCase() !== "bearer") {
    const known = registeredTokenType(tokenType);
    return tokenError(
      response.status,
      `The token endpoint issued ${known ? `a "${known}"` : "another type of"} token; only Bearer tokens are supported.`,
    );
  }
  return { ok: true, grant: { status: response.status, accessToken, expiresIn: lifetimeOf(record.expires_in) } };
}

/**
 * `expires_in` in seconds. Absent or not a number: undefined (a default is
 * assumed). Zero or negative: 0, a token that must not be reused.
 */
export function lifetimeOf(expiresIn: unknown): number | undefined {
  // RFC 6749 says a number; some servers send a numeric string.
  const seconds =
    typeof expiresIn === "number"
      ? expiresIn
      : typeof expiresIn === "string" && /^-?\d+$/.test(expiresIn.trim())
        ? Number(expiresIn)
        : NaN;
  return Number.isFinite(seconds) ? Math.max(0, seconds) : undefined;
}

export function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === "TimeoutError";
}

function errorClause(code: string | null): string {
  if (code === null) return "";
  if (code === UNREGISTERED_ERROR)
    return " with an error code that RFC 6749 does not define (toolgate does not repeat it)";
  return ` with error "${code}"`;
}

function tokenError(tokenStatus: number, detail: string): TokenResult {
  return { ok: false, failure: { kind: "token_error", tokenStatus, oauthError: null, detail } };
}

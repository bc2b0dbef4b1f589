/**
 * One request to an OAuth2 token endpoint (RFC 6749 section 3.2), for any
 * grant: client credentials (./oauth2.ts), authorization code and refresh
 * token (./authorization-code*.ts). The client authenticates as configured
 * (section 2.3.1: HTTP Basic or the form), or, a public client without a
 * secret, sends only its client_id. The URL passes the outbound policy; a
 * redirect is not followed (the client secret, a code or a refresh token
 * would go with it). What the provider says is repeated only as registered
 * codes (./oauth-registered.ts).
 */
import { formEncode, textToBase64 } from "../../encoding";
import { readTextCapped } from "../body";
import { fetchOutbound } from "../outbound/fetch";
import type { OutboundSettings } from "../outbound/policy";
import { isValidHeaderValue } from "../request";
import { registeredError, registeredTokenType, UNREGISTERED_ERROR } from "./oauth-registered";
import type { ClientAuthMethod, TokenFailure } from "./oauth2";

/** A token response is a small JSON object; anything bigger is not read. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

export interface TokenEndpointClient {
  tokenUrl: string;
  clientId: string;
  /** Null for a public client: it authenticates with nothing but its client_id (and PKCE). */
  clientSecret: string | null;
  clientAuthMethod: ClientAuthMethod;
}

/** A successful token response: the access token and what came with it. */
export interface IssuedTokens {
  /** The token endpoint's HTTP status (2xx). */
  status: number;
  accessToken: string;
  /** Lifetime in seconds, from `expires_in`, or undefined when the server did not say. */
  expiresIn: number | undefined;
  /** A (new) refresh token, or null when none was issued. */
  refreshToken: string | null;
  /** The granted scope when the server said (RFC 6749 section 5.1: absent means as requested). */
  scope: string | null;
  /** The OpenID Connect ID token, when one came. */
  idToken: string | null;
  /** The whole response object, for fields some providers add (an account name). */
  fields: Record<string, unknown>;
}

export type TokenEndpointResult = { ok: true; tokens: IssuedTokens } | { ok: false; failure: TokenFailure };

/**
 * The HTTP Basic credentials for a client: RFC 6749 section 2.3.1 says the id
 * and secret are form-url-encoded first, then joined with ":" and base64'd.
 */
export function basicClientCredentials(clientId: string, clientSecret: string): string {
  return textToBase64(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
}

/** The request: the grant's parameters in a form, and the client's authentication. */
export function buildTokenEndpointRequest(
  client: TokenEndpointClient,
  grant: Record<string, string>,
): { url: string; init: RequestInit & { headers: Headers } } {
  const form = new URLSearchParams(grant);
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  });
  if (client.clientSecret === null) form.set("client_id", client.clientId);
  else if (client.clientAuthMethod === "client_secret_post") {
    form.set("client_id", client.clientId);
    form.set("client_secret", client.clientSecret);
  } else headers.set("authorization", `Basic ${basicClientCredentials(client.clientId, client.clientSecret)}`);
  return { url: client.tokenUrl, init: { method: "POST", headers, body: form.toString() } };
}

export async function requestTokenGrant(
  client: TokenEndpointClient,
  grant: Record<string, string>,
  signal: AbortSignal,
  outbound: OutboundSettings,
): Promise<TokenEndpointResult> {
  let response: Response;
  try {
    const { url, init } = buildTokenEndpointRequest(client, grant);
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
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  return {
    ok: true,
    tokens: {
      status: response.status,
      accessToken,
      expiresIn: lifetimeOf(record.expires_in),
      refreshToken: text(record.refresh_token),
      scope: text(record.scope),
      idToken: text(record.id_token),
      fields: record,
    },
  };
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

function tokenError(tokenStatus: number, detail: string): TokenEndpointResult {
  return { ok: false, failure: { kind: "token_error", tokenStatus, oauthError: null, detail } };
}

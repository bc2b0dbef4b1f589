/**
 * OAuth2 client credentials grant (RFC 6749 section 4.4): the token request
 * and its response. Caching lives in ./token-cache.ts.
 */

import type { Refusal } from "../outbound/fetch";
import type { OutboundSettings } from "../outbound/policy";
import { requestTokenGrant } from "./token-endpoint";

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
 * One token request (./token-endpoint.ts: the client authenticates as
 * configured, the URL passes the outbound policy, a redirect is not followed,
 * only registered error codes are repeated).
 */
export async function requestToken(
  client: OAuth2Client,
  signal: AbortSignal,
  outbound: OutboundSettings,
): Promise<TokenResult> {
  const grant: Record<string, string> = { grant_type: "client_credentials" };
  if (client.scope) grant.scope = client.scope;
  if (client.audience) grant.audience = client.audience;
  const result = await requestTokenGrant(client, grant, signal, outbound);
  if (!result.ok) return result;
  const { status, accessToken, expiresIn } = result.tokens;
  return { ok: true, grant: { status, accessToken, expiresIn } };
}

/**
 * The end of an authorization-code flow: what `GET /oauth/callback` does
 * with the provider's answer (RFC 6749 section 4.1.2). Every way it can go
 * is a value of `CallbackOutcome`, which the callback page turns into words
 * (src/ui/pages/oauth-callback.tsx).
 *
 * In order: the state must name a flow in progress (single use, 10 minutes);
 * a flow started in the UI must come back to the browser holding its flow
 * cookie; the principal that started it must still be allowed to write
 * connections; then the provider's error, or its code, which is exchanged
 * with the PKCE verifier at the token endpoint. The tokens are sealed into
 * connection_tokens (./connection-tokens.ts), replacing any previous grant.
 *
 * Nothing the provider wrote is repeated except registered error codes, and
 * no token ever leaves this module except sealed.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { loadKeyring } from "../../crypto/keyring";
import { sha256Base64Url } from "../../crypto/pkce";
import { openSecret, SealError, type Keyring } from "../../crypto/seal";
import { apiKeys, type ConnectionRow, type OAuthStateRow } from "../../db/schema";
import type { Env } from "../../env";
import { base64UrlToBytes } from "../../encoding";
import { AppError } from "../../problem";
import { clearConnectionError } from "../../registry/connection-usage";
import { findConnection } from "../../registry/connections";
import { consumeFlowState } from "../../registry/oauth-states";
import { readOutboundSettings } from "../outbound/settings";
import { openConnectionSecrets } from "../open-secrets";
import { tokenEndpointClient, type AuthorizationCodeParams } from "./authorization-code";
import { codeVerifierBinding, storeGrantedTokens } from "./connection-tokens";
import { AUTHORIZATION_ENDPOINT_ERRORS, registeredError, UNREGISTERED_ERROR } from "./oauth-registered";
import type { TokenFailure } from "./oauth2";
import { requestTokenGrant, type IssuedTokens } from "./token-endpoint";

/** The connection a flow was for, as the page names it. */
export interface FlowConnection {
  id: string;
  name: string;
}

export type CallbackOutcome =
  | { kind: "connected"; connection: FlowConnection; scopes: string[]; account: string | null }
  /** No state in the callback URL: not a redirect from a flow toolgate started. */
  | { kind: "state_missing" }
  /** Never made, or already used. */
  | { kind: "state_unknown" }
  | { kind: "state_expired"; connection: FlowConnection | null }
  /** A flow started in the UI came back without its flow cookie, or with another one. */
  | { kind: "flow_cookie_mismatch"; connection: FlowConnection | null }
  /** The API key that started the flow was revoked or lost connections:write since. */
  | { kind: "principal_not_allowed"; connection: FlowConnection | null }
  /** The provider answered with an error (`code`: a registered code, or "unrecognized"). */
  | { kind: "provider_error"; code: string; connection: FlowConnection | null }
  | { kind: "code_missing"; connection: FlowConnection | null }
  /** The connection was deleted, or is no longer an authorization-code connection. */
  | { kind: "connection_gone" }
  /** The connection's provider settings or allowed origins changed during the flow. */
  | { kind: "connection_changed"; connection: FlowConnection }
  | { kind: "exchange_failed"; connection: FlowConnection; failure: TokenFailure }
  /** The keyring, the outbound settings or PUBLIC_BASE_URL is broken: an operator must fix it. */
  | { kind: "misconfigured"; detail: string };

export interface CallbackRequest {
  state: string | undefined;
  code: string | undefined;
  error: string | undefined;
  /** The cookies the browser sent, by name. */
  cookie: (name: string) => string | undefined;
}

export async function completeAuthorization(
  env: Env,
  request: CallbackRequest,
  flowCookieName: (stateId: string) => string,
): Promise<CallbackOutcome> {
  if (!request.state) return { kind: "state_missing" };
  const consumed = await consumeFlowState(env.DB, request.state);
  if (consumed.kind === "unknown") return { kind: "state_unknown" };
  const flow = consumed.row;
  const connection = await findConnection(drizzle(env.DB), flow.connectionId);
  const named = connection ? { id: connection.id, name: connection.name } : null;
  if (consumed.kind === "expired") return { kind: "state_expired", connection: named };
  if (flow.flowCookieHash !== null) {
    const cookie = request.cookie(flowCookieName(flow.id));
    if (!cookie || cookie.length > 256 || (await sha256Base64Url(cookie)) !== flow.flowCookieHash)
      return { kind: "flow_cookie_mismatch", connection: named };
  }
  if (!(await principalMayConnect(env, flow.principal))) return { kind: "principal_not_allowed", connection: named };
  if (request.error !== undefined)
    return {
      kind: "provider_error",
      code: registeredError(request.error, AUTHORIZATION_ENDPOINT_ERRORS) ?? UNREGISTERED_ERROR,
      connection: named,
    };
  if (!request.code) return { kind: "code_missing", connection: named };
  if (!connection || !named) return { kind: "connection_gone" };
  const params = connection.authParams;
  if (params.type !== "oauth2" || params.grant_type !== "authorization_code") return { kind: "connection_gone" };
  return exchange(env, flow, connection, params, request.code);
}

async function exchange(
  env: Env,
  flow: OAuthStateRow,
  connection: ConnectionRow,
  params: AuthorizationCodeParams,
  code: string,
): Promise<CallbackOutcome> {
  const named = { id: connection.id, name: connection.name };
  let keyring: Keyring;
  try {
    keyring = await loadKeyring(env);
  } catch (err) {
    if (err instanceof AppError) return { kind: "misconfigured", detail: err.detail };
    throw err;
  }
  let verifier: string;
  try {
    verifier = await openSecret(keyring, flow.codeVerifier, codeVerifierBinding(connection, flow.id));
  } catch (err) {
    if (err instanceof SealError) return { kind: "connection_changed", connection: named };
    throw err;
  }
  const secrets = await openConnectionSecrets(connection, env);
  if (!secrets.ok) return { kind: "connection_changed", connection: named };
  const outbound = readOutboundSettings(env);
  if (!outbound.ok)
    return { kind: "misconfigured", detail: `The outbound settings are not valid: ${outbound.problems.join(" ")}` };

  const result = await requestTokenGrant(
    tokenEndpointClient(params, secrets.secrets.client_secret),
    { grant_type: "authorization_code", code, redirect_uri: flow.redirectUri, code_verifier: verifier },
    AbortSignal.timeout(15_000),
    outbound.settings,
  );
  if (!result.ok) return { kind: "exchange_failed", connection: named, failure: result.failure };

  const tokens = result.tokens;
  const now = new Date();
  // RFC 6749 section 5.1: a response without scope granted what was asked.
  const grantedScope = tokens.scope ?? params.scope ?? null;
  const account = accountOf(tokens);
  await storeGrantedTokens(
    env.DB,
    keyring,
    connection,
    {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresIn === undefined ? null : now.getTime() + tokens.expiresIn * 1000,
      grantedScope,
      account,
    },
    now,
  );
  // A new grant is a success: an error the connection recorded before it no longer says anything.
  if (connection.lastErrorCode !== null) await clearConnectionError(drizzle(env.DB), connection.id, now.toISOString());
  return { kind: "connected", connection: named, scopes: grantedScope?.split(" ").filter(Boolean) ?? [], account };
}

/**
 * Whether the principal that started a flow may still complete it: the admin
 * token while one is configured, an API key while it is not revoked and holds
 * connections:write. Read from D1, not the isolate's key cache: a flow takes
 * minutes, and a revocation in between must count.
 */
async function principalMayConnect(env: Env, principal: string): Promise<boolean> {
  if (principal === "admin") return Boolean(env.ADMIN_TOKEN);
  const key = await drizzle(env.DB).select().from(apiKeys).where(eq(apiKeys.id, principal)).get();
  return key !== undefined && key.revokedAt === null && key.scopes.includes("connections:write");
}

/** Longest account name shown. */
const MAX_ACCOUNT_LENGTH = 200;

/**
 * Who the grant belongs to, for display only: the ID token's email,
 * preferred_username, name or sub, else such a field of the token response.
 * The ID token is decoded, NOT verified: nothing is decided on it, and it is
 * neither stored nor shown.
 */
export function accountOf(tokens: Pick<IssuedTokens, "idToken" | "fields">): string | null {
  const claims = tokens.idToken ? idTokenClaims(tokens.idToken) : {};
  for (const source of [claims, tokens.fields]) {
    for (const name of ["email", "preferred_username", "name", "sub", "username", "account_id", "user_id"]) {
      const value = source[name];
      if (typeof value !== "string") continue;
      // Control characters never reach a page or a row.
      const clean = value.replace(/[\u0000-\u001f\u007f]/g, "").trim();
      if (clean) return clean.slice(0, MAX_ACCOUNT_LENGTH);
    }
  }
  return null;
}

function idTokenClaims(idToken: string): Record<string, unknown> {
  const payload = idToken.split(".")[1];
  if (!payload) return {};
  try {
    const claims: unknown = JSON.parse(new TextDecoder().decode(base64UrlToBytes(payload)));
    return claims !== null && typeof claims === "object" ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

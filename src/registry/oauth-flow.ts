/**
 * Starting an OAuth2 authorization-code flow for a connection: what both
 * `POST /connections/{id}/authorize` (a program, which hands the URL to a
 * person) and the UI's Connect button (src/ui/oauth-connect.ts) call.
 *
 * The authorization URL carries a random `state` (stored hashed, bound to the
 * connection and the principal, single use, 10 minutes: ./oauth-states.ts)
 * and a PKCE S256 challenge (RFC 7636; the verifier is sealed in the flow's
 * row). The redirect URI is `<PUBLIC_BASE_URL>/oauth/callback`, or, without
 * that setting, the origin of the request that started the flow.
 *
 * A flow started in the UI also gets a flow cookie (`__Host-`, HttpOnly,
 * Secure, SameSite=Lax, 10 minutes) whose hash the flow's row keeps: the
 * UI's session cookie is SameSite=Strict, so the provider's cross-site
 * redirect back arrives without it, and the flow cookie is what ties the
 * callback to the browser that pressed Connect. A flow started through the
 * API has no browser to bind: it completes with the state alone (SECURITY.md
 * explains the trade-off).
 */
import { drizzle } from "drizzle-orm/d1";
import { serialize } from "hono/utils/cookie";
import type { Principal } from "../access/principal";
import { loadKeyring } from "../crypto/keyring";
import type { ConnectionRow } from "../db/schema";
import type { AuthorizationCodeParams } from "../engine/auth/authorization-code";
import type { Env } from "../env";
import { AppError } from "../problem";
import { publicBaseUrl } from "../public-base-url";
import { getConnection } from "./connections";
import { createFlowState, OAUTH_STATE_TTL_MS } from "./oauth-states";

/** Where the provider sends the person back, under the deployment's origin. */
export const CALLBACK_PATH = "/oauth/callback";

/** The flow cookie of one flow: `__Host-toolgate_oauth_<16 characters of the state's hash>`, so flows in two tabs do not clash. */
export function flowCookieName(stateId: string): string {
  return `__Host-toolgate_oauth_${stateId.slice(0, 16)}`;
}

export interface StartedAuthorization {
  authorizationUrl: string;
  redirectUri: string;
  /** For a browser flow: the Set-Cookie header value that carries the flow cookie. */
  setCookie: string | null;
}

/**
 * The principal as a flow's row records it: "admin", or the API key's id. An
 * OAuth grant for /mcp (which never holds connections:write) cannot start a
 * flow: a connection is signed in by someone with a credential of their own.
 */
export function principalId(principal: Principal): string {
  switch (principal.kind) {
    case "admin_token":
      return "admin";
    case "api_key":
      return principal.keyId;
    case "oauth_grant":
      throw new AppError(
        403,
        "insufficient_scope",
        "An OAuth access token for /mcp cannot connect a connection: use ADMIN_TOKEN or an API key with connections:write.",
      );
  }
}

/** The redirect URI of this deployment: PUBLIC_BASE_URL's, else the request's origin. */
export function redirectUriFor(env: Env, requestUrl: string): string {
  return `${publicBaseUrl(env) ?? new URL(requestUrl).origin}${CALLBACK_PATH}`;
}

export async function startAuthorization(
  env: Env,
  flow: { connectionId: string; principal: Principal; requestUrl: string; browser: boolean },
): Promise<StartedAuthorization> {
  const connection = await getConnection(drizzle(env.DB), flow.connectionId);
  const params = authorizationCodeParams(connection);
  const redirectUri = redirectUriFor(env, flow.requestUrl);
  const keyring = await loadKeyring(env);
  const started = await createFlowState(env.DB, keyring, {
    connection,
    principal: principalId(flow.principal),
    redirectUri,
    withFlowCookie: flow.browser,
  });
  const authorizationUrl = buildAuthorizationUrl(params, {
    state: started.state,
    codeChallenge: started.codeChallenge,
    redirectUri,
  });
  const setCookie =
    started.flowCookie === null
      ? null
      : serialize(flowCookieName(started.stateId), started.flowCookie, {
          path: "/",
          secure: true,
          httpOnly: true,
          sameSite: "Lax",
          maxAge: OAUTH_STATE_TTL_MS / 1000,
        });
  return { authorizationUrl, redirectUri, setCookie };
}

/** The connection's authorization-code settings, or 409 when it uses another kind of credential. */
export function authorizationCodeParams(connection: ConnectionRow): AuthorizationCodeParams {
  const params = connection.authParams;
  if (params.type === "oauth2" && params.grant_type === "authorization_code") return params;
  throw new AppError(
    409,
    "not_authorization_code",
    `Connection "${connection.name}" uses ${params.type === "oauth2" ? "the OAuth2 client-credentials grant" : params.type}, which needs no sign-in at a provider: only OAuth2 authorization-code connections are connected this way.`,
    { connection_id: connection.id },
  );
}

/**
 * The URL the person is sent to (RFC 6749 section 4.1.1, RFC 7636 section
 * 4.3). The connection's extra_authorize_params come first and never replace
 * the parameters the flow depends on; a query already in authorization_url
 * is kept.
 */
export function buildAuthorizationUrl(
  params: AuthorizationCodeParams,
  flow: { state: string; codeChallenge: string; redirectUri: string },
): string {
  const url = new URL(params.authorization_url);
  for (const [name, value] of Object.entries(params.extra_authorize_params ?? {})) url.searchParams.set(name, value);
  const query = url.searchParams;
  query.set("response_type", "code");
  query.set("client_id", params.client_id);
  query.set("redirect_uri", flow.redirectUri);
  if (params.scope) query.set("scope", params.scope);
  if (params.audience) query.set("audience", params.audience);
  query.set("state", flow.state);
  query.set("code_challenge", flow.codeChallenge);
  query.set("code_challenge_method", "S256");
  return url.toString();
}

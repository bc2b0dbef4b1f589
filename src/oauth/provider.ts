/**
 * toolgate as the OAuth 2.1 authorization server for its own /mcp, built from
 * @cloudflare/workers-oauth-provider's role-based pieces rather than its
 * `OAuthProvider` wrapper, so that every answer goes through the Hono app
 * (its middleware, toolgate's problem+json 401 on /mcp):
 *
 * - `OAuthAuthorizationServer` serves authorization server metadata (RFC
 *   8414), dynamic client registration (RFC 7591) and the token endpoint
 *   (authorization code with PKCE S256, refresh, RFC 7009 revocation), keeps
 *   everything in OAUTH_KV, and validates access tokens for /mcp.
 * - `OAuthResourceServer` publishes /mcp's protected resource metadata (RFC 9728).
 * - The authorization endpoint is a page of the web UI (src/ui/oauth.tsx):
 *   toolgate's own sign-in, then a consent page.
 *
 * The issuer is PUBLIC_BASE_URL, or the origin the request came to when it is
 * unset (on Cloudflare only this Worker's own hostnames reach it). OAuth needs
 * https there, or http on a loopback host for `wrangler dev`; on any other
 * origin it is off, and bearer API keys keep working on /mcp.
 */
import { OAuthAuthorizationServer, OAuthError, OAuthResourceServer } from "@cloudflare/workers-oauth-provider";
import type { Env } from "../env";
import { publicBaseUrl } from "../public-base-url";
import { ownerStillValid, readGrantProps } from "./grant";

export const MCP_PATH = "/mcp";
/** The authorization endpoint: the consent page, behind the UI's sign-in. */
export const AUTHORIZE_PATH = "/ui/oauth/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";
export const PROTECTED_RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";
export const AUTHORIZATION_SERVER_METADATA_PATH = "/.well-known/oauth-authorization-server";

/**
 * What a grant can hold: /mcp needs tools:execute and nothing else. The other
 * scopes (reading definitions and logs, writing tools, admin) stay with API keys.
 */
export const GRANTABLE_SCOPES = ["tools:execute"] as const;

const ACCESS_TOKEN_TTL_SECONDS = 60 * 60;
/** A grant lives while its client keeps refreshing, and ends after 30 days without a refresh. */
const GRANT_IDLE_TTL_SECONDS = 30 * 24 * 60 * 60;

export interface McpOAuth {
  /** The issuer: PUBLIC_BASE_URL, or the request's origin. */
  issuer: string;
  /** /mcp's canonical resource identifier, the audience of every token. */
  resource: string;
  /** Where /mcp's protected resource metadata is (RFC 9728 section 3.1: the well-known prefix, then the path). */
  resourceMetadataUrl: string;
  authorizationServer: OAuthAuthorizationServer<Env>;
  resourceServer: OAuthResourceServer<Env>;
}

/** Per-isolate cache: issuer → its servers (construction checks every URL once). */
const serversByIssuer = new Map<string, McpOAuth>();
/** More issuers than a deployment has hostnames; a bound, since without PUBLIC_BASE_URL the request picks it. */
const ISSUER_CACHE_LIMIT = 16;

/**
 * The authorization server and /mcp's resource server for a request, or null
 * when OAuth cannot run on its origin (not https, not loopback). An invalid
 * PUBLIC_BASE_URL is a 500 `public_base_url_invalid` (src/public-base-url.ts).
 */
export function mcpOAuthFor(env: Env, requestUrl: string): McpOAuth | null {
  const issuer = publicBaseUrl(env) ?? new URL(requestUrl).origin;
  if (!oauthCanRunOn(new URL(issuer))) return null;
  const cached = serversByIssuer.get(issuer);
  if (cached) return cached;
  const servers = buildServers(issuer);
  if (serversByIssuer.size >= ISSUER_CACHE_LIMIT) serversByIssuer.clear();
  serversByIssuer.set(issuer, servers);
  return servers;
}

/** OAuth 2.1 requires https; the library also accepts http on a loopback host, for local development. */
function oauthCanRunOn(url: URL): boolean {
  if (url.protocol === "https:") return true;
  if (url.protocol !== "http:") return false;
  const host = url.hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function buildServers(issuer: string): McpOAuth {
  const resource = `${issuer}${MCP_PATH}`;
  const authorizationServer = new OAuthAuthorizationServer<Env>({
    issuer,
    resources: [resource],
    authorizeEndpoint: `${issuer}${AUTHORIZE_PATH}`,
    tokenEndpoint: `${issuer}${TOKEN_PATH}`,
    clientRegistrationEndpoint: `${issuer}${REGISTER_PATH}`,
    scopesSupported: [...GRANTABLE_SCOPES],
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTTL: GRANT_IDLE_TTL_SECONDS,
    refreshTokenIdleTTL: GRANT_IDLE_TTL_SECONDS,
    // Exchanging a code or a refresh token needs the person who approved the grant to still be
    // able to: a revoked API key (or a changed ADMIN_TOKEN) ends its grants here too, and
    // invalid_grant makes the library delete the grant and its tokens.
    tokenExchangeCallback: async ({ props, env }) => {
      const grant = readGrantProps(props);
      if (!grant || !(await ownerStillValid(env, grant.owner, () => {})))
        throw new OAuthError("invalid_grant", {
          description: "The API key that approved this grant was revoked; connect again.",
          internal: { category: "token-exchange-callback", reason: "grant_owner_revoked" },
        });
    },
    // The library's default logs each error with its detail; this logs the stable reason only.
    onError: ({ code, status, internal }) => {
      console.warn(
        JSON.stringify({ msg: "oauth error", code, status, category: internal.category, reason: internal.reason }),
      );
    },
  });
  const resourceServer = new OAuthResourceServer<Env>({
    resourceMetadata: {
      resource,
      authorization_servers: [issuer],
      bearer_methods_supported: ["header"],
      resource_name: "toolgate MCP server",
    },
    requiredScopes: [...GRANTABLE_SCOPES],
    validateToken: (env) => (forResource, token) => authorizationServer.validateToken(forResource, token, env),
    // Only the metadata paths are routed to this host (./routes.ts): /mcp authenticates in
    // toolgate's own middleware (./bearer.ts), whose 401 is problem+json. Nothing reaches this.
    handler: { fetch: () => new Response(null, { status: 404 }) },
  });
  return {
    issuer,
    resource,
    resourceMetadataUrl: `${issuer}${PROTECTED_RESOURCE_METADATA_PATH}${MCP_PATH}`,
    authorizationServer,
    resourceServer,
  };
}

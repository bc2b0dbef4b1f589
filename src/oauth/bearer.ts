/**
 * OAuth access tokens on /mcp, beside ADMIN_TOKEN and API keys: what
 * `authenticate()` (src/access/middleware.ts) adds for that one route.
 *
 * - A token that is neither ADMIN_TOKEN nor an API key is validated by the
 *   authorization server (audience /mcp, not expired, not revoked), and then
 *   the grant's owner is checked again: a revoked API key's grants answer 401
 *   like the key itself. Its scopes are those of the token that the owner
 *   still holds.
 * - Every 401 names /mcp's protected resource metadata in `WWW-Authenticate`
 *   (RFC 9728 section 5.1), so an MCP client can discover OAuth from it.
 */
import type { Context } from "hono";
import type { BearerOptions } from "../access/middleware";
import type { Principal } from "../access/principal";
import type { AppBindings, Env } from "../env";
import { effectiveScopes, ownerPrincipal, readGrantProps } from "./grant";
import { GRANTABLE_SCOPES, mcpOAuthFor } from "./provider";

export const mcpBearer: BearerOptions = {
  resolveOther: (c, token) => resolveOAuthPrincipal(c.env, c.req.url, token, deferOf(c)),
  challenge: (c) => {
    const oauth = mcpOAuthFor(c.env, c.req.url);
    return oauth ? `resource_metadata="${oauth.resourceMetadataUrl}", scope="${GRANTABLE_SCOPES.join(" ")}"` : "";
  },
};

/** The principal an OAuth access token acts as on /mcp, or null when it is not a valid one. */
export async function resolveOAuthPrincipal(
  env: Env,
  requestUrl: string,
  token: string,
  defer: (work: Promise<unknown>) => void,
): Promise<Principal | null> {
  // The library's tokens are `<user id>:<grant id>:<secret>`; anything else is not one of ours (no KV read).
  const parts = token.split(":");
  if (parts.length !== 3) return null;
  const oauth = mcpOAuthFor(env, requestUrl);
  if (!oauth) return null;
  const validated = await oauth.authorizationServer.validateToken(oauth.resource, token, env);
  if (!validated) return null;
  const grant = readGrantProps(validated.props);
  if (!grant) return null;
  const owner = await ownerPrincipal(env, grant.owner, defer);
  if (!owner) return null;
  return {
    kind: "oauth_grant",
    grantId: parts[1] as string,
    clientId: validated.clientId,
    owner,
    scopes: effectiveScopes(validated.scope, owner),
    toolIds: grant.toolIds,
  };
}

function deferOf(c: Context<AppBindings>) {
  return (work: Promise<unknown>) =>
    c.executionCtx.waitUntil(
      work.catch((err: unknown) =>
        console.error(JSON.stringify({ msg: "recording API key use failed", name: (err as Error)?.name })),
      ),
    );
}

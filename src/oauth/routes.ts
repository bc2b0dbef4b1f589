/**
 * The OAuth endpoints the library answers, routed through the Hono app so
 * that its middleware (body limit, JSON depth, security headers) applies:
 *
 * - /.well-known/oauth-protected-resource/mcp: /mcp's protected resource
 *   metadata (RFC 9728), where /mcp's 401 points. The same document is served
 *   at /.well-known/oauth-protected-resource, for clients that look only at
 *   the root (the MCP specification's fallback); it describes /mcp, this
 *   server's only protected resource.
 * - /.well-known/oauth-authorization-server: authorization server metadata (RFC 8414).
 * - /oauth/register: dynamic client registration (RFC 7591).
 * - /oauth/token: authorization code (PKCE S256) and refresh token grants, and
 *   revocation (RFC 7009).
 *
 * They answer in OAuth's own formats (`{"error": ...}`), which OAuth clients
 * read; the authorization endpoint is a page of the UI (src/ui/oauth.tsx).
 */
import { Hono, type Context } from "hono";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import {
  AUTHORIZATION_SERVER_METADATA_PATH,
  MCP_PATH,
  mcpOAuthFor,
  PROTECTED_RESOURCE_METADATA_PATH,
  REGISTER_PATH,
  TOKEN_PATH,
  type McpOAuth,
} from "./provider";

export const oauthApi = new Hono<AppBindings>();

oauthApi.all(`${PROTECTED_RESOURCE_METADATA_PATH}${MCP_PATH}`, async (c) =>
  servers(c).resourceServer.fetch(await forwarded(c), c.env, c.executionCtx as ExecutionContext),
);

oauthApi.all(PROTECTED_RESOURCE_METADATA_PATH, async (c) => {
  const oauth = servers(c);
  const atResource = new URL(c.req.url);
  atResource.pathname = `${PROTECTED_RESOURCE_METADATA_PATH}${MCP_PATH}`;
  return oauth.resourceServer.fetch(await forwarded(c, atResource.href), c.env, c.executionCtx as ExecutionContext);
});

for (const path of [AUTHORIZATION_SERVER_METADATA_PATH, TOKEN_PATH, REGISTER_PATH])
  oauthApi.all(path, async (c) =>
    servers(c).authorizationServer.fetch(await forwarded(c), c.env, c.executionCtx as ExecutionContext),
  );

function servers(c: Context<AppBindings>): McpOAuth {
  const oauth = mcpOAuthFor(c.env, c.req.url);
  if (!oauth)
    throw new AppError(
      404,
      "oauth_unavailable",
      `OAuth needs https (or http on localhost), and this server was reached at ${new URL(c.req.url).origin}. Serve toolgate over https and set PUBLIC_BASE_URL to that origin, or connect to /mcp with a bearer API key.`,
    );
  return oauth;
}

/**
 * The request as the library must see it. The JSON depth check
 * (src/api/json-depth.ts) may have read the body already; Hono kept it.
 */
async function forwarded(c: Context<AppBindings>, url: string = c.req.url): Promise<Request> {
  const method = c.req.method;
  const body = method === "GET" || method === "HEAD" || method === "OPTIONS" ? undefined : await c.req.arrayBuffer();
  return new Request(url, { method, headers: c.req.raw.headers, body });
}

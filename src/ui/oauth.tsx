/**
 * The UI's part of OAuth for /mcp (src/oauth/): the authorization endpoint,
 * which is a consent page behind the UI's own sign-in, and Connected apps,
 * where the signed-in principal lists and revokes the grants it approved.
 *
 * The rules that keep a grant within its approver's access:
 * - the grant can carry only tools:execute, and only a principal that holds
 *   it can approve one (the form and the POST both check);
 * - the grant records its approver (src/oauth/grant.ts), checked again on
 *   every token use and refresh: revoking the API key ends the grant;
 * - a grant narrowed to chosen tools lists and calls those only (src/mcp/server.ts).
 *
 * The library checks the rest: the client and its exact redirect URI, PKCE,
 * the resource, and the consent handle, which works once and only in the
 * browser that opened the page (its binding cookie), on top of the UI's CSRF
 * token and session.
 */
import { AuthorizationError, type GrantSummary } from "@cloudflare/workers-oauth-provider";
import { drizzle } from "drizzle-orm/d1";
import type { CredentialPrincipal } from "../access/principal";
import { grantOwnerOf, grantUserIdOf, type GrantMetadata, type GrantProps } from "../oauth/grant";
import { GRANTABLE_SCOPES, mcpOAuthFor, type McpOAuth } from "../oauth/provider";
import { AppError } from "../problem";
import { listTools, type Db } from "../registry/queries";
import { ConnectedAppsPage, type ConnectedAppView } from "./pages/connected-apps";
import { ConsentPage } from "./pages/oauth-consent";
import { OAuthReturnPage } from "./pages/oauth-return";
import type { UiContext } from "./routes";
import type { Session } from "./session";

const CONNECTIONS_PAGE_SIZE = 50;
/** Tools the consent page lists to choose from; beyond them, only "every tool" reaches a tool. */
const CONSENT_TOOL_LIMIT = 500;

/** GET: the consent page for a validated authorization request. */
export async function showConsent(c: UiContext, session: Session) {
  const oauth = requireOAuth(c);
  const helpers = oauth.authorizationServer.getOAuthApi(c.env);
  let request;
  try {
    request = await helpers.parseAuthRequest(c.req.raw);
  } catch (err) {
    if (!(err instanceof AuthorizationError)) throw err;
    // With a validated redirect URI the client hears of the error; otherwise it is shown here, never redirected.
    if (err.redirectTo) return c.redirect(err.redirectTo, 302);
    throw new AppError(400, "invalid_authorization_request", `This app's request cannot be used: ${err.description}.`);
  }
  const client = await helpers.describeConsent(request);
  const registered = (await helpers.lookupClient(request.clientId))?.registrationDate;
  const consent = await helpers.beginConsent(request);
  const { tools, more } = await mcpToolsForConsent(drizzle(c.env.DB));
  // The binding cookie; the page's other headers (CSP, no-store, no framing) are the UI's own.
  for (const cookie of consent.headers.getSetCookie()) c.header("Set-Cookie", cookie, { append: true });
  return c.html(
    <ConsentPage
      session={session}
      client={client}
      registeredAt={registered ? new Date(registered * 1000).toISOString() : null}
      handle={consent.handle}
      canGrant={session.principal.scopes.includes("tools:execute")}
      tools={tools}
      moreTools={more}
    />,
  );
}

/** POST: the consent form's answer. */
export async function answerConsent(c: UiContext, session: Session) {
  const oauth = requireOAuth(c);
  const helpers = oauth.authorizationServer.getOAuthApi(c.env);
  const body = await c.req.parseBody({ all: true });
  const handle = typeof body.handle === "string" ? body.handle : "";
  try {
    if (body.decision !== "allow") {
      const denied = await helpers.denyConsent(c.req.raw, handle);
      return returnToApp(c, session, denied.redirectTo, denied.headers, false);
    }
    const approver = credentialPrincipal(session);
    if (!approver.scopes.includes("tools:execute"))
      throw new AppError(
        403,
        "insufficient_scope",
        "Your API key does not have the tools:execute scope, so it cannot give an app access to run tools. Sign in with a key that has it.",
      );
    const toolIds = await chosenTools(c, body);
    const owner = await grantOwnerOf(c.env, approver);
    if (!owner) throw new AppError(403, "unauthorized", "Your sign-in is no longer valid. Sign in again.");
    const approved = await helpers.approveConsent(c.req.raw, handle, { scope: [...GRANTABLE_SCOPES] });
    const client = await helpers.describeConsent(approved.request);
    const props: GrantProps = { v: 1, owner, toolIds };
    const metadata: GrantMetadata = {
      v: 1,
      clientName: client.clientName,
      redirectHost: client.redirectHost,
      toolIds,
    };
    const { redirectTo } = await helpers.completeAuthorization({
      request: approved.request,
      userId: grantUserIdOf(approver),
      scope: [...GRANTABLE_SCOPES],
      props,
      metadata,
    });
    return returnToApp(c, session, redirectTo, approved.headers, true);
  } catch (err) {
    if (!(err instanceof AuthorizationError)) throw err;
    throw new AppError(
      400,
      "consent_expired",
      `${err.description}. Start connecting again from the app: this page works once, for ten minutes, in the browser that opened it.`,
    );
  }
}

/** GET: the grants this principal approved. */
export async function showConnectedApps(c: UiContext, session: Session) {
  const oauth = mcpOAuthFor(c.env, c.req.url);
  const flash = c.req.query("revoked");
  if (!oauth)
    return c.html(
      <ConnectedAppsPage
        session={session}
        connections={[]}
        nextCursor={null}
        unavailable={`Apps cannot connect with OAuth at ${new URL(c.req.url).origin}: OAuth needs https (or http on localhost).`}
      />,
    );
  const cursor = c.req.query("cursor");
  const grants = await oauth.authorizationServer
    .getOAuthApi(c.env)
    .listUserGrants(grantUserIdOf(credentialPrincipal(session)), {
      limit: CONNECTIONS_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
  const names = await toolNames(
    drizzle(c.env.DB),
    grants.items.flatMap((grant) => metadataOf(grant).toolIds ?? []),
  );
  const connections = grants.items.map((grant) => connectedAppView(grant, names));
  return c.html(
    <ConnectedAppsPage
      session={session}
      connections={connections}
      nextCursor={grants.cursor ?? null}
      flash={flash ? `Revoked the access of “${flash.slice(0, 200)}”.` : undefined}
    />,
  );
}

/** POST: revoke one of this principal's grants (its refresh token and access tokens go with it). */
export async function revokeConnectedApp(c: UiContext, session: Session, grantId: string) {
  const oauth = requireOAuth(c);
  const helpers = oauth.authorizationServer.getOAuthApi(c.env);
  const userId = grantUserIdOf(credentialPrincipal(session));
  // Listed per principal, so nobody can revoke (or learn of) another's grant by its id.
  let found: GrantSummary | undefined;
  let cursor: string | undefined;
  do {
    const page = await helpers.listUserGrants(userId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    found = page.items.find((grant) => grant.id === grantId);
    cursor = page.cursor;
  } while (!found && cursor);
  if (!found) throw new AppError(404, "grant_not_found", "There is no such connected app; it may be revoked already.");
  await helpers.revokeGrant(found.id, userId);
  return c.redirect(`/ui/apps?${new URLSearchParams({ revoked: metadataOf(found).clientName })}`, 303);
}

function requireOAuth(c: UiContext): McpOAuth {
  const oauth = mcpOAuthFor(c.env, c.req.url);
  if (!oauth)
    throw new AppError(
      404,
      "oauth_unavailable",
      `Apps cannot connect with OAuth at ${new URL(c.req.url).origin}: OAuth needs https (or http on localhost).`,
    );
  return oauth;
}

/** A UI session is always ADMIN_TOKEN or an API key: an OAuth token cannot sign in. */
function credentialPrincipal(session: Session): CredentialPrincipal {
  const principal = session.principal;
  if (principal.kind === "oauth_grant") throw new AppError(403, "insufficient_scope", "Sign in with an API key.");
  return principal;
}

/** The tools the form chose: null for every tool, or ids of tools offered over MCP (at least one). */
async function chosenTools(c: UiContext, body: Record<string, unknown>): Promise<string[] | null> {
  if (body.access !== "chosen") return null;
  const ids = [...new Set(([] as unknown[]).concat(body.tool ?? []).filter((v): v is string => typeof v === "string"))];
  if (ids.length === 0)
    throw new AppError(
      422,
      "no_tools_chosen",
      "Choose at least one tool, or allow every tool. Go back to the page to change your answer.",
    );
  const offered = await listTools(drizzle(c.env.DB), ids.length, null, { mcpEnabled: true, ids });
  if (offered.length !== ids.length)
    throw new AppError(
      422,
      "tool_not_offered",
      "A chosen tool was deleted or is no longer offered over MCP. Go back, reload the page and choose again.",
    );
  return ids;
}

function returnToApp(c: UiContext, session: Session, location: string, headers: Headers, approved: boolean) {
  for (const cookie of headers.getSetCookie()) c.header("Set-Cookie", cookie, { append: true });
  const host = new URL(location).host || location;
  return c.html(<OAuthReturnPage session={session} location={location} host={host} approved={approved} />);
}

function metadataOf(grant: GrantSummary): GrantMetadata {
  const metadata = grant.metadata as Partial<GrantMetadata> | null;
  return {
    v: 1,
    clientName: typeof metadata?.clientName === "string" ? metadata.clientName : grant.clientId,
    redirectHost: typeof metadata?.redirectHost === "string" ? metadata.redirectHost : "",
    toolIds: Array.isArray(metadata?.toolIds) ? metadata.toolIds : null,
  };
}

function connectedAppView(grant: GrantSummary, names: Map<string, string>): ConnectedAppView {
  const metadata = metadataOf(grant);
  return {
    grantId: grant.id,
    clientName: metadata.clientName,
    redirectHost: metadata.redirectHost,
    tools: metadata.toolIds === null ? null : metadata.toolIds.map((id) => names.get(id) ?? "a deleted tool"),
    scope: grant.scope,
    createdAt: new Date(grant.createdAt * 1000).toISOString(),
    expiresAt: grant.expiresAt ? new Date(grant.expiresAt * 1000).toISOString() : null,
  };
}

/** The tools offered over MCP, oldest first, as the consent page lists them. */
async function mcpToolsForConsent(db: Db) {
  const rows = await listTools(db, CONSENT_TOOL_LIMIT, null, { mcpEnabled: true });
  const tools = rows
    .slice(0, CONSENT_TOOL_LIMIT)
    .map((row) => ({ id: row.id, name: row.name, description: row.description }));
  return { tools, more: rows.length > CONSENT_TOOL_LIMIT };
}

/** Tool id → name, for the grants listed. */
async function toolNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await listTools(db, unique.length, null, { ids: unique });
  return new Map(rows.map((row) => [row.id, row.name]));
}

/**
 * The browser's side of an OAuth2 authorization-code flow:
 *
 * - `startUiAuthorization`: what the UI's Connect (and Reconnect) button
 *   does, as a function the connection pages call: the provider's URL and the
 *   Set-Cookie of the flow cookie (src/registry/oauth-flow.ts).
 * - `connectFromForm`: `POST /ui/connections/{id}/connect`, the form behind
 *   that button (a session and its CSRF token, checked in ./routes.tsx): sets
 *   the flow cookie and answers a page that goes on to the provider
 *   (./pages/oauth-handoff.tsx says why not a redirect).
 * - `connectionOAuthPages`: `GET /oauth/callback`, where the provider sends the browser
 *   back, and its page (./pages/oauth-callback.tsx). The UI's session cookie
 *   is SameSite=Strict, so it does not come along on that cross-site
 *   redirect: the flow's state, and for a UI flow its flow cookie, are what
 *   the callback checks (src/engine/auth/authorization-code-grant.ts).
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { sha256Base64Url } from "../crypto/pkce";
import { completeAuthorization } from "../engine/auth/authorization-code-grant";
import type { Env } from "../env";
import { CALLBACK_PATH, flowCookieName, startAuthorization } from "../registry/oauth-flow";
import { OAuthCallbackPage, callbackView } from "./pages/oauth-callback";
import { OAuthHandoffPage } from "./pages/oauth-handoff";
import type { UiContext } from "./routes";
import { currentSession, type Session } from "./session";

/** Starts a flow for the session's principal: where to send the browser, and the cookie to set on the way. */
export async function startUiAuthorization(
  c: Pick<Context<{ Bindings: Env }>, "env" | "req">,
  session: Session,
  connectionId: string,
): Promise<{ authorizationUrl: string; setCookie: string }> {
  const started = await startAuthorization(c.env, {
    connectionId,
    principal: session.principal,
    requestUrl: c.req.url,
    browser: true,
  });
  if (started.setCookie === null) throw new Error("a browser flow has a flow cookie");
  return { authorizationUrl: started.authorizationUrl, setCookie: started.setCookie };
}

/** `POST /ui/connections/{id}/connect`: off to the provider. */
export async function connectFromForm(c: UiContext, session: Session, connectionId: string): Promise<Response> {
  const { authorizationUrl, setCookie } = await startUiAuthorization(c, session, connectionId);
  c.header("Set-Cookie", setCookie, { append: true });
  return c.html(<OAuthHandoffPage session={session} authorizationUrl={authorizationUrl} />, 200);
}

export const connectionOAuthPages = new Hono<{ Bindings: Env }>();

connectionOAuthPages.get(CALLBACK_PATH, async (c) => {
  const state = c.req.query("state");
  const outcome = await completeAuthorization(
    c.env,
    { state, code: c.req.query("code"), error: c.req.query("error"), cookie: (name) => getCookie(c, name) },
    flowCookieName,
  );
  // The flow cookie has done its job (or the flow is over): drop it.
  if (state && state.length <= 256) {
    const name = flowCookieName(await sha256Base64Url(state));
    if (getCookie(c, name) !== undefined) deleteCookie(c, name, { path: "/", secure: true });
  }
  // The URL holds the code and the state: never cache this page.
  c.header("Cache-Control", "no-store");
  const view = callbackView(outcome);
  const session = await currentSession(c, (work) => c.executionCtx.waitUntil(work.catch(() => undefined)));
  const connection = "connection" in outcome ? outcome.connection : null;
  return c.html(<OAuthCallbackPage view={view} connection={connection} session={session} />, view.status);
});

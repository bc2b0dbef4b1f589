/** The page frame every UI page shares: header, navigation, the signed-in principal and sign-out. */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Principal } from "../access/principal";
import { can, type Session } from "./session";

export interface PageProps {
  title: string;
  session: Session | null;
  /** Which navigation entry is the current page. */
  current?: "tools" | "new" | "import" | "connections" | "monitoring" | "runs" | "apps" | "agents" | "keys" | undefined;
  /** A URL the browser goes on to by itself (meta refresh): the OAuth consent's way back to the app. */
  refreshTo?: string | undefined;
  children: Child;
}

export function Page({ title, session, current, refreshTo, children }: PageProps) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · toolgate`}</title>
          {refreshTo && <meta http-equiv="refresh" content={`0;url=${refreshTo}`} />}
          <link rel="stylesheet" href="/ui/app.css" />
          <script src="/ui/app.js" defer></script>
        </head>
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <div class="bar">
              <a class="brand" href="/ui">
                toolgate
              </a>
              {session && (
                <nav aria-label="Main">
                  <ul>
                    <li>
                      <a href="/ui" aria-current={current === "tools" ? "page" : undefined}>
                        Tools
                      </a>
                    </li>
                    {can(session, "tools:write") && (
                      <li>
                        <a href="/ui/tools/new" aria-current={current === "new" ? "page" : undefined}>
                          New tool
                        </a>
                      </li>
                    )}
                    {can(session, "tools:write") && (
                      <li>
                        <a href="/ui/import" aria-current={current === "import" ? "page" : undefined}>
                          Import
                        </a>
                      </li>
                    )}
                    {can(session, "connections:read") && (
                      <li>
                        <a href="/ui/connections" aria-current={current === "connections" ? "page" : undefined}>
                          Connections
                        </a>
                      </li>
                    )}
                    {can(session, "executions:read") && (
                      <li>
                        <a href="/ui/monitoring" aria-current={current === "monitoring" ? "page" : undefined}>
                          Monitoring
                        </a>
                      </li>
                    )}
                    {can(session, "executions:read") && (
                      <li>
                        <a href="/ui/runs" aria-current={current === "runs" ? "page" : undefined}>
                          All runs
                        </a>
                      </li>
                    )}
                    {can(session, "tools:execute") && (
                      <li>
                        <a href="/ui/apps" aria-current={current === "apps" ? "page" : undefined}>
                          Connected apps
                        </a>
                      </li>
                    )}
                    <li>
                      <a href="/ui/agents" aria-current={current === "agents" ? "page" : undefined}>
                        Connect an AI agent
                      </a>
                    </li>
                    {can(session, "admin") && (
                      <li>
                        <a href="/ui/keys" aria-current={current === "keys" ? "page" : undefined}>
                          API keys
                        </a>
                      </li>
                    )}
                    <li>
                      <a href="/docs">API docs</a>
                    </li>
                  </ul>
                </nav>
              )}
              {session && (
                <div class="who">
                  <span>Signed in with {principalLabel(session.principal)}</span>
                  <form method="post" action="/ui/sign-out">
                    <input type="hidden" name="_csrf" value={session.csrfToken} />
                    <button type="submit">Sign out</button>
                  </form>
                </div>
              )}
            </div>
          </header>
          <main id="main">{children}</main>
        </body>
      </html>
    </>
  );
}

function principalLabel(principal: Principal): string {
  switch (principal.kind) {
    case "admin_token":
      return "the admin token";
    case "api_key":
      return "an API key";
    case "oauth_grant":
      return "an app's OAuth grant";
  }
}

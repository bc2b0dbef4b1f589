/** The page frame every UI page shares: header, navigation, the signed-in principal and sign-out. */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Principal } from "../access/principal";
import { can, type Session } from "./session";

export interface PageProps {
  title: string;
  session: Session | null;
  /** Which navigation entry is the current page. */
  current?: "tools" | "new" | "import" | undefined;
  /** Extra elements for <head> (the OAuth hand-off page's refresh). */
  head?: Child;
  children: Child;
}

export function Page({ title, session, current, head, children }: PageProps) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · toolgate`}</title>
          <link rel="stylesheet" href="/ui/app.css" />
          <script src="/ui/app.js" defer></script>
          {head}
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
  return principal.kind === "admin_token" ? "the admin token" : "an API key";
}

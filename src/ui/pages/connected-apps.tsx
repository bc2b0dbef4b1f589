import { Time } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";
import { RevokeButton, RevokeTable } from "./revoke-table";

export interface ConnectedAppView {
  grantId: string;
  clientName: string;
  redirectHost: string;
  /** Tool names, or null for every tool offered over MCP. */
  tools: string[] | null;
  scope: string[];
  createdAt: string;
  /** When it ends unless the app refreshes its token before; null while the app has not exchanged its code. */
  expiresAt: string | null;
}

/**
 * Connected apps: the OAuth grants the signed-in principal approved, each
 * with what it allows and a button that revokes it (the grant, its refresh
 * token and every access token it issued).
 */
export function ConnectedAppsPage({
  session,
  connections,
  nextCursor,
  flash,
  unavailable,
}: {
  session: Session;
  connections: ConnectedAppView[];
  nextCursor: string | null;
  flash?: string | undefined;
  /** Why OAuth is off on this origin, when it is. */
  unavailable?: string | undefined;
}) {
  return (
    <Page title="Connected apps" session={session} current="apps">
      <div class="page-head">
        <h1>Connected apps</h1>
      </div>
      {flash && (
        <p class="success" role="status">
          {flash}
        </p>
      )}
      <p class="muted">
        Apps that you allowed to run tools over MCP, such as Claude or ChatGPT connectors: each connected by asking you
        on a consent page. Revoking one ends its access at once; it would have to ask you again.
        {session.principal.kind === "api_key" && " Revoking your API key ends all of them too."}
      </p>
      {unavailable && (
        <p class="notice" role="status">
          {unavailable}
        </p>
      )}
      {connections.length === 0 ? (
        <p class="card">No app is connected with your sign-in.</p>
      ) : (
        <RevokeTable
          caption="Connected apps"
          columns={["App", "Tools", "Connected", "Ends unless used by"]}
          rows={connections}
          cells={(connection) => [
            <>
              “{connection.clientName}”<div class="muted">sends access to {connection.redirectHost}</div>
            </>,
            <>
              {connection.tools === null ? "Every tool offered over MCP" : connection.tools.join(", ") || "none"}
              <div class="muted">{connection.scope.join(" ")}</div>
            </>,
            <Time iso={connection.createdAt} />,
            connection.expiresAt ? (
              <Time iso={connection.expiresAt} />
            ) : (
              <span class="muted">not finished: the app has not fetched its token yet</span>
            ),
          ]}
          revoke={(connection) => (
            <RevokeButton
              action={`/ui/apps/${encodeURIComponent(connection.grantId)}/revoke`}
              name={connection.clientName}
              csrf={session.csrfToken}
            />
          )}
        />
      )}
      {nextCursor && (
        <nav class="pager" aria-label="Pages">
          <a href={`/ui/apps?${new URLSearchParams({ cursor: nextCursor })}`}>Next page</a>
        </nav>
      )}
    </Page>
  );
}

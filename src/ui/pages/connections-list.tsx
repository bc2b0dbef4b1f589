/** The Connections page: every saved credential, its status in words, how many tools use it, and when it was last used. */
import type { z } from "@hono/zod-openapi";
import type { Connection } from "../../api/connection-schemas";
import { Time } from "../components";
import { Page } from "../layout";
import { can, type Session } from "../session";
import { authTypeLabel, StatusBadge } from "./connection-status";

export function ConnectionsListPage({
  session,
  connections,
  nextCursor,
  flash,
}: {
  session: Session;
  connections: z.infer<typeof Connection>[];
  nextCursor: string | null;
  flash?: string | undefined;
}) {
  const mayWrite = can(session, "connections:write");
  return (
    <Page title="Connections" session={session} current="connections">
      <div class="page-head">
        <h1>Connections</h1>
        {mayWrite && (
          <a class="button primary" href="/ui/connections/new">
            New connection
          </a>
        )}
      </div>
      {flash && (
        <p class="notice" role="status">
          {flash}
        </p>
      )}
      <p class="muted">
        A connection holds a credential once, for many tools: change the key here and every tool that uses it gets the
        new one.
      </p>
      {connections.length === 0 ? (
        <div class="card empty">
          <h2>No connections yet</h2>
          <p>
            Save an API key, token, password or OAuth2 client here, then choose it in a tool's Authentication section.
          </p>
        </div>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Authentication</th>
              <th scope="col">Status</th>
              <th scope="col">Tools</th>
              <th scope="col">Last used</th>
            </tr>
          </thead>
          <tbody>
            {connections.map((connection) => (
              <tr>
                <td data-label="Name">
                  <a href={`/ui/connections/${connection.id}`}>{connection.name}</a>
                  {connection.description && <div class="muted">{connection.description}</div>}
                </td>
                <td data-label="Authentication">{authTypeLabel(connection.auth_config)}</td>
                <td data-label="Status">
                  <StatusBadge connection={connection} />
                </td>
                <td data-label="Tools">{connection.tools_count}</td>
                <td data-label="Last used">
                  {connection.last_used_at ? <Time iso={connection.last_used_at} /> : <span class="muted">never</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <nav class="pager" aria-label="Pages">
          <a href={`/ui/connections?${new URLSearchParams({ cursor: nextCursor })}`}>Next page</a>
        </nav>
      )}
    </Page>
  );
}

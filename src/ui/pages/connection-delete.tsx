/** The confirmation before deleting a connection, and, when tools still use it, the list of those tools. */
import type { z } from "@hono/zod-openapi";
import type { Connection } from "../../api/connection-schemas";
import { CsrfField } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";

export function ConnectionDeletePage({
  session,
  connection,
  blockedBy,
}: {
  session: Session;
  connection: z.infer<typeof Connection>;
  /** The tools that stopped the delete (409 connection_in_use), or null before trying. */
  blockedBy: { tools: readonly { id: string; name: string }[]; count: number } | null;
}) {
  return (
    <Page title={`Delete ${connection.name}`} session={session} current="connections">
      <p class="muted">
        <a href="/ui/connections">Connections</a> / <a href={`/ui/connections/${connection.id}`}>{connection.name}</a> /
      </p>
      <div class="card">
        {blockedBy ? (
          <div class="error-summary" role="alert" id="in-use">
            <strong>
              The connection “{connection.name}” was not deleted: {blockedBy.count}{" "}
              {blockedBy.count === 1 ? "tool uses" : "tools use"} it.
            </strong>
            <p>
              Give each of these tools another connection or its own credentials (in its editor, under Authentication),
              or delete them, then delete the connection.
            </p>
            <ul>
              {blockedBy.tools.map((tool) => (
                <li>
                  <a href={`/ui/tools/${tool.id}/edit`}>{tool.name}</a>
                </li>
              ))}
            </ul>
            {blockedBy.count > blockedBy.tools.length && <p>and {blockedBy.count - blockedBy.tools.length} more.</p>}
          </div>
        ) : (
          <>
            <h1>Delete the connection “{connection.name}”?</h1>
            <p>Its stored credential is deleted for good. A connection that tools still use is not deleted.</p>
            <form method="post" action={`/ui/connections/${connection.id}/delete`} class="actions">
              <CsrfField token={session.csrfToken} />
              <button class="danger" type="submit">
                Delete {connection.name}
              </button>
              <a class="button" href={`/ui/connections/${connection.id}`}>
                Cancel
              </a>
            </form>
          </>
        )}
      </div>
    </Page>
  );
}

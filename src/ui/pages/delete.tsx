import type { StoredTool } from "../../registry/stored-tool";
import { CsrfField } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";

/** The confirmation step before a delete: it names the tool and says what is kept. */
export function DeletePage({ session, tool }: { session: Session; tool: StoredTool }) {
  return (
    <Page title={`Delete ${tool.name}`} session={session}>
      <p class="muted">
        <a href="/ui">Tools</a> / <a href={`/ui/tools/${tool.id}`}>{tool.name}</a> /
      </p>
      <div class="card">
        <h1>Delete the tool “{tool.name}”?</h1>
        <p>
          The tool and its stored credentials are deleted for good, and anything that runs it by id will fail. Its
          execution history is kept for audit.
        </p>
        <form method="post" action={`/ui/tools/${tool.id}/delete`} class="actions">
          <CsrfField token={session.csrfToken} />
          <button class="danger" type="submit">
            Delete {tool.name}
          </button>
          <a class="button" href={`/ui/tools/${tool.id}`}>
            Cancel
          </a>
        </form>
      </div>
    </Page>
  );
}

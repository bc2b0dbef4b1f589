/** Deleted tools whose runs the log keeps for audit, each with a link to its history. */
import type { DeletedTool } from "../../registry/deleted-tools";
import { Time } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";

export function DeletedToolsPage({ session, tools, limit }: { session: Session; tools: DeletedTool[]; limit: number }) {
  return (
    <Page title="Deleted tools" session={session}>
      <p class="muted">
        <a href="/ui">Tools</a> /
      </p>
      <h1>Deleted tools</h1>
      <p>
        Deleting a tool removes its definition and credentials, but keeps the record of its runs for audit, until the
        log's retention period removes them. Open a tool to see its runs, and a run to see what was sent and what came
        back.
      </p>
      {tools.length === 0 ? (
        <p class="card">No deleted tool has runs in the log.</p>
      ) : (
        <table>
          <caption class="sr-only">Deleted tools, most recently run first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Runs kept</th>
              <th scope="col">Last run</th>
            </tr>
          </thead>
          <tbody>
            {tools.map((tool) => (
              <tr>
                <td data-label="Name">
                  <a href={`/ui/tools/${tool.toolId}/history`}>{tool.toolName}</a>
                  <div class="muted">id {tool.toolId}</div>
                </td>
                <td data-label="Runs kept">{tool.runs}</td>
                <td data-label="Last run">
                  <Time iso={tool.lastRunAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tools.length === limit && (
        <p class="muted">
          These are the {limit} most recently run. The API lists the runs of any other by its id:{" "}
          <code>{"GET /tools/{id}/executions"}</code>.
        </p>
      )}
    </Page>
  );
}

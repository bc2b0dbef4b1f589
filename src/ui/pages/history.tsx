/** A tool's execution history, newest first, filterable by outcome (one run's page: ./run.tsx). */
import type { ExecutionRow } from "../../db/schema";
import { OUTCOMES } from "../../engine/outcomes";
import { OutcomeBadge, Time } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";

export interface HistoryProps {
  session: Session;
  toolId: string;
  toolName: string;
  rows: ExecutionRow[];
  outcome: string;
  nextCursor: string | null;
  /** The tool was deleted: its runs are what the log kept for audit, and it has no page to link to. */
  deleted?: boolean;
}

export function HistoryPage({ session, toolId, toolName, rows, outcome, nextCursor, deleted }: HistoryProps) {
  return (
    <Page title={`History of ${toolName}`} session={session}>
      <p class="muted">
        <a href="/ui">Tools</a> /{" "}
        {deleted ? <a href="/ui/deleted-tools">Deleted tools</a> : <a href={`/ui/tools/${toolId}`}>{toolName}</a>} /
      </p>
      <h1>History of {toolName}</h1>
      {deleted && (
        <p class="notice" role="note">
          This tool was deleted. Its runs are kept for audit and can still be opened; it can no longer be run.
        </p>
      )}
      <form class="filter" method="get" action={`/ui/tools/${toolId}/history`}>
        <div class="field">
          <label for="outcome">Outcome</label>
          <select id="outcome" name="outcome">
            <option value="">All outcomes</option>
            {OUTCOMES.map((o) => (
              <option value={o} selected={o === outcome}>
                {o.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      {rows.length === 0 ? (
        <p class="card">
          {outcome
            ? `No run of this tool ended in ${outcome.replaceAll("_", " ")}.`
            : "This tool has not been run yet."}
        </p>
      ) : (
        <table>
          <caption class="sr-only">Executions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Outcome</th>
              <th scope="col">Status</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                <td data-label="Time">
                  <a href={`/ui/executions/${row.id}`}>
                    <Time iso={row.startedAt} />
                  </a>
                </td>
                <td data-label="Outcome">
                  <OutcomeBadge outcome={row.outcome} />
                </td>
                <td data-label="Status">{row.upstreamStatus ?? "—"}</td>
                <td data-label="Duration">{row.durationMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <nav class="pager" aria-label="Pages">
          <a href={`/ui/tools/${toolId}/history?${new URLSearchParams({ outcome, cursor: nextCursor })}`}>Older runs</a>
        </nav>
      )}
    </Page>
  );
}

/** A tool's execution history, newest first, filterable by outcome (one run's page: ./run.tsx). */
import type { ExecutionRow } from "../../db/schema";
import { Page } from "../layout";
import type { Session } from "../session";
import { OutcomeFilter, RunsList } from "./runs-table";

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
        <OutcomeFilter value={outcome} />
        <button type="submit">Filter</button>
      </form>
      <RunsList
        rows={rows}
        caption="Executions, newest first"
        empty={
          outcome ? `No run of this tool ended in ${outcome.replaceAll("_", " ")}.` : "This tool has not been run yet."
        }
        olderHref={nextCursor && `/ui/tools/${toolId}/history?${new URLSearchParams({ outcome, cursor: nextCursor })}`}
      />
    </Page>
  );
}

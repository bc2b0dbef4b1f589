/** The all-runs log: every tool's runs, newest first, filtered by tool, outcome, upstream status and time. */
import type { ExecutionRow } from "../../db/schema";
import { Page } from "../layout";
import type { Session } from "../session";
import { OutcomeFilter, RunsList } from "./runs-table";

/** The filters as the form's query parameters (empty means unfiltered). */
export interface AllRunsFilters {
  tool: string;
  outcome: string;
  status: string;
  from: string;
  to: string;
}

export interface AllRunsProps {
  session: Session;
  filters: AllRunsFilters;
  rows: ExecutionRow[];
  nextCursor: string | null;
  /** The tools to choose from: every tool with a run still counted. */
  tools: { toolId: string; toolName: string }[];
}

export function AllRunsPage({ session, filters, rows, nextCursor, tools }: AllRunsProps) {
  return (
    <Page title="All runs" session={session} current="runs">
      <h1>All runs</h1>
      <p>
        Every tool's runs, newest first. Charts are in <a href="/ui/monitoring">Monitoring</a>.
      </p>
      <form class="filter" method="get" action="/ui/runs">
        <div class="field">
          <label for="tool">Tool</label>
          <select id="tool" name="tool">
            <option value="">All tools</option>
            {tools.map((t) => (
              <option value={t.toolId} selected={t.toolId === filters.tool}>
                {t.toolName}
              </option>
            ))}
            {/* A tool id from a link whose tool has no counted run left: kept, so that the filter still shows. */}
            {filters.tool && !tools.some((t) => t.toolId === filters.tool) && (
              <option value={filters.tool} selected>
                {filters.tool}
              </option>
            )}
          </select>
        </div>
        <OutcomeFilter value={filters.outcome} />
        <div class="field">
          <label for="status">HTTP status</label>
          <input id="status" name="status" inputmode="numeric" value={filters.status} />
        </div>
        <div class="field">
          <label for="from">From (UTC)</label>
          <input id="from" name="from" type="datetime-local" value={filters.from} />
        </div>
        <div class="field">
          <label for="to">To (UTC)</label>
          <input id="to" name="to" type="datetime-local" value={filters.to} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <RunsList
        rows={rows}
        caption="Runs, newest first"
        withTool
        empty="No run matches these filters."
        olderHref={nextCursor && `/ui/runs?${new URLSearchParams({ ...filters, cursor: nextCursor })}`}
      />
    </Page>
  );
}

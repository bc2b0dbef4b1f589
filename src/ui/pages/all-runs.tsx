/** The all-runs log: every tool's runs, newest first, filtered by tool, outcome, upstream status and time. */
import type { ExecutionRow } from "../../db/schema";
import { OUTCOMES } from "../../engine/outcomes";
import { OutcomeBadge, Time } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";

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
        <div class="field">
          <label for="outcome">Outcome</label>
          <select id="outcome" name="outcome">
            <option value="">All outcomes</option>
            {OUTCOMES.map((o) => (
              <option value={o} selected={o === filters.outcome}>
                {o.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </div>
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
      {rows.length === 0 ? (
        <p class="card">No run matches these filters.</p>
      ) : (
        <table>
          <caption class="sr-only">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Tool</th>
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
                <td data-label="Tool">
                  <a href={`/ui/tools/${row.toolId}`}>{row.toolName}</a>
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
          <a href={`/ui/runs?${new URLSearchParams({ ...filters, cursor: nextCursor })}`}>Older runs</a>
        </nav>
      )}
    </Page>
  );
}

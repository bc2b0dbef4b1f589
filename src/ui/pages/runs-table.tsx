/** The list of runs that the all-runs log and a tool's history both show, and their outcome filter. */
import type { ExecutionRow } from "../../db/schema";
import { OUTCOMES } from "../../engine/outcomes";
import { OutcomeBadge, Time } from "../components";
import { Select } from "./form-controls";

const OUTCOME_CHOICES = [["", "All outcomes"], ...OUTCOMES.map((o) => [o, o.replaceAll("_", " ")] as const)] as const;

/** The outcome filter (query parameter `outcome`; empty is every outcome). */
export function OutcomeFilter({ value }: { value: string }) {
  return <Select id="outcome" label="Outcome" value={value} options={OUTCOME_CHOICES} errors={new Map()} />;
}

/**
 * Runs, newest first: each one's time links to its page. `withTool` adds the
 * tool's column (the all-runs log; a tool's history is one tool's). `empty`
 * says why there is none; `olderHref` is the next page, if there is one.
 */
export function RunsList(props: {
  rows: readonly ExecutionRow[];
  caption: string;
  withTool?: boolean;
  empty: string;
  olderHref: string | null;
}) {
  const { rows, withTool = false } = props;
  return (
    <>
      {rows.length === 0 ? (
        <p class="card">{props.empty}</p>
      ) : (
        <table>
          <caption class="sr-only">{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              {withTool && <th scope="col">Tool</th>}
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
                {withTool && (
                  <td data-label="Tool">
                    <a href={`/ui/tools/${row.toolId}`}>{row.toolName}</a>
                  </td>
                )}
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
      {props.olderHref && (
        <nav class="pager" aria-label="Pages">
          <a href={props.olderHref}>Older runs</a>
        </nav>
      )}
    </>
  );
}

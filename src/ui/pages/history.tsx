/** A tool's execution history, newest first, filterable by outcome, and one log entry. */
import type { ExecutionRow } from "../../db/schema";
import { OUTCOMES } from "../../engine/outcomes";
import { OutcomeBadge, Time } from "../components";
import { Page } from "../layout";
import { can, type Session } from "../session";
import type { ProblemFieldError } from "../../problem";
import { schemaErrorInWords } from "../plain-words";

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

export function ExecutionPage({
  session,
  row,
  input,
  output,
}: {
  session: Session;
  row: ExecutionRow;
  input: unknown;
  output: unknown;
}) {
  // A response that failed the output schema is logged beside the errors (src/engine/execute.ts, failureOutput).
  const mismatch = row.outcome === "output_invalid" && !row.outputTruncated && isMismatch(output) ? output : null;
  return (
    <Page title="Execution" session={session}>
      <p class="muted">
        <a href="/ui">Tools</a> / <a href={`/ui/tools/${row.toolId}`}>{row.toolName}</a> /{" "}
        <a href={`/ui/tools/${row.toolId}/history`}>History</a> /
      </p>
      <h1>Run of {row.toolName}</h1>
      <div class="card">
        <dl class="facts">
          <dt>Outcome</dt>
          <dd>
            <OutcomeBadge outcome={row.outcome} />
          </dd>
          <dt>Started</dt>
          <dd>
            <Time iso={row.startedAt} />
          </dd>
          <dt>Duration</dt>
          <dd>{row.durationMs} ms</dd>
          <dt>Upstream status</dt>
          <dd>{row.upstreamStatus ?? "no response"}</dd>
          {row.method && (
            <>
              <dt>Request</dt>
              <dd>
                <span class="method">{row.method}</span> <code>{row.url}</code>
              </dd>
            </>
          )}
          <dt>Tool version</dt>
          <dd>{row.toolVersion}</dd>
          {row.errorMessage && (
            <>
              <dt>Error</dt>
              <dd>{row.errorMessage}</dd>
            </>
          )}
          {row.attempts && row.attempts.length > 1 && (
            <>
              <dt>Attempts</dt>
              <dd>{row.attempts.length}</dd>
            </>
          )}
          <dt>Execution id</dt>
          <dd>
            <code>{row.id}</code>
          </dd>
        </dl>
      </div>
      <div class="split">
        <section class="card" aria-labelledby="input-heading">
          <h2 id="input-heading">Input{row.inputTruncated ? " (truncated)" : ""}</h2>
          <pre>
            <code>{pretty(input)}</code>
          </pre>
        </section>
        {mismatch ? (
          <section class="card" aria-labelledby="output-heading">
            <h2 id="output-heading">What the API returned</h2>
            <p>It does not match the tool's output schema:</p>
            <ul>
              {mismatch.errors.map((e) => (
                <li>{schemaErrorInWords(e, "output")}</li>
              ))}
            </ul>
            <pre>
              <code>{pretty(mismatch.response)}</code>
            </pre>
            {can(session, "tools:write") && (
              <p>
                <a
                  class="button"
                  href={`/ui/tools/${row.toolId}/edit?output_schema_from=${encodeURIComponent(row.id)}#output`}
                >
                  Update the output schema from this response
                </a>
              </p>
            )}
          </section>
        ) : (
          <section class="card" aria-labelledby="output-heading">
            <h2 id="output-heading">Output{row.outputTruncated ? " (truncated)" : ""}</h2>
            <pre>
              <code>{output === null ? "(none)" : pretty(output)}</code>
            </pre>
          </section>
        )}
      </div>
    </Page>
  );
}

function isMismatch(value: unknown): value is { errors: ProblemFieldError[]; response: unknown } {
  return (
    value !== null &&
    typeof value === "object" &&
    "response" in value &&
    "errors" in value &&
    Array.isArray(value.errors)
  );
}

function pretty(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

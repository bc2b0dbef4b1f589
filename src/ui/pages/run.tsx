/**
 * One run's page: its outcome, input and output, and the run detail that
 * explains it (src/engine/run-detail.ts): the request, the response, every
 * attempt with its timing, the token fetch, and Copy as cURL. Everything
 * shown was redacted when the log row was written; credentials appear only
 * as the shell variables of the cURL command.
 */
import type { ExecutionRow } from "../../db/schema";
import type { RunDetail } from "../../engine/run-detail-present";
import type { ProblemFieldError } from "../../problem";
import { OutcomeBadge, Time } from "../components";
import { Page } from "../layout";
import { schemaErrorInWords } from "../plain-words";
import { can, type Session } from "../session";

export interface ExecutionPageProps {
  session: Session;
  row: ExecutionRow;
  input: unknown;
  output: unknown;
  detail: RunDetail | null;
}

export function ExecutionPage({ session, row, input, output, detail }: ExecutionPageProps) {
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
      {detail ? (
        <RunDetailSections detail={detail} />
      ) : (
        row.method === null && (
          <p class="card muted">No request was sent in this run, so there is no request or response to show.</p>
        )
      )}
    </Page>
  );
}

function RunDetailSections({ detail }: { detail: RunDetail }) {
  const { request, response } = detail;
  return (
    <>
      {detail.truncated && (
        <p class="notice">This run's detail was too large to keep in full: the parts marked "cut" were shortened.</p>
      )}
      <section class="card" aria-labelledby="request-heading">
        <h2 id="request-heading">Request</h2>
        <p>
          <span class="method">{request.method}</span> <code>{request.url}</code>
        </p>
        {request.credentials.map((credential) => (
          <p class="hint">
            {credential.in === "query"
              ? `The credential was added to the URL as the query parameter "${credential.name}". Its value is never shown.`
              : `The credential went in the ${credential.name} header${credential.scheme ? ` (${credential.scheme})` : ""}. Its value is never shown.`}
          </p>
        ))}
        <HeaderTable caption="Request headers" headers={request.headers} hidden="not shown: it carries a credential" />
        <h3>Body{request.body_truncated ? " (cut)" : ""}</h3>
        {request.body === null ? <p class="muted">No body.</p> : <Body text={request.body} />}
      </section>
      <section class="card" aria-labelledby="response-heading">
        <h2 id="response-heading">Response</h2>
        {response ? (
          <>
            <p>
              Status <strong>{response.status}</strong>
            </p>
            <HeaderTable caption="Response headers" headers={response.headers} hidden="not kept" />
            <p class="hint">
              Header values are kept only for content type and length, caching, dates, rate limits and request ids;
              never for Set-Cookie.
            </p>
            <h3>Body{response.body_truncated ? " (cut)" : ""}</h3>
            {response.body === null ? (
              <p class="muted">No body was read.</p>
            ) : response.body === "" ? (
              <p class="muted">Empty.</p>
            ) : (
              <Body text={response.body} />
            )}
          </>
        ) : (
          <p class="muted">No response came.</p>
        )}
      </section>
      <section class="card" aria-labelledby="attempts-heading">
        <h2 id="attempts-heading">Attempts</h2>
        {detail.attempts.length === 0 ? (
          <p class="muted">The request was not sent.</p>
        ) : (
          <table>
            <caption class="sr-only">Attempts, in order</caption>
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Waited before</th>
                <th scope="col">Time to headers</th>
                <th scope="col">Total</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {detail.attempts.map((a) => (
                <tr>
                  <td data-label="Attempt">{a.attempt}</td>
                  <td data-label="Waited before">{a.delay_ms} ms</td>
                  <td data-label="Time to headers">{a.time_to_headers_ms} ms</td>
                  <td data-label="Total">{a.total_ms === null ? "—" : `${a.total_ms} ms`}</td>
                  <td data-label="Result">
                    {a.status !== null ? `HTTP ${a.status}` : (a.error ?? "").replaceAll("_", " ")}
                    {a.redirects > 0 && ` after ${a.redirects} redirect${a.redirects === 1 ? "" : "s"}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="hint">
          DNS lookup and connection times are not shown: Cloudflare Workers do not expose them. Total includes reading
          the body.
        </p>
      </section>
      {detail.token_fetches.length > 0 && (
        <section class="card" aria-labelledby="token-heading">
          <h2 id="token-heading">Access token</h2>
          <table>
            <caption class="sr-only">Looks for an access token, in order</caption>
            <thead>
              <tr>
                <th scope="col">Token endpoint</th>
                <th scope="col">How</th>
                <th scope="col">Status</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {detail.token_fetches.map((t) => (
                <tr>
                  <td data-label="Token endpoint">
                    <code>{t.endpoint}</code>
                  </td>
                  <td data-label="How">
                    {tokenSourceInWords(t)}
                    {t.after_401 && ", after the API refused the previous token (401)"}
                  </td>
                  <td data-label="Status">
                    {t.status ?? "—"}
                    {t.error && ` (${t.error.replaceAll("_", " ")})`}
                  </td>
                  <td data-label="Time">{t.duration_ms} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="hint">Tokens are never shown or kept in the log.</p>
        </section>
      )}
      <section class="card" aria-labelledby="curl-heading">
        <h2 id="curl-heading">Copy as cURL</h2>
        <p class="hint">
          {request.credentials.length > 0
            ? `Credentials are shell variables: set ${[...new Set(request.credentials.map((c) => `$${c.placeholder}`))].join(", ")} before running it.`
            : "The request as curl sends it."}
          {request.body_truncated && " The body was too long to keep: save it as request-body.txt first."}
        </p>
        <pre>
          <code id="curl-command">{detail.curl}</code>
        </pre>
        <button type="button" data-copy="curl-command" hidden>
          Copy as cURL
        </button>
      </section>
    </>
  );
}

function HeaderTable({
  caption,
  headers,
  hidden,
}: {
  caption: string;
  headers: RunDetail["request"]["headers"];
  hidden: string;
}) {
  if (headers.length === 0) return <p class="muted">No headers.</p>;
  return (
    <table>
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Header</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {headers.map((h) => (
          <tr>
            <td data-label="Header">
              <code>{h.name}</code>
            </td>
            <td data-label="Value">
              {h.value === null ? <span class="muted">({hidden})</span> : <code>{h.value}</code>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Body({ text }: { text: string }) {
  return (
    <pre>
      <code>{prettyText(text)}</code>
    </pre>
  );
}

function tokenSourceInWords(t: RunDetail["token_fetches"][number]): string {
  switch (t.source) {
    case "cache":
      return "From the cache";
    case "stored":
      return "The connection's stored token";
    case "token_endpoint":
      return t.grant_type === "refresh_token" ? "Refreshed at the token endpoint" : "Requested from the token endpoint";
  }
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

/** JSON text indented for reading; anything else as it is. */
function prettyText(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

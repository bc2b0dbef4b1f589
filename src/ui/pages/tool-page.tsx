/** One tool: what it calls, and the test panel that runs it with a form generated from its input schema. */
import type { ToolRow } from "../../db/schema";
import type { DamagedTool } from "../../registry/stored-tool";
import type { DescribedRequest } from "../../engine/executors";
import type { ProblemFieldError } from "../../problem";
import { CsrfField, describedBy, ErrorSummary, FieldError, OutcomeBadge, type FieldErrors } from "../components";
import type { InputField } from "../input-form";
import { AUTH_LABELS } from "../labels";
import { Page } from "../layout";
import { schemaErrorInWords } from "../plain-words";
import { can, type Session } from "../session";

export interface RunView {
  executionId: string;
  outcome: string;
  statusCode: number | null;
  durationMs: number;
  request: DescribedRequest | null;
  /** The parsed response on success; the upstream body or errors on failure, when there is one. */
  output: unknown;
  problem: { title: string; detail: string; code: string; errors: ProblemFieldError[] } | null;
  /** The connection to fix when it was not ready (connection_not_ready), or null when it no longer exists. */
  fixConnection?: { id: string; name: string } | null;
}

export interface TestPanelState {
  fields: InputField[];
  rawOnly: boolean;
  /** Submitted values by field name (or `input_json` for the raw view), kept on errors. */
  values: Record<string, string | undefined>;
  errors: FieldErrors;
}

export interface ToolPageProps {
  session: Session;
  tool: ToolRow;
  panel: TestPanelState;
  run: RunView | null;
  flash?: string | undefined;
}

export function ToolPage({ session, tool, panel, run, flash }: ToolPageProps) {
  return (
    <Page title={tool.name} session={session}>
      <div class="page-head">
        <div>
          <p class="muted">
            <a href="/ui">Tools</a> /
          </p>
          <h1>{tool.name}</h1>
        </div>
        <div class="actions">
          {can(session, "tools:write") && (
            <a class="button" href={`/ui/tools/${tool.id}/edit`}>
              Edit
            </a>
          )}
          {can(session, "tools:write") && (
            <a class="button" href={`/ui/tools/${tool.id}/duplicate`}>
              Duplicate
            </a>
          )}
          {can(session, "executions:read") && (
            <a class="button" href={`/ui/tools/${tool.id}/history`}>
              History
            </a>
          )}
          {can(session, "executions:read") && (
            <a class="button" href={`/ui/tools/${tool.id}/monitoring`}>
              Monitoring
            </a>
          )}
          <a class="button" href={`/ui/tools/${tool.id}/versions`}>
            Versions
          </a>
          {can(session, "tools:write") && (
            <a class="button" href={`/ui/tools/${tool.id}/delete`}>
              Delete
            </a>
          )}
        </div>
      </div>
      {flash && (
        <p class="success" role="status">
          {flash}
        </p>
      )}
      {tool.description && <p>{tool.description}</p>}
      <div class="card">
        <dl class="facts">
          {tool.executionType === "function" ? (
            <>
              <dt>Runs</dt>
              <dd>the built-in function {tool.functionName}</dd>
            </>
          ) : (
            <>
              <dt>Calls</dt>
              <dd>
                <span class="method">{tool.method}</span> <code>{tool.endpointUrl}</code>
              </dd>
              <dt>Authentication</dt>
              <dd>{authSummary(tool)}</dd>
              <dt>Timeout</dt>
              <dd>{tool.timeoutSeconds} s</dd>
            </>
          )}
          <dt>Version</dt>
          <dd>{tool.version}</dd>
        </dl>
      </div>
      <div class="split" id="run">
        {can(session, "tools:execute") ? (
          <TestPanel tool={tool} session={session} panel={panel} />
        ) : (
          <p class="card muted">Your API key cannot run tools (it lacks the tools:execute scope).</p>
        )}
        {run && (
          <RunResult
            run={run}
            showLog={can(session, "executions:read")}
            fixSchemaHref={
              run.outcome === "output_invalid" && can(session, "tools:write") && can(session, "executions:read")
                ? `/ui/tools/${tool.id}/edit?output_schema_from=${encodeURIComponent(run.executionId)}#output`
                : undefined
            }
          />
        )}
      </div>
    </Page>
  );
}

/**
 * A tool whose stored row does not read in full (src/registry/stored-tool.ts):
 * what can be read of it, what is wrong, and what to do. It cannot run or be
 * edited here; history and delete still work.
 */
export function DamagedToolPage({ session, tool, run }: { session: Session; tool: DamagedTool; run: RunView | null }) {
  return (
    <Page title={tool.name} session={session}>
      <div class="page-head">
        <div>
          <p class="muted">
            <a href="/ui">Tools</a> /
          </p>
          <h1>{tool.name}</h1>
        </div>
        <div class="actions">
          {can(session, "executions:read") && (
            <a class="button" href={`/ui/tools/${tool.id}/history`}>
              History
            </a>
          )}
          {can(session, "executions:read") && (
            <a class="button" href={`/ui/tools/${tool.id}/monitoring`}>
              Monitoring
            </a>
          )}
          {can(session, "tools:write") && (
            <a class="button" href={`/ui/tools/${tool.id}/delete`}>
              Delete
            </a>
          )}
        </div>
      </div>
      <div class="error-summary" role="alert" id="damaged">
        <strong>This tool's stored definition is damaged, so it cannot run or be edited here.</strong>
        <ul>
          {tool.damage.map((d) => (
            <li>
              <code>{d.column}</code> {d.problem}
            </li>
          ))}
        </ul>
        <p>
          Delete it and create it again, or replace its whole definition, secrets included, with PUT /tools/{tool.id} in
          the API.
        </p>
      </div>
      {tool.description && <p>{tool.description}</p>}
      {run && <RunResult run={run} showLog={can(session, "executions:read")} />}
    </Page>
  );
}

function authSummary(tool: ToolRow): string {
  if (tool.connectionId !== null) return `The saved connection ${tool.connectionId} (its credential is managed there)`;
  const params = tool.authParams;
  switch (params.type) {
    case "api_key":
      return `API key in the ${params.location === "header" ? "header" : "query parameter"} ${params.key_name} (value hidden)`;
    case "oauth2":
      return `OAuth2 client credentials from ${params.token_url}`;
    default:
      return AUTH_LABELS[params.type];
  }
}

function TestPanel({ tool, session, panel }: { tool: ToolRow; session: Session; panel: TestPanelState }) {
  const { errors } = panel;
  return (
    <section class="card" aria-labelledby="test-heading">
      <h2 id="test-heading">Test</h2>
      <ErrorSummary title="The input was not accepted." errors={errors} />
      <form method="post" action={`/ui/tools/${tool.id}/run#run`} novalidate>
        <CsrfField token={session.csrfToken} />
        {panel.rawOnly ? (
          <div class="field">
            <label for="input_json">Input (JSON)</label>
            <textarea id="input_json" name="input_json" {...describedBy("input_json", errors, true)}>
              {panel.values.input_json ?? "{}"}
            </textarea>
            <p class="hint" id="input_json-hint">
              This tool's input schema is beyond the generated form, so the input is entered as JSON.
            </p>
            <FieldError id="input_json" errors={errors} />
          </div>
        ) : panel.fields.length === 0 ? (
          <p class="muted">This tool takes no input.</p>
        ) : (
          panel.fields.map((field) => <InputControl field={field} value={panel.values[field.name]} errors={errors} />)
        )}
        <button class="primary" type="submit">
          Run
        </button>
      </form>
    </section>
  );
}

export const inputFieldId = (name: string) => `input-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;

function InputControl({ field, value, errors }: { field: InputField; value: string | undefined; errors: FieldErrors }) {
  const id = inputFieldId(field.name);
  const name = `in.${field.name}`;
  const current = value ?? field.value;
  const aria = describedBy(id, errors, field.description !== null);
  const label = (
    <label for={id}>
      {field.label}
      {field.required ? " (required)" : ""}
    </label>
  );
  const hint = field.description !== null && (
    <p class="hint" id={`${id}-hint`}>
      {field.description}
    </p>
  );
  if (field.control === "checkbox")
    return (
      <div class="field">
        <input type="hidden" name={name} value="false" />
        <label class="check" for={id}>
          <input type="checkbox" id={id} name={name} value="true" checked={current === "true"} {...aria} />
          {field.label}
        </label>
        {hint}
        <FieldError id={id} errors={errors} />
      </div>
    );
  return (
    <div class="field">
      {label}
      {field.control === "select" ? (
        <select id={id} name={name} {...aria}>
          {!field.required && <option value="">(not set)</option>}
          {(field.options ?? []).map((option) => (
            <option value={option} selected={option === current}>
              {option}
            </option>
          ))}
        </select>
      ) : field.control === "json" ? (
        <textarea id={id} name={name} {...aria}>
          {current}
        </textarea>
      ) : (
        <input
          type={field.control === "text" ? "text" : "number"}
          step={field.control === "integer" ? "1" : field.control === "number" ? "any" : undefined}
          id={id}
          name={name}
          value={current}
          {...aria}
        />
      )}
      {hint}
      <FieldError id={id} errors={errors} />
    </div>
  );
}

/** `fixSchemaHref`: where to update the output schema from this run's response, when it failed the schema. */
function RunResult({ run, showLog, fixSchemaHref }: { run: RunView; showLog: boolean; fixSchemaHref?: string }) {
  return (
    <section class="card" aria-labelledby="result-heading" id="result">
      <h2 id="result-heading">Result</h2>
      <dl class="facts">
        <dt>Outcome</dt>
        <dd>
          <OutcomeBadge outcome={run.outcome} />
        </dd>
        <dt>Status</dt>
        <dd>{run.statusCode === null ? "no response" : `HTTP ${run.statusCode}`}</dd>
        <dt>Duration</dt>
        <dd>{run.durationMs} ms</dd>
        {run.request && (
          <>
            <dt>Request</dt>
            <dd>
              <span class="method">{run.request.method}</span> <code>{run.request.url}</code>
            </dd>
            {run.request.headerNames && run.request.headerNames.length > 0 && (
              <>
                <dt>Headers sent</dt>
                <dd>{run.request.headerNames.join(", ")} (values hidden)</dd>
              </>
            )}
          </>
        )}
        <dt>Log entry</dt>
        <dd>
          {showLog ? (
            <a href={`/ui/executions/${run.executionId}`}>{run.executionId}</a>
          ) : (
            <code>{run.executionId}</code>
          )}
        </dd>
      </dl>
      {run.problem && (
        <div class="error-summary">
          <strong>{run.problem.title}</strong>
          <p>{run.problem.detail}</p>
          {run.fixConnection && (
            <p>
              <a href={`/ui/connections/${run.fixConnection.id}`}>Fix the connection {run.fixConnection.name}</a>
            </p>
          )}
          {run.problem.errors.length > 0 && (
            <ul>
              {run.problem.errors.map((e) =>
                run.outcome === "output_invalid" ? (
                  <li>{schemaErrorInWords(e, "output")}</li>
                ) : (
                  <li>
                    <code>{e.path || "/"}</code>: {e.message}
                  </li>
                ),
              )}
            </ul>
          )}
        </div>
      )}
      {run.output !== undefined && (
        <>
          <h3>{run.problem ? "Response body" : "Response"}</h3>
          <pre>
            <code>{JSON.stringify(run.output, null, 2)}</code>
          </pre>
          {fixSchemaHref && (
            <p>
              <a class="button" href={fixSchemaHref}>
                Update the output schema from this response
              </a>
            </p>
          )}
        </>
      )}
    </section>
  );
}

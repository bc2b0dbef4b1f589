/**
 * A tool's page and its test panel: a form generated from the input schema,
 * run through the same engine entry as the API's execute (src/engine/run.ts),
 * with the outcome shown beside it and input errors pointed at their fields.
 */
import { drizzle } from "drizzle-orm/d1";
import type { ToolRow } from "../db/schema";
import type { ExecutionReport } from "../engine/execute";
import { describeFailure } from "../engine/outcomes";
import { failureInWords } from "./plain-words";
import { runStoredTool } from "../engine/run";
import { AppError, type ProblemFieldError } from "../problem";
import { getRunnableTool, getTool } from "../registry/queries";
import { isDamaged } from "../registry/stored-tool";
import { addFieldError, type FieldErrors } from "./components";
import { inputFieldsFor, parseInputForm, parseInputJson } from "./input-form";
import { DamagedToolPage, inputFieldId, ToolPage, type RunView, type TestPanelState } from "./pages/tool-page";
import type { UiContext } from "./routes";
import type { Session } from "./session";

const FIELD_PREFIX = "in.";

export async function toolPage(c: UiContext, session: Session, id: string) {
  const tool = await getTool(drizzle(c.env.DB), id);
  if (isDamaged(tool)) return c.html(<DamagedToolPage session={session} tool={tool} run={null} />);
  const saved = c.req.query("saved") === "1";
  return c.html(
    <ToolPage
      session={session}
      tool={tool}
      panel={{ ...inputFieldsFor(tool.inputSchema), values: {}, errors: new Map() }}
      run={null}
      flash={saved ? "Saved. Try it here." : undefined}
    />,
  );
}

export async function runFromForm(c: UiContext, session: Session, id: string) {
  // Read fresh from D1, with its connection, not from the definition cache: the test panel runs what the page shows.
  const runnable = await getRunnableTool(drizzle(c.env.DB), id);
  const { tool } = runnable;
  if (isDamaged(tool)) {
    // From a page opened before the row was damaged: run (and log) it as the API would, and show why it failed.
    const { report } = await runStoredTool(c.env, (work) => c.executionCtx.waitUntil(work), runnable, {});
    const run = runView(report, false, new Map());
    return c.html(<DamagedToolPage session={session} tool={tool} run={run} />, 500);
  }
  const body = await c.req.parseBody({ all: true });
  const values: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(body)) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (typeof last !== "string") continue;
    if (name.startsWith(FIELD_PREFIX)) values[name.slice(FIELD_PREFIX.length)] = last;
    else if (name === "input_json") values.input_json = last;
  }
  const form = inputFieldsFor(tool.inputSchema);
  const panel: TestPanelState = { ...form, values, errors: new Map() };
  const input = form.rawOnly
    ? parseRawInput(values.input_json ?? "", panel.errors)
    : parseFields(tool, values, panel.errors);
  if (!input) return c.html(<ToolPage session={session} tool={tool} panel={panel} run={null} />, 422);

  const { report } = await runStoredTool(c.env, (work) => c.executionCtx.waitUntil(work), runnable, input);
  const run = runView(report, form.rawOnly, panel.errors);
  return c.html(<ToolPage session={session} tool={tool} panel={panel} run={run} />);
}

/** An execution as the page shows it; input errors also go next to their fields in `fieldErrors`. */
function runView(report: ExecutionReport, rawOnly: boolean, fieldErrors: FieldErrors): RunView {
  const result = report.result;
  if (result.ok)
    return {
      executionId: report.executionId,
      outcome: "success",
      statusCode: result.statusCode,
      durationMs: report.durationMs,
      request: report.request,
      output: result.output,
      problem: null,
    };
  const view = describeFailure(result.failure);
  const problem = new AppError(view.status, view.code, view.detail, view.extensions).toProblem();
  const errors = (problem.errors ?? []) as ProblemFieldError[];
  if (view.code === "input_invalid") pointErrorsAtFields(errors, rawOnly, fieldErrors);
  return {
    executionId: report.executionId,
    outcome: view.outcome,
    statusCode: report.logRow.upstreamStatus,
    durationMs: report.durationMs,
    request: report.request,
    output:
      result.failure.kind === "upstream_status" || result.failure.kind === "output_invalid"
        ? result.failure.body
        : undefined,
    // The heading says what happened and what to try; the detail keeps the precise account.
    problem: { title: failureInWords(result.failure), detail: problem.detail, code: problem.code, errors },
    // The way out of a connection that is not ready: its page, where the secret is typed or the sign-in made.
    ...(result.failure.kind === "connection_not_ready"
      ? {
          fixConnection:
            result.failure.status === "missing"
              ? null
              : { id: result.failure.connectionId, name: result.failure.connectionName ?? result.failure.connectionId },
        }
      : {}),
  };
}

function parseFields(
  tool: ToolRow,
  values: Record<string, string | undefined>,
  errors: FieldErrors,
): Record<string, unknown> | null {
  const parsed = parseInputForm(tool.inputSchema, values);
  for (const error of parsed.errors) addFieldError(errors, inputFieldId(error.name), error.message);
  return errors.size > 0 ? null : parsed.input;
}

function parseRawInput(text: string, errors: FieldErrors): Record<string, unknown> | null {
  const parsed = parseInputJson(text);
  if (parsed.ok) return parsed.input;
  addFieldError(errors, "input_json", parsed.message);
  return null;
}

/** `/input/<name>/...` errors go next to the field for <name>; the rest to the summary. */
function pointErrorsAtFields(errors: readonly ProblemFieldError[], rawOnly: boolean, into: FieldErrors): void {
  for (const error of errors) {
    const name = /^\/input\/([^/]+)/.exec(error.path)?.[1]?.replaceAll("~1", "/").replaceAll("~0", "~");
    const message = error.keyword === "required" ? "This field is required." : error.message;
    if (rawOnly) addFieldError(into, "input_json", `${error.path}: ${error.message}`);
    else addFieldError(into, name === undefined ? "" : inputFieldId(name), message);
  }
}

/**
 * The editor's handlers: show the form for a new or stored tool, and handle a
 * submit, which either saves (through src/registry/writes.ts, exactly as the
 * API's POST and PUT) or makes a round trip that edits the form (rows, views,
 * the output schema from a sample) and shows it again with nothing lost.
 */
import { drizzle } from "drizzle-orm/d1";
import { ToolInput } from "../api/schemas";
import { AppError, type ProblemFieldError } from "../problem";
import { draftProblems } from "../registry/draft-check";
import { jsonMistakeInWords } from "./plain-words";
import { inferSchema } from "../registry/infer-schema";
import { isCredentialHeaderName } from "../registry/credential-headers";
import { latestRunResponse } from "../registry/execution-log";
import { presentTool } from "../registry/present";
import { findConnection, listConnectionViews } from "../registry/connections";
import { presentConnection } from "../registry/present-connection";
import { statusInWords } from "./pages/connection-status";
import { getReadableTool, listTools, type Db } from "../registry/queries";
import { secretReuseVerdict } from "../registry/secrets";
import { createTool, replaceToolDefinition } from "../registry/writes";
import { savedByOf } from "../registry/versions";
import type { ToolRow } from "../db/schema";
import { toolDestination } from "../engine/auth/binding";
import { addFieldError, type FieldErrors } from "./components";
import { curlToToolDraft } from "../imports/curl";
import { curlConnectionOffer, moveFormOntoConnection } from "./curl-connection";
import type { CurlConnectionOffer } from "./pages/curl-connection-offer";
import { openDraftSecrets, sealDraftSecrets } from "./draft-secrets";
import { parseToolForm } from "./tool-form-body";
import {
  fieldForPointer,
  inputKeysWithErrors,
  placeholderProblem,
  reenterInWords,
  REENTER_WHY,
  toolProblemInWords,
} from "./tool-form-errors";
import { ToolEditorPage } from "./pages/tool-editor";
import { emptyRow } from "./parameters";
import type { UiContext } from "./routes";
import { can, type Session } from "./session";
import {
  emptyToolForm,
  switchParamsView,
  toolFormFrom,
  toolFormFromDraft,
  toToolInput,
  authConfig,
  type ToolFormState,
} from "./tool-form";

/** How many connections the editor's picker offers (the first page of the list). */
const CONNECTION_CHOICES = 100;

export function newToolForm(c: UiContext, session: Session) {
  return render(c, session, emptyToolForm(), new Map(), null, {});
}

export async function editToolForm(c: UiContext, session: Session, id: string) {
  // A damaged row has no definition to fill the form with: an error page says what is wrong and what to do.
  const row = await getReadableTool(drizzle(c.env.DB), id);
  // The connection's own config is not edited here (the form keeps only its id), so presenting without it is enough.
  const state = toolFormFrom(presentTool(row));
  // "Update the output schema from this response", offered where a run's response failed the schema.
  const fromRun = c.req.query("output_schema_from");
  if (fromRun === undefined || !can(session, "executions:read")) return render(c, session, state, new Map(), row, {});
  const errors: FieldErrors = new Map();
  const notice = await inferOutputSchema(c, state, row, "infer_last_run", errors, fromRun);
  return render(c, session, state, errors, row, {}, notice, false, SCHEMA_NOT_GENERATED);
}

/**
 * A new tool's form filled from a stored one. Its secrets are not copied:
 * each is asked for at its field, since a secret goes only where it was
 * entered for, and a copy is a new tool. A tool that uses a connection keeps
 * it (toolFormFrom carries connection_id): the connection's credential is no
 * secret of the tool's, and its allowed origins still decide where it goes.
 */
export async function duplicateToolForm(c: UiContext, session: Session, id: string) {
  const db = drizzle(c.env.DB);
  const row = await getReadableTool(db, id);
  const state = toolFormFrom(presentTool(row));
  state.name = await freeCopyName(db, row.name);
  state.version = null;
  const errors: FieldErrors = new Map();
  for (const secret of Object.keys(row.authSecrets)) {
    const field = fieldForPointer(`/auth_config/${secret}`, state);
    addFieldError(
      errors,
      field,
      `Enter ${SECRET_WORDS[secret] ?? "the secret"} again: secrets are not copied from ${row.name}, and ${REENTER_WHY}.`,
    );
  }
  const notice = `A copy of ${row.name}. Review it, then create it.`;
  return render(c, session, state, errors, null, {}, notice, true);
}

const SECRET_WORDS: Record<string, string> = {
  token: "the bearer token",
  value: "the API key value",
  client_secret: "the client secret",
};

/** `<name>_copy`, or `_copy_2` and on when that is taken, within the 64-character name limit. */
async function freeCopyName(db: Db, name: string): Promise<string> {
  let candidate = "";
  for (let n = 1; n <= 20; n++) {
    const suffix = n === 1 ? "_copy" : `_copy_${n}`;
    candidate = name.slice(0, 64 - suffix.length) + suffix;
    if ((await listTools(db, 1, null, { name: candidate })).length === 0) return candidate;
  }
  // Twenty copies exist: the form says the name is taken when saved.
  return candidate;
}

/** The error summary's title when generating the output schema failed: nothing was saved, nor meant to be. */
const SCHEMA_NOT_GENERATED = "The output schema could not be generated:";

export async function submitToolForm(c: UiContext, session: Session, id: string | null) {
  const body = await c.req.parseBody({ all: true });
  const stored = id === null ? null : await getReadableTool(drizzle(c.env.DB), id);
  let state = parseToolForm(body);
  const draftKey = stored?.id ?? "new";
  state.auth.secrets = await openDraftSecrets(c.env, session, draftKey, body, state.auth.secrets);
  const errors: FieldErrors = new Map();
  const action = lastText(body._action) || "save";
  const template = { method: state.method, endpointUrl: state.endpointUrl };
  let notice: string | undefined;
  let fillIn = false;
  let title: string | undefined;
  let curlOffer: CurlConnectionOffer | null = null;

  const rowAction = /^(remove_param|remove_header)\.(\d{1,3})$/.exec(action);
  if (rowAction) {
    const index = Number(rowAction[2]);
    if (rowAction[1] === "remove_param") state.params.splice(index, 1);
    else state.headers.splice(index, 1);
  } else if (action === "add_param") {
    state.params.push(emptyRow(template));
  } else if (action === "add_header") {
    state.headers.push({ name: "", value: "" });
  } else if (action === "view_advanced" || action === "view_builder") {
    state = switchParamsView(state, action === "view_advanced" ? "advanced" : "builder", errors);
  } else if (action === "refresh_connections") {
    notice = "The list of connections is up to date.";
  } else if (action === "import_curl") {
    const imported = curlToToolDraft(lastText(body.curl_command));
    if (!imported.ok) addFieldError(errors, "curl_command", imported.detail);
    else {
      state = toolFormFromDraft(imported.draft);
      notice = ["Filled in from the cURL command. Review it, then create the tool.", ...imported.warnings].join(" ");
      // What the command held placeholders for ($OPENAI_API_KEY), shown at the fields to fill in.
      for (const need of imported.needs) addFieldError(errors, fieldForPointer(need.field, state), need.detail);
      fillIn = imported.needs.length > 0;
      curlOffer = await curlConnectionOffer(c, session, state);
    }
  } else if (action === "curl_save_connection" || action.startsWith("curl_use_connection.")) {
    notice = await moveFormOntoConnection(c, session, state, action, errors);
  } else if (action === "infer_last_run" && !can(session, "executions:read")) {
    addFieldError(
      errors,
      "output_schema",
      "Your API key cannot read execution logs (executions:read), so it cannot use the last run.",
    );
  } else if (action === "infer_sample" || action === "infer_last_run") {
    notice = await inferOutputSchema(c, state, stored, action, errors);
    title = SCHEMA_NOT_GENERATED;
  } else {
    const saved = await save(c, state, stored, errors, savedByOf(session.principal));
    if (saved) return c.redirect(`/ui/tools/${saved.id}?saved=1`, 303);
  }
  return render(
    c,
    session,
    state,
    errors,
    stored,
    await sealDraftSecrets(c.env, session, draftKey, state.auth.secrets),
    notice,
    fillIn,
    title,
    curlOffer,
  );
}

/**
 * Saves the form, or shows every problem with it at once: the form's own
 * (numbers, JSON, rows), the API's schema, the definition's rules, the
 * secrets and the name, each next to its field in words (./plain-words.ts).
 */
async function save(
  c: UiContext,
  state: ToolFormState,
  stored: ToolRow | null,
  errors: FieldErrors,
  savedBy: string,
): Promise<ToolRow | null> {
  const input = toToolInput(state, errors);
  const problems = await draftProblems(c.env, input, stored, inputKeysWithErrors(errors));
  const reenter = stored && reenterReason(stored, state);
  for (const problem of problems) {
    const placed = placeholderProblem(problem, state);
    const field = placed?.field ?? fieldForPointer(problem.path, state);
    addFieldError(errors, field, placed?.message ?? toolProblemInWords(problem, field, input, reenter));
  }
  if (errors.size > 0) return null;
  try {
    const parsed = ToolInput.parse(input);
    if (!stored) return await createTool(c.env, parsed, savedBy);
    return await replaceToolDefinition(
      c.env,
      stored.id,
      parsed,
      (v) => state.version === null || v === state.version,
      savedBy,
    );
  } catch (err) {
    // What changed between the check and the save: someone else saved the tool, or took the name.
    if (!(err instanceof AppError)) throw err;
    if (err.status >= 500 || err.status === 404) throw err;
    const fieldErrors = (err.extensions.errors as ProblemFieldError[] | undefined) ?? [];
    for (const error of fieldErrors) {
      const field = fieldForPointer(error.path, state);
      addFieldError(errors, field, toolProblemInWords(error, field, input, reenter));
    }
    if (fieldErrors.length > 0) return null;
    if (err.code === "tool_name_taken") addFieldError(errors, "name", `${err.detail} Choose another name.`);
    else if (err.code === "version_mismatch")
      addFieldError(
        errors,
        "",
        "Someone else saved this tool after you opened it. Open it again to see their change, then reapply yours.",
      );
    else addFieldError(errors, "", err.detail);
    return null;
  }
}

async function inferOutputSchema(
  c: UiContext,
  state: ToolFormState,
  stored: ToolRow | null,
  action: "infer_sample" | "infer_last_run",
  errors: FieldErrors,
  /** The run to learn from, for infer_last_run; the latest when undefined. */
  executionId?: string,
): Promise<string | undefined> {
  let sample: unknown;
  if (action === "infer_sample") {
    if (state.sampleText.trim() === "") {
      addFieldError(errors, "sample", "Paste a sample response first.");
      return undefined;
    }
    try {
      sample = JSON.parse(state.sampleText);
    } catch (err) {
      addFieldError(errors, "sample", `The sample is not valid JSON: ${jsonMistakeInWords(state.sampleText, err)}`);
      return undefined;
    }
  } else {
    const last = stored ? await latestRunResponse(c.env, stored.id, executionId) : null;
    if (!last?.ok) {
      addFieldError(
        errors,
        "output_schema",
        last
          ? last.reason
          : executionId === undefined
            ? "This tool has no run with a response to learn from yet: run it from its page first."
            : "That run is not in the log (yet): wait a moment and reload, or use Generate from the last test run.",
      );
      return undefined;
    }
    sample = last.output;
    state.sampleText = JSON.stringify(sample, null, 2);
  }
  state.outputSchemaText = JSON.stringify(inferSchema(sample), null, 2);
  return "Output schema generated. Review it, then save the tool.";
}

async function render(
  c: UiContext,
  session: Session,
  state: ToolFormState,
  errors: FieldErrors,
  stored: ToolRow | null,
  draftSecrets: Record<string, string>,
  notice?: string,
  /** The errors are values a cURL command left to fill in, not a failed save. */
  fillIn = false,
  /** The error summary's title, when the errors are not a failed save's. */
  errorsTitle?: string,
  /** After a cURL command filled in a credential: what the page offers to do with it (./curl-connection.ts). */
  curlOffer: CurlConnectionOffer | null = null,
) {
  const status = errors.size > 0 && !fillIn ? 422 : 200;
  const db = drizzle(c.env.DB);
  const connection = state.connectionId ? await findConnection(db, state.connectionId) : undefined;
  // The picker: shown only to keys that may read connections, those whose origins match the URL first.
  const choices = can(session, "connections:read")
    ? (await listConnectionViews(db, CONNECTION_CHOICES, null)).slice(0, CONNECTION_CHOICES).map((view) => {
        const presented = presentConnection(view);
        return {
          id: presented.id,
          name: presented.name,
          origins: presented.allowed_origins,
          status: statusInWords(presented).label,
        };
      })
    : null;
  return c.html(
    <ToolEditorPage
      session={session}
      state={state}
      errors={errors}
      draftSecrets={draftSecrets}
      tool={
        stored && {
          id: stored.id,
          name: stored.name,
          auth: {
            type: stored.authType,
            secretsSet: Object.keys(stored.authSecrets),
            destination: toolDestination(stored),
          },
        }
      }
      reenterReason={stored ? reenterReason(stored, state) : null}
      connectionName={connection?.name ?? null}
      connectionChoices={choices}
      storedCredentialHeaders={stored ? Object.keys(stored.headers).filter(isCredentialHeaderName) : []}
      notice={notice}
      errorsTitle={errorsTitle ?? (fillIn ? "Before creating the tool, fill in:" : undefined)}
      curlOffer={curlOffer}
    />,
    status,
  );
}

/** Why the stored secrets cannot stay with the form as it stands (src/registry/secrets.ts decides), or null. */
function reenterReason(stored: ToolRow, state: ToolFormState): string | null {
  if (Object.keys(stored.authSecrets).length === 0) return null;
  const changed = secretReuseVerdict(stored, { params: authConfig(state.auth), endpointUrl: state.endpointUrl });
  return changed.length === 0 ? null : reenterInWords(changed);
}

function lastText(value: unknown): string {
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === "string" ? last : "";
}

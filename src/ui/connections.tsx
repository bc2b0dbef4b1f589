/**
 * The connections pages' handlers. Every write goes through the registry's
 * connection functions and ConnectionInput, exactly as POST and PUT
 * /connections do, and a test through the API's test (testAndRecord): the
 * UI only turns their answers into words at the form's fields.
 */
import { drizzle } from "drizzle-orm/d1";
import { ConnectionInput } from "../api/connection-schemas";
import { decodeCursor, pageOf } from "../api/pagination";
import { TOOL_NAME } from "../api/schemas";
import { isAuthorizationCode, type GrantState } from "../engine/auth/connection-status";
import { INVALID_REASONS } from "../engine/auth/connection-tokens";
import { testAndRecord, type ConnectionTestResult } from "../engine/connection-test";
import { AppError, issuesToFieldErrors, type ProblemFieldError } from "../problem";
import { publicBaseUrl } from "../public-base-url";
import { createConnection, removeConnection, replaceConnectionDefinition } from "../registry/connection-writes";
import {
  getConnectionView,
  listConnectionViews,
  NAMED_TOOLS_LIMIT,
  toolsUsingConnection,
} from "../registry/connections";
import { presentConnection } from "../registry/present-connection";
import { addFieldError, problemErrorsToFields, type FieldErrors } from "./components";
import {
  connectionFieldForPointer,
  connectionFormFrom,
  connectionIssueInWords,
  emptyConnectionForm,
  parseConnectionForm,
  toConnectionInput,
  type ConnectionFormState,
} from "./connection-form";
import { ConnectionDeletePage } from "./pages/connection-delete";
import { ConnectionEditorPage, type SignInState } from "./pages/connection-editor";
import { ConnectionsListPage } from "./pages/connections-list";
import type { UiContext } from "./routes";
import type { Session } from "./session";

const PAGE_SIZE = 50;

export async function connectionsList(c: UiContext, session: Session) {
  const views = await listConnectionViews(drizzle(c.env.DB), PAGE_SIZE, decodeCursor(c.req.query("cursor")));
  const page = pageOf(
    views.map((view) => ({ ...view, id: view.row.id })),
    PAGE_SIZE,
    (view) => view.row.createdAt,
    presentConnection,
  );
  const deleted = c.req.query("deleted");
  return c.html(
    <ConnectionsListPage
      session={session}
      connections={page.items}
      nextCursor={page.next_cursor}
      flash={deleted && TOOL_NAME.test(deleted) ? `Deleted the connection ${deleted}.` : undefined}
    />,
  );
}

export function newConnectionForm(c: UiContext, session: Session) {
  return renderEditor(c, session, emptyConnectionForm(), new Map(), null);
}

export async function connectionPage(c: UiContext, session: Session, id: string) {
  const stored = await getConnectionView(drizzle(c.env.DB), id);
  const saved = c.req.query("saved") === "1";
  return renderEditor(c, session, connectionFormFrom(presentConnection(stored)), new Map(), id, {
    notice: saved ? "Saved." : undefined,
  });
}

export async function submitConnectionForm(c: UiContext, session: Session, id: string | null) {
  const body = await c.req.parseBody({ all: true });
  const state = parseConnectionForm(body);
  const errors: FieldErrors = new Map();
  const input = toConnectionInput(state, (field, message) => addFieldError(errors, field, message));
  const parsed = ConnectionInput.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [error] = issuesToFieldErrors([issue]);
      const field = connectionFieldForPointer(error?.path ?? "");
      addFieldError(errors, field, connectionIssueInWords(issue, field));
    }
  }
  if (!parsed.success || errors.size > 0) return renderEditor(c, session, state, errors, id);
  let reenter: string | null = null;
  try {
    const view =
      id === null
        ? await createConnection(c.env, parsed.data)
        : await replaceConnectionDefinition(
            c.env,
            id,
            parsed.data,
            (version) => state.version === null || version === state.version,
          );
    return c.redirect(`/ui/connections/${view.row.id}?saved=1`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
    const fieldErrors = (err.extensions.errors as ProblemFieldError[] | undefined) ?? [];
    if (err.code === "secrets_required") {
      // "token must be sent again because allowed_origins changed; ..." → "allowed_origins changed".
      const because = fieldErrors.map((e) => /because (.*?);/.exec(e.message)?.[1]).find(Boolean);
      reenter = because ?? null;
      for (const error of fieldErrors)
        addFieldError(
          errors,
          connectionFieldForPointer(error.path),
          because
            ? `Type it again: ${because}, and a stored secret only goes where it was entered for.`
            : "Fill in this secret: this type of connection needs it.",
        );
    } else if (fieldErrors.length > 0) problemErrorsToFields(fieldErrors, connectionFieldForPointer, errors);
    else if (err.code === "connection_name_taken") addFieldError(errors, "name", `${err.detail} Choose another name.`);
    else if (err.code === "version_mismatch")
      addFieldError(
        errors,
        "",
        "Someone else saved this connection after you opened it. Open it again to see their change, then reapply yours.",
      );
    else addFieldError(errors, "", err.detail);
    return renderEditor(c, session, state, errors, id, { reenter });
  }
}

export async function testConnectionFromPage(c: UiContext, session: Session, id: string) {
  let testResult: ConnectionTestResult;
  try {
    ({ result: testResult } = await testAndRecord(c.env, id, (work) => c.executionCtx.waitUntil(work)));
  } catch (err) {
    // Not ready, or nothing to send the credential to: the same words as the API's, as the test's result.
    if (!(err instanceof AppError) || (err.status !== 409 && err.status !== 422)) throw err;
    testResult = { ok: false, status: null, latency_ms: 0, error: { code: err.code, message: err.detail } };
  }
  const stored = await getConnectionView(drizzle(c.env.DB), id);
  return renderEditor(c, session, connectionFormFrom(presentConnection(stored)), new Map(), id, { testResult });
}

export async function deleteConnectionPage(c: UiContext, session: Session, id: string) {
  const view = await getConnectionView(drizzle(c.env.DB), id);
  return c.html(<ConnectionDeletePage session={session} connection={presentConnection(view)} blockedBy={null} />);
}

export async function submitDeleteConnection(c: UiContext, session: Session, id: string) {
  try {
    const row = await removeConnection(c.env, id);
    return c.redirect(`/ui/connections?${new URLSearchParams({ deleted: row.name })}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== "connection_in_use") throw err;
    const view = await getConnectionView(drizzle(c.env.DB), id);
    const tools = (err.extensions.tools as { id: string; name: string }[] | undefined) ?? [];
    const count = Number(err.extensions.tools_count ?? tools.length);
    return c.html(
      <ConnectionDeletePage session={session} connection={presentConnection(view)} blockedBy={{ tools, count }} />,
      409,
    );
  }
}

async function renderEditor(
  c: UiContext,
  session: Session,
  state: ConnectionFormState,
  errors: FieldErrors,
  id: string | null,
  extra: { reenter?: string | null; testResult?: ConnectionTestResult; notice?: string | undefined } = {},
) {
  const db = drizzle(c.env.DB);
  const stored = id === null ? null : await getConnectionView(db, id);
  const tools = id === null ? [] : await toolsUsingConnection(db, id, NAMED_TOOLS_LIMIT);
  const base = publicBaseUrl(c.env) ?? new URL(c.req.url).origin;
  return c.html(
    <ConnectionEditorPage
      session={session}
      state={state}
      errors={errors}
      stored={stored && presentConnection(stored)}
      reenter={extra.reenter ?? null}
      tools={tools.map((tool) => ({ id: tool.id, name: tool.name }))}
      testResult={extra.testResult}
      notice={extra.notice}
      redirectUri={`${base}/oauth/callback`}
      signIn={stored && isAuthorizationCode(stored.row.authParams) ? signInState(stored.grant) : null}
    />,
    errors.size > 0 ? 422 : 200,
  );
}

/** What the Connect button needs to know of the grant: ever stored, and why it stopped working. */
function signInState(grant: GrantState): SignInState {
  const reason = grant?.invalidReason ?? null;
  return {
    connected: grant !== null,
    invalid:
      reason === null
        ? null
        : ((INVALID_REASONS as Record<string, string>)[reason] ??
          "The provider no longer accepts the sign-in: connect again."),
  };
}

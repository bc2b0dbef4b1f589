/**
 * The Import page's handlers: preview (a dry run) and import, through the
 * same function as POST /imports/openapi (src/registry/openapi-import.ts).
 * Secrets typed here ride between the two steps sealed, as in the editor.
 */
import { OpenApiImportRequest } from "../api/imports-openapi-schemas";
import { AppError, issuesToFieldErrors, type ProblemFieldError } from "../problem";
import { importOpenApi } from "../registry/openapi-import";
import { addFieldError, problemErrorsToFields, type FieldErrors } from "./components";
import { openDraftSecrets, sealDraftSecrets } from "./draft-secrets";
import { ImportPage, type ImportFormState } from "./pages/import";
import type { UiContext } from "./routes";
import type { Session } from "./session";

const DRAFT_KEY = "openapi-import";
const SECRET_FIELDS = ["value", "token", "client_id", "client_secret"];

export function importForm(c: UiContext, session: Session) {
  const state: ImportFormState = { document: "", documentUrl: "", serverUrl: "", namePrefix: "", picked: null };
  return c.html(
    <ImportPage session={session} state={state} errors={new Map()} drafts={{}} preview={null} imported={null} />,
  );
}

export async function submitImport(c: UiContext, session: Session) {
  const body = await c.req.parseBody({ all: true });
  const text = (name: string) => {
    const value = body[name];
    const last = Array.isArray(value) ? value.at(-1) : value;
    return typeof last === "string" ? last : "";
  };
  const file = Array.isArray(body.document_file) ? body.document_file.at(-1) : body.document_file;
  const uploaded = file instanceof File && file.size > 0 ? await file.text() : "";
  const picked = ([] as unknown[]).concat(body.operation_id ?? []).filter((v): v is string => typeof v === "string");
  const state: ImportFormState = {
    document: uploaded || text("document"),
    documentUrl: text("document_url").trim(),
    serverUrl: text("server_url").trim(),
    namePrefix: text("name_prefix").trim(),
    picked: text("_action") === "import" ? picked : null,
  };
  const typed = Object.fromEntries(SECRET_FIELDS.map((f) => [f, text(`secret.${f}`)]).filter(([, v]) => v !== ""));
  const secrets = await openDraftSecrets(c.env, session, DRAFT_KEY, body, typed);
  const errors: FieldErrors = new Map();
  const importing = text("_action") === "import";
  if (importing && picked.length === 0) addFieldError(errors, "operations", "Choose at least one operation to import.");

  const request = OpenApiImportRequest.safeParse({
    ...(state.document || !state.documentUrl ? { document: state.document } : {}),
    ...(state.documentUrl ? { document_url: state.documentUrl } : {}),
    ...(state.serverUrl ? { server_url: state.serverUrl } : {}),
    ...(state.namePrefix ? { name_prefix: state.namePrefix } : {}),
    ...(importing && picked.length > 0 ? { operation_ids: picked } : {}),
    ...(Object.keys(secrets).length > 0 ? { auth_config: secrets } : {}),
    dry_run: !importing,
  });
  let preview = null;
  let imported = null;
  if (!request.success) problemErrorsToFields(issuesToFieldErrors(request.error.issues), fieldFor, errors);
  else if (errors.size === 0) {
    try {
      const response = await importOpenApi(c.env, request.data);
      if (importing) imported = response.results;
      else preview = response.results;
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 422) throw err;
      const fieldErrors = (err.extensions.errors as ProblemFieldError[] | undefined) ?? [];
      if (fieldErrors.length > 0) problemErrorsToFields(fieldErrors, fieldFor, errors);
      else addFieldError(errors, "document", err.detail);
    }
  }
  // Done only when every operation picked was created: with one skipped, the document and the
  // secrets stay, so that what the list says can be fixed and the rest imported.
  const done = imported !== null && imported.every((r) => r.status === "created");
  const drafts = done ? {} : await sealDraftSecrets(c.env, session, DRAFT_KEY, secrets);
  return c.html(
    <ImportPage
      session={session}
      state={
        done
          ? { document: "", documentUrl: "", serverUrl: "", namePrefix: "", picked: null }
          : { ...state, picked: null }
      }
      errors={errors}
      drafts={drafts}
      preview={preview}
      imported={imported}
    />,
    errors.size > 0 ? 422 : 200,
  );
}

/** The field a problem's pointer into the import request concerns. */
function fieldFor(pointer: string): string {
  const top = pointer.split("/")[1] ?? "";
  if (top === "document" || top === "document_url" || top === "server_url" || top === "name_prefix") return top;
  if (top === "auth_config") return `secret-${pointer.split("/")[2] ?? "value"}`;
  return "document";
}

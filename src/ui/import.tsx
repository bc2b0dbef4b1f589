/**
 * The Import page's handlers: preview (a dry run) and import, through the
 * same function as POST /imports/openapi (src/registry/openapi-import.ts).
 * Secrets typed here ride between the two steps sealed, as in the editor.
 */
import { OpenApiImportRequest } from "../api/imports-openapi-schemas";
import { AppError, issuesToFieldErrors, type ProblemFieldError } from "../problem";
import { drizzle } from "drizzle-orm/d1";
import { listConnectionViews } from "../registry/connections";
import { importOpenApi } from "../registry/openapi-import";
import { addFieldError, problemErrorsToFields, type FieldErrors } from "./components";
import { openDraftSecrets, sealDraftSecrets } from "./draft-secrets";
import { ImportPage, type ConnectionChoice, type ImportFormState } from "./pages/import";
import type { UiContext } from "./routes";
import { can, type Session } from "./session";

const DRAFT_KEY = "openapi-import";
const SECRET_FIELDS = ["value", "token", "client_id", "client_secret"];

/** How many existing connections the page offers to map a scheme to (oldest first). */
const CONNECTIONS_OFFERED = 200;

const EMPTY: ImportFormState = {
  document: "",
  documentUrl: "",
  serverUrl: "",
  namePrefix: "",
  picked: null,
  connections: {},
};

export function importForm(c: UiContext, session: Session) {
  return c.html(
    <ImportPage
      session={session}
      state={EMPTY}
      errors={new Map()}
      drafts={{}}
      preview={null}
      imported={null}
      connections={null}
      existing={[]}
    />,
  );
}

/** The connections a scheme may be mapped to; empty for a user who cannot read them. */
async function existingConnections(c: UiContext, session: Session): Promise<ConnectionChoice[]> {
  if (!can(session, "connections:read")) return [];
  const views = await listConnectionViews(drizzle(c.env.DB), CONNECTIONS_OFFERED, null);
  return views.slice(0, CONNECTIONS_OFFERED).map(({ row }) => ({ id: row.id, name: row.name, type: row.authType }));
}

/** The form's `connection_id:<scheme>`, `client_id:<scheme>` and `username:<scheme>` fields, by scheme. */
function connectionFields(body: Record<string, unknown>): ImportFormState["connections"] {
  const out: ImportFormState["connections"] = {};
  for (const [name, raw] of Object.entries(body)) {
    const match = /^(connection_id|client_id|username):(.+)$/.exec(name);
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (!match || typeof value !== "string") continue;
    const scheme = match[2] as string;
    out[scheme] ??= { connection_id: "", client_id: "", username: "" };
    out[scheme][match[1] as "connection_id" | "client_id" | "username"] = value.trim();
  }
  return out;
}

/** What the request's `connections` says for the choices made: an existing connection, or a new one's identity. */
function connectionsRequest(choices: ImportFormState["connections"]) {
  const out: Record<string, Record<string, string>> = {};
  for (const [scheme, choice] of Object.entries(choices)) {
    if (choice.connection_id) out[scheme] = { connection_id: choice.connection_id };
    else if (choice.client_id || choice.username)
      out[scheme] = {
        ...(choice.client_id ? { client_id: choice.client_id } : {}),
        ...(choice.username ? { username: choice.username } : {}),
      };
  }
  return out;
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
    connections: connectionFields(body),
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
    ...(Object.keys(connectionsRequest(state.connections)).length > 0
      ? { connections: connectionsRequest(state.connections) }
      : {}),
    dry_run: !importing,
  });
  let preview = null;
  let imported = null;
  let connections = null;
  if (!request.success) problemErrorsToFields(issuesToFieldErrors(request.error.issues), fieldFor, errors);
  else if (errors.size === 0) {
    try {
      const response = await importOpenApi(c.env, request.data, session.principal.scopes);
      if (importing) imported = response.results;
      else preview = response.results;
      connections = response.connections;
    } catch (err) {
      // Creating a connection needs connections:write: said at the connections, with the ways around it.
      if (err instanceof AppError && err.status === 403 && err.code === "insufficient_scope") {
        addFieldError(errors, "connections", err.detail);
        return c.html(
          <ImportPage
            session={session}
            state={{ ...state, picked: null }}
            errors={errors}
            drafts={await sealDraftSecrets(c.env, session, DRAFT_KEY, secrets)}
            preview={null}
            imported={null}
            connections={null}
            existing={[]}
          />,
          403,
        );
      }
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
      state={done ? EMPTY : { ...state, picked: null }}
      errors={errors}
      drafts={drafts}
      preview={preview}
      imported={imported}
      connections={connections}
      existing={preview ? await existingConnections(c, session) : []}
    />,
    errors.size > 0 ? 422 : 200,
  );
}

/** The field a problem's pointer into the import request concerns. */
function fieldFor(pointer: string): string {
  const top = pointer.split("/")[1] ?? "";
  if (top === "document" || top === "document_url" || top === "server_url" || top === "name_prefix") return top;
  if (top === "auth_config") return `secret-${pointer.split("/")[2] ?? "value"}`;
  if (top === "connections") return "connections";
  return "document";
}

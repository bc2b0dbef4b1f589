/**
 * The Import page: an OpenAPI (or Swagger 2.0) document pasted or uploaded,
 * previewed operation by operation, the operations picked, the secrets given,
 * then imported through src/registry/openapi-import.ts, as POST /imports/openapi.
 */
import type { ImportConnection, ImportResult } from "../../api/imports-openapi-schemas";
import { CsrfField, describedBy, ErrorSummary, FieldError, Hint, type FieldErrors } from "../components";
import { DRAFT_PREFIX } from "../draft-secrets";
import { Page } from "../layout";
import { importMessageInWords } from "../plain-words";
import type { Session } from "../session";

export interface ImportFormState {
  document: string;
  /** Where to fetch the document instead (through the outbound policy). */
  documentUrl: string;
  serverUrl: string;
  namePrefix: string;
  /** The operations picked, by id (or "METHOD /path" when they have none); null before a preview (all). */
  picked: string[] | null;
  /** By security scheme: the existing connection picked for it ("" for a new one), and a new one's client_id or username. */
  connections: Record<string, { connection_id: string; client_id: string; username: string }>;
}

/** An existing connection the user may map a scheme to. */
export interface ConnectionChoice {
  id: string;
  name: string;
  type: string;
}

export interface ImportPageProps {
  session: Session;
  state: ImportFormState;
  errors: FieldErrors;
  /** Secrets typed so far, sealed for this session (src/ui/draft-secrets.ts), by field. */
  drafts: Record<string, string>;
  preview: ImportResult[] | null;
  imported: ImportResult[] | null;
  /** The connections of the preview (what would be created) or of the import (created or used). */
  connections: ImportConnection[] | null;
  existing: ConnectionChoice[];
}

const SECRETS: [field: string, label: string, hint: string][] = [
  ["value", "API key value", "For operations secured by an API key (header or query)."],
  ["token", "Bearer token", "For operations secured by HTTP bearer auth."],
  ["client_id", "OAuth2 client ID", "For operations secured by OAuth2 client credentials."],
  ["client_secret", "OAuth2 client secret", "For operations secured by OAuth2 client credentials."],
];

export function ImportPage({
  session,
  state,
  errors,
  drafts,
  preview,
  imported,
  connections,
  existing,
}: ImportPageProps) {
  return (
    <Page title="Import from OpenAPI" session={session} current="import">
      <h1>Import tools from an OpenAPI document</h1>
      <p class="muted">
        One tool per operation: its inputs come from the parameters and request body, its output schema from the first
        successful JSON response. Each security scheme becomes one connection that all its tools share: enter its secret
        once, on the connection's page, after importing. OpenAPI 3.0, 3.1 and Swagger 2.0, in JSON or YAML.
      </p>
      <ErrorSummary title="The document could not be imported:" errors={errors} />
      {imported && <Results results={imported} title="Imported" />}
      {imported && connections && connections.length > 0 && <ImportedConnections connections={connections} />}
      <form method="post" action="/ui/import" enctype="multipart/form-data" novalidate>
        <CsrfField token={session.csrfToken} />
        {Object.entries(drafts).map(([field, sealed]) => (
          <input type="hidden" name={`${DRAFT_PREFIX}${field}`} value={sealed} />
        ))}
        <div class="field">
          <label for="document">OpenAPI document (JSON or YAML)</label>
          <textarea id="document" name="document" rows={12} {...describedBy("document", errors, true)}>
            {state.document}
          </textarea>
          <Hint id="document">Paste it here, or choose a file below.</Hint>
          <FieldError id="document" errors={errors} />
        </div>
        <div class="field">
          <label for="document_file">Or upload a file</label>
          <input type="file" id="document_file" name="document_file" accept=".json,.yaml,.yml,application/json" />
        </div>
        <div class="field">
          <label for="document_url">Or fetch it from a URL</label>
          <input
            type="url"
            id="document_url"
            name="document_url"
            value={state.documentUrl}
            placeholder="https://api.example.com/openapi.json"
            {...describedBy("document_url", errors, true)}
          />
          <Hint id="document_url">
            Fetched by toolgate, without credentials, through its outbound policy. JSON up to 16 MiB, YAML up to 2 MiB.
          </Hint>
          <FieldError id="document_url" errors={errors} />
        </div>
        <div class="grid">
          <div class="field">
            <label for="server_url">Server URL (optional)</label>
            <input
              type="url"
              id="server_url"
              name="server_url"
              value={state.serverUrl}
              {...describedBy("server_url", errors, true)}
            />
            <Hint id="server_url">Call this base URL instead of the document's servers.</Hint>
            <FieldError id="server_url" errors={errors} />
          </div>
          <div class="field">
            <label for="name_prefix">Name prefix (optional)</label>
            <input
              type="text"
              id="name_prefix"
              name="name_prefix"
              value={state.namePrefix}
              {...describedBy("name_prefix", errors, true)}
            />
            <Hint id="name_prefix">Put before every tool name, such as crm_.</Hint>
            <FieldError id="name_prefix" errors={errors} />
          </div>
        </div>
        {preview && connections && connections.length > 0 && (
          <PickConnections connections={connections} existing={existing} state={state} />
        )}
        <fieldset>
          <legend>Or: credentials each tool keeps for itself (optional)</legend>
          <p class="hint">
            Instead of a shared connection, a scheme whose secrets you give here is stored in each of its tools. Leave
            these empty to use connections. Write-only: stored encrypted.
          </p>
          <div class="grid">
            {SECRETS.map(([field, label, hint]) => (
              <div class="field">
                <label for={`secret-${field}`}>{label}</label>
                <input
                  type={field === "client_id" ? "text" : "password"}
                  id={`secret-${field}`}
                  name={`secret.${field}`}
                  value=""
                  autocomplete="off"
                  placeholder={drafts[field] ? "entered, leave empty to keep" : ""}
                  {...describedBy(`secret-${field}`, errors, true)}
                />
                <Hint id={`secret-${field}`}>{hint}</Hint>
                <FieldError id={`secret-${field}`} errors={errors} />
              </div>
            ))}
          </div>
        </fieldset>
        {preview && <PickOperations results={preview} picked={state.picked} />}
        <div class="actions">
          <button type="submit" name="_action" value="preview" class={preview ? "" : "primary"}>
            Preview
          </button>
          {preview && (
            <button type="submit" name="_action" value="import" class="primary">
              Import the chosen operations
            </button>
          )}
        </div>
      </form>
    </Page>
  );
}

function PickOperations({ results, picked }: { results: ImportResult[]; picked: string[] | null }) {
  return (
    <fieldset id="operations">
      <legend>Operations</legend>
      <ul class="row-list">
        {results.map((r, i) =>
          r.status === "would_create" ? (
            <li class="field">
              <label class="check" for={`op-${i}`}>
                <input
                  type="checkbox"
                  id={`op-${i}`}
                  name="operation_id"
                  value={selectorOf(r)}
                  checked={picked === null || picked.includes(selectorOf(r))}
                />
                <span>
                  <span class="method">{r.method.toUpperCase()}</span> <code>{r.path}</code> as {r.name}
                  {r.needs_secrets && ` (needs ${r.needs_secrets.join(" and ")})`}
                </span>
              </label>
            </li>
          ) : (
            <li class="field muted">
              <span class="method">{r.method.toUpperCase()}</span> <code>{r.path}</code>: cannot be imported (
              {r.reason?.replaceAll("_", " ")}){r.detail ? `: ${importMessageInWords(r.detail)}` : ""}
            </li>
          ),
        )}
      </ul>
    </fieldset>
  );
}

const TYPE_WORDS: Record<string, string> = {
  api_key: "API key",
  bearer_token: "Bearer token",
  basic: "Username and password (Basic)",
  oauth2: "OAuth2",
};

function describeConnection(c: ImportConnection): string {
  const auth = c.auth_config;
  if (!auth) return "";
  if (auth.type === "api_key") return `API key in the ${auth.location} ${auth.key_name}`;
  if (auth.type === "oauth2")
    return auth.grant_type === "authorization_code"
      ? "OAuth2, signing in at the provider"
      : "OAuth2 client credentials";
  return TYPE_WORDS[auth.type] ?? auth.type;
}

/** What a connection still needs, in words, or "" when it is ready. */
function needsInWords(needs: readonly string[]): string {
  const words: Record<string, string> = {
    value: "its API key",
    token: "its token",
    password: "its password",
    client_secret: "its client secret",
    client_id: "a client ID",
    username: "a username",
    authorization: "signing in (Connect)",
  };
  return needs.map((n) => words[n] ?? n).join(" and ");
}

/** Per security scheme: a new connection (with the client ID or username it needs), or one that exists. */
function PickConnections({
  connections,
  existing,
  state,
}: {
  connections: ImportConnection[];
  existing: ConnectionChoice[];
  state: ImportFormState;
}) {
  return (
    <fieldset id="connections">
      <legend>Connections</legend>
      <p class="hint">
        Each security scheme becomes one connection, shared by its tools. A new one is created without its secret: enter
        it on the connection's page after importing. Or use a connection you already have.
      </p>
      {connections.map((c, i) => {
        const chosen = state.connections[c.security_scheme];
        const identity =
          c.auth_config?.type === "oauth2" ? "client_id" : c.auth_config?.type === "basic" ? "username" : null;
        return (
          <div class="field">
            <label for={`conn-${i}`}>
              Scheme <code>{c.security_scheme}</code>: {describeConnection(c)}, used by {c.operations}{" "}
              {c.operations === 1 ? "operation" : "operations"}
            </label>
            <select id={`conn-${i}`} name={`connection_id:${c.security_scheme}`}>
              <option value="" selected={!chosen?.connection_id}>
                A new connection, {c.name}
                {c.needs.length > 0 ? ` (then enter ${needsInWords(c.needs)})` : ""}
              </option>
              {existing.map((e) => (
                <option value={e.id} selected={chosen?.connection_id === e.id}>
                  Use {e.name} ({TYPE_WORDS[e.type] ?? e.type})
                </option>
              ))}
            </select>
            {identity && (
              <div class="field">
                <label for={`conn-${i}-${identity}`}>
                  {identity === "client_id" ? "Client ID" : "Username"} for a new connection
                </label>
                <input
                  type="text"
                  id={`conn-${i}-${identity}`}
                  name={`${identity}:${c.security_scheme}`}
                  value={chosen?.[identity] ?? ""}
                  autocomplete="off"
                />
                <Hint id={`conn-${i}-${identity}`}>
                  {identity === "client_id"
                    ? "Your app's client ID at the provider: a new OAuth2 connection needs it."
                    : "A new Basic connection needs it; the password goes on the connection's page."}
                </Hint>
              </div>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

/** The connections the import created or used, each linked to its page, where the secret is entered. */
function ImportedConnections({ connections }: { connections: ImportConnection[] }) {
  return (
    <section class="card" aria-labelledby="connections-heading">
      <h2 id="connections-heading">Connections</h2>
      <ul>
        {connections.map((c) => (
          <li>
            Scheme <code>{c.security_scheme}</code>:{" "}
            {c.id && (c.status === "created" || c.status === "existing") ? (
              <>
                {c.status === "created" ? "created " : "uses "}
                <a href={`/ui/connections/${c.id}`}>{c.name}</a>
                {c.needs.length > 0
                  ? `, which needs ${needsInWords(c.needs)}: open it to ${c.needs.includes("authorization") && c.needs.length === 1 ? "connect" : "enter it"}; its tools answer "not ready" until then.`
                  : ", ready."}
              </>
            ) : (
              `not created${c.detail ? `: ${importMessageInWords(c.detail)}` : ""}`
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What operation_ids picks an operation by: its operationId, or "METHOD /path" when it has none. */
function selectorOf(r: ImportResult): string {
  return r.operation_id ?? `${r.method.toUpperCase()} ${r.path}`;
}

function Results({ results, title }: { results: ImportResult[]; title: string }) {
  const created = results.filter((r) => r.status === "created");
  return (
    <section class="card" aria-labelledby="results-heading">
      <h2 id="results-heading">{title}</h2>
      <p role="status">
        Created {created.length} {created.length === 1 ? "tool" : "tools"}; skipped {results.length - created.length}.
        {created.length < results.length &&
          " The document is still below: fix what the list says, then preview again to import the rest."}
      </p>
      <ul>
        {results.map((r) => (
          <li>
            <span class="method">{r.method.toUpperCase()}</span> <code>{r.path}</code>:{" "}
            {r.status === "created" && r.tool_id ? (
              <a href={`/ui/tools/${r.tool_id}`}>{r.name}</a>
            ) : (
              `skipped (${r.reason?.replaceAll("_", " ")})${r.detail ? `: ${importMessageInWords(r.detail)}` : ""}`
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

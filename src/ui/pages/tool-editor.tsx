/**
 * The guided tool editor (new and edit). One <form>; buttons named `_action`
 * add or remove rows, switch the parameters view and generate the output
 * schema on the server, so it works without scripts and keeps every input.
 */
import { BUILTIN_FUNCTIONS } from "../../engine/executors/functions";
import { CsrfField, describedBy, ErrorSummary, FieldError, Hint, type FieldErrors } from "../components";
import { CurlConnectionOfferSection, type CurlConnectionOffer } from "./curl-connection-offer";
import { AuthSection, type ConnectionChoice } from "./editor-auth";
import { ParametersSection } from "./editor-parameters";
import { Select, same, TextField } from "./form-controls";
import { Page } from "../layout";
import { can, type Session } from "../session";
import type { ToolFormState } from "../tool-form";
import { DRAFT_PREFIX } from "../draft-secrets";
import type { ToolDestination } from "../../engine/auth/binding";

export interface StoredAuth {
  type: string;
  secretsSet: string[];
  /** What the stored secrets are bound to (src/engine/auth/binding.ts): the live notice compares the form with it. */
  destination: ToolDestination;
}

export interface EditorProps {
  session: Session;
  state: ToolFormState;
  errors: FieldErrors;
  /** The tool being edited, or null for a new one. */
  tool: { id: string; name: string; auth: StoredAuth } | null;
  /** Secrets typed but not saved yet, sealed for this session (src/ui/draft-secrets.ts), by field. */
  draftSecrets: Record<string, string>;
  /** Why stored secrets cannot be kept with the form as it stands, or null. */
  reenterReason: string | null;
  /** The name of the connection the form's tool uses (state.connectionId), or null when it is gone or there is none. */
  connectionName?: string | null;
  /** The connections the picker offers, or null when the key may not read connections. */
  connectionChoices?: ConnectionChoice[] | null;
  /** Static headers of the stored tool whose names say they carry a credential (saved before that was refused). */
  storedCredentialHeaders?: string[] | undefined;
  notice?: string | undefined;
  /** The error summary's title; by default it says the save failed. */
  errorsTitle?: string | undefined;
  /** After "Start from a cURL command" filled in a credential: save it as a connection, or use a matching one. */
  curlOffer?: CurlConnectionOffer | null;
}

export function ToolEditorPage({
  session,
  state,
  errors,
  tool,
  draftSecrets,
  reenterReason,
  connectionName = null,
  connectionChoices = null,
  storedCredentialHeaders = [],
  notice,
  errorsTitle,
  curlOffer = null,
}: EditorProps) {
  const action = tool ? `/ui/tools/${tool.id}/edit` : "/ui/tools/new";
  const title = tool ? `Edit ${tool.name}` : "New tool";
  const isHttp = state.executionType === "http_request";
  return (
    <Page title={title} session={session} current={tool ? undefined : "new"}>
      <p class="muted">
        <a href="/ui">Tools</a> /{" "}
        {tool && (
          <>
            <a href={`/ui/tools/${tool.id}`}>{tool.name}</a> /
          </>
        )}
      </p>
      <h1>{title}</h1>
      <ErrorSummary title={errorsTitle ?? "The tool was not saved. Please fix:"} errors={errors} />
      {notice && (
        <p class="success" role="status">
          {notice}
        </p>
      )}
      {!tool && (
        <p>
          Have an OpenAPI (Swagger) document? <a href="/ui/import">Import tools from it</a> instead.
        </p>
      )}
      <form method="post" action={action} novalidate>
        {/* Enter in a text field submits the form's first button: make that Save, not "remove row" nor
            the cURL import below, even while its section is closed. */}
        <button type="submit" name="_action" value="save" class="sr-only" tabindex={-1} aria-hidden="true">
          Save
        </button>
        {!tool && <CurlStart errors={errors} action={action} />}
        {!tool && curlOffer && <CurlConnectionOfferSection offer={curlOffer} />}
        <CsrfField token={session.csrfToken} />
        <input type="hidden" name="version" value={state.version === null ? "" : String(state.version)} />
        <input type="hidden" name="execution_type" value={state.executionType} />
        <input type="hidden" name="params_view" value={state.paramsView} />
        <input type="hidden" name="frame_schema" value={state.frame.schemaUri ?? ""} />
        <input type="hidden" name="frame_closed" value={String(state.frame.closed)} />
        <input type="hidden" name="frame_implicit_mapping" value={String(state.frame.implicitMapping)} />
        {Object.entries(draftSecrets).map(([field, sealed]) => (
          <input type="hidden" name={`${DRAFT_PREFIX}${field}`} value={sealed} />
        ))}

        <fieldset>
          <legend>About</legend>
          <div class="field">
            <label for="name">Name</label>
            <input
              type="text"
              id="name"
              name="name"
              value={state.name}
              required
              maxlength={64}
              pattern="[A-Za-z0-9_\-]{1,64}"
              autocomplete="off"
              data-name-feedback="name-feedback"
              {...describedBy("name", errors, true)}
            />
            <p class="hint" id="name-hint">
              Letters, digits, _ and - only, up to 64 characters: callers use this name.{" "}
              <span id="name-feedback" class="name-feedback" aria-live="polite"></span>
            </p>
            <FieldError id="name" errors={errors} />
          </div>
          <div class="field">
            <label for="description">Description</label>
            <textarea
              id="description"
              name="description"
              rows={3}
              class="prose"
              {...describedBy("description", errors, true)}
            >
              {state.description}
            </textarea>
            <Hint id="description">What the tool does and when to use it. AI agents read this to decide.</Hint>
            <FieldError id="description" errors={errors} />
          </div>
          <div class="field">
            <input type="hidden" name="mcp_enabled" value="false" />
            <label class="check" for="mcp_enabled">
              <input type="checkbox" id="mcp_enabled" name="mcp_enabled" value="true" checked={state.mcpEnabled} />
              Offer this tool to AI agents over MCP
            </label>
          </div>
        </fieldset>

        {isHttp ? (
          <>
            <RequestSection state={state} errors={errors} action={action} credentialHeaders={storedCredentialHeaders} />
            <AuthSection
              state={state}
              errors={errors}
              tool={tool}
              drafts={draftSecrets}
              reenterReason={reenterReason}
              connectionName={connectionName}
              connectionChoices={connectionChoices}
            />
          </>
        ) : (
          <fieldset>
            <legend>Built-in function</legend>
            <div class="field">
              <label for="function_name">Function</label>
              <select id="function_name" name="function_name" {...describedBy("function_name", errors)}>
                {[...BUILTIN_FUNCTIONS.keys()].map((fn) => (
                  <option value={fn} selected={fn === state.functionName}>
                    {fn}
                  </option>
                ))}
              </select>
              <FieldError id="function_name" errors={errors} />
            </div>
          </fieldset>
        )}
        <ParametersSection state={state} errors={errors} action={action} />
        <OutputSection
          state={state}
          errors={errors}
          canUseLastRun={tool !== null && can(session, "executions:read")}
          action={action}
        />
        {isHttp && <MoreSettings state={state} errors={errors} />}

        <div class="actions">
          <button class="primary" type="submit" name="_action" value="save">
            {tool ? "Save changes" : "Create tool"}
          </button>
          <a class="button" href={tool ? `/ui/tools/${tool.id}` : "/ui"}>
            Cancel
          </a>
        </div>
      </form>
    </Page>
  );
}

function RequestSection({
  state,
  errors,
  action,
  credentialHeaders,
}: {
  state: ToolFormState;
  errors: FieldErrors;
  action: string;
  credentialHeaders: string[];
}) {
  return (
    <fieldset>
      <legend>Request</legend>
      <div class="grid">
        <Select
          id="method"
          label="Method"
          value={state.method}
          options={same(["GET", "POST", "PUT", "PATCH", "DELETE"])}
          errors={errors}
        />
        <Select
          id="body_format"
          label="Body format (POST, PUT, PATCH)"
          value={state.bodyFormat}
          options={[
            ["json", "JSON"],
            ["form", "Form (application/x-www-form-urlencoded)"],
            ["multipart", "Multipart form, text fields (multipart/form-data)"],
          ]}
          errors={errors}
        />
      </div>
      <TextField
        id="endpoint_url"
        label="Endpoint URL"
        type="url"
        value={state.endpointUrl}
        errors={errors}
        hint={
          <>
            The full address, for example <code>https://api.example.com/v1/cities/{"{city}"}/weather</code>. A name in
            braces, like <code>{"{city}"}</code>, is a path parameter filled from the input.
          </>
        }
      />
      <h3 id="headers">Headers</h3>
      <p class="hint">Fixed headers sent on every call. Credentials go under Authentication, never here.</p>
      {credentialHeaders.length > 0 && <CredentialHeadersNotice names={credentialHeaders} />}
      <FieldError id="headers" errors={errors} />
      <ul class="row-list">
        {state.headers.map((header, i) => (
          <li class="kv-row">
            <div>
              <label for={`header-${i}-name`}>Header name</label>
              <input
                type="text"
                id={`header-${i}-name`}
                name={`header.${i}.name`}
                value={header.name}
                {...describedBy(`header-${i}-name`, errors)}
              />
              <FieldError id={`header-${i}-name`} errors={errors} />
            </div>
            <div>
              <label for={`header-${i}-value`}>Value</label>
              <input
                type="text"
                id={`header-${i}-value`}
                name={`header.${i}.value`}
                value={header.value}
                {...describedBy(`header-${i}-value`, errors)}
              />
              <FieldError id={`header-${i}-value`} errors={errors} />
            </div>
            <button
              type="submit"
              name="_action"
              value={`remove_header.${i}`}
              formaction={`${action}#headers`}
              aria-label={`Remove header ${header.name || i + 1}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="submit" name="_action" value="add_header" formaction={`${action}#headers`}>
        Add header
      </button>
      <div class="grid">
        <TextField
          id="timeout"
          label="Timeout (seconds)"
          type="number"
          value={state.timeout}
          errors={errors}
          hint="1 to 300. Empty means 30."
          extra={{ min: 1, max: 300, step: 1, inputmode: "numeric" }}
        />
      </div>
    </fieldset>
  );
}

/** A tool saved before credential-named static headers were refused: it still sends them, but cannot be saved so. */
function CredentialHeadersNotice({ names }: { names: string[] }) {
  const [first] = names;
  const list = names.join(", ");
  return (
    <p class="notice" role="status">
      {names.length === 1 ? `The header ${list} carries` : `The headers ${list} carry`} a credential. Headers here are
      stored and shown in plain text, so this tool cannot be saved with {names.length === 1 ? "it" : "them"} any more.
      Move {names.length === 1 ? "it" : "them"} to Authentication below (for example an API key sent in the header{" "}
      {first}), where secrets are stored encrypted and never shown. Until then, the tool keeps sending{" "}
      {names.length === 1 ? "it" : "them"}.
    </p>
  );
}

function OutputSection({
  state,
  errors,
  canUseLastRun,
  action,
}: {
  state: ToolFormState;
  errors: FieldErrors;
  canUseLastRun: boolean;
  action: string;
}) {
  return (
    <fieldset id="output">
      <legend>Output schema (optional)</legend>
      <p class="hint">
        When set, every response is checked against it, and a response that does not match is reported as an error.
      </p>
      <div class="field">
        <label for="output_schema">Output schema (JSON Schema)</label>
        <textarea id="output_schema" name="output_schema" rows={10} {...describedBy("output_schema", errors)}>
          {state.outputSchemaText}
        </textarea>
        <FieldError id="output_schema" errors={errors} />
      </div>
      <div class="field">
        <label for="sample">Sample response (JSON)</label>
        <textarea id="sample" name="sample" rows={5} {...describedBy("sample", errors, true)}>
          {state.sampleText}
        </textarea>
        <Hint id="sample">Paste a response the API gives, then generate a schema from it.</Hint>
        <FieldError id="sample" errors={errors} />
      </div>
      <div class="actions">
        <button type="submit" name="_action" value="infer_sample" formaction={`${action}#output`}>
          Generate from sample
        </button>
        {canUseLastRun && (
          <button type="submit" name="_action" value="infer_last_run" formaction={`${action}#output`}>
            Generate from the last test run
          </button>
        )}
      </div>
    </fieldset>
  );
}

function MoreSettings({ state, errors }: { state: ToolFormState; errors: FieldErrors }) {
  const open =
    state.retry.enabled ||
    state.maxResponseBytes !== "" ||
    [...errors.keys()].some((k) => k.startsWith("retry") || k === "max_response_bytes");
  return (
    <details open={open}>
      <summary>More settings: retries and response size</summary>
      <fieldset>
        <legend>Retries and limits</legend>
        <TextField
          id="max_response_bytes"
          label="Largest response (bytes)"
          type="number"
          value={state.maxResponseBytes}
          errors={errors}
          hint="Empty means 5 MiB."
        />
        <div class="field">
          <label class="check" for="retry_enabled">
            <input type="checkbox" id="retry_enabled" name="retry_enabled" value="true" checked={state.retry.enabled} />
            Retry on 429, 502, 503, 504 and network errors
          </label>
          <FieldError id="retry_enabled" errors={errors} />
        </div>
        <div class="grid">
          <TextField
            id="retry_max_attempts"
            label="Attempts in all"
            type="number"
            value={state.retry.maxAttempts}
            errors={errors}
          />
          <TextField
            id="retry_base_delay_ms"
            label="First delay (ms)"
            type="number"
            value={state.retry.baseDelayMs}
            errors={errors}
          />
          <TextField
            id="retry_max_delay_ms"
            label="Longest delay (ms)"
            type="number"
            value={state.retry.maxDelayMs}
            errors={errors}
          />
        </div>
        <div class="field">
          <label class="check" for="retry_non_idempotent">
            <input
              type="checkbox"
              id="retry_non_idempotent"
              name="retry_non_idempotent"
              value="true"
              checked={state.retry.retryNonIdempotent}
            />
            Also retry POST and PATCH (they may then run twice)
          </label>
        </div>
      </fieldset>
    </details>
  );
}

function CurlStart({ errors, action }: { errors: FieldErrors; action: string }) {
  return (
    <details open={errors.has("curl_command")}>
      <summary>Start from a cURL command</summary>
      <div class="field">
        <label for="curl_command">cURL command</label>
        <textarea
          id="curl_command"
          name="curl_command"
          rows={5}
          {...describedBy("curl_command", errors, true)}
        ></textarea>
        <Hint id="curl_command">
          In the browser's developer tools, right-click a request and choose "Copy as cURL", then paste it here. Its
          credential becomes the tool's authentication; its values become inputs with defaults.
        </Hint>
        <FieldError id="curl_command" errors={errors} />
      </div>
      <button type="submit" name="_action" value="import_curl" formaction={action}>
        Fill in the form from it
      </button>
    </details>
  );
}

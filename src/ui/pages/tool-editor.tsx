/**
 * The guided tool editor (new and edit). One <form>; buttons named `_action`
 * add or remove rows, switch the parameters view and generate the output
 * schema on the server, so it works without scripts and keeps every input.
 */
import type { Child } from "hono/jsx";
import { BUILTIN_FUNCTIONS } from "../../engine/executors/functions";
import { CsrfField, describedBy, ErrorSummary, FieldError, Hint, type FieldErrors } from "../components";
import { Page } from "../layout";
import { PARAM_LOCATIONS, PARAM_TYPES, type ParameterRow } from "../parameters";
import type { Session } from "../session";
import { paramFieldId, type ToolFormState } from "../tool-form";
import { DRAFT_PREFIX } from "../draft-secrets";

export interface StoredAuth {
  type: string;
  secretsSet: string[];
  endpointOrigin: string | null;
  tokenOrigin: string | null;
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
  notice?: string | undefined;
}

const SECRET_LABELS: Record<string, { field: string; id: string; label: string; authType: string }> = {
  token: { field: "token", id: "bearer_token", label: "Bearer token", authType: "bearer_token" },
  value: { field: "value", id: "api_key_value", label: "API key value", authType: "api_key" },
  client_secret: { field: "client_secret", id: "client_secret", label: "Client secret", authType: "oauth2" },
};

export function ToolEditorPage({ session, state, errors, tool, draftSecrets, reenterReason, notice }: EditorProps) {
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
      <ErrorSummary title="The tool was not saved. Please fix:" errors={errors} />
      {notice && (
        <p class="success" role="status">
          {notice}
        </p>
      )}
      <form method="post" action={action} novalidate>
        {/* Enter in a text field submits the first button: make that Save, not "remove row". */}
        <button type="submit" name="_action" value="save" class="sr-only" tabindex={-1} aria-hidden="true">
          Save
        </button>
        <CsrfField token={session.csrfToken} />
        <input type="hidden" name="version" value={state.version === null ? "" : String(state.version)} />
        <input type="hidden" name="execution_type" value={state.executionType} />
        <input type="hidden" name="params_view" value={state.paramsView} />
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
        </fieldset>

        {isHttp ? (
          <>
            <RequestSection state={state} errors={errors} />
            <AuthSection
              state={state}
              errors={errors}
              tool={tool}
              drafts={draftSecrets}
              reenterReason={reenterReason}
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
        <ParametersSection state={state} errors={errors} />
        <OutputSection state={state} errors={errors} canUseLastRun={tool !== null} />
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

function TextField(props: {
  id: string;
  label: string;
  value: string;
  errors: FieldErrors;
  hint?: Child;
  type?: string;
  name?: string;
  extra?: Record<string, string | number | boolean | undefined>;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        type={props.type ?? "text"}
        id={props.id}
        name={props.name ?? props.id}
        value={props.value}
        autocomplete="off"
        {...(props.extra ?? {})}
        {...describedBy(props.id, props.errors, props.hint !== undefined)}
      />
      {props.hint !== undefined && <Hint id={props.id}>{props.hint}</Hint>}
      <FieldError id={props.id} errors={props.errors} />
    </div>
  );
}

function Select(props: {
  id: string;
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  errors: FieldErrors;
  name?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name ?? props.id} {...describedBy(props.id, props.errors)}>
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
      <FieldError id={props.id} errors={props.errors} />
    </div>
  );
}

const same = (values: readonly string[]) => values.map((v) => [v, v] as const);

function RequestSection({ state, errors }: { state: ToolFormState; errors: FieldErrors }) {
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
              aria-label={`Remove header ${header.name || i + 1}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="submit" name="_action" value="add_header">
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

function AuthSection({
  state,
  errors,
  tool,
  drafts,
  reenterReason,
}: {
  state: ToolFormState;
  errors: FieldErrors;
  tool: EditorProps["tool"];
  drafts: Record<string, string>;
  reenterReason: string | null;
}) {
  const stored = tool?.auth;
  const secretField = (field: string) => {
    const meta = SECRET_LABELS[field];
    if (!meta) return null;
    const isStored = stored?.type === meta.authType && stored.secretsSet.includes(field);
    const isDraft = drafts[field] !== undefined;
    return (
      <div class="field">
        <label for={meta.id}>{meta.label}</label>
        <input
          type="password"
          id={meta.id}
          name={meta.id}
          value=""
          autocomplete="new-password"
          spellcheck={false}
          placeholder={isDraft ? "entered, leave empty to keep" : isStored ? "saved, leave empty to keep" : ""}
          {...describedBy(meta.id, errors, true)}
        />
        <p class="hint" id={`${meta.id}-hint`}>
          {isDraft
            ? "Entered but not saved yet; leave empty to keep what you entered. "
            : isStored
              ? "Saved, leave empty to keep. "
              : ""}
          Write-only: it is stored encrypted and never shown again.
          {isStored && !isDraft && (
            <span class="reenter-notice" data-reenter-notice hidden={reenterReason === null}>
              {" "}
              {reenterReason
                ? `It must be entered again because ${reenterReason}: a stored secret only goes to the host it was entered for.`
                : "The host changed: enter it again. A stored secret only goes to the host it was entered for."}
            </span>
          )}
        </p>
        <FieldError id={meta.id} errors={errors} />
      </div>
    );
  };
  return (
    <fieldset
      id="authentication"
      data-stored-auth-type={stored?.type}
      data-stored-endpoint-origin={stored?.endpointOrigin ?? undefined}
      data-stored-token-origin={stored?.tokenOrigin ?? undefined}
    >
      <legend>Authentication</legend>
      <Select
        id="auth-type"
        name="auth_type"
        label="How the tool signs in to the API"
        value={state.auth.type}
        options={[
          ["none", "None"],
          ["bearer_token", "Bearer token"],
          ["api_key", "API key"],
          ["oauth2", "OAuth2 client credentials"],
        ]}
        errors={errors}
      />
      <FieldError id="auth_type" errors={errors} />
      <div class="auth-fields auth-bearer_token">{secretField("token")}</div>
      <div class="auth-fields auth-api_key">
        <div class="grid">
          <Select
            id="api_key_location"
            label="Send the key in"
            value={state.auth.keyLocation}
            options={[
              ["header", "a header"],
              ["query", "a query parameter"],
            ]}
            errors={errors}
          />
          <TextField
            id="api_key_name"
            label="Header or parameter name"
            value={state.auth.keyName}
            errors={errors}
            hint="For example X-API-Key or appid."
          />
        </div>
        {secretField("value")}
      </div>
      <div class="auth-fields auth-oauth2">
        <TextField
          id="token_url"
          label="Token URL"
          type="url"
          value={state.auth.tokenUrl}
          errors={errors}
          hint="Where access tokens are requested."
        />
        <div class="grid">
          <TextField id="client_id" label="Client ID" value={state.auth.clientId} errors={errors} />
          <Select
            id="client_auth_method"
            label="Client authentication"
            value={state.auth.clientAuthMethod}
            options={[
              ["client_secret_basic", "HTTP Basic (client_secret_basic)"],
              ["client_secret_post", "In the form body (client_secret_post)"],
            ]}
            errors={errors}
          />
        </div>
        {secretField("client_secret")}
        <div class="grid">
          <TextField id="oauth_scope" label="Scope (optional)" value={state.auth.scope} errors={errors} />
          <TextField id="audience" label="Audience (optional)" value={state.auth.audience} errors={errors} />
        </div>
      </div>
    </fieldset>
  );
}

function ParametersSection({ state, errors }: { state: ToolFormState; errors: FieldErrors }) {
  return (
    <fieldset id="params">
      <legend>Parameters</legend>
      <p class="hint">The inputs a caller gives when running the tool, and where each one goes in the request.</p>
      <FieldError id="params" errors={errors} />
      {state.builderUnavailable && (
        <p class="notice" role="status">
          {state.builderUnavailable} Edit the schema as JSON below; nothing in it is lost.
        </p>
      )}
      {state.paramsView === "builder" ? (
        <>
          {state.params.length === 0 && <p class="muted">No parameters: the tool takes no input.</p>}
          <ol class="row-list">
            {state.params.map((row, i) => (
              <ParameterRowView row={row} index={i} errors={errors} />
            ))}
          </ol>
          <div class="actions">
            <button type="submit" name="_action" value="add_param">
              Add parameter
            </button>
            <button type="submit" name="_action" value="view_advanced" class="link-button">
              Advanced: edit as JSON Schema
            </button>
          </div>
        </>
      ) : (
        <>
          <div class="field">
            <label for="input_schema">Input schema (JSON Schema)</label>
            <textarea id="input_schema" name="input_schema" rows={14} {...describedBy("input_schema", errors)}>
              {state.inputSchemaText}
            </textarea>
            <FieldError id="input_schema" errors={errors} />
          </div>
          <div class="field">
            <label for="input_mapping">Input mapping (JSON)</label>
            <textarea id="input_mapping" name="input_mapping" rows={6} {...describedBy("input_mapping", errors, true)}>
              {state.inputMappingText}
            </textarea>
            <Hint id="input_mapping">
              Where each property goes: <code>{'{"city": {"in": "path"}, "units": {"in": "query", "name": "u"}}'}</code>
              . Empty means the defaults: path placeholders to the path, the rest to the query (GET, DELETE) or the
              body.
            </Hint>
            <FieldError id="input_mapping" errors={errors} />
          </div>
          <button type="submit" name="_action" value="view_builder" class="link-button">
            Back to the parameters builder
          </button>
        </>
      )}
    </fieldset>
  );
}

function ParameterRowView({ row, index: i, errors }: { row: ParameterRow; index: number; errors: FieldErrors }) {
  const id = (field: keyof ParameterRow) => paramFieldId(i, field);
  const input = (field: keyof ParameterRow, name: string, label: string, value: string, hint?: string) => (
    <div class="field">
      <label for={id(field)}>{label}</label>
      <input
        type="text"
        id={id(field)}
        name={`param.${i}.${name}`}
        value={value}
        {...describedBy(id(field), errors, hint !== undefined)}
      />
      {hint !== undefined && <Hint id={id(field)}>{hint}</Hint>}
      <FieldError id={id(field)} errors={errors} />
    </div>
  );
  return (
    <li class="param-row">
      <div class="grid">
        {input("name", "name", "Parameter name", row.name)}
        <Select
          id={id("type")}
          name={`param.${i}.type`}
          label="Type"
          value={row.type}
          options={same(PARAM_TYPES)}
          errors={errors}
        />
        <Select
          id={id("location")}
          name={`param.${i}.location`}
          label="Sent in"
          value={row.location}
          options={PARAM_LOCATIONS.map((l) => [l, LOCATION_LABELS[l]] as const)}
          errors={errors}
        />
        <div class="field">
          <span class="label">Required</span>
          <label class="check" for={id("required")}>
            <input
              type="checkbox"
              id={id("required")}
              name={`param.${i}.required`}
              value="true"
              checked={row.required}
            />
            The caller must give it
          </label>
        </div>
      </div>
      {input(
        "description",
        "description",
        "Parameter description",
        row.description,
        "Tells callers, people or AI agents, what to give.",
      )}
      <div class="grid">
        {input("defaultValue", "default", "Default value", row.defaultValue, "Used when the caller gives none.")}
        {input(
          "wireName",
          "wire_name",
          "Name in the request",
          row.wireName,
          "Only if it differs from the parameter name.",
        )}
      </div>
      <div class="field">
        <label for={id("allowedValues")}>Allowed values</label>
        <textarea
          id={id("allowedValues")}
          name={`param.${i}.allowed`}
          rows={2}
          {...describedBy(id("allowedValues"), errors, true)}
        >
          {row.allowedValues}
        </textarea>
        <Hint id={id("allowedValues")}>One per line. Empty allows any value.</Hint>
        <FieldError id={id("allowedValues")} errors={errors} />
      </div>
      <div class="row-actions">
        <button
          type="submit"
          name="_action"
          value={`remove_param.${i}`}
          aria-label={`Remove parameter ${row.name || i + 1}`}
        >
          Remove parameter
        </button>
      </div>
    </li>
  );
}

const LOCATION_LABELS: Record<(typeof PARAM_LOCATIONS)[number], string> = {
  path: "the path",
  query: "the query string",
  header: "a header",
  body: "the body",
};

function OutputSection({
  state,
  errors,
  canUseLastRun,
}: {
  state: ToolFormState;
  errors: FieldErrors;
  canUseLastRun: boolean;
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
        <button type="submit" name="_action" value="infer_sample">
          Generate from sample
        </button>
        {canUseLastRun && (
          <button type="submit" name="_action" value="infer_last_run">
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

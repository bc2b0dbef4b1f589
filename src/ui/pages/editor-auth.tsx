/**
 * The editor's authentication section: the type chooser, each type's fields
 * (only the chosen type's show, by CSS), and the write-only secret fields.
 */
import type { Child } from "hono/jsx";
import { describedBy, FieldError, type FieldErrors } from "../components";
import { originOf } from "../../registry/urls";
import { DESTINATION_WORDS, REENTER_WHY } from "../tool-form-errors";
import type { ToolFormState } from "../tool-form";
import { CLIENT_AUTH_METHOD_CHOICES, KEY_LOCATION_CHOICES, SecretField, Select, TextField } from "./form-controls";
import type { EditorProps } from "./tool-editor";

const SECRET_LABELS: Record<string, { field: string; id: string; label: string; authType: string }> = {
  token: { field: "token", id: "bearer_token", label: "Bearer token", authType: "bearer_token" },
  value: { field: "value", id: "api_key_value", label: "API key value", authType: "api_key" },
  client_secret: { field: "client_secret", id: "client_secret", label: "Client secret", authType: "oauth2" },
};

/** A connection the editor's picker offers. */
export interface ConnectionChoice {
  id: string;
  name: string;
  origins: readonly string[];
  /** Its status in words (Ready, Needs its secret, ...). */
  status: string;
}

export function AuthSection(props: {
  state: ToolFormState;
  errors: FieldErrors;
  tool: EditorProps["tool"];
  drafts: Record<string, string>;
  reenterReason: string | null;
  connectionName: string | null;
  /** Null when the key may not read connections: the tool's connection, if any, is then only named. */
  connectionChoices?: readonly ConnectionChoice[] | null;
}) {
  const { state, errors, connectionName, connectionChoices = null } = props;
  if (connectionChoices === null) {
    if (state.connectionId !== null)
      return <ConnectionAuth connectionId={state.connectionId} name={connectionName} errors={errors} />;
    return <OwnAuth {...props} />;
  }
  const useConnection = state.connectionId !== null;
  const origin = originOf(state.endpointUrl);
  // Connections whose origins match the URL first, then the rest, each group in the list's order.
  const sorted = [
    ...connectionChoices.filter((c) => origin !== null && c.origins.includes(origin)),
    ...connectionChoices.filter((c) => origin === null || !c.origins.includes(origin)),
  ];
  const known = sorted.some((c) => c.id === state.connectionId);
  return (
    <OwnAuth {...props}>
      <div class="field" role="radiogroup" aria-labelledby="auth-source-label">
        <p id="auth-source-label">Where the credential comes from</p>
        <label for="auth-source-connection">
          <input
            type="radio"
            id="auth-source-connection"
            name="auth_source"
            value="connection"
            checked={useConnection}
          />{" "}
          Use a saved connection
        </label>
        <label for="auth-source-own">
          <input type="radio" id="auth-source-own" name="auth_source" value="own" checked={!useConnection} />{" "}
          Credentials for this tool only
        </label>
      </div>
      <div class="auth-source-connection">
        <div class="field">
          <label for="connection_id">Connection</label>
          <select id="connection_id" name="connection_id" {...describedBy("connection_id", errors, true)}>
            <option value="" selected={!state.connectionId}>
              Choose a connection
            </option>
            {state.connectionId && !known && (
              <option value={state.connectionId} selected>
                {connectionName ?? `${state.connectionId} (no longer exists)`}
              </option>
            )}
            {sorted.map((c) => (
              <option value={c.id} selected={c.id === state.connectionId}>
                {c.name} ({c.status}
                {origin !== null && c.origins.includes(origin) ? ", matches the URL" : ""})
              </option>
            ))}
          </select>
          <p class="hint" id="connection_id-hint">
            The tool signs in with the connection's credential, managed on the connection; the endpoint URL must be on
            one of its allowed origins.{" "}
            <a href="/ui/connections/new" target="_blank" rel="noopener">
              Create a connection
            </a>{" "}
            (opens in a new tab, so this form stays as it is), then{" "}
            <button type="submit" name="_action" value="refresh_connections" class="link-button">
              refresh the list
            </button>
            .
          </p>
          <FieldError id="connection_id" errors={errors} />
        </div>
      </div>
    </OwnAuth>
  );
}

/** The tool's own credentials; with `children` (the source choice), those come first and the fields follow in their own block. */
function OwnAuth({
  state,
  errors,
  tool,
  drafts,
  reenterReason,
  children,
}: {
  state: ToolFormState;
  errors: FieldErrors;
  tool: EditorProps["tool"];
  drafts: Record<string, string>;
  reenterReason: string | null;
  children?: Child;
}) {
  const stored = tool?.auth;
  const secretField = (field: string) => {
    const meta = SECRET_LABELS[field];
    if (!meta) return null;
    const isStored = stored?.type === meta.authType && stored.secretsSet.includes(field);
    const isDraft = drafts[field] !== undefined;
    // While the stored secret must be entered again, nothing may say it can be left empty
    // (./../../../public/ui/app.js switches these as the destination changes).
    const mustReenter = isStored && !isDraft && reenterReason !== null;
    const keepPlaceholder = isDraft ? "entered, leave empty to keep" : isStored ? "saved, leave empty to keep" : "";
    return (
      <SecretField
        id={meta.id}
        label={meta.label}
        errors={errors}
        placeholder={mustReenter ? "" : keepPlaceholder}
        extra={{ "data-keep-placeholder": isStored && !isDraft ? keepPlaceholder : undefined }}
        status={
          isDraft ? (
            "Entered but not saved yet; leave empty to keep what you entered. "
          ) : isStored ? (
            <span data-keep-notice hidden={mustReenter}>
              Saved, leave empty to keep.{" "}
            </span>
          ) : (
            ""
          )
        }
        notice={
          isStored &&
          !isDraft && (
            <span class="reenter-notice" data-reenter-notice hidden={reenterReason === null}>
              {" "}
              Enter it again: <span data-reenter-changes="">{reenterReason ?? "where it is sent changed"}</span>, and{" "}
              {REENTER_WHY}.
            </span>
          )
        }
      />
    );
  };
  return (
    <fieldset
      id="authentication"
      data-stored-destination={stored && stored.secretsSet.length > 0 ? JSON.stringify(stored.destination) : undefined}
      data-destination-words={stored && stored.secretsSet.length > 0 ? JSON.stringify(DESTINATION_WORDS) : undefined}
    >
      <legend>Authentication</legend>
      {children}
      <div class={children === undefined ? undefined : "auth-source-own"}>
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
        <div class="auth-fields auth-bearer_token">{secretField("token")}</div>
        <div class="auth-fields auth-api_key">
          <div class="grid">
            <Select
              id="api_key_location"
              label="Send the key in"
              value={state.auth.keyLocation}
              options={KEY_LOCATION_CHOICES}
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
              options={CLIENT_AUTH_METHOD_CHOICES}
              errors={errors}
            />
          </div>
          {secretField("client_secret")}
          <div class="grid">
            <TextField id="oauth_scope" label="Scope (optional)" value={state.auth.scope} errors={errors} />
            <TextField id="audience" label="Audience (optional)" value={state.auth.audience} errors={errors} />
          </div>
        </div>
      </div>
    </fieldset>
  );
}

/**
 * A tool that uses a saved connection: its credential is the connection's,
 * managed there, so the editor only says which one and keeps it on save.
 */
function ConnectionAuth({
  connectionId,
  name,
  errors,
}: {
  connectionId: string;
  name: string | null;
  errors: FieldErrors;
}) {
  return (
    <fieldset id="authentication">
      <legend>Authentication</legend>
      <input type="hidden" name="connection_id" value={connectionId} />
      <p id="connection_id-hint">
        {name === null ? (
          <>
            This tool uses the connection <code>{connectionId}</code>, which no longer exists.
          </>
        ) : (
          <>
            This tool uses the saved connection <strong>{name}</strong>: its credential is managed on the connection,
            and the endpoint must be on one of the connection's allowed origins.
          </>
        )}
      </p>
      <FieldError id="connection_id" errors={errors} />
    </fieldset>
  );
}

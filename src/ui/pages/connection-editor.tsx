/**
 * The connection page: create or edit a connection, test it, see the tools
 * that use it, and delete it. Secrets are write-only: their fields are always
 * empty, and say whether a value is saved.
 */
import type { z } from "@hono/zod-openapi";
import type { Connection } from "../../api/connection-schemas";
import type { ConnectionTestResult } from "../../engine/connection-test";
import { CsrfField, describedBy, ErrorSummary, FieldError, Hint, Time, type FieldErrors } from "../components";
import {
  CONNECTION_AUTH_CHOICES,
  CONNECTION_SECRET_FIELD_IDS,
  type ConnectionFormState,
  type ConnectionSecretField,
} from "../connection-form";
import { Page } from "../layout";
import { can, type Session } from "../session";
import { CLIENT_AUTH_METHOD_CHOICES, KEY_LOCATION_CHOICES, SecretField, Select, TextField } from "./form-controls";
import { StatusBadge } from "./connection-status";

type Presented = z.infer<typeof Connection>;

export interface ConnectionEditorProps {
  session: Session;
  state: ConnectionFormState;
  errors: FieldErrors;
  /** The stored connection, or null for a new one. */
  stored: Presented | null;
  /** The stored secrets cannot stay (422 secrets_required): ask for them again, saying why. */
  reenter: string | null;
  /** The tools that use the connection (its page only). */
  tools?: readonly { id: string; name: string }[];
  testResult?: ConnectionTestResult | undefined;
  notice?: string | undefined;
  /** The redirect URI to register at the provider, for OAuth2 sign-in. */
  redirectUri: string;
  /** An OAuth2 sign-in connection's grant: whether it was ever signed in, and why it no longer works. */
  signIn?: SignInState | null | undefined;
}

export interface SignInState {
  /** A grant was stored (even if it was revoked since): the button says Reconnect. */
  connected: boolean;
  /** Why the stored grant no longer works, in words; null while it does. */
  invalid: string | null;
}

/** Connect, or Reconnect: off to the provider's sign-in and consent (POST /ui/connections/{id}/connect). */
function SignIn({ id, signIn, csrf }: { id: string; signIn: SignInState; csrf: string }) {
  return (
    <section aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">Sign-in to the provider</h2>
      {signIn.invalid && (
        <p class="error-summary" role="status">
          {signIn.invalid}
        </p>
      )}
      <p class="hint">
        {signIn.connected
          ? "Reconnect to sign in again (for example after access was revoked, or to use another account)."
          : "Connect opens the provider's sign-in page; once you agree there, you come back here, connected."}
      </p>
      <form method="post" action={`/ui/connections/${id}/connect`} class="actions">
        <CsrfField token={csrf} />
        <button type="submit">{signIn.connected ? "Reconnect" : "Connect"}</button>
      </form>
    </section>
  );
}

const SECRET_LABELS: Record<ConnectionSecretField, string> = {
  token: "Bearer token",
  value: "API key value",
  password: "Password",
  client_secret: "Client secret",
};

export function ConnectionEditorPage(props: ConnectionEditorProps) {
  const { session, state, errors, stored } = props;
  const action = stored ? `/ui/connections/${stored.id}` : "/ui/connections/new";
  const title = stored ? `Connection ${stored.name}` : "New connection";
  const mayWrite = can(session, "connections:write");
  return (
    <Page title={title} session={session} current="connections">
      <p class="muted">
        <a href="/ui/connections">Connections</a> /
      </p>
      <h1>{title}</h1>
      {stored && (
        <p>
          Status: <StatusBadge connection={stored} />
        </p>
      )}
      <ErrorSummary title="The connection was not saved. Please fix:" errors={errors} />
      {props.notice && (
        <p class="success" role="status">
          {props.notice}
        </p>
      )}
      {props.reenter && (
        <p class="notice" role="alert" id="reenter-notice">
          Type the secret again: {props.reenter}, and a stored secret only goes where it was entered for.
        </p>
      )}
      {stored && props.testResult && <TestResult result={props.testResult} />}
      <form method="post" action={action} novalidate>
        <CsrfField token={session.csrfToken} />
        {state.version !== null && <input type="hidden" name="version" value={String(state.version)} />}
        <TextField
          id="name"
          label="Name"
          value={state.name}
          errors={errors}
          hint="1-64 letters, digits, _ or -, for example weather_api."
        />
        <div class="field">
          <label for="description">Description (optional)</label>
          <textarea id="description" name="description" rows={2} {...describedBy("description", errors)}>
            {state.description}
          </textarea>
          <FieldError id="description" errors={errors} />
        </div>
        <fieldset>
          <legend>Where the credential may go</legend>
          <div class="field">
            <label for="allowed_origins">Allowed origins, one a line</label>
            <textarea
              id="allowed_origins"
              name="allowed_origins"
              rows={3}
              spellcheck={false}
              {...describedBy("allowed_origins", errors, true)}
            >
              {state.origins}
            </textarea>
            <Hint id="allowed_origins">
              The sites this credential may be sent to: the scheme and host of the API, with the port if it has one, for
              example https://api.example.com. A tool that uses this connection must call one of them; the credential is
              never sent anywhere else.
            </Hint>
            <FieldError id="allowed_origins" errors={errors} />
          </div>
        </fieldset>
        <fieldset id="connection-auth">
          <legend>Authentication</legend>
          <Select
            id="conn-auth-type"
            name="auth_type"
            label="How the API checks who is calling"
            value={state.authType}
            options={CONNECTION_AUTH_CHOICES}
            errors={errors}
          />
          <div class="conn-fields conn-bearer_token">
            <ConnectionSecretField field="token" {...props} />
          </div>
          <div class="conn-fields conn-api_key">
            <div class="grid">
              <Select
                id="location"
                label="Send the key in"
                value={state.location}
                options={KEY_LOCATION_CHOICES}
                errors={errors}
              />
              <TextField
                id="key_name"
                label="Header or parameter name"
                value={state.keyName}
                errors={errors}
                hint="For example X-API-Key or appid."
              />
            </div>
            <ConnectionSecretField field="value" {...props} />
          </div>
          <div class="conn-fields conn-basic">
            <TextField
              id="username"
              label="Username"
              value={state.username}
              errors={errors}
              hint="Not a secret: shown on this page."
            />
            <ConnectionSecretField field="password" {...props} />
          </div>
          <div class="conn-fields conn-authorization_code">
            <TextField
              id="authorization_url"
              label="Authorization URL"
              type="url"
              value={state.authorizationUrl}
              errors={errors}
              hint="The provider's page where people sign in and agree, from its developer documentation."
            />
            <div class="field">
              <label for="redirect_uri">Redirect URI to register at the provider</label>
              <div class="copy-row">
                <input
                  type="text"
                  id="redirect_uri"
                  value={props.redirectUri}
                  readonly
                  aria-describedby="redirect_uri-hint"
                />
                <button type="button" data-copy="redirect_uri" hidden>
                  Copy redirect URI
                </button>
              </div>
              <p class="hint" id="redirect_uri-hint">
                Copy this into the provider's settings for your OAuth app, as its redirect (callback) URI.
              </p>
            </div>
          </div>
          <div class="conn-fields conn-client_credentials conn-authorization_code">
            <TextField
              id="token_url"
              label="Token URL"
              type="url"
              value={state.tokenUrl}
              errors={errors}
              hint="Where access tokens are requested."
            />
            <div class="grid">
              <TextField id="client_id" label="Client ID" value={state.clientId} errors={errors} />
              <Select
                id="client_auth_method"
                label="Client authentication"
                value={state.clientAuthMethod}
                options={CLIENT_AUTH_METHOD_CHOICES}
                errors={errors}
              />
            </div>
            <ConnectionSecretField field="client_secret" {...props} />
            <div class="grid">
              <TextField
                id="scope"
                label="Scope (optional)"
                value={state.scope}
                errors={errors}
                hint="Space-separated, as the provider names them."
              />
              <TextField id="audience" label="Audience (optional)" value={state.audience} errors={errors} />
            </div>
          </div>
          <div class="conn-fields conn-authorization_code">
            <div class="field">
              <label for="extra_authorize_params">Extra sign-in parameters (optional), one name=value a line</label>
              <textarea
                id="extra_authorize_params"
                name="extra_authorize_params"
                rows={2}
                spellcheck={false}
                {...describedBy("extra_authorize_params", errors, true)}
              >
                {state.extraParams}
              </textarea>
              <Hint id="extra_authorize_params">
                For example access_type=offline and prompt=consent, which some providers need to give a refresh token.
              </Hint>
              <FieldError id="extra_authorize_params" errors={errors} />
            </div>
            {!stored && (
              <p class="hint" id="sign-in-next">
                Once the connection is created, press Connect on its page to sign in to the provider and agree to the
                access; tools that use it can run from then on.
              </p>
            )}
          </div>
        </fieldset>
        <fieldset>
          <legend>Test request (optional)</legend>
          <p class="hint">
            A request that Test connection sends with the credential; an answer in the 2xx range means it works. Pick
            something harmless, such as a GET of your account or of a list.
          </p>
          <div class="grid">
            <Select
              id="test_method"
              label="Method"
              value={state.testMethod}
              options={[
                ["GET", "GET"],
                ["HEAD", "HEAD"],
                ["POST", "POST (no body)"],
              ]}
              errors={errors}
            />
            <TextField
              id="test_url"
              label="URL"
              type="url"
              value={state.testUrl}
              errors={errors}
              hint="On one of the allowed origins."
            />
          </div>
        </fieldset>
        {mayWrite && (
          <div class="actions">
            <button class="primary" type="submit">
              {stored ? "Save changes" : "Create connection"}
            </button>
            <a class="button" href={stored ? `/ui/connections/${stored.id}` : "/ui/connections"}>
              Cancel
            </a>
          </div>
        )}
      </form>
      {stored && mayWrite && props.signIn && <SignIn id={stored.id} signIn={props.signIn} csrf={session.csrfToken} />}
      {stored && mayWrite && (
        <form method="post" action={`/ui/connections/${stored.id}/test`} class="actions">
          <CsrfField token={session.csrfToken} />
          <button type="submit">Test connection</button>
        </form>
      )}
      {stored && <ToolsUsing connection={stored} tools={props.tools ?? []} />}
      {stored && mayWrite && (
        <p>
          <a class="button danger" href={`/ui/connections/${stored.id}/delete`}>
            Delete this connection
          </a>
        </p>
      )}
    </Page>
  );
}

function ConnectionSecretField({
  field,
  state,
  errors,
  stored,
  reenter,
}: ConnectionEditorProps & { field: ConnectionSecretField }) {
  const id = CONNECTION_SECRET_FIELD_IDS[field];
  const isStored = stored?.auth_config.secrets_set.includes(field) ?? false;
  // After a change of destination the stored value cannot stay: never say "leave empty to keep" then.
  const keep = isStored && reenter === null;
  const optional = field === "client_secret" && state.authType === "authorization_code";
  return (
    <SecretField
      id={id}
      label={`${SECRET_LABELS[field]}${optional ? " (optional: public clients have none)" : ""}`}
      errors={errors}
      placeholder={keep ? "saved, leave empty to keep" : ""}
      status={keep ? "Saved, leave empty to keep. " : isStored ? "Saved for the old settings: type it again. " : ""}
    />
  );
}

function TestResult({ result }: { result: ConnectionTestResult }) {
  return (
    <div class={result.ok ? "success" : "error-summary"} role="status" id="test-result">
      {result.ok ? <strong>The connection works</strong> : <strong>The connection did not work</strong>}
      <p>
        {result.status !== null ? `The API answered HTTP ${result.status}` : "Nothing answered"} in {result.latency_ms}{" "}
        ms.{result.error ? ` ${result.error.message}` : ""}
      </p>
    </div>
  );
}

function ToolsUsing({ connection, tools }: { connection: Presented; tools: readonly { id: string; name: string }[] }) {
  return (
    <section aria-labelledby="tools-using">
      <h2 id="tools-using">Tools that use it</h2>
      {tools.length === 0 ? (
        <p class="muted">No tool uses this connection yet. Choose it in a tool's Authentication section.</p>
      ) : (
        <ul>
          {tools.map((tool) => (
            <li>
              <a href={`/ui/tools/${tool.id}`}>{tool.name}</a>
            </li>
          ))}
        </ul>
      )}
      {connection.tools_count > tools.length && <p class="muted">and {connection.tools_count - tools.length} more.</p>}
      {connection.last_used_at && (
        <p class="muted">
          Last used <Time iso={connection.last_used_at} />.
        </p>
      )}
    </section>
  );
}

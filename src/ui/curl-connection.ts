/**
 * "Start from a cURL command" and connections: after the form is filled in
 * from a command with a credential, the page offers to save that credential
 * as a new connection, or to use a connection that already sends the same
 * kind of credential to the same origin. Either way the form then names the
 * connection and keeps no credential of its own. Through the same registry
 * code as POST /imports/curl's save_connection and connection_id.
 */
import type { DraftAuth } from "../imports/curl-credentials";
import { AppError, type ProblemFieldError } from "../problem";
import { checkedReuse, matchingConnections, saveCredentialAsConnection } from "../registry/curl-connections";
import { addFieldError, type FieldErrors } from "./components";
import type { CurlConnectionOffer } from "./pages/curl-connection-offer";
import type { UiContext } from "./routes";
import { can, type Session } from "./session";
import type { ToolFormState } from "./tool-form";

/** The form's credential as the cURL import wrote it, or none when it is not one a command gives. */
function formCredential(state: ToolFormState): DraftAuth {
  const { auth } = state;
  if (auth.type === "bearer_token") return { type: "bearer_token", token: auth.secrets.token };
  if (auth.type === "api_key")
    return { type: "api_key", key_name: auth.keyName, location: auth.keyLocation, value: auth.secrets.value };
  return { type: "none" };
}

/** What to offer once the form holds the command's credential; null when there is nothing to offer or allowed. */
export async function curlConnectionOffer(
  c: UiContext,
  session: Session,
  state: ToolFormState,
): Promise<CurlConnectionOffer | null> {
  const auth = formCredential(state);
  if (auth.type === "none") return null;
  const canSave = can(session, "connections:write") && Boolean(auth.type === "bearer_token" ? auth.token : auth.value);
  const matching = can(session, "connections:read")
    ? await matchingConnections(c.env, { endpoint_url: state.endpointUrl, auth_config: auth })
    : [];
  return canSave || matching.length > 0 ? { canSave, matching } : null;
}

/**
 * `curl_save_connection` or `curl_use_connection.<id>`: moves the form onto
 * the connection and drops its own credential. Returns the notice, or
 * undefined with the problem in `errors`.
 */
export async function moveFormOntoConnection(
  c: UiContext,
  session: Session,
  state: ToolFormState,
  action: string,
  errors: FieldErrors,
): Promise<string | undefined> {
  try {
    const use = /^curl_use_connection\.(.+)$/.exec(action);
    const row = use
      ? await checkedReuse(c.env, state.endpointUrl, use[1] as string)
      : can(session, "connections:write")
        ? await saveCredentialAsConnection(c.env, formCredential(state), state.endpointUrl, undefined)
        : null;
    if (!row) {
      addFieldError(errors, "", "Your API key cannot create connections (connections:write).");
      return undefined;
    }
    state.connectionId = row.id;
    state.auth = { ...state.auth, type: "none", secrets: {} };
    return use
      ? `The tool will use connection "${row.name}" and keeps no credential of its own.`
      : `Saved the command's credential as connection "${row.name}", which the tool will use: rotate it there, for every tool that uses it.`;
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 422) throw err;
    const problems = (err.extensions.errors as ProblemFieldError[] | undefined) ?? [];
    addFieldError(errors, "", problems.map((p) => p.message).join(" ") || err.detail);
    return undefined;
  }
}

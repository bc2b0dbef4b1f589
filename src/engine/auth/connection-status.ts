/**
 * A connection's status, derived when it is shown or used, never stored, and
 * the words that tell a person what to do about each. One function decides
 * it for the API, the UI and the execute path, so they cannot disagree.
 *
 *   needs_secret         a required secret is not set
 *   needs_authorization  authorization code, and no usable grant (no token row, or it was invalidated)
 *   error                the credential itself failed last time (last_error_code), until a success clears it
 *   ready                otherwise
 *
 * Executions go ahead on `error` (it may have been passing, and only a
 * success clears it); they stop with 409 connection_not_ready on
 * `needs_secret` and `needs_authorization`.
 */
import type { ConnectionRow } from "../../db/schema";
import { CONNECTION_SECRET_FIELDS, type ConnectionAuthParams } from "./index";

export const CONNECTION_STATUSES = ["ready", "needs_secret", "needs_authorization", "error"] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/**
 * The authorization-code grant as connection_tokens holds it: null when there
 * is no row (never connected), else whether it was invalidated
 * (`invalid_reason`, e.g. after invalid_grant). Nothing else of the token
 * state is needed to tell the status.
 */
export type GrantState = { invalidReason: string | null } | null;

/** The secret fields a connection needs before it can be used; client_secret is optional for authorization code (public clients). */
export function requiredConnectionSecrets(params: ConnectionAuthParams): readonly string[] {
  if (params.type === "oauth2" && params.grant_type === "authorization_code") return [];
  return CONNECTION_SECRET_FIELDS[params.type];
}

/** The required secret fields not set on the row. */
export function missingConnectionSecrets(
  connection: Pick<ConnectionRow, "authParams" | "authSecrets">,
): readonly string[] {
  return requiredConnectionSecrets(connection.authParams).filter((field) => !connection.authSecrets[field]);
}

export function isAuthorizationCode(params: ConnectionAuthParams): boolean {
  return params.type === "oauth2" && params.grant_type === "authorization_code";
}

export function connectionStatus(
  connection: Pick<ConnectionRow, "authParams" | "authSecrets" | "lastErrorCode">,
  grant: GrantState,
): ConnectionStatus {
  if (missingConnectionSecrets(connection).length > 0) return "needs_secret";
  if (isAuthorizationCode(connection.authParams) && (grant === null || grant.invalidReason !== null))
    return "needs_authorization";
  if (connection.lastErrorCode !== null) return "error";
  return "ready";
}

/**
 * What `last_error_code` can say, each with the words shown as
 * `error.message`. Only failures of the credential itself: a network error or
 * a timeout says nothing about it. (The authorization-code flow adds its own
 * codes here.)
 */
export const CONNECTION_ERROR_MESSAGES = {
  token_error:
    "The token endpoint refused to issue an access token: check token_url, client_id, client_secret and scope, then test the connection.",
  unauthorized:
    "The API answered 401 Unauthorized to the credential: it is wrong, expired or revoked. Send a new one with PUT /connections/{id}, then test the connection.",
  forbidden:
    "The API answered 403 Forbidden to the credential: it may lack a permission (scope) the call needs, or be revoked. Check it at the provider.",
} as const satisfies Record<string, string>;

export type ConnectionErrorCode = keyof typeof CONNECTION_ERROR_MESSAGES;

/** The message for a stored error code; a code this version does not know (written by a newer one) gets a generic one. */
export function connectionErrorMessage(code: string): string {
  return (
    (CONNECTION_ERROR_MESSAGES as Record<string, string>)[code] ??
    "The credential failed the last time it was used. Test the connection to see what the API answers."
  );
}

/** What to do about a connection that is not ready, in a sentence, for problems, log rows and MCP results. */
export function notReadyAdvice(
  connection: { id: string; name: string | null },
  status: Exclude<ConnectionStatus, "ready" | "error"> | "missing",
  missing: readonly string[] = [],
): string {
  const named = connection.name === null ? `Connection ${connection.id}` : `Connection "${connection.name}"`;
  switch (status) {
    case "needs_secret":
      return `${named} has no ${missing.join(" or ") || "secret"} set yet: send it with PUT /connections/${connection.id} (or on the connection's page in the web UI), then run the tool again.`;
    case "needs_authorization":
      return `${named} is not signed in to its provider (or its grant was revoked): connect it with POST /connections/${connection.id}/authorize (Connect on the connection's page in the web UI), then run the tool again.`;
    case "missing":
      return `The tool's connection ${connection.id} no longer exists: give the tool another connection or its own credentials with PUT /tools/{id}.`;
  }
}

/**
 * What an OAuth provider says that toolgate repeats. A provider's text is
 * under its control: a hostile or merely reflective endpoint can put part of
 * the client secret in `error`, `error_description` or `token_type`, and the
 * Redactor only recognises a secret whole. So only values from a registry are
 * repeated, spelled as the registry spells them, and everything else is one
 * fixed word. `error_description` and `error_uri` are free text and never
 * repeated at all.
 */

/** RFC 6749 section 5.2: the error codes of a token endpoint. */
export const TOKEN_ENDPOINT_ERRORS = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
] as const;

/**
 * The error codes an authorization endpoint sends back to the redirect URI:
 * RFC 6749 section 4.1.2.1, and those OpenID Connect Core 1.0 section 3.1.2.6
 * adds (registered in IANA's "OAuth Extensions Error Registry").
 */
export const AUTHORIZATION_ENDPOINT_ERRORS = [
  "invalid_request",
  "unauthorized_client",
  "access_denied",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
  "interaction_required",
  "login_required",
  "account_selection_required",
  "consent_required",
  "invalid_request_uri",
  "invalid_request_object",
  "request_not_supported",
  "request_uri_not_supported",
  "registration_not_supported",
] as const;

/** What stands for an `error` that is not one of the registered codes. */
export const UNREGISTERED_ERROR = "unrecognized";

/**
 * The provider's `error`, if it is one of the `registered` codes (compared
 * exactly, as RFC 6749 defines them); `UNREGISTERED_ERROR` for any other value;
 * null when there is none.
 */
export function registeredError(error: unknown, registered: readonly string[] = TOKEN_ENDPOINT_ERRORS): string | null {
  if (error === undefined || error === null) return null;
  return typeof error === "string" && registered.includes(error) ? error : UNREGISTERED_ERROR;
}

/**
 * The IANA "OAuth Access Token Types" registry. Token types are compared
 * without regard to case (RFC 6749 section 5.1).
 */
const ACCESS_TOKEN_TYPES = ["Bearer", "DPoP", "N_A", "PoP"] as const;

/** A `token_type` as the registry spells it, or null when it is not a registered type. */
export function registeredTokenType(tokenType: string): string | null {
  return ACCESS_TOKEN_TYPES.find((known) => known.toLowerCase() === tokenType.toLowerCase()) ?? null;
}

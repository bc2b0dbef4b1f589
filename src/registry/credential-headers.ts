/**
 * Which header names say that they carry a credential. A tool's static
 * headers are stored in plaintext and returned by the API, so such a header
 * belongs in auth_config (sealed, never returned). The cURL import uses the
 * same rule to move such a header into the draft's auth_config.
 */

/** Names that carry credentials by definition (lower case). */
const CREDENTIAL_NAMES: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "api-key",
  "x-api-key",
  "apikey",
  "x-apikey",
]);

/**
 * Names the patterns below match that are not credentials: opaque cursors
 * that APIs hand out for paging, which a tool may well send as a fixed value.
 * Each entry is here because a real API uses it.
 */
export const NOT_CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  "x-continuation-token", // Azure, Kubernetes-style list continuation
  "x-page-token",
  "x-next-page-token",
]);

/** Whether a header with this name carries a credential (case-insensitive). */
export function isCredentialHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  if (NOT_CREDENTIAL_HEADERS.has(lower)) return false;
  return (
    CREDENTIAL_NAMES.has(lower) ||
    lower.endsWith("-token") ||
    lower.endsWith("-api-key") ||
    lower.includes("secret") ||
    lower.includes("password")
  );
}

/**
 * Whether a cookie with this name carries a credential: the header rule with
 * `_` read as `-` (cookies are written `auth_token`, `api_key`), and session
 * cookies (`session`, `PHPSESSID`, `connect.sid`): a session is a credential.
 */
export function isCredentialCookieName(name: string): boolean {
  const dashed = name.replaceAll("_", "-");
  return isCredentialHeaderName(dashed) || /session|sessid|(^|[-.])sid$/i.test(dashed);
}

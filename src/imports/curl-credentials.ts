/**
 * Credentials in an imported cURL command: which headers and query
 * parameters carry one, which becomes the tool's auth_config, and the check
 * that its value appears nowhere else in the draft. Pure.
 *
 * A tool's static headers, URL and input defaults are stored in plaintext and
 * returned by the API, so a credential may only sit in auth_config, which is
 * sealed on write and never returned.
 */
import { base64ToBytes, formEncode, textToBase64 } from "../encoding";

/** Headers that carry an API key by convention (lower case). Deliberately short: each is unambiguous. */
export const API_KEY_HEADERS: ReadonlySet<string> = new Set([
  "x-api-key",
  "api-key",
  "apikey",
  "x-apikey",
  "x-api-token",
  "x-auth-token",
  "x-access-token",
  "x-goog-api-key",
  "x-rapidapi-key",
  "ocp-apim-subscription-key",
  "private-token",
]);

/** Query parameters that carry an API key by convention (lower case). */
export const API_KEY_QUERY_PARAMS: ReadonlySet<string> = new Set([
  "api_key",
  "apikey",
  "api-key",
  "key",
  "appid",
  "access_token",
  "auth_token",
  "token",
]);

/**
 * Names that suggest a credential without being one of the conventions
 * above: they stay in the draft, with a warning to look at them.
 */
export function looksLikeCredential(name: string): boolean {
  return /secret|passw|token|api[-_]?key|auth|session|credential|signature/i.test(name);
}

export type DraftAuth =
  | { type: "none" }
  | { type: "bearer_token"; token: string }
  | { type: "api_key"; location: "header" | "query"; key_name: string; value: string };

/** A credential found in the command, and where. */
export interface Credential {
  auth: Exclude<DraftAuth, { type: "none" }>;
  /** What the warnings call it: `the Authorization header`, `the query parameter "key"`. */
  source: string;
  /** Every value that must not appear elsewhere: the secret and its parts (a Basic password). */
  secrets: string[];
  /** A warning to give when this is the credential used. */
  note?: string;
}

/** `Authorization: <value>`: Bearer becomes a bearer token, any other scheme an API key in that header. */
export function credentialFromAuthorization(name: string, value: string, source: string): Credential {
  const bearer = /^Bearer[ \t]+(\S(?:.*\S)?)\s*$/i.exec(value);
  if (bearer)
    return { auth: { type: "bearer_token", token: bearer[1] as string }, source, secrets: [bearer[1] as string] };
  const basic = /^Basic[ \t]+(\S+)\s*$/i.exec(value);
  const parts = basic ? [basic[1] as string, ...basicParts(basic[1] as string)] : [];
  return { auth: { type: "api_key", location: "header", key_name: name, value }, source, secrets: [value, ...parts] };
}

/** `-u user:password` (or userinfo in the URL): the Authorization header curl would send. */
export function credentialFromUser(user: string, password: string, source: string): Credential {
  const encoded = textToBase64(`${user}:${password}`);
  return {
    auth: { type: "api_key", location: "header", key_name: "Authorization", value: `Basic ${encoded}` },
    source,
    secrets: [`Basic ${encoded}`, encoded, password],
  };
}

/** The password of Basic credentials, when they decode. */
function basicParts(encoded: string): string[] {
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64ToBytes(encoded));
    const colon = text.indexOf(":");
    return colon >= 0 && colon < text.length - 1 ? [text.slice(colon + 1)] : [];
  } catch {
    return [];
  }
}

/** Secrets shorter than this match ordinary text, so they are only looked for as whole values. */
const SUBSTRING_MATCH_MIN = 8;

/** Whether `text` contains `secret` as written, URL-encoded, form-encoded or JSON-escaped. */
export function containsSecret(text: string, secret: string): boolean {
  if (secret === "") return false;
  const forms = new Set([secret, encodeURIComponent(secret), formEncode(secret), JSON.stringify(secret).slice(1, -1)]);
  if (secret.length < SUBSTRING_MATCH_MIN) return forms.has(text);
  for (const form of forms) if (text.includes(form)) return true;
  return false;
}

/** Whether any string, key or number in a JSON value contains one of the secrets. */
export function jsonContainsSecret(value: unknown, secrets: readonly string[]): boolean {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return secrets.some((secret) => containsSecret(String(value), secret));
  if (Array.isArray(value)) return value.some((item) => jsonContainsSecret(item, secrets));
  if (value !== null && typeof value === "object")
    return Object.entries(value).some(
      ([key, item]) => secrets.some((secret) => containsSecret(key, secret)) || jsonContainsSecret(item, secrets),
    );
  return false;
}

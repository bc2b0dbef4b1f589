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
import { isShortSecret } from "../engine/redact";

/**
 * API-key headers that the registry's rule (isCredentialHeaderName, which
 * every other credential header comes from) does not name, lower case: a
 * tool may send them as static headers, but in a command they are the key.
 */
export const MORE_API_KEY_HEADERS: ReadonlySet<string> = new Set([
  "x-rapidapi-key",
  "ocp-apim-subscription-key",
  "x-auth-key",
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
 * above: they stay in the draft, with a warning to look at them. Judged word
 * by word (`maxTokens`, `max_tokens` and `X-Max-Tokens` are the words max and
 * tokens), so that ordinary parameters that merely contain such a word
 * (max_tokens, token_count, auth_mode, author, page_token) are not flagged.
 */
export function looksLikeCredential(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 1 && words[0] === "auth") return true;
  if (words.length === 2 && words[0] === "x" && words[1] === "auth") return true;
  return words.some((word, i) => {
    if (CREDENTIAL_WORDS.has(word) || /(?:secret|password|passwd|apikey)$/.test(word)) return true;
    // key: api_key, private_key, secret_key, access_key…; not idempotency_key, sort_key, key_id.
    if (word === "key") return i > 0 && KEY_QUALIFIERS.has(words[i - 1] as string);
    if (KEY_QUALIFIERS.has(word.slice(0, -3)) && word.endsWith("key")) return true;
    // token: access_token, x-csrf-token, authtoken; not max_tokens, page_token, token_count, token_type.
    if (word === "token") return !words.some((other) => NOT_SECRET_TOKEN_WORDS.has(other));
    return word.endsWith("token") && !NOT_SECRET_TOKEN_WORDS.has(word.slice(0, -"token".length));
  });
}

/** Words that name a credential wherever they appear. */
const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  "secret",
  "secrets",
  "password",
  "passwd",
  "passphrase",
  "pwd",
  "credential",
  "credentials",
  "authorization",
  "session",
  "sessionid",
  "signature",
  "sig",
  "jwt",
  "bearer",
]);

/** Words before `key` that make it a credential. */
const KEY_QUALIFIERS: ReadonlySet<string> = new Set([
  "api",
  "auth",
  "access",
  "secret",
  "private",
  "signing",
  "master",
  "client",
  "app",
  "application",
  "subscription",
  "license",
]);

/**
 * Words that make a `token` something other than a credential: a page
 * cursor an API hands out (page_token, nextPageToken, continuation_token), a
 * count or a limit of language-model tokens, or a fact about a token.
 */
const NOT_SECRET_TOKEN_WORDS: ReadonlySet<string> = new Set([
  "page",
  "next",
  "prev",
  "previous",
  "continuation",
  "cursor",
  "sync",
  "count",
  "limit",
  "max",
  "min",
  "total",
  "type",
  "url",
  "uri",
  "endpoint",
  "usage",
  "budget",
]);

/** `X-Max-Tokens`, `maxTokens`, `max_tokens` → max, tokens. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

/** A draft's auth_config: a secret is absent when the command held a placeholder for it (see ./curl-placeholders.ts). */
export type DraftAuth =
  | { type: "none" }
  | { type: "bearer_token"; token?: string }
  | { type: "api_key"; location: "header" | "query"; key_name: string; value?: string };

/** A credential found in the command, and where. */
export interface Credential {
  auth: Exclude<DraftAuth, { type: "none" }>;
  /** What the warnings call it: `the Authorization header`, `the query parameter "key"`. */
  source: string;
  /** Every value that must not appear elsewhere: the secret and its parts (a Basic password). */
  secrets: string[];
  /** A warning to give when this is the credential used. */
  note?: string;
  /** For Basic credentials (-u, user:password@), the two parts as written. */
  basic?: { user: string; password: string };
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
    // With no password (Stripe's `-u sk_test_…:`), the user is the secret.
    secrets: [`Basic ${encoded}`, encoded, password === "" ? user : password],
    basic: { user, password },
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

/**
 * Whether `text` contains `secret` as written, URL-encoded, form-encoded or
 * JSON-escaped. A short secret (src/engine/redact.ts's rule) would match
 * ordinary text, so it counts only when it is the whole text: a whole header
 * value, query value or body field, as the Redactor finds it.
 */
export function containsSecret(text: string, secret: string): boolean {
  if (secret === "") return false;
  const forms = new Set([secret, encodeURIComponent(secret), formEncode(secret), JSON.stringify(secret).slice(1, -1)]);
  if (isShortSecret(secret)) return forms.has(text);
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

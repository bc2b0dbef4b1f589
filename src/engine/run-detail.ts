/**
 * Run detail: what an http tool's execution sent and got back, kept in its
 * log row (`executions.detail`) so a person can see why a run went as it did.
 *
 * Secrets are kept out twice. While the call runs, only credential-free facts
 * are recorded (`RunTrace`): the request before credentials are attached,
 * with the credential's place (header or query parameter, by name) instead of
 * its value; header values only where they cannot carry a credential; the
 * token request's origin, status and time, never a token. Then the whole
 * record passes through the call's Redactor (`storedRunDetail`), which by then
 * knows every secret of the call, access tokens included, and is cut to
 * DETAIL_LIMIT characters of JSON.
 *
 * Timing is what the Workers runtime can see: from sending to the response
 * headers, and to the end of the body. It does not expose DNS lookup,
 * connection or TLS times, so there are none.
 */
import { isCredentialHeaderName } from "../registry/credential-headers";
import type { AttachParams } from "./auth";
import type { UpstreamRequest } from "./request";
import { truncateText, type Redactor } from "./redact";

/** How much a log row's detail keeps, in characters of JSON (the input and output keep as much each). */
export const DETAIL_LIMIT = 16 * 1024;
/** Body characters kept before the whole detail is measured. */
export const REQUEST_BODY_LIMIT = 4 * 1024;
export const RESPONSE_BODY_LIMIT = 8 * 1024;
const URL_LIMIT = 4096;
const HEADERS_LIMIT = 40;
const HEADER_NAME_LIMIT = 100;
const HEADER_VALUE_LIMIT = 300;
const TOKEN_FETCHES_LIMIT = 5;
/**
 * A JSON body up to this long is kept as its parsed value, redacted value by
 * value and written again: a secret hidden in escapes the text form does not
 * recognise (`\u0061bc…`) is found once decoded. A longer one is cut to
 * RESPONSE_BODY_LIMIT anyway, and scrubbed as text.
 */
const REPARSED_BODY_LIMIT = 64 * 1024;

/**
 * Response headers whose values are kept: they describe the body, caching,
 * rate limits and the request's id at the API, and carry no credential.
 * Every other response header is kept by name only; Set-Cookie never has its value kept.
 */
export const RESPONSE_HEADER_VALUES: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "cache-control",
  "age",
  "date",
  "expires",
  "etag",
  "last-modified",
  "vary",
  "retry-after",
  "x-request-id",
  "request-id",
  "x-correlation-id",
  "cf-ray",
  "ratelimit",
  "ratelimit-policy",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
]);

/** A header by name; `value` is null when it is not kept (a credential, or a response header off the allowlist). */
export interface HeaderEntry {
  name: string;
  value: string | null;
}

/**
 * Where the call's credential went, by name, with the shell variable that a
 * copied cURL command uses in its place. Basic credentials keep the username
 * (it is configuration, shown with the connection); the password is the variable.
 */
export interface CredentialPlacement {
  in: "header" | "query";
  name: string;
  placeholder: string;
  scheme?: "Bearer" | "Basic";
  username?: string;
}

export interface RecordedRequest {
  method: string;
  /** As built from the input, before credentials were attached. */
  url: string;
  headers: HeaderEntry[];
  body: string | null;
  credentials: CredentialPlacement[];
}

export interface RecordedResponse {
  status: number;
  headers: HeaderEntry[];
  /** The body as text; null when there was none or it was not read (over the size cap, or cut off). */
  body: string | null;
  /** From the response headers to the end of the body; null when the body was not read to its end. */
  bodyReadMs: number | null;
  /** The body parsed, when it is JSON. */
  json?: unknown;
}

/** One look for an access token: in the cache or the stored grant, or a request to the token endpoint. */
export interface TokenFetch {
  /** The token endpoint's origin (never its path or query). */
  endpoint: string;
  source: "cache" | "stored" | "token_endpoint";
  /** The grant sent to the token endpoint, or null when no request was sent. */
  grant_type: "client_credentials" | "refresh_token" | null;
  status: number | null;
  duration_ms: number;
  /** Why no token came: the failure's kind (`token_error`, `timeout`, …), or null. */
  error: string | null;
  /** Looked for because the API answered 401 to the token before. */
  after_401: boolean;
}

/** What the http executor records while it runs: credential-free facts, not yet redacted. */
export interface RunTrace {
  request: RecordedRequest | null;
  response: RecordedResponse | null;
  tokenFetches: TokenFetch[];
}

export function newRunTrace(): RunTrace {
  return { request: null, response: null, tokenFetches: [] };
}

/** The detail as a log row stores it (JSON in `executions.detail`). */
export interface StoredRunDetail {
  request: RecordedRequest & { body_truncated: boolean };
  response: {
    status: number;
    headers: HeaderEntry[];
    body: string | null;
    body_truncated: boolean;
    body_read_ms: number | null;
  } | null;
  token_fetches: TokenFetch[];
  /** Something was cut to keep the detail under DETAIL_LIMIT. */
  truncated: boolean;
}

/** Where the credential of this auth config goes, or nothing for `none`. */
export function credentialPlacements(params: AttachParams): CredentialPlacement[] {
  switch (params.type) {
    case "none":
      return [];
    case "bearer_token":
      return [{ in: "header", name: "authorization", scheme: "Bearer", placeholder: "TOKEN" }];
    case "api_key":
      return [
        {
          in: params.location,
          name: params.location === "header" ? params.key_name.toLowerCase() : params.key_name,
          placeholder: "API_KEY",
        },
      ];
    case "basic":
      return [
        { in: "header", name: "authorization", scheme: "Basic", username: params.username, placeholder: "PASSWORD" },
      ];
    case "oauth2":
      return [{ in: "header", name: "authorization", scheme: "Bearer", placeholder: "ACCESS_TOKEN" }];
  }
}

/** A shell variable name for a credential header that the auth config did not put there (a Cookie input, say). */
export function placeholderForHeader(name: string): string {
  const upper = name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  return /^[A-Z_]/.test(upper) ? upper : `_${upper}`;
}

/**
 * The request as built, before credentials: its headers with the credential's
 * header added by name, and the value of every header whose name says it
 * carries a credential left out.
 */
export function recordRequest(request: UpstreamRequest, params: AttachParams): RecordedRequest {
  const credentials = credentialPlacements(params);
  const credentialHeaders = new Set(credentials.filter((c) => c.in === "header").map((c) => c.name));
  const headers: HeaderEntry[] = [];
  for (const [name, value] of request.headers)
    headers.push({
      name,
      value: credentialHeaders.has(name) || isCredentialHeaderName(name) ? null : value,
    });
  for (const name of credentialHeaders) if (!headers.some((h) => h.name === name)) headers.push({ name, value: null });
  return {
    method: request.method,
    url: request.url.toString(),
    headers,
    body: request.body ?? null,
    credentials,
  };
}

/** The final response: header values only for RESPONSE_HEADER_VALUES. */
export function recordResponse(response: Response, body: string | null, bodyReadMs: number | null): RecordedResponse {
  const headers: HeaderEntry[] = [];
  for (const [name, value] of response.headers)
    headers.push({ name, value: RESPONSE_HEADER_VALUES.has(name.toLowerCase()) ? value : null });
  return { status: response.status, headers, body, bodyReadMs };
}

/**
 * The detail to store: every string scrubbed by the call's Redactor (which by
 * now holds every secret of the call), bodies clipped after scrubbing (a cut
 * could otherwise leave part of a secret unrecognised), and the whole cut
 * further, bodies first, until its JSON fits DETAIL_LIMIT. Null when no
 * request was built.
 */
export function storedRunDetail(trace: RunTrace, redactor: Redactor): StoredRunDetail | null {
  if (!trace.request) return null;
  // Field by field rather than scrubValue: a short secret that happens to equal a key ("url") must not rename it.
  const scrub = (text: string) => redactor.scrub(text);
  let truncated = false;
  const cut = (text: string, limit: number) => {
    const kept = clip(scrub(text), limit);
    if (kept.length > limit) truncated = true;
    return kept;
  };
  const body = (text: string | null, limit: number) => {
    // Only as much of a large body is searched as the cut keeps (Redactor.scrubStart).
    const kept = clipBody(text === null ? null : redactor.scrubStart(text, limit), limit);
    if (kept.truncated) truncated = true;
    return kept;
  };
  const headers = (list: HeaderEntry[]) => {
    if (list.length > HEADERS_LIMIT) truncated = true;
    return list.slice(0, HEADERS_LIMIT).map(({ name, value }) => ({
      name: cut(name, HEADER_NAME_LIMIT),
      value: value === null ? null : cut(value, HEADER_VALUE_LIMIT),
    }));
  };
  const { request, response } = trace;
  const requestBody = body(request.body, REQUEST_BODY_LIMIT);
  const responseBody = body(response ? responseText(response, redactor) : null, RESPONSE_BODY_LIMIT);
  if (trace.tokenFetches.length > TOKEN_FETCHES_LIMIT) truncated = true;
  const detail: StoredRunDetail = {
    request: {
      method: request.method,
      url: cut(request.url, URL_LIMIT),
      headers: headers(request.headers),
      body: requestBody.text,
      body_truncated: requestBody.truncated,
      credentials: request.credentials.map((c) => ({
        ...c,
        name: cut(c.name, HEADER_NAME_LIMIT),
        ...(c.username === undefined ? {} : { username: cut(c.username, HEADER_NAME_LIMIT) }),
      })),
    },
    response: response && {
      status: response.status,
      headers: headers(response.headers),
      body: responseBody.text,
      body_truncated: responseBody.truncated,
      body_read_ms: response.bodyReadMs,
    },
    token_fetches: trace.tokenFetches
      .slice(0, TOKEN_FETCHES_LIMIT)
      .map((fetch) => ({ ...fetch, endpoint: cut(fetch.endpoint, URL_LIMIT) })),
    truncated: false,
  };
  detail.truncated = truncated;
  return fitted(detail);
}

/**
 * The response body to keep: as received, or, for JSON whose values held a
 * secret, the redacted value written as JSON (formatting is lost only then).
 */
function responseText(response: RecordedResponse, redactor: Redactor): string | null {
  if (response.body === null || response.json === undefined || response.body.length > REPARSED_BODY_LIMIT)
    return response.body;
  const scrubbed = redactor.scrubValue(response.json);
  // The same value back: the call has no secret to look for (most calls), so nothing to write again.
  if (scrubbed === response.json) return response.body;
  const redacted = JSON.stringify(scrubbed);
  return redacted === JSON.stringify(response.json) ? response.body : redacted;
}

/** Cuts, in this order, until the JSON fits: the response body, the request body, then headers. */
function fitted(detail: StoredRunDetail): StoredRunDetail {
  const fits = (d: StoredRunDetail) => JSON.stringify(d).length <= DETAIL_LIMIT;
  if (fits(detail)) return detail;
  const steps: ((d: StoredRunDetail) => StoredRunDetail)[] = [
    (d) => ({ ...d, response: d.response && { ...d.response, body: null, body_truncated: d.response.body !== null } }),
    (d) => ({ ...d, request: { ...d.request, body: null, body_truncated: d.request.body !== null } }),
    (d) => ({ ...d, response: d.response && { ...d.response, headers: [] } }),
    (d) => ({
      ...d,
      request: { ...d.request, headers: d.request.headers.filter((h) => h.value === null).slice(0, 4) },
    }),
    (d) => ({
      ...d,
      request: { ...d.request, url: clip(d.request.url, 1024) },
      token_fetches: d.token_fetches.slice(0, 2),
    }),
  ];
  let current = { ...detail, truncated: true };
  for (const step of steps) {
    current = step(current);
    if (fits(current)) return current;
  }
  return current;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${truncateText(text, limit)}…`;
}

function clipBody(text: string | null, limit: number): { text: string | null; truncated: boolean } {
  if (text === null || text.length <= limit) return { text, truncated: false };
  return { text: truncateText(text, limit), truncated: true };
}

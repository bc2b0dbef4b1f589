/**
 * Tool definition + validated input → the upstream request. Pure (but for a
 * multipart body's random boundary): no I/O, no secrets (authentication is
 * attached afterwards by ./auth).
 */
import { pointerToken, type ProblemFieldError } from "../problem";
import { formEncode, serializeQuery, type QueryStyle } from "./query-styles";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/**
 * Where an input goes: a path placeholder, a query parameter, a header, a
 * cookie (in the one Cookie header), a member of the body, or the whole body
 * (its value is the body: an array, a string, a number).
 */
export const INPUT_LOCATIONS = ["path", "query", "header", "cookie", "body", "whole_body"] as const;
export type InputLocation = (typeof INPUT_LOCATIONS)[number];
export interface MappingEntry {
  in: InputLocation;
  name?: string;
  /** Query inputs only: OpenAPI's serialization style; without style and explode, the original rule (lists repeated, objects as JSON). */
  style?: QueryStyle;
  explode?: boolean;
}
export type InputMapping = Record<string, MappingEntry>;

/**
 * How the body is encoded: a JSON object (or any JSON value, from a
 * whole_body input), a URL-encoded form, multipart/form-data text fields, or
 * text (a whole_body string sent as it is).
 */
export const BODY_FORMATS = ["json", "form", "multipart", "text"] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

export interface RequestTemplate {
  method: HttpMethod;
  endpointUrl: string;
  headers: Record<string, string>;
  bodyFormat: BodyFormat;
  inputMapping: InputMapping | null;
}

export interface UpstreamRequest {
  method: HttpMethod;
  url: URL;
  headers: Headers;
  body: string | undefined;
}

export type BuildResult = { ok: true; request: UpstreamRequest } | { ok: false; errors: ProblemFieldError[] };

/** `{name}` in an endpoint URL template: letters, digits and `_ . ~ -`. */
export const PLACEHOLDER = /\{([A-Za-z0-9_.~-]+)\}/g;

/** The `{placeholder}` names in an endpoint URL template, in order, without duplicates. */
export function placeholdersOf(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1] as string))];
}

/** An endpoint URL template parsed once: literal text at even indexes of `parts`, placeholder names at odd ones. */
interface PreparedUrl {
  parts: readonly string[];
  placeholders: readonly string[];
}

const PLACEHOLDER_SPLIT = new RegExp(PLACEHOLDER.source);
const PREPARED_URL_LIMIT = 1000;
const preparedUrls = new Map<string, PreparedUrl>();

/** Per isolate, by template text: every execute of a tool version uses the same one. */
function prepareUrl(template: string): PreparedUrl {
  let prepared = preparedUrls.get(template);
  if (prepared === undefined) {
    prepared = { parts: template.split(PLACEHOLDER_SPLIT), placeholders: placeholdersOf(template) };
    if (preparedUrls.size >= PREPARED_URL_LIMIT) preparedUrls.delete(preparedUrls.keys().next().value as string);
    preparedUrls.set(template, prepared);
  }
  return prepared;
}

export function methodHasBody(method: HttpMethod): boolean {
  return method === "POST" || method === "PUT" || method === "PATCH";
}

/** Where a property goes on the wire, after applying the defaults of the spec. */
export function locate(
  template: Pick<RequestTemplate, "method" | "endpointUrl" | "inputMapping">,
  property: string,
  placeholders: readonly string[] = placeholdersOf(template.endpointUrl),
): MappingEntry & { name: string } {
  const mapping = template.inputMapping;
  const mapped = mapping && Object.hasOwn(mapping, property) ? mapping[property] : undefined;
  if (mapped) return { ...mapped, name: mapped.name ?? property };
  if (placeholders.includes(property)) return { in: "path", name: property };
  return { in: methodHasBody(template.method) ? "body" : "query", name: property };
}

/** RFC 3986 percent-encoding of a path segment: everything but unreserved characters. */
export function encodePathSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Header values are bytes: tab, visible ASCII, space and Latin-1; never CR, LF or NUL. */
export function isValidHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

export const HEADER_VALUE_RULE = "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.";

/**
 * Why a value cannot fill a path placeholder, or null. Empty, "." and ".."
 * are refused: an empty segment or a dot segment (which URL parsing resolves,
 * even percent-encoded) would send the request to another resource.
 */
function pathValueProblem(value: unknown): string | null {
  if (value !== null && typeof value === "object") return "A path parameter must be a string, number or boolean.";
  const text = scalarText(value);
  if (text === "") return "A path parameter cannot be empty.";
  if (text === "." || text === "..") return `A path parameter cannot be "${text}".`;
  try {
    encodeURIComponent(text);
  } catch {
    return "A path parameter must be valid Unicode text.";
  }
  return null;
}

/**
 * Appends query parameters as text. Going through `url.searchParams` would
 * re-encode the query already in the URL, and some APIs sign its exact bytes.
 * With `replace`, existing parameters of the same names are removed first.
 */
export function appendQuery(url: URL, pairs: [string, string][], options: { replace?: boolean } = {}): void {
  if (pairs.length === 0) return;
  if (options.replace)
    removeQuery(
      url,
      pairs.map(([name]) => name),
    );
  const existing = url.search.length > 1 ? url.search.slice(1).split("&") : [];
  url.search = [...existing, new URLSearchParams(pairs).toString()].join("&");
}

/** Removes the query parameters with these (decoded) names, leaving the others' bytes as they were. */
export function removeQuery(url: URL, names: readonly string[]): void {
  if (url.search.length <= 1 || names.length === 0) return;
  const drop = new Set(names);
  const kept = url.search
    .slice(1)
    .split("&")
    .filter((part) => {
      const rawName = part.split("=", 1)[0] ?? "";
      try {
        return !drop.has(decodeURIComponent(rawName.replaceAll("+", " ")));
      } catch {
        return true;
      }
    });
  url.search = kept.join("&");
}

function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function buildUpstreamRequest(template: RequestTemplate, input: Record<string, unknown>): BuildResult {
  const { parts, placeholders } = prepareUrl(template.endpointUrl);
  const pathValues = new Map<string, string>();
  /** Encoded `name=value` parts, in input order. */
  const query: string[] = [];
  const headerValues: [string, string][] = [];
  const cookies: string[] = [];
  const body: Record<string, unknown> = {};
  let hasBody = false;
  let wholeBody: { property: string; value: unknown } | null = null;
  const errors: ProblemFieldError[] = [];

  for (const [property, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const target = locate(template, property, placeholders);
    switch (target.in) {
      case "path": {
        const problem = pathValueProblem(value);
        if (problem) errors.push({ path: `/input/${pointerToken(property)}`, message: problem });
        // Recorded even when refused, so the placeholder is not also reported as missing.
        pathValues.set(target.name, problem ? "" : encodePathSegment(scalarText(value)));
        break;
      }
      case "query":
        if (target.style === undefined && target.explode === undefined)
          for (const item of Array.isArray(value) ? value : [value])
            query.push(`${formEncode(target.name)}=${formEncode(scalarText(item))}`);
        else query.push(...serializeQuery(target.name, value, target));
        break;
      case "cookie":
        // RFC 6265 cookie-octets exclude space, quotes, comma, semicolon and backslash: values are percent-encoded.
        cookies.push(`${target.name}=${encodeURIComponent(scalarText(value))}`);
        break;
      case "whole_body":
        wholeBody = { property, value };
        break;
      case "header": {
        const text = scalarText(value);
        if (isValidHeaderValue(text)) headerValues.push([target.name, text]);
        else errors.push({ path: `/input/${pointerToken(property)}`, message: HEADER_VALUE_RULE });
        break;
      }
      case "body":
        body[target.name] = value;
        hasBody = true;
        break;
    }
  }

  for (const name of placeholders) {
    if (!pathValues.has(name))
      errors.push({
        path: `/input/${pointerToken(name)}`,
        keyword: "required",
        message: `The path parameter "${name}" has no value.`,
      });
  }
  if (errors.length > 0) return { ok: false, errors };

  // Values are never empty, ".", or "..", and "/" is encoded, so no
  // combination of them can form a dot segment or change the path's shape.
  const url = new URL(parts.map((part, i) => (i % 2 === 0 ? part : (pathValues.get(part) ?? ""))).join(""));
  appendEncodedQuery(url, query);

  const headers = new Headers(template.headers);
  for (const [name, value] of headerValues) headers.set(name, value);
  if (!headers.has("accept")) headers.set("accept", "application/json");
  if (cookies.length > 0) {
    const existing = headers.get("cookie");
    headers.set("cookie", [existing, ...cookies].filter(Boolean).join("; "));
  }

  let encodedBody: string | undefined;
  if (wholeBody !== null) {
    const whole = encodeWholeBody(wholeBody.value, template.bodyFormat);
    if (whole === null)
      return {
        ok: false,
        errors: [{ path: `/input/${pointerToken(wholeBody.property)}`, message: "A text body must be a string." }],
      };
    encodedBody = whole.body;
    if (!headers.has("content-type")) headers.set("content-type", whole.contentType);
  } else if (hasBody) {
    if (template.bodyFormat === "form") {
      const form = new URLSearchParams();
      for (const [name, value] of Object.entries(body))
        for (const item of Array.isArray(value) ? value : [value]) form.append(name, scalarText(item));
      encodedBody = form.toString();
      if (!headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded");
    } else if (template.bodyFormat === "multipart") {
      const multipart = encodeMultipart(body);
      encodedBody = multipart.body;
      // Replaces a static Content-Type: only this encoding knows the boundary the body needs.
      headers.set("content-type", `multipart/form-data; boundary=${multipart.boundary}`);
    } else {
      encodedBody = JSON.stringify(body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
  }
  return { ok: true, request: { method: template.method, url, headers, body: encodedBody } };
}

/**
 * Appends already encoded `name=value` parts to the query, after whatever the
 * endpoint URL fixes there, leaving those bytes as they were.
 */
function appendEncodedQuery(url: URL, parts: string[]): void {
  if (parts.length === 0) return;
  const existing = url.search.length > 1 ? url.search.slice(1).split("&") : [];
  url.search = [...existing, ...parts].join("&");
}

/**
 * The body a whole_body input makes: its value as JSON, or for a text body
 * the string itself (numbers and booleans as written; anything else is null,
 * an input error).
 */
function encodeWholeBody(value: unknown, format: BodyFormat): { body: string; contentType: string } | null {
  if (format !== "text") return { body: JSON.stringify(value), contentType: "application/json" };
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return { body: String(value), contentType: "text/plain; charset=utf-8" };
  return null;
}

/**
 * A multipart/form-data body of text fields, laid out as curl and browsers
 * write one: a part per value (arrays repeat the name, as a form does), no
 * Content-Type per part, and `"`, CR and LF in names percent-encoded (the
 * HTML standard's rule, which curl 7.81 and later follow).
 */
export function encodeMultipart(
  fields: Record<string, unknown>,
  newBoundary: () => string = () => `toolgate-${randomHex(16)}`,
): { boundary: string; body: string } {
  const parts: [string, string][] = [];
  for (const [name, value] of Object.entries(fields))
    for (const item of Array.isArray(value) ? value : [value]) parts.push([name, scalarText(item)]);
  let boundary: string;
  // 128 random bits: a value holding the boundary is all but impossible, and checked all the same.
  do boundary = newBoundary();
  while (parts.some(([name, value]) => name.includes(boundary) || value.includes(boundary)));
  const escapeName = (name: string) => name.replace(/["\r\n]/g, (ch) => encodeURIComponent(ch));
  const body = parts
    .map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"\r\n\r\n${value}\r\n`,
    )
    .join("");
  return { boundary, body: `${body}--${boundary}--\r\n` };
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

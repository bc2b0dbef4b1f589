/**
 * The literal values of an imported cURL command that become the tool's
 * inputs: query parameters, the body's fields (JSON or form) and numeric or
 * UUID path segments, each with its value as the default. Pure.
 */
import {
  encodePathSegment,
  methodHasBody,
  type BodyFormat,
  type HttpMethod,
  type InputMapping,
  type MappingEntry,
} from "../engine/request";
import { isJsonContentType } from "../encoding";
import { isPlainObject } from "../plain-object";
import type { CurlCommand } from "./curl-command";
import { API_KEY_QUERY_PARAMS, type Credential } from "./curl-credentials";
import { pathVariables } from "./curl-placeholders";

/** A literal value that becomes an input: where it goes, its name there, and its value. */
export interface Literal {
  in: "path" | "query" | "body" | "header";
  wire: string;
  value: unknown;
  /** The placeholder the command has instead of a value (`$CHAT_ID`): the input is required, with no default. */
  placeholder?: string;
}

/** A form component decoded (`+` is a space), or null when an escape is malformed. */
function decodeFormComponent(text: string): string | null {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return null;
  }
}

/**
 * The query: parameters that become inputs, API keys, and parts kept in the
 * URL as written (no `=`, or escapes that do not decode), since an input
 * would send them differently.
 */
export function readQuery(search: string): { literals: Literal[]; credentials: Credential[]; verbatim: string[] } {
  const literals: Literal[] = [];
  const credentials: Credential[] = [];
  const verbatim: string[] = [];
  for (const part of search.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq > 0 ? decodeFormComponent(part.slice(0, eq)) : null;
    const value = eq > 0 ? decodeFormComponent(part.slice(eq + 1)) : null;
    if (name === null || value === null) {
      // Braces would read as {placeholders}.
      verbatim.push(part.replaceAll("{", "%7B").replaceAll("}", "%7D"));
      continue;
    }
    if (API_KEY_QUERY_PARAMS.has(name.toLowerCase()) && value !== "")
      credentials.push({
        auth: { type: "api_key", location: "query", key_name: name, value },
        source: `the query parameter "${name}"`,
        secrets: [value],
      });
    else literals.push({ in: "query", wire: name, value });
  }
  return { literals: groupRepeats(literals), credentials, verbatim };
}

/** Repeated names (a=1&a=2) become one input whose value is the list. */
function groupRepeats(literals: Literal[]): Literal[] {
  const byName = new Map<string, Literal>();
  for (const literal of literals) {
    const seen = byName.get(literal.wire);
    if (!seen) byName.set(literal.wire, { ...literal });
    else seen.value = [...(Array.isArray(seen.value) ? seen.value : [seen.value]), literal.value];
  }
  return [...byName.values()];
}

/** As curl (7.88) encodes --data-urlencode: all but letters, digits and - . _ ~, and a space as +. */
function curlEscape(text: string): string {
  return encodePathSegment(text).replaceAll("%20", "+");
}

/** The data arguments as curl joins them: `--data-urlencode` encoded, pieces joined with `&`. */
export function joinData(curl: CurlCommand): string {
  const pieces = curl.data.map(({ kind, value }) => {
    if (kind !== "urlencode") return value;
    // "content" and "=content" send the content encoded; "name=content" keeps the name as written.
    const eq = value.indexOf("=");
    if (eq <= 0) return curlEscape(value.slice(eq + 1));
    return `${value.slice(0, eq + 1)}${curlEscape(value.slice(eq + 1))}`;
  });
  return curl.data.every((d) => d.kind === "json") ? pieces.join("") : pieces.join("&");
}

/**
 * The body's fields as inputs: `-F` text fields (multipart), or by the
 * Content-Type of the data: JSON (an object's top-level fields) or a form.
 * Without a Content-Type, curl says form; a JSON object is taken as JSON,
 * which is what its author meant.
 */
export function readBody(
  curl: CurlCommand,
  method: HttpMethod,
  headers: Record<string, string>,
  warnings: string[],
): { literals: Literal[]; format: BodyFormat | null } {
  const none = { literals: [], format: null };
  if (curl.get || (curl.data.length === 0 && !curl.multipart)) return none;
  const contentTypeName = Object.keys(headers).find((name) => name.toLowerCase() === "content-type");
  const dropBody = (why: string) => {
    warnings.push(why);
    if (contentTypeName) delete headers[contentTypeName];
    return none;
  };
  if (!methodHasBody(method))
    return dropBody(
      `toolgate sends no body with ${method}, so the data was left out (curl's -G sends it in the query instead).`,
    );
  if (curl.multipart) return readMultipart(curl, headers, contentTypeName, dropBody, warnings);

  const text = joinData(curl);
  const isJsonFlag = curl.data.some((d) => d.kind === "json");
  const contentType = contentTypeName ? (headers[contentTypeName] as string) : isJsonFlag ? "application/json" : null;
  const media = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const parsed = parseJson(text);

  let fields: Literal[];
  let format: "json" | "form";
  const isForm = media === "application/x-www-form-urlencoded";
  // JSON when it says so; a JSON object under no Content-Type, or another one (text/plain avoids a CORS preflight).
  const asJson =
    isJsonContentType(contentType) ||
    (!isForm && isPlainObject(parsed)) ||
    (contentType === null && Array.isArray(parsed));
  if (asJson) {
    if (parsed === undefined) return dropBody("The data is not valid JSON, so it was left out.");
    if (!isPlainObject(parsed))
      return dropBody(
        "The JSON body is not an object; toolgate builds JSON bodies from named inputs, so it was left out.",
      );
    if (contentType === null)
      warnings.push(
        "The data has no Content-Type; it is a JSON object, so the tool sends it as application/json (curl would have labelled it a form).",
      );
    fields = Object.entries(parsed).map(([wire, value]) => ({ in: "body", wire, value }));
    format = "json";
  } else if (contentType === null || isForm) {
    fields = groupRepeats(
      text
        .split("&")
        .filter((part) => part !== "")
        .map((part): Literal => {
          const eq = part.indexOf("=");
          const wire = eq < 0 ? part : part.slice(0, eq);
          const value = eq < 0 ? "" : part.slice(eq + 1);
          return { in: "body", wire: decodeFormComponent(wire) ?? wire, value: decodeFormComponent(value) ?? value };
        }),
    );
    format = "form";
  } else
    return dropBody(
      `The body is ${media.slice(0, 100)} data; toolgate builds bodies from named inputs, as JSON or a form, so it was left out.`,
    );

  if (fields.length === 0) return dropBody("The body has no fields, so the tool sends none.");
  return { literals: fields, format };
}

/** `-F` text fields; the engine writes the Content-Type, since the boundary is its own. */
function readMultipart(
  curl: CurlCommand,
  headers: Record<string, string>,
  contentTypeName: string | undefined,
  dropBody: (why: string) => { literals: Literal[]; format: null },
  warnings: string[],
): { literals: Literal[]; format: BodyFormat | null } {
  if (curl.data.length > 0)
    warnings.push("Left out the -d data: curl refuses a command with both -d and -F; the -F fields were used.");
  if (curl.form.length === 0) return dropBody("The multipart body has no text fields, so the tool sends none.");
  if (contentTypeName) {
    const media = (headers[contentTypeName] as string).split(";")[0]?.trim().toLowerCase();
    if (media !== "multipart/form-data")
      warnings.push(
        `Left out the ${contentTypeName} header: -F sends multipart/form-data, and the tool sets that Content-Type itself.`,
      );
    delete headers[contentTypeName];
  }
  const fields = curl.form.map(({ name, value }): Literal => ({ in: "body", wire: name, value }));
  return { literals: groupRepeats(fields), format: "multipart" };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isIdSegment = (segment: string) => /^\d+$/.test(segment) || UUID.test(segment);

/**
 * Numeric and UUID path segments but the first become `{name}` parameters,
 * named after the segment before them (`/users/42` → `{users_id}`), with the
 * value as default.
 */
export function pathParameters(pathname: string): { template: string; literals: Literal[]; literalSegments: string[] } {
  // Shell variables ($ACCOUNT_SID) become {account_sid} placeholders with no default.
  const variables = pathVariables(pathname);
  const segments = variables.pathname.split("/");
  const literals: Literal[] = variables.variables.map(({ name, written }) => ({
    in: "path",
    wire: name,
    value: undefined,
    placeholder: written,
  }));
  const literalSegments: string[] = [];
  const used = new Set<string>(variables.variables.map((v) => v.name));
  const out = segments.map((segment, index) => {
    if (segment.includes("{")) return segment;
    // The first segment is an API version when it is a number (Algolia's and Trello's /1/), never an id.
    if (!isIdSegment(segment) || index === 1) {
      if (segment !== "") literalSegments.push(segment);
      return segment;
    }
    const before = segments[index - 1] ?? "";
    const stem = isIdSegment(before)
      ? ""
      : before
          .replace(/[^A-Za-z0-9_]+/g, "_")
          .replace(/^_+|_+$/g, "")
          .slice(0, 40);
    const name = uniqueName(stem === "" ? "id" : `${stem}_id`, used);
    literals.push({ in: "path", wire: name, value: segment });
    return `{${name}}`;
  });
  return { template: out.join("/"), literals, literalSegments };
}

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base.slice(0, 60)}_${n}`;
  used.add(name);
  return name;
}

/** JSON Schema for a literal: its JSON type (none for null: any value), with the literal as default. */
function schemaFor({ value, placeholder }: Literal): Record<string, unknown> {
  if (placeholder !== undefined)
    return { type: "string", description: `Your value for ${placeholder}, which the command has here.` };
  if (value === null) return { default: null };
  if (Array.isArray(value)) return { type: "array", default: value };
  if (typeof value === "number") return { type: Number.isInteger(value) ? "integer" : "number", default: value };
  if (typeof value === "boolean") return { type: "boolean", default: value };
  if (typeof value === "string") return { type: "string", default: value };
  return { type: "object", default: value };
}

/**
 * Property names as LLM function-calling APIs accept them (letters, digits,
 * `_ . -`, at most 64), unique; the mapping keeps the name on the wire.
 */
export function inputsToSchema(inputs: readonly Literal[]): {
  properties: Record<string, Record<string, unknown>>;
  mapping: InputMapping;
  /** The property name of each input, in order. */
  names: string[];
  /** The inputs that have a placeholder instead of a default. */
  required: string[];
} {
  const properties: Record<string, Record<string, unknown>> = {};
  const mapping: InputMapping = {};
  const names: string[] = [];
  const required: string[] = [];
  const used = new Set<string>();
  for (const input of inputs) {
    // filter[status] → filter_status: runs of other characters become one "_", none at the ends.
    const base =
      input.wire
        .split(/[^A-Za-z0-9_.-]+/)
        .filter((part) => part !== "")
        .join("_")
        .slice(0, 64) || "param";
    const name = input.in === "path" ? input.wire : uniqueName(base, used);
    used.add(name);
    names.push(name);
    if (input.placeholder !== undefined) required.push(name);
    define(properties, name, schemaFor(input));
    define<MappingEntry>(mapping, name, name === input.wire ? { in: input.in } : { in: input.in, name: input.wire });
  }
  return { properties, mapping, names, required };
}

/** defineProperty, so a "__proto__" name becomes a property rather than a prototype. */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

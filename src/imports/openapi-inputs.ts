/**
 * An operation's parameters and request body → the tool's input properties
 * and where each goes on the wire. Only what the engine can send exactly as
 * the document describes is kept: an optional input it cannot send is left
 * out with a warning, a required one refuses the operation. Pure.
 */
import type { QueryStyling } from "../engine/query-styles";
import type { BodyFormat, HttpMethod, InputMapping } from "../engine/request";
import { methodHasBody } from "../engine/request";
import { isPlainObject, type JsonSchema } from "../engine/schemas";
import { cookieNameProblem, headerNameProblem } from "../registry/definition";
import { isCredentialHeaderName } from "../registry/credential-headers";
import { bodyInputs, bodyMapping } from "./openapi-body";
import { OperationRefused, type RefResolver } from "./openapi-refs";
import { convertSchema, typesOf, type SchemaContext } from "./openapi-schema";

export interface OperationInputs {
  properties: Record<string, JsonSchema | boolean>;
  required: string[];
  mapping: InputMapping;
  /** For the top-level input schema: false unless the body takes properties it does not name. */
  additionalProperties: JsonSchema | boolean;
  bodyFormat: BodyFormat | null;
  /** Static headers the tool sends (the Content-Type of a text body). */
  headers: Record<string, string>;
  /** The path with each `{placeholder}` renamed to its input property, and the query it fixes; no fragment. */
  path: string;
  warnings: string[];
}

type Location = "path" | "query" | "header" | "cookie";
interface Parameter {
  name: string;
  in: Location;
  raw: Record<string, unknown>;
}

const LOCATIONS: readonly Location[] = ["path", "query", "header", "cookie"];
/** OpenAPI: header parameters with these names "SHALL be ignored" (content negotiation and auth say them). */
const IGNORED_HEADERS = new Set(["accept", "content-type", "authorization"]);

/** A property name every function-calling format accepts; the wire name stays in the mapping. */
export function propertyName(wire: string): string {
  const cleaned = wire
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
  return cleaned || "param";
}

/**
 * A path as documents write it, in its parts. AWS documents (as APIs-guru
 * converts them) write `/#Action=DescribeInstances` or
 * `/#X-Amz-Target=DynamoDB_20120810.GetItem` to keep one path per operation,
 * and declare the same values as parameters; others write a fixed query,
 * `/?Action=DescribeInstances`. A fragment never reaches a server (RFC 3986),
 * so it is dropped; a query stays in the endpoint URL, sent as written.
 */
export function splitPath(path: string): { path: string; query: string; fragment: string } {
  const hash = path.indexOf("#");
  const beforeHash = hash >= 0 ? path.slice(0, hash) : path;
  const fragment = hash >= 0 ? path.slice(hash + 1) : "";
  const mark = beforeHash.indexOf("?");
  return mark >= 0
    ? { path: beforeHash.slice(0, mark), query: beforeHash.slice(mark + 1), fragment }
    : { path: beforeHash, query: "", fragment };
}

export function operationInputs(
  pathItem: Record<string, unknown>,
  operation: Record<string, unknown>,
  documentPath: string,
  method: HttpMethod,
  refs: RefResolver,
  ctx: SchemaContext,
  /** The header the tool's auth_config sets (its API key's name), if any: a parameter for it is the credential, not an input. */
  authHeader: string | null = null,
): OperationInputs {
  const parts = splitPath(documentPath);
  const out: OperationInputs = {
    properties: {},
    required: [],
    mapping: {},
    additionalProperties: false,
    bodyFormat: null,
    headers: {},
    path: parts.query ? `${parts.path}?${parts.query}` : parts.path,
    warnings: [],
  };
  const unique = (wanted: string, location: string) => {
    let name = wanted;
    if (Object.hasOwn(out.properties, name)) name = propertyName(`${location}_${wanted}`);
    for (let n = 2; Object.hasOwn(out.properties, name); n++) name = `${propertyName(`${location}_${wanted}`)}_${n}`;
    return name;
  };
  const parameters = collectParameters(pathItem, operation, refs);
  const placeholders = [...out.path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1] as string);
  for (const name of placeholders)
    if (!parameters.some((p) => p.in === "path" && p.name === name))
      throw new OperationRefused(
        "missing_path_parameter",
        `The path has {${name}} but no path parameter "${name}"; add the parameter to the document, or send server_url and import again once it is fixed.`,
      );
  const fixedQuery = new Set(new URLSearchParams(parts.query).keys());

  const ordered = LOCATIONS.flatMap((location) => parameters.filter((p) => p.in === location));
  for (const parameter of ordered) {
    const { name: wire, in: location, raw } = parameter;
    if (location === "path" && !placeholders.includes(wire)) {
      out.warnings.push(`Path parameter "${wire}" is not in the path; it was left out.`);
      continue;
    }
    if (location === "header" && IGNORED_HEADERS.has(wire.toLowerCase())) continue;
    if (location === "header" && wire.toLowerCase() === authHeader?.toLowerCase()) continue;
    if (location === "query" && fixedQuery.has(wire)) {
      out.warnings.push(`The query parameter "${wire}" is fixed by the path (${documentPath}); the URL sends it.`);
      continue;
    }
    const required = location === "path" || raw.required === true;
    const problem = unsendable(parameter, ctx);
    if (typeof problem === "string") {
      if (required) throw new OperationRefused("unsupported_parameter", problem);
      out.warnings.push(`${problem} It is optional, so it was left out.`);
      continue;
    }
    const property = unique(propertyName(wire), location);
    const schema: JsonSchema =
      typeof problem.schema === "boolean" ? { allOf: [problem.schema] } : { ...problem.schema };
    if (typeof raw.description === "string") schema.description = raw.description;
    if (raw.example !== undefined && schema.examples === undefined) schema.examples = [raw.example];
    // A required parameter with one allowed value (AWS's Action, Version, X-Amz-Target) is a constant: sent by default.
    const only = Array.isArray(schema.enum) && schema.enum.length === 1 ? schema.enum[0] : schema.const;
    if (required && only !== undefined && schema.default === undefined) schema.default = only;
    out.properties[property] = schema;
    if (required) out.required.push(property);
    if (location === "path") {
      out.path = out.path.replaceAll(`{${wire}}`, `{${property}}`);
      out.mapping[property] = { in: "path" };
    } else {
      out.mapping[property] = {
        in: location,
        ...(property === wire ? {} : { name: wire }),
        ...(location === "query" ? problem.styling : {}),
      };
    }
  }
  warnUndeclaredFragment(parts.fragment, parameters, out.warnings);

  addBody(out, operation, method, refs, ctx, unique);
  return out;
}

/** A fragment's `name=value` pairs that no parameter sends are said, since the URL cannot send them. */
function warnUndeclaredFragment(fragment: string, parameters: Parameter[], warnings: string[]): void {
  if (fragment === "") return;
  const declared = new Set(parameters.map((p) => p.name.toLowerCase()));
  const undeclared = [...new URLSearchParams(fragment).keys()].filter((name) => !declared.has(name.toLowerCase()));
  if (undeclared.length > 0)
    warnings.push(
      `The path's fragment "#${fragment}" is not sent (a URL's fragment never reaches the server), and no parameter sends ${undeclared.join(", ")}.`,
    );
}

/** Path-level parameters, overridden by the operation's own of the same name and location. */
function collectParameters(
  pathItem: Record<string, unknown>,
  operation: Record<string, unknown>,
  refs: RefResolver,
): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of [pathItem.parameters, operation.parameters]) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new OperationRefused("invalid_operation", "Its parameters are not a list.");
    for (const entry of list) {
      const raw = refs.follow(entry);
      if (!isPlainObject(raw) || typeof raw.name !== "string" || !LOCATIONS.includes(raw.in as Location))
        throw new OperationRefused(
          "invalid_operation",
          "A parameter has no name, or an `in` that is not path, query, header or cookie: fix it in the document.",
        );
      const location = raw.in as Location;
      const key = `${location}:${location === "header" ? raw.name.toLowerCase() : raw.name}`;
      byKey.set(key, { name: raw.name, in: location, raw });
    }
  }
  return [...byKey.values()];
}

/** The parameter's converted schema and query styling, or why the engine cannot send it as the document says. */
function unsendable(
  parameter: Parameter,
  ctx: SchemaContext,
): { schema: JsonSchema | boolean; styling: QueryStyling } | string {
  const { name, in: location, raw } = parameter;
  const label = `The ${location} parameter "${name}"`;
  if (location === "header") {
    // Cookie says credentials too, but is no API key: its parameters are cookie parameters' business.
    if (isCredentialHeaderName(name) && name.toLowerCase() !== "cookie")
      return `${label} carries a credential, and inputs are written to the execution log: send auth_config {"type": "api_key", "location": "header", "key_name": ${JSON.stringify(name)}} with its value, which toolgate stores sealed.`;
    const problem = headerNameProblem(name, { allowCredentials: false });
    if (problem) return `${label} cannot be sent: ${problem}`;
  }
  if (location === "cookie") {
    const problem = cookieNameProblem(name);
    if (problem) return `${label} cannot be an input: ${problem}`;
  }
  if (raw.schema === undefined && raw.content !== undefined)
    return `${label} is described by content (a media type) rather than a schema, which toolgate cannot serialize.`;
  const schema = convertSchema(raw.schema ?? {}, ctx);
  const declared = typeof schema === "object" && ("type" in schema || "properties" in schema || "items" in schema);
  const types = declared ? typesOf(schema) : ["string"];
  const style =
    typeof raw.style === "string" ? raw.style : location === "query" || location === "cookie" ? "form" : "simple";
  const explode = typeof raw.explode === "boolean" ? raw.explode : style === "form" || style === "deepObject";
  const structured = types.includes("object") || types.includes("array");
  if (location === "path" && style !== "simple")
    return `${label} uses style "${style}"; toolgate fills path parameters in the simple style only.`;
  if (location !== "query" && structured)
    return `${label} is ${types.includes("object") ? "an object" : "an array"}; toolgate sends ${location} parameters as single values (lists and objects go in the query).`;
  if (location !== "query" || !structured) return { schema, styling: {} };
  if (!["form", "spaceDelimited", "pipeDelimited", "deepObject"].includes(style))
    return `${label} uses style "${style}", which is not a query style.`;
  if (style === "deepObject" && !types.includes("object"))
    return `${label} uses style deepObject but is not an object.`;
  // A list repeated (form, explode) is what the engine does without a style: only other styles are written down.
  const styling: QueryStyling =
    !types.includes("object") && style === "form" && explode
      ? {}
      : { style: style as NonNullable<QueryStyling["style"]>, explode };
  return { schema, styling };
}

function addBody(
  out: OperationInputs,
  operation: Record<string, unknown>,
  method: HttpMethod,
  refs: RefResolver,
  ctx: SchemaContext,
  unique: (wanted: string, location: string) => string,
): void {
  if (operation.requestBody === undefined) return;
  const body = refs.follow(operation.requestBody);
  if (!isPlainObject(body) || !isPlainObject(body.content))
    throw new OperationRefused("invalid_operation", "Its requestBody has no content: fix it in the document.");
  if (!methodHasBody(method)) {
    if (body.required === true)
      throw new OperationRefused(
        "unsupported_body",
        `It requires a request body, which toolgate never sends with ${method}.`,
      );
    out.warnings.push(`Its optional request body was left out: toolgate sends no body with ${method}.`);
    return;
  }
  const inputs = bodyInputs(body, ctx);
  if (inputs === null) {
    out.warnings.push(
      `Its optional request body (${Object.keys(body.content).join(", ")}) was left out: toolgate cannot send it.`,
    );
    return;
  }
  out.bodyFormat = inputs.format;
  Object.assign(out.headers, inputs.headers);
  out.warnings.push(...inputs.warnings);
  for (const input of inputs.inputs) {
    const wanted = propertyName(input.wanted);
    const property = unique(wanted, "body");
    if (property !== wanted)
      out.warnings.push(
        input.wire === null
          ? `The request body is the input "${property}": a parameter already has the name "${wanted}".`
          : `Body property "${input.wire}" is the input "${property}": a parameter already has its name.`,
      );
    out.properties[property] = input.schema;
    if (input.required) out.required.push(property);
    out.mapping[property] = bodyMapping(input.wire, property);
  }
  out.additionalProperties = inputs.additional;
}

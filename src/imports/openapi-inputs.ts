/**
 * An operation's parameters and request body → the tool's input properties
 * and where each goes on the wire. Only what the engine can send exactly as
 * the document describes is kept: an optional input it cannot send is left
 * out with a warning, a required one refuses the operation. Pure.
 */
import type { HttpMethod, InputMapping } from "../engine/request";
import { methodHasBody } from "../engine/request";
import { isPlainObject, type JsonSchema } from "../engine/schemas";
import { isJsonContentType } from "../encoding";
import { headerNameProblem } from "../registry/definition";
import { OperationRefused, type RefResolver } from "./openapi-refs";
import { convertSchema, mergeAllOf, typesOf, type SchemaContext } from "./openapi-schema";

export interface OperationInputs {
  properties: Record<string, JsonSchema | boolean>;
  required: string[];
  mapping: InputMapping;
  /** For the top-level input schema: false unless the body takes properties it does not name. */
  additionalProperties: JsonSchema | boolean;
  bodyFormat: "json" | "form" | null;
  /** The path with each `{placeholder}` renamed to its input property. */
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
const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
/** Body keywords that constrain the object as a whole, which flattening into inputs cannot keep. */
const WHOLE_BODY_KEYWORDS = ["minProperties", "maxProperties", "patternProperties", "propertyNames", "dependencies"];
const SHAPE_KEYWORDS = ["oneOf", "anyOf", "not", "if"];

/** A property name every function-calling format accepts; the wire name stays in the mapping. */
export function propertyName(wire: string): string {
  const cleaned = wire
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
  return cleaned || "param";
}

export function operationInputs(
  pathItem: Record<string, unknown>,
  operation: Record<string, unknown>,
  path: string,
  method: HttpMethod,
  refs: RefResolver,
  ctx: SchemaContext,
  /** The header the tool's auth_config sets (its API key's name), if any: a parameter for it is the credential, not an input. */
  authHeader: string | null = null,
): OperationInputs {
  const out: OperationInputs = {
    properties: {},
    required: [],
    mapping: {},
    additionalProperties: false,
    bodyFormat: null,
    path,
    warnings: [],
  };
  const unique = (wanted: string, location: string) => {
    let name = wanted;
    if (Object.hasOwn(out.properties, name)) name = propertyName(`${location}_${wanted}`);
    for (let n = 2; Object.hasOwn(out.properties, name); n++) name = `${propertyName(`${location}_${wanted}`)}_${n}`;
    return name;
  };
  const parameters = collectParameters(pathItem, operation, refs);
  const placeholders = [...path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1] as string);
  for (const name of placeholders)
    if (!parameters.some((p) => p.in === "path" && p.name === name))
      throw new OperationRefused("missing_path_parameter", `The path has {${name}} but no path parameter "${name}".`);

  const ordered = LOCATIONS.flatMap((location) => parameters.filter((p) => p.in === location));
  for (const parameter of ordered) {
    const { name: wire, in: location, raw } = parameter;
    if (location === "path" && !placeholders.includes(wire)) {
      out.warnings.push(`Path parameter "${wire}" is not in the path; it was left out.`);
      continue;
    }
    if (location === "header" && IGNORED_HEADERS.has(wire.toLowerCase())) continue;
    if (location === "header" && wire.toLowerCase() === authHeader?.toLowerCase()) continue;
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
    out.properties[property] = schema;
    if (required) out.required.push(property);
    if (location === "path") {
      out.path = out.path.replaceAll(`{${wire}}`, `{${property}}`);
      out.mapping[property] = { in: "path" };
    } else {
      const on = location as "query" | "header";
      out.mapping[property] = property === wire ? { in: on } : { in: on, name: wire };
    }
  }

  addBody(out, operation, method, refs, ctx, unique);
  return out;
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
    if (!Array.isArray(list)) throw new OperationRefused("invalid_operation", "parameters is not a list.");
    for (const entry of list) {
      const raw = refs.follow(entry);
      if (!isPlainObject(raw) || typeof raw.name !== "string" || !LOCATIONS.includes(raw.in as Location))
        throw new OperationRefused(
          "invalid_operation",
          "A parameter has no name, or an `in` that is not path, query, header or cookie.",
        );
      const location = raw.in as Location;
      const key = `${location}:${location === "header" ? raw.name.toLowerCase() : raw.name}`;
      byKey.set(key, { name: raw.name, in: location, raw });
    }
  }
  return [...byKey.values()];
}

/** The parameter's converted schema, or why the engine cannot send it as the document says. */
function unsendable(parameter: Parameter, ctx: SchemaContext): { schema: JsonSchema | boolean } | string {
  const { name, in: location, raw } = parameter;
  const label = `The ${location} parameter "${name}"`;
  if (location === "cookie") return `${label} is a cookie; toolgate does not send cookies.`;
  if (location === "header") {
    const problem = headerNameProblem(name, { allowCredentials: false });
    if (problem) return `${label} cannot be sent: ${problem}`;
  }
  if (raw.schema === undefined && raw.content !== undefined)
    return `${label} is described by content (a media type) rather than a schema, which toolgate cannot serialize.`;
  const schema = convertSchema(raw.schema ?? {}, ctx);
  const declared = typeof schema === "object" && ("type" in schema || "properties" in schema || "items" in schema);
  const types = declared ? typesOf(schema) : ["string"];
  const style = typeof raw.style === "string" ? raw.style : location === "query" ? "form" : "simple";
  const explode = typeof raw.explode === "boolean" ? raw.explode : style === "form";
  if (location === "path" && style !== "simple")
    return `${label} uses style "${style}"; toolgate fills path parameters in the simple style only.`;
  if (types.includes("object"))
    return `${label} is an object (style "${style}"); toolgate sends only scalars and lists of them.`;
  if (types.includes("array")) {
    if (location !== "query")
      return `${label} is an array; toolgate sends arrays only as repeated query parameters (style form, explode true).`;
    if (style !== "form" || !explode)
      return `${label} is an array with style "${style}" and explode ${explode}; toolgate sends arrays only as repeated parameters (style form, explode true).`;
  }
  return { schema };
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
    throw new OperationRefused("invalid_operation", "Its requestBody has no content.");
  if (!methodHasBody(method)) {
    if (body.required === true)
      throw new OperationRefused(
        "unsupported_body",
        `It requires a request body, which toolgate never sends with ${method}.`,
      );
    out.warnings.push(`Its optional request body was left out: toolgate sends no body with ${method}.`);
    return;
  }
  const mediaTypes = Object.keys(body.content);
  const json = mediaTypes.find((m) => isJsonContentType(m));
  const form = mediaTypes.find((m) => m.split(";")[0]?.trim().toLowerCase() === FORM_MEDIA_TYPE);
  const chosen = json ?? form;
  if (chosen === undefined)
    throw new OperationRefused(
      "unsupported_media_type",
      `Its request body is ${mediaTypes.join(", ") || "of no media type"}; toolgate sends JSON and ${FORM_MEDIA_TYPE} bodies.`,
    );
  const media = body.content[chosen];
  const converted = convertSchema(isPlainObject(media) ? (media.schema ?? {}) : {}, ctx);
  const schema = typeof converted === "boolean" ? {} : mergeAllOf(converted);
  const objectish = schema.type !== undefined ? typesOf(schema).includes("object") : isPlainObject(schema.properties);
  const shape = SHAPE_KEYWORDS.filter((k) => k in schema);
  if (!objectish || shape.length > 0 || Array.isArray(schema.allOf))
    throw new OperationRefused(
      "non_object_body",
      shape.length > 0 || Array.isArray(schema.allOf)
        ? `Its request body is one of several shapes (${[...shape, ...(Array.isArray(schema.allOf) ? ["allOf"] : [])].join(", ")}), which cannot be split into named inputs.`
        : "Its request body is not a JSON object, so it cannot be split into named inputs.",
    );
  out.bodyFormat = json ? "json" : "form";
  const lost = WHOLE_BODY_KEYWORDS.filter((k) => k in schema);
  if (lost.length > 0)
    out.warnings.push(`The request body's ${lost.join(", ")} could not be kept on the flattened inputs.`);
  const encoding = isPlainObject(media) && isPlainObject(media.encoding) ? media.encoding : {};
  const bodyRequired = new Set(
    body.required === true && Array.isArray(schema.required)
      ? schema.required.filter((n): n is string => typeof n === "string" && !ctx.hidden.has(n))
      : [],
  );
  for (const [wire, propertySchema] of Object.entries(isPlainObject(schema.properties) ? schema.properties : {})) {
    if (out.bodyFormat === "form") {
      const problem = formFieldProblem(wire, propertySchema as JsonSchema | boolean, encoding[wire]);
      if (problem) {
        if (bodyRequired.has(wire)) throw new OperationRefused("unsupported_parameter", problem);
        out.warnings.push(`${problem} It is optional, so it was left out.`);
        continue;
      }
    }
    const property = unique(propertyName(wire), "body");
    if (property !== propertyName(wire))
      out.warnings.push(`Body property "${wire}" is the input "${property}": a parameter already has its name.`);
    out.properties[property] = propertySchema as JsonSchema | boolean;
    if (bodyRequired.has(wire)) out.required.push(property);
    out.mapping[property] = property === wire ? { in: "body" } : { in: "body", name: wire };
  }
  const extra = schema.additionalProperties;
  if (extra === true || isPlainObject(extra)) out.additionalProperties = extra as JsonSchema | boolean;
}

/** Why a form field cannot be sent as form encoding says (objects, arrays not exploded), or null. */
function formFieldProblem(wire: string, schema: JsonSchema | boolean, encoding: unknown): string | null {
  const label = `The form field "${wire}"`;
  const declared = typeof schema === "object" && ("type" in schema || "properties" in schema || "items" in schema);
  const types = declared ? typesOf(schema) : ["string"];
  const contentType = isPlainObject(encoding) && typeof encoding.contentType === "string" ? encoding.contentType : "";
  if (types.includes("object") && !isJsonContentType(contentType))
    return `${label} is an object; toolgate sends form fields as scalars, lists, or JSON text (encoding contentType application/json).`;
  if (types.includes("array") && isPlainObject(encoding)) {
    const style = typeof encoding.style === "string" ? encoding.style : "form";
    const explode = typeof encoding.explode === "boolean" ? encoding.explode : style === "form";
    if (style !== "form" || !explode)
      return `${label} is an array with style "${style}" and explode ${explode}; toolgate repeats the field for each item.`;
  }
  return null;
}

/**
 * An operation's request body → the inputs that carry it. Which media type is
 * used, and how: a JSON or form object is split into one input per property;
 * any other JSON value (an array, a string, one of several shapes) is the one
 * input `body`, sent as the whole body; multipart/form-data fields are text
 * parts; a text or XML body is the string input `body`, sent as it is. A file
 * (bytes) cannot be an input. Pure.
 */
import { isJsonContentType } from "../encoding";
import type { BodyFormat, InputMapping } from "../engine/request";
import { isPlainObject, type JsonSchema } from "../engine/schemas";
import { OperationRefused } from "./openapi-refs";
import { convertSchema, mergeAllOf, typesOf, type SchemaContext } from "./openapi-schema";

const FORM = "application/x-www-form-urlencoded";
const MULTIPART = "multipart/form-data";
/** Body keywords that constrain the object as a whole, which flattening into inputs cannot keep. */
const WHOLE_BODY_KEYWORDS = ["minProperties", "maxProperties", "patternProperties", "propertyNames", "dependencies"];
/** Keywords that make a body one of several shapes: it stays one input. */
const SHAPE_KEYWORDS = ["oneOf", "anyOf", "not", "if", "allOf"];

type MediaKind = "json" | "form" | "multipart" | "text" | "bytes";

/** What the body adds to an operation's inputs. */
export interface BodyInputs {
  format: BodyFormat;
  /** Each input, by the property name it asks for (made unique by the caller), with where it goes. */
  inputs: { wanted: string; wire: string | null; schema: JsonSchema | boolean; required: boolean }[];
  /** For a split object: the schema of the properties it does not name (false when there are none). */
  additional: JsonSchema | boolean;
  /** Static headers the tool sends: the Content-Type of a text body other than text/plain. */
  headers: Record<string, string>;
  warnings: string[];
}

function mediaKind(mediaType: string): MediaKind {
  const media = (mediaType.split(";")[0] ?? "").trim().toLowerCase();
  if (isJsonContentType(media) || media === "*/*" || media === "application/*") return "json";
  if (media === FORM) return "form";
  if (media === MULTIPART) return "multipart";
  if (media.startsWith("text/") || /^application\/([\w.-]+\+)?xml$/.test(media)) return "text";
  return "bytes";
}

/** The media type toolgate sends best: JSON, then a form, multipart, text; bytes only when nothing else is offered. */
const PREFERENCE: MediaKind[] = ["json", "form", "multipart", "text", "bytes"];

/**
 * The inputs of a request body that toolgate can send with this method, or
 * null when the body is optional and cannot be sent (a warning says so).
 */
export function bodyInputs(body: Record<string, unknown>, ctx: SchemaContext): BodyInputs | null {
  const content = body.content as Record<string, unknown>;
  const mediaTypes = Object.keys(content);
  const chosen = PREFERENCE.flatMap((kind) => mediaTypes.filter((m) => mediaKind(m) === kind))[0];
  const required = body.required === true;
  if (chosen === undefined || mediaKind(chosen) === "bytes") {
    const detail =
      chosen === undefined
        ? "Its request body lists no media type, so what to send is unknown: add one (such as application/json) to the document."
        : `Its request body is ${mediaTypes.join(", ")}: the bytes of a file, which a tool cannot hold (tool inputs are JSON values). Call this operation outside toolgate.`;
    if (required) throw new OperationRefused("unsupported_media_type", detail);
    return null;
  }
  const kind = mediaKind(chosen);
  const media = isPlainObject(content[chosen]) ? content[chosen] : {};
  const converted = convertSchema(media.schema ?? {}, ctx);
  const out: BodyInputs = { format: "json", inputs: [], additional: false, headers: {}, warnings: [] };

  if (kind === "text") {
    out.format = "text";
    const media = (chosen.split(";")[0] ?? "").trim();
    if (media.toLowerCase() !== "text/plain") out.headers["Content-Type"] = chosen;
    const stringSchema =
      typeof converted === "object" && typesOf(converted).every((t) => t === "string") ? converted : {};
    out.inputs.push({
      wanted: "body",
      wire: null,
      schema: {
        type: "string",
        ...stringSchema,
        description: describeBody(converted, `The request body, as ${media} text.`),
      },
      required,
    });
    return out;
  }

  const schema = typeof converted === "boolean" ? converted : mergeAllOf(converted);
  const objectish =
    typeof schema === "object" &&
    (schema.type !== undefined ? typesOf(schema).includes("object") : isPlainObject(schema.properties)) &&
    !SHAPE_KEYWORDS.some((k) => k in schema);
  if (!objectish) {
    if (kind !== "json")
      throw new OperationRefused(
        "non_object_body",
        `Its ${chosen} body is not an object of named fields, which is what a ${kind === "form" ? "form" : "multipart form"} is made of; fix its schema in the document.`,
      );
    // Any other JSON value (a list, a string, one of several shapes) is one input, sent as the whole body.
    out.inputs.push({ wanted: "body", wire: null, schema: wholeBodySchema(schema), required });
    return out;
  }

  out.format = kind === "json" ? "json" : kind === "form" ? "form" : "multipart";
  const lost = WHOLE_BODY_KEYWORDS.filter((k) => k in schema);
  if (lost.length > 0)
    out.warnings.push(`The request body's ${lost.join(", ")} could not be kept on the flattened inputs.`);
  const encoding = isPlainObject(media.encoding) ? media.encoding : {};
  const requiredFields = new Set(
    required && Array.isArray(schema.required)
      ? schema.required.filter((n): n is string => typeof n === "string" && !ctx.hidden.has(n))
      : [],
  );
  for (const [wire, propertySchema] of Object.entries(isPlainObject(schema.properties) ? schema.properties : {})) {
    const problem =
      kind === "form"
        ? formFieldProblem(wire, propertySchema as JsonSchema | boolean, encoding[wire])
        : kind === "multipart"
          ? multipartFieldProblem(wire, propertySchema as JsonSchema | boolean, encoding[wire])
          : null;
    if (problem) {
      if (requiredFields.has(wire))
        throw new OperationRefused(kind === "multipart" ? "unsupported_media_type" : "unsupported_parameter", problem);
      out.warnings.push(`${problem} It is optional, so it was left out.`);
      continue;
    }
    out.inputs.push({
      wanted: wire,
      wire,
      schema: propertySchema as JsonSchema | boolean,
      required: requiredFields.has(wire),
    });
  }
  // A form of files only would become a tool that uploads nothing: refused, whatever is required.
  const named = Object.keys(isPlainObject(schema.properties) ? schema.properties : {});
  if (kind === "multipart" && named.length > 0 && out.inputs.length === 0)
    throw new OperationRefused(
      "unsupported_media_type",
      `Its multipart/form-data body carries only files (${named.join(", ")}), which a tool cannot hold (tool inputs are JSON values, sent as text fields). Call this operation outside toolgate.`,
    );
  const extra = schema.additionalProperties;
  if (extra === true || isPlainObject(extra)) out.additional = extra as JsonSchema | boolean;
  return out;
}

/** A whole-body input's schema: the body's own, as an object (a boolean schema wrapped). */
function wholeBodySchema(schema: JsonSchema | boolean): JsonSchema {
  const own: JsonSchema = typeof schema === "boolean" ? (schema ? {} : { not: {} }) : { ...schema };
  own.description = describeBody(own, "The request body.");
  return own;
}

function describeBody(schema: JsonSchema | boolean, fallback: string): string {
  return typeof schema === "object" && typeof schema.description === "string" ? schema.description : fallback;
}

/** The mapping entry for an input of the body: a member of it, or the whole of it. */
export function bodyMapping(wire: string | null, property: string): InputMapping[string] {
  if (wire === null) return { in: "whole_body" };
  return property === wire ? { in: "body" } : { in: "body", name: wire };
}

/** Why a form field cannot be sent as form encoding says (objects, arrays not exploded), or null. */
function formFieldProblem(wire: string, schema: JsonSchema | boolean, encoding: unknown): string | null {
  const label = `The form field "${wire}"`;
  const types = declaredTypes(schema);
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

/**
 * Why a multipart field cannot be a text part, or null: a file (binary
 * string, `type: file`, or an encoding whose content type is not text or
 * JSON). Objects are sent as JSON text, OpenAPI's default for them.
 */
function multipartFieldProblem(wire: string, schema: JsonSchema | boolean, encoding: unknown): string | null {
  const contentType = isPlainObject(encoding) && typeof encoding.contentType === "string" ? encoding.contentType : "";
  const items = typeof schema === "object" && isPlainObject(schema.items) ? schema.items : null;
  const isFile = (s: JsonSchema | null) =>
    s !== null &&
    (s.type === "file" ||
      s.format === "binary" ||
      typeof s.contentMediaType === "string" ||
      s.contentEncoding === "binary");
  const textual = contentType === "" || /^text\//i.test(contentType) || isJsonContentType(contentType);
  if ((typeof schema === "object" && isFile(schema)) || isFile(items) || !textual)
    return `The multipart field "${wire}" is a file; toolgate sends multipart text fields only (a stored tool holds no files).`;
  return null;
}

function declaredTypes(schema: JsonSchema | boolean): string[] {
  const declared = typeof schema === "object" && ("type" in schema || "properties" in schema || "items" in schema);
  return declared ? typesOf(schema) : ["string"];
}

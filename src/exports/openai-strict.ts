/**
 * OpenAI's strict mode (Structured Outputs) for function definitions, pure:
 * it constrains the model's arguments to the schema exactly, but accepts only
 * a subset of JSON Schema. This converts an input schema into that subset
 * when it can be expressed there, and otherwise says why not.
 */
import { isPlainObject, type JsonSchema } from "../engine/schemas";
import { pointerToken } from "../problem";
import {
  refuseKeywords,
  refuseRefSiblings,
  StrictRefusal,
  strictConversion,
  type StrictConversion,
} from "./strict-refusal";

/*
 * OpenAI's strict subset, from "Structured Outputs", section "Supported
 * schemas" (https://platform.openai.com/docs/guides/structured-outputs#supported-schemas):
 * - types string, number, integer, boolean, object, array, null; enum; anyOf
 *   (not at the root, which must be an object); $defs and $ref, recursion included;
 * - string: pattern, and format among date-time, time, date, duration, email,
 *   hostname, ipv4, ipv6, uuid; number: multipleOf, maximum, exclusiveMaximum,
 *   minimum, exclusiveMinimum; array: minItems, maxItems;
 * - every object has `additionalProperties: false` and lists every property
 *   in `required` (an optional one is made nullable instead);
 * - at most 5000 properties and 10 levels of nesting; at most 1000 enum
 *   values; at most 120,000 characters of property names, definition names,
 *   enum and const values; a string enum of more than 250 values at most
 *   15,000 characters.
 * Anything else is refused rather than guessed at: a keyword OpenAI does not
 * list might be rejected by the API, or accepted and silently ignored.
 * Annotations that constrain nothing are kept (description, title) or
 * dropped ($schema, $comment, examples; default, which moves into the description).
 */
const STRICT_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
const STRICT_FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]);
/** Keywords allowed, each with the type it applies to (null: any). */
const STRICT_KEYWORDS: Record<string, string | null> = {
  type: null,
  description: null,
  title: null,
  enum: null,
  const: null,
  anyOf: null,
  $ref: null,
  $defs: null,
  definitions: null,
  properties: "object",
  required: "object",
  additionalProperties: "object",
  items: "array",
  minItems: "array",
  maxItems: "array",
  pattern: "string",
  format: "string",
  multipleOf: "number",
  maximum: "number",
  exclusiveMaximum: "number",
  minimum: "number",
  exclusiveMinimum: "number",
};
const DROPPED_ANNOTATIONS = new Set(["$schema", "$comment", "examples", "default"]);

export const STRICT_LIMITS = {
  properties: 5000,
  nesting: 10,
  enumValues: 1000,
  stringChars: 120_000,
  largeEnum: { values: 250, chars: 15_000 },
};

interface Tally {
  properties: number;
  enumValues: number;
  stringChars: number;
}

/** The input schema in OpenAI's strict subset, or why it cannot be. Never mutates `schema`. */
export function toOpenAiStrictSchema(schema: JsonSchema): StrictConversion {
  return strictConversion("OpenAI's strict mode", () => {
    const tally: Tally = { properties: 0, enumValues: 0, stringChars: 0 };
    if (schema.type !== "object") throw new StrictRefusal("", 'the top level must be "type": "object"');
    const converted = convertNode(schema, "", tally, 0);
    for (const key of ["$defs", "definitions"] as const) {
      const defs = schema[key];
      if (defs === undefined) continue;
      if (!isPlainObject(defs)) throw new StrictRefusal(`/${key}`, `${key} must be an object of schemas`);
      converted[key] = Object.fromEntries(
        Object.entries(defs).map(([name, def]) => {
          tally.stringChars += name.length;
          return [name, convertNode(def, `/${key}/${pointerToken(name)}`, tally, 0)];
        }),
      );
    }
    checkTally(tally);
    return converted;
  });
}

function convertNode(node: unknown, at: string, tally: Tally, depth: number): JsonSchema {
  if (!isPlainObject(node)) throw new StrictRefusal(at, "a schema that is not an object (true or false)");
  refuseKeywords(node, at, STRICT_KEYWORDS, DROPPED_ANNOTATIONS);
  const annotations = annotationsOf(node);

  if (node.$ref !== undefined) {
    refuseRefSiblings(node, at, DROPPED_ANNOTATIONS);
    if (typeof node.$ref !== "string" || !/^#(\/(\$defs|definitions)\/[^/]+)?$/.test(node.$ref))
      throw new StrictRefusal(at, "a $ref to anything but the root or a definition of this schema");
    return { $ref: node.$ref };
  }

  if (node.anyOf !== undefined) {
    const others = Object.keys(node).filter(
      (k) => !["anyOf", "description", "title"].includes(k) && !DROPPED_ANNOTATIONS.has(k),
    );
    if (others.length > 0) throw new StrictRefusal(at, `anyOf beside other keywords (${others.join(", ")})`);
    if (!Array.isArray(node.anyOf) || node.anyOf.length === 0) throw new StrictRefusal(at, "an empty anyOf");
    return {
      ...annotations,
      anyOf: node.anyOf.map((variant, i) => convertNode(variant, `${at}/anyOf/${i}`, tally, depth)),
    };
  }

  const types = typeof node.type === "string" ? [node.type] : Array.isArray(node.type) ? node.type : [];
  if (types.length === 0 || !types.every((t) => typeof t === "string" && STRICT_TYPES.has(t)))
    throw new StrictRefusal(at, "a schema without a type (string, number, integer, boolean, object, array or null)");
  const nonNull = types.filter((t) => t !== "null") as string[];
  if (nonNull.length > 1) throw new StrictRefusal(at, `a list of several types (${nonNull.join(", ")})`);
  const type = nonNull[0] ?? "null";
  for (const key of Object.keys(node)) {
    const appliesTo = STRICT_KEYWORDS[key];
    if (appliesTo && appliesTo !== (type === "integer" ? "number" : type))
      throw new StrictRefusal(at, `${key} on a schema of type ${type}`);
  }
  if (node.format !== undefined && !STRICT_FORMATS.has(node.format as string))
    throw new StrictRefusal(at, `the format ${JSON.stringify(node.format)}`);

  const out: JsonSchema = { type: node.type, ...annotations };
  for (const key of ["pattern", "format", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"])
    if (node[key] !== undefined) out[key] = node[key];
  if (node.enum !== undefined) out.enum = countEnum(node.enum, at, tally);
  if (node.const !== undefined) {
    tally.stringChars += typeof node.const === "string" ? node.const.length : 0;
    out.const = node.const;
  }
  if (type === "object") Object.assign(out, convertObject(node, at, tally, depth + 1));
  if (type === "array") {
    if (!isPlainObject(node.items)) throw new StrictRefusal(at, "an array without one items schema");
    out.items = convertNode(node.items, `${at}/items`, tally, depth);
    for (const key of ["minItems", "maxItems"]) if (node[key] !== undefined) out[key] = node[key];
  }
  return out;
}

/** Every property required, the optional ones nullable; no other properties. */
function convertObject(node: JsonSchema, at: string, tally: Tally, depth: number): JsonSchema {
  if (depth > STRICT_LIMITS.nesting)
    throw new StrictRefusal(at, `more than ${STRICT_LIMITS.nesting} levels of nesting`);
  const properties = node.properties ?? {};
  if (!isPlainObject(properties)) throw new StrictRefusal(at, "properties that are not an object");
  if (node.additionalProperties !== undefined && node.additionalProperties !== false)
    throw new StrictRefusal(at, "additionalProperties other than false (properties of any name)");
  if (node.properties === undefined && node.additionalProperties !== false)
    throw new StrictRefusal(at, "an object that lists no properties (any properties allowed)");
  const required = Array.isArray(node.required) ? (node.required as unknown[]) : [];
  const missing = required.filter((name) => typeof name !== "string" || !Object.hasOwn(properties, name));
  if (missing.length > 0)
    throw new StrictRefusal(at, `required names a property that properties does not describe (${missing.join(", ")})`);
  const converted: JsonSchema = {};
  for (const [name, schema] of Object.entries(properties)) {
    tally.properties += 1;
    tally.stringChars += name.length;
    const property = convertNode(schema, `${at}/properties/${pointerToken(name)}`, tally, depth);
    converted[name] = required.includes(name) ? property : nullable(property);
  }
  return { properties: converted, required: Object.keys(properties), additionalProperties: false };
}

/** An optional property as strict mode expresses it: required, but null may stand for "not given". */
export function nullable(schema: JsonSchema): JsonSchema {
  if (schema.$ref !== undefined) return { anyOf: [schema, { type: "null" }] };
  if (Array.isArray(schema.anyOf)) {
    const hasNull = schema.anyOf.some((v) => isPlainObject(v) && v.type === "null");
    return hasNull ? schema : { ...schema, anyOf: [...schema.anyOf, { type: "null" }] };
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.includes("null")) return schema;
  const out: JsonSchema = { ...schema, type: [...types, "null"] };
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
  if (Object.hasOwn(schema, "const")) {
    delete out.const;
    out.enum = [schema.const, null];
  }
  return out;
}

function annotationsOf(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  if (typeof node.title === "string") out.title = node.title;
  const description = typeof node.description === "string" ? node.description : "";
  // Strict mode has no `default`; the engine still fills it in when the argument is left out.
  const defaultNote = Object.hasOwn(node, "default") ? `Default: ${JSON.stringify(node.default)}.` : "";
  const text = [description, defaultNote].filter((s) => s !== "").join(" ");
  if (text !== "") out.description = text;
  return out;
}

function countEnum(values: unknown, at: string, tally: Tally): unknown[] {
  if (!Array.isArray(values) || values.length === 0)
    throw new StrictRefusal(at, "an enum that is not a list of values");
  const chars = values.reduce<number>((sum, v) => sum + (typeof v === "string" ? v.length : 0), 0);
  const { values: many, chars: manyChars } = STRICT_LIMITS.largeEnum;
  if (values.length > many && values.every((v) => typeof v === "string") && chars > manyChars)
    throw new StrictRefusal(at, `an enum of more than ${many} strings totalling more than ${manyChars} characters`);
  tally.enumValues += values.length;
  tally.stringChars += chars;
  return values;
}

function checkTally(tally: Tally): void {
  if (tally.properties > STRICT_LIMITS.properties)
    throw new StrictRefusal("", `more than ${STRICT_LIMITS.properties} properties in all`);
  if (tally.enumValues > STRICT_LIMITS.enumValues)
    throw new StrictRefusal("", `more than ${STRICT_LIMITS.enumValues} enum values in all`);
  if (tally.stringChars > STRICT_LIMITS.stringChars)
    throw new StrictRefusal("", `more than ${STRICT_LIMITS.stringChars} characters of names and values`);
}

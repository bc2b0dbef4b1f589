/**
 * Anthropic's strict tool use (`"strict": true` on a tool, part of its
 * structured outputs), pure: Claude's tool inputs are then sampled under a
 * grammar built from the input schema, which must keep to a subset of JSON
 * Schema. This converts an input schema into that subset when it can be
 * expressed there, and otherwise says why not.
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
 * Anthropic's subset, from "Structured outputs", section "JSON Schema
 * limitations" (https://platform.claude.com/docs/en/build-with-claude/structured-outputs#json-schema-limitations),
 * which strict tool use shares:
 * - types object, array, string, integer, number, boolean, null; enum of
 *   strings, numbers, booleans and nulls; const; anyOf; allOf (partly);
 *   $ref, $defs and definitions inside the schema; default; required;
 * - every object has `additionalProperties: false`;
 * - string formats date-time, time, date, duration, email, hostname, uri,
 *   ipv4, ipv6, uuid; regex patterns without backreferences, lookaround or
 *   word boundaries; array minItems of 0 or 1;
 * - not supported: recursive schemas, numerical constraints (minimum,
 *   maximum, multipleOf, ...), string lengths, other array constraints,
 *   enums of objects or arrays, additionalProperties other than false.
 * Unlike OpenAI's, optional properties stay optional: Claude leaves them out.
 * Kept conservative, as for OpenAI: allOf (supported only in part) and
 * anything the page does not list is refused rather than guessed at.
 * Annotations are kept (description, title, default) or dropped ($schema,
 * $comment, examples).
 */
const STRICT_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
const STRICT_FORMATS = new Set([
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "uri",
  "ipv4",
  "ipv6",
  "uuid",
]);
/** Keywords allowed, each with the type it applies to (null: any). */
const STRICT_KEYWORDS: Record<string, string | null> = {
  type: null,
  description: null,
  title: null,
  default: null,
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
  pattern: "string",
  format: "string",
};
const DROPPED_ANNOTATIONS = new Set(["$schema", "$comment", "examples"]);
/** Backreferences, lookaround and word boundaries: what Anthropic's patterns cannot have. */
const UNSUPPORTED_REGEX = /\\[1-9bBk]|\(\?<?[=!]/;

/** The input schema in Anthropic's strict subset, or why it cannot be. Never mutates `schema`. */
export function toAnthropicStrictSchema(schema: JsonSchema): StrictConversion {
  return strictConversion("Anthropic's strict tool use", () => {
    if (schema.type !== "object") throw new StrictRefusal("", 'the top level must be "type": "object"');
    const converted = convertNode(schema, "");
    for (const key of ["$defs", "definitions"] as const) {
      const defs = schema[key];
      if (defs === undefined) continue;
      if (!isPlainObject(defs)) throw new StrictRefusal(`/${key}`, `${key} must be an object of schemas`);
      converted[key] = Object.fromEntries(
        Object.entries(defs).map(([name, def]) => [name, convertNode(def, `/${key}/${pointerToken(name)}`)]),
      );
    }
    refuseRecursion(converted);
    return converted;
  });
}

function convertNode(node: unknown, at: string): JsonSchema {
  if (!isPlainObject(node)) throw new StrictRefusal(at, "a schema that is not an object (true or false)");
  refuseKeywords(node, at, STRICT_KEYWORDS, DROPPED_ANNOTATIONS);
  const annotations = annotationsOf(node);

  if (node.$ref !== undefined) {
    refuseRefSiblings(node, at, DROPPED_ANNOTATIONS);
    if (node.$ref === "#") throw new StrictRefusal(at, "a $ref to the whole schema (a recursive schema)");
    if (typeof node.$ref !== "string" || !/^#\/(\$defs|definitions)\/[^/]+$/.test(node.$ref))
      throw new StrictRefusal(at, "a $ref to anything but a definition of this schema");
    return { $ref: node.$ref };
  }

  if (node.anyOf !== undefined) {
    const others = Object.keys(node).filter((k) => !(k in annotations) && k !== "anyOf" && !DROPPED_ANNOTATIONS.has(k));
    if (others.length > 0) throw new StrictRefusal(at, `anyOf beside other keywords (${others.join(", ")})`);
    if (!Array.isArray(node.anyOf) || node.anyOf.length === 0) throw new StrictRefusal(at, "an empty anyOf");
    return { ...annotations, anyOf: node.anyOf.map((variant, i) => convertNode(variant, `${at}/anyOf/${i}`)) };
  }

  const types = typeof node.type === "string" ? [node.type] : Array.isArray(node.type) ? node.type : [];
  if (types.length === 0 || !types.every((t) => typeof t === "string" && STRICT_TYPES.has(t)))
    throw new StrictRefusal(at, "a schema without a type (string, number, integer, boolean, object, array or null)");
  const nonNull = types.filter((t) => t !== "null") as string[];
  if (nonNull.length > 1) throw new StrictRefusal(at, `a list of several types (${nonNull.join(", ")})`);
  const type = nonNull[0] ?? "null";
  for (const key of Object.keys(node)) {
    const appliesTo = STRICT_KEYWORDS[key];
    if (appliesTo && appliesTo !== type) throw new StrictRefusal(at, `${key} on a schema of type ${type}`);
  }

  const out: JsonSchema = { type: node.type, ...annotations };
  if (node.enum !== undefined) out.enum = primitiveValues(node.enum, at, "an enum");
  if (node.const !== undefined) out.const = primitiveValues([node.const], at, "a const")[0];
  if (type === "string") {
    if (node.format !== undefined && !STRICT_FORMATS.has(node.format as string))
      throw new StrictRefusal(at, `the format ${JSON.stringify(node.format)}`);
    if (node.pattern !== undefined && (typeof node.pattern !== "string" || UNSUPPORTED_REGEX.test(node.pattern)))
      throw new StrictRefusal(at, "a pattern with a backreference, lookaround or word boundary");
    for (const key of ["format", "pattern"]) if (node[key] !== undefined) out[key] = node[key];
  }
  if (type === "object") Object.assign(out, convertObject(node, at));
  if (type === "array") {
    if (!isPlainObject(node.items)) throw new StrictRefusal(at, "an array without one items schema");
    out.items = convertNode(node.items, `${at}/items`);
    if (node.minItems !== undefined) {
      if (node.minItems !== 0 && node.minItems !== 1) throw new StrictRefusal(at, "minItems other than 0 or 1");
      out.minItems = node.minItems;
    }
  }
  return out;
}

/** The object's properties, converted; `required` as it was; no other properties. */
function convertObject(node: JsonSchema, at: string): JsonSchema {
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
  const converted = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => [
      name,
      convertNode(schema, `${at}/properties/${pointerToken(name)}`),
    ]),
  );
  return { properties: converted, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

function annotationsOf(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const key of ["title", "description"]) if (typeof node[key] === "string") out[key] = node[key];
  if (Object.hasOwn(node, "default")) out.default = node.default;
  return out;
}

function primitiveValues(values: unknown, at: string, what: string): unknown[] {
  if (!Array.isArray(values) || values.length === 0)
    throw new StrictRefusal(at, `${what} that is not a list of values`);
  if (values.some((v) => v !== null && typeof v === "object"))
    throw new StrictRefusal(at, `${what} with an object or array value`);
  return values;
}

/** A definition that reaches itself through $refs makes the schema recursive. */
function refuseRecursion(schema: JsonSchema): void {
  const defs = new Map<string, JsonSchema>();
  for (const key of ["$defs", "definitions"] as const)
    for (const [name, def] of Object.entries((schema[key] ?? {}) as Record<string, JsonSchema>))
      defs.set(`#/${key}/${pointerToken(name)}`, def);
  const done = new Set<string>();
  const visit = (ref: string, path: string[]): void => {
    if (path.includes(ref))
      throw new StrictRefusal(
        ref.slice(1),
        `a recursive schema (${[...path.slice(path.indexOf(ref)), ref].join(" → ")})`,
      );
    if (done.has(ref)) return;
    const def = defs.get(ref);
    if (def) for (const next of refsIn(def)) visit(next, [...path, ref]);
    done.add(ref);
  };
  for (const ref of defs.keys()) visit(ref, []);
}

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (!isPlainObject(node)) return [];
  const own = typeof node.$ref === "string" ? [node.$ref] : [];
  return [
    ...own,
    ...Object.entries(node)
      .filter(([key]) => key !== "enum" && key !== "const" && key !== "default")
      .flatMap(([, value]) => refsIn(value)),
  ];
}

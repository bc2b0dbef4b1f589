/**
 * A null that stands for "not given". OpenAI's strict mode has no optional
 * properties: a strict export makes each optional property required and
 * nullable (src/exports/openai-strict.ts), so the model sends `null` for an
 * argument it leaves out, and so do clients that make MCP tool schemas strict
 * the same way. This removes such a null before defaults and validation, so
 * the input means what the tool's own schema says.
 *
 * The rule: a property set to null is removed when the object's schema does
 * not list it in `required` and the property's schema certainly rejects null
 * (its `type`, `enum` or `const` leaves null out). Such a null could never
 * pass validation, so an input that was valid means exactly what it meant;
 * only inputs that were refused before are changed. Where the schema is not
 * plain enough to be sure (a `$ref` beside other keywords, `not`, `if`, an
 * `anyOf` with several object variants, tuples), the null stays and
 * validation judges it as before. Pure; `input` is never mutated.
 */
import { isPlainObject } from "../plain-object";
import type { JsonSchema } from "./schemas";

/** How many `$ref` hops and nested combinators one judgement follows; past it, a null is left alone. */
const MAX_RESOLUTION_DEPTH = 32;

export function dropOptionalNulls(schema: JsonSchema, input: Record<string, unknown>): Record<string, unknown> {
  return walk(schema, schema, input) as Record<string, unknown>;
}

/** `value` with the optional nulls under it removed; the same object when there were none. */
function walk(root: JsonSchema, node: unknown, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = itemsSchema(root, node);
    if (items === undefined) return value;
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const walked = walk(root, items, item);
      if (walked !== item) (out ??= [...value])[i] = walked;
    });
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  const object = objectSchema(root, node);
  if (object === undefined) return value;
  const properties = object.properties as Record<string, unknown>;
  const required = Array.isArray(object.required) ? object.required : [];
  let out: Record<string, unknown> | undefined;
  for (const [name, propertySchema] of Object.entries(properties)) {
    if (!Object.hasOwn(value, name)) continue;
    const property = value[name];
    if (property === null) {
      if (!required.includes(name) && rejectsNull(root, propertySchema, 0)) delete (out ??= { ...value })[name];
      continue;
    }
    const walked = walk(root, propertySchema, property);
    if (walked !== property) (out ??= { ...value })[name] = walked;
  }
  return out ?? value;
}

/** Whether `schema` refuses null whatever else it says; false when in doubt. */
function rejectsNull(root: JsonSchema, schema: unknown, depth: number): boolean {
  if (depth > MAX_RESOLUTION_DEPTH) return false;
  if (schema === false) return true;
  if (!isPlainObject(schema)) return false;
  // Beside a $ref, draft-07 ignores the other keywords and later drafts apply them too: the target applies in both.
  if (schema.$ref !== undefined) {
    const target = resolveRef(root, schema.$ref);
    return target !== undefined && rejectsNull(root, target, depth + 1);
  }
  const type = schema.type;
  if (typeof type === "string" && type !== "null") return true;
  if (Array.isArray(type) && !type.includes("null")) return true;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) return true;
  if (Object.hasOwn(schema, "const") && schema.const !== null) return true;
  if (Array.isArray(schema.allOf) && schema.allOf.some((part) => rejectsNull(root, part, depth + 1))) return true;
  for (const key of ["anyOf", "oneOf"]) {
    const variants = schema[key];
    if (Array.isArray(variants) && variants.length > 0 && variants.every((v) => rejectsNull(root, v, depth + 1)))
      return true;
  }
  return false;
}

/**
 * The schema whose `properties` and `required` govern an object at `node`:
 * the node itself, what a lone `$ref` points to, or the one `anyOf`/`oneOf`
 * variant that can be an object (a valid object must match that one).
 */
function objectSchema(root: JsonSchema, node: unknown, depth = 0): JsonSchema | undefined {
  const schema = plainSchema(root, node);
  if (schema === undefined || depth > MAX_RESOLUTION_DEPTH) return undefined;
  if (isPlainObject(schema.properties)) return schema;
  for (const key of ["anyOf", "oneOf"]) {
    const variants = schema[key];
    if (!Array.isArray(variants)) continue;
    const objects = variants.filter((v) => admitsObject(plainSchema(root, v)));
    return objects.length === 1 ? objectSchema(root, objects[0], depth + 1) : undefined;
  }
  return undefined;
}

function admitsObject(schema: JsonSchema | undefined): boolean {
  if (schema === undefined) return true;
  const type = schema.type;
  if (type === undefined) return true;
  return type === "object" || (Array.isArray(type) && type.includes("object"));
}

/** The one schema every item of an array at `node` must match, if there is one. */
function itemsSchema(root: JsonSchema, node: unknown): unknown {
  const schema = plainSchema(root, node);
  if (schema === undefined || schema.prefixItems !== undefined) return undefined;
  return isPlainObject(schema.items) ? schema.items : undefined;
}

/** `node` with lone `$ref`s followed; undefined for anything else to be unsure of. */
function plainSchema(root: JsonSchema, node: unknown): JsonSchema | undefined {
  let current = node;
  for (let hops = 0; hops <= MAX_RESOLUTION_DEPTH; hops++) {
    if (!isPlainObject(current)) return undefined;
    if (current.$ref === undefined) return current;
    const others = Object.keys(current).filter((k) => !ANNOTATIONS.has(k) && k !== "$ref");
    if (others.length > 0) return undefined;
    current = resolveRef(root, current.$ref);
  }
  return undefined;
}

const ANNOTATIONS = new Set(["title", "description", "$comment", "examples", "default", "deprecated"]);

/** A `$ref` to a place in this schema (`#` or a JSON Pointer after it); undefined for any other. */
function resolveRef(root: JsonSchema, ref: unknown): unknown {
  if (typeof ref !== "string" || !ref.startsWith("#")) return undefined;
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    } catch {
      return undefined;
    }
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isPlainObject(current) && Object.hasOwn(current, token)) current = current[token];
    else return undefined;
  }
  return current;
}

/**
 * A draft-07 JSON Schema inferred from one JSON sample, such as an API
 * response, to start a tool's output schema from. Pure.
 *
 * The result describes the shape of the sample and nothing narrower: no
 * `format`, `enum` or `additionalProperties`, since one sample cannot tell
 * which strings are dates, which values are the only ones, or which fields
 * are the only ones.
 */
import { MAX_JSON_DEPTH } from "../json-depth";

export const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/**
 * Values nested deeper than this get `{}` (anything). Each level of the
 * sample takes two levels of schema (`properties`, then the property's
 * schema), and the schema must still fit in a request body that nests it a
 * few levels down (a tool definition's `output_schema`) under MAX_JSON_DEPTH.
 */
export const INFER_MAX_DEPTH = Math.floor((MAX_JSON_DEPTH - 8) / 2);

type Kind = "array" | "boolean" | "integer" | "null" | "number" | "object" | "string";

function kindOf(value: unknown): Kind | null {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "object":
      return "object";
    case "number":
      // JSON has one number type; 2.0 parses to the integer 2, as JSON Schema also counts it.
      if (!Number.isFinite(value)) return null;
      return Number.isInteger(value) ? "integer" : "number";
    default:
      // undefined, functions, symbols and bigints are not JSON; JSON.stringify would drop them too.
      return null;
  }
}

export function inferSchema(sample: unknown): Record<string, unknown> {
  return { $schema: DRAFT_07, ...schemaOf([sample], 0) };
}

/**
 * One schema that every value in `values` satisfies: the values seen at one
 * position, such as all the elements of an array. Objects merge into one
 * object schema and arrays into one array schema; several kinds give a list
 * of types, beside which `properties`, `required` and `items` still apply
 * (they only constrain objects and arrays), so no `anyOf` is needed.
 */
function schemaOf(values: readonly unknown[], depth: number): Record<string, unknown> {
  if (depth >= INFER_MAX_DEPTH) return {};
  const kinds = new Set<Kind>();
  const objects: Record<string, unknown>[] = [];
  const elements: unknown[] = [];
  for (const value of values) {
    const kind = kindOf(value);
    if (kind === null) continue;
    kinds.add(kind);
    if (kind === "object") objects.push(value as Record<string, unknown>);
    // A loop rather than push(...value): spreading a long array overflows the argument limit.
    else if (kind === "array") for (const element of value as unknown[]) elements.push(element);
  }
  if (kinds.has("number")) kinds.delete("integer");
  if (kinds.size === 0) return {};

  const types = [...kinds].sort();
  const schema: Record<string, unknown> = { type: types.length === 1 ? types[0] : types };
  if (kinds.has("object")) {
    const { properties, required } = mergeObjects(objects, depth);
    schema.properties = properties;
    if (required.length > 0) schema.required = required;
  }
  // An empty array says nothing about its items: `{}` accepts any.
  if (kinds.has("array")) schema.items = schemaOf(elements, depth + 1);
  return schema;
}

/** Properties in first-seen order; required = the keys present in every object. */
function mergeObjects(
  objects: readonly Record<string, unknown>[],
  depth: number,
): { properties: Record<string, unknown>; required: string[] } {
  const valuesByKey = new Map<string, unknown[]>();
  for (const object of objects)
    for (const [key, value] of Object.entries(object)) {
      if (value === undefined) continue;
      let list = valuesByKey.get(key);
      if (!list) valuesByKey.set(key, (list = []));
      list.push(value);
    }
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [key, list] of valuesByKey) {
    // defineProperty, so a "__proto__" key becomes a property rather than a prototype.
    Object.defineProperty(properties, key, {
      value: schemaOf(list, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    if (list.length === objects.length) required.push(key);
  }
  return { properties, required };
}

/**
 * OpenAPI Schema Objects → JSON Schema a tool can store: every `$ref`
 * inlined, OpenAPI-only keywords dropped, OpenAPI 3.0's dialect translated,
 * and 3.1's (2020-12) written as draft-07 when nothing is lost. Pure.
 */
import type { PatternBudget } from "../engine/pattern-cost";
import { isPlainObject, type JsonSchema } from "../engine/schemas";
import { NodeBudget, OperationRefused, refCycle, type RefResolver } from "./openapi-refs";

export type OpenApiVersion = "3.0" | "3.1";

export interface SchemaContext {
  version: OpenApiVersion;
  refs: RefResolver;
  /** Request schemas drop `readOnly` properties; response schemas drop `writeOnly` ones. */
  direction: "request" | "response";
  budget: NodeBudget;
  /** What compiling the patterns of the schemas checked so far costs, shared by the whole import. */
  patterns: PatternBudget;
  /** Names of the properties dropped by `direction`, so that merged `required` lists can drop them too. */
  hidden: Set<string>;
}

export const JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema";

/** Keywords whose value is a subschema, a map of subschemas, or a list of them. */
const ONE_SCHEMA = [
  "additionalProperties",
  "items",
  "additionalItems",
  "not",
  "contains",
  "propertyNames",
  "if",
  "then",
  "else",
  "unevaluatedProperties",
  "unevaluatedItems",
  "contentSchema",
] as const;
const SCHEMA_MAPS = ["properties", "patternProperties", "dependentSchemas"] as const;
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"] as const;
/** OpenAPI annotations with no JSON Schema meaning, and identifiers that would change how the inlined schema resolves. */
const DROPPED = new Set([
  "xml",
  "discriminator",
  "externalDocs",
  "deprecated",
  "example",
  "nullable",
  "$schema",
  "$id",
  "$anchor",
  "$dynamicAnchor",
  "$comment",
  "$defs",
  "definitions",
]);

function isOneOf<T extends string>(list: readonly T[], key: string): key is T {
  return (list as readonly string[]).includes(key);
}

/** Converts one Schema Object (or a `$ref` to one); `stack` is the chain of refs being expanded, for cycles. */
export function convertSchema(node: unknown, ctx: SchemaContext, stack: readonly string[] = []): JsonSchema | boolean {
  if (typeof node === "boolean" && ctx.version === "3.1") return node;
  if (!isPlainObject(node)) throw new OperationRefused("invalid_schema", "A schema is not an object.");
  ctx.budget.spend();
  if (typeof node.$ref === "string") return convertRef(node, node.$ref, ctx, stack);

  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key.startsWith("x-")) continue;
    if (isOneOf(ONE_SCHEMA, key) && (isPlainObject(value) || typeof value === "boolean"))
      out[key] = convertSchema(value, ctx, stack);
    else if (key === "items" && Array.isArray(value)) out[key] = value.map((v) => convertSchema(v, ctx, stack));
    else if (isOneOf(SCHEMA_MAPS, key) && isPlainObject(value))
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSchema(v, ctx, stack)]));
    else if (isOneOf(SCHEMA_LISTS, key) && Array.isArray(value))
      out[key] = value.map((v) => convertSchema(v, ctx, stack));
    else if (ctx.version === "3.0" && (key === "exclusiveMinimum" || key === "exclusiveMaximum")) continue;
    else out[key] = value;
  }
  if (ctx.version === "3.0") translate30(node, out);
  translateNullable(node, out);
  if (node.example !== undefined && out.examples === undefined) out.examples = [node.example];
  dropHiddenProperties(out, ctx);
  return out;
}

function convertRef(
  node: Record<string, unknown>,
  ref: string,
  ctx: SchemaContext,
  stack: readonly string[],
): JsonSchema | boolean {
  if (stack.includes(ref)) throw refCycle([...stack, ref]);
  const target = convertSchema(ctx.refs.lookup(ref), ctx, [...stack, ref]);
  // OpenAPI 3.0 ignores a $ref's siblings; 3.1 (JSON Schema 2020-12) applies them as well.
  if (ctx.version === "3.0") return target;
  const { $ref: _ref, ...siblings } = node;
  const annotations = ["description", "title", "summary"];
  const constraints = Object.keys(siblings).filter((k) => !annotations.includes(k) && !k.startsWith("x-"));
  const base: JsonSchema =
    constraints.length > 0
      ? { allOf: [target, convertSchema(siblings, ctx, stack)] }
      : typeof target === "boolean"
        ? { allOf: [target] }
        : { ...target };
  if (typeof siblings.description === "string") base.description = siblings.description;
  if (typeof siblings.title === "string") base.title = siblings.title;
  return base;
}

/** OpenAPI 3.0's draft-04-style boolean `exclusiveMinimum`/`exclusiveMaximum`, as draft-07's numbers. */
function translate30(node: Record<string, unknown>, out: JsonSchema): void {
  for (const [flag, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (node[flag] === true && typeof node[bound] === "number") {
      out[flag] = node[bound];
      delete out[bound];
    } else if (typeof node[flag] === "number") out[flag] = node[flag];
  }
}

/**
 * OpenAPI 3.0's `nullable` adds "null" to an explicit `type` (and to `enum`).
 * 3.1 has no such keyword, but documents upgraded by hand often keep it, and
 * reading it the 3.0 way is what their authors meant.
 */
function translateNullable(node: Record<string, unknown>, out: JsonSchema): void {
  if (node.nullable === true && out.type !== undefined) {
    const types = Array.isArray(out.type) ? out.type : [out.type];
    if (!types.includes("null")) out.type = [...types, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
}

function dropHiddenProperties(out: JsonSchema, ctx: SchemaContext): void {
  if (!isPlainObject(out.properties)) return;
  const flag = ctx.direction === "request" ? "readOnly" : "writeOnly";
  const dropped = new Set<unknown>();
  for (const [name, schema] of Object.entries(out.properties)) {
    if (isPlainObject(schema) && schema[flag] === true) {
      delete out.properties[name];
      dropped.add(name);
      ctx.hidden.add(name);
    }
  }
  if (Array.isArray(out.required) && dropped.size > 0) {
    const kept = out.required.filter((name) => !dropped.has(name));
    if (kept.length > 0) out.required = kept;
    else delete out.required;
  }
}

/** Keywords of 2020-12 with no draft-07 equivalent: a schema using one stays 2020-12. */
const ONLY_2020_12 = new Set([
  "unevaluatedProperties",
  "unevaluatedItems",
  "minContains",
  "maxContains",
  "contentSchema",
  "$dynamicRef",
  "$recursiveRef",
]);

/**
 * A 2020-12 schema (as OpenAPI 3.1 writes them, already inlined) as draft-07,
 * or null when it uses a keyword draft-07 cannot express. Draft-07 is what
 * every tool consumer (function calling, MCP clients) reads most reliably.
 */
export function toDraft07(schema: JsonSchema | boolean): JsonSchema | boolean | null {
  if (typeof schema === "boolean") return schema;
  const out: JsonSchema = {};
  const dependencies: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ONLY_2020_12.has(key)) return null;
    if (key === "prefixItems" && Array.isArray(value)) {
      const items = value.map((v) => toDraft07(v as JsonSchema));
      if (items.includes(null)) return null;
      out.items = items;
      if (schema.items !== undefined) {
        const rest = toDraft07(schema.items as JsonSchema);
        if (rest === null) return null;
        out.additionalItems = rest;
      }
    } else if (key === "items" && Array.isArray(schema.prefixItems)) continue;
    else if (key === "dependentRequired" && isPlainObject(value)) Object.assign(dependencies, value);
    else if (isOneOf(ONE_SCHEMA, key) && (isPlainObject(value) || typeof value === "boolean")) {
      const converted = toDraft07(value as JsonSchema);
      if (converted === null) return null;
      out[key] = converted;
    } else if ((isOneOf(SCHEMA_MAPS, key) || key === "dependentSchemas") && isPlainObject(value)) {
      const entries: [string, unknown][] = [];
      for (const [k, v] of Object.entries(value)) {
        const converted = toDraft07(v as JsonSchema);
        if (converted === null) return null;
        entries.push([k, converted]);
      }
      if (key === "dependentSchemas") Object.assign(dependencies, Object.fromEntries(entries));
      else out[key] = Object.fromEntries(entries);
    } else if (isOneOf(SCHEMA_LISTS, key) && Array.isArray(value)) {
      const converted = value.map((v) => toDraft07(v as JsonSchema));
      if (converted.includes(null)) return null;
      out[key] = converted;
    } else out[key] = value;
  }
  if (Object.keys(dependencies).length > 0) out.dependencies = dependencies;
  return out;
}

/** A 3.1 schema as draft-07 when it can be, else as 2020-12 with `$schema` saying so; a 3.0 one as it is. */
export function finishSchema(schema: JsonSchema, version: OpenApiVersion): JsonSchema {
  if (version === "3.0") return schema;
  const draft07 = toDraft07(schema);
  if (draft07 !== null && typeof draft07 !== "boolean") return draft07;
  return { $schema: JSON_SCHEMA_2020_12, ...schema };
}

/** The JSON types a schema admits at its top level (all of them when it does not say). */
export function typesOf(schema: JsonSchema | boolean): string[] {
  const all = ["object", "array", "string", "number", "integer", "boolean", "null"];
  if (typeof schema === "boolean") return schema ? all : [];
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === "string");
  if (isPlainObject(schema.properties)) return ["object"];
  return all;
}

/**
 * `allOf` of object schemas merged into one object schema (properties,
 * `required`, and other keywords that agree), as request bodies are often
 * written. Returns the schema unchanged when the members conflict.
 */
export function mergeAllOf(schema: JsonSchema): JsonSchema {
  if (!Array.isArray(schema.allOf)) return schema;
  const { allOf, ...outer } = schema;
  const merged: JsonSchema = { ...outer };
  for (const raw of allOf) {
    if (!isPlainObject(raw)) return schema;
    const { properties, required, ...others } = mergeAllOf(raw);
    if (Array.isArray(others.allOf)) return schema;
    for (const [key, value] of Object.entries(others)) {
      if (key === "description" || key === "title") merged[key] ??= value;
      else if (!(key in merged)) merged[key] = value;
      else if (JSON.stringify(merged[key]) !== JSON.stringify(value)) return schema;
    }
    if (isPlainObject(properties)) {
      const into: Record<string, unknown> = isPlainObject(merged.properties) ? { ...merged.properties } : {};
      for (const [name, property] of Object.entries(properties))
        into[name] = Object.hasOwn(into, name) ? { allOf: [into[name], property] } : property;
      merged.properties = into;
    }
    if (Array.isArray(required))
      merged.required = [...new Set([...(Array.isArray(merged.required) ? merged.required : []), ...required])];
  }
  return merged;
}

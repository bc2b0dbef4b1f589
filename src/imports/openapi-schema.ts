/**
 * OpenAPI Schema Objects → JSON Schema a tool can store: every `$ref`
 * inlined but those that recur (kept as `$ref`s to definitions carried in the
 * tool's schema), OpenAPI-only keywords dropped, OpenAPI 3.0's dialect
 * translated, and 3.1's (2020-12) written as draft-07 when nothing is lost. Pure.
 */
import { linearPatternProblems } from "../engine/linear-regexp";
import type { PatternBudget } from "../engine/pattern-cost";
import { isPlainObject, type JsonSchema } from "../engine/schemas";
import { NodeBudget, OperationRefused, type RefResolver } from "./openapi-refs";

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
  /**
   * The document `$ref`s met inside themselves (recursive schemas), by the
   * name of the definition the tool's schema carries for each.
   */
  recursive: Map<string, string>;
  /** What was left out of the schemas (a pattern the engine cannot run), as warnings. */
  notes: Set<string>;
}

/** Where a tool's schema keeps the definitions of its recursive schemas (draft-07's word; 2020-12's is `$defs`). */
const DEFINITIONS = "definitions";
const DEFINITION_REF = `#/${DEFINITIONS}/`;

export function newSchemaContext(
  version: OpenApiVersion,
  refs: RefResolver,
  direction: SchemaContext["direction"],
  budget: NodeBudget,
  patterns: PatternBudget,
): SchemaContext {
  return { version, refs, direction, budget, patterns, hidden: new Set(), recursive: new Map(), notes: new Set() };
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

/**
 * Converts one Schema Object (or a `$ref` to one); `stack` is the chain of
 * refs being expanded, for recursion. `true` and `false` are schemas in every
 * version: OpenAPI 3.0 and Swagger 2.0 write `additionalProperties: false`.
 */
export function convertSchema(node: unknown, ctx: SchemaContext, stack: readonly string[] = []): JsonSchema | boolean {
  if (typeof node === "boolean") return node;
  if (!isPlainObject(node))
    throw new OperationRefused(
      "invalid_schema",
      `A schema in it is ${Array.isArray(node) ? "a list" : JSON.stringify(node)}, not an object or a boolean: fix the document.`,
    );
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
    else if (key === "pattern" && typeof value === "string" && !usablePattern(value, ctx)) continue;
    else out[key] = value;
  }
  if (isPlainObject(out.patternProperties))
    for (const source of Object.keys(out.patternProperties))
      if (!usablePattern(source, ctx)) delete out.patternProperties[source];
  if (ctx.version === "3.0") translate30(node, out);
  translateNullable(node, out);
  if (node.example !== undefined && out.examples === undefined) out.examples = [node.example];
  dropHiddenProperties(out, ctx);
  return out;
}

/**
 * A pattern the engine cannot run (not ECMAScript with the u flag, or beyond
 * RE2: lookaround, backreferences) is left out, with a note: the API checks
 * its own input, and refusing the whole operation for it helps no one.
 */
function usablePattern(source: string, ctx: SchemaContext): boolean {
  const problem = linearPatternProblems([{ source, path: "" }])[0];
  if (problem === undefined) return true;
  ctx.notes.add(`The pattern ${JSON.stringify(source.slice(0, 80))} was left out of its schema: ${problem.message}`);
  return false;
}

function convertRef(
  node: Record<string, unknown>,
  ref: string,
  ctx: SchemaContext,
  stack: readonly string[],
): JsonSchema | boolean {
  // A schema met inside itself stays a $ref, to a definition the tool's schema carries (see withDefinitions).
  const target = stack.includes(ref)
    ? { $ref: `${DEFINITION_REF}${definitionName(ref, ctx)}` }
    : convertSchema(ctx.refs.lookup(ref), ctx, [...stack, ref]);
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

/** The definition name of a recursive `$ref`: its last pointer token, made safe for a JSON Pointer and unique. */
function definitionName(ref: string, ctx: SchemaContext): string {
  const known = ctx.recursive.get(ref);
  if (known !== undefined) return known;
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  let token = last;
  try {
    token = decodeURIComponent(last);
  } catch {
    // Kept as written: lookup() refuses a malformed pointer before this name is used.
  }
  const base =
    token
      .replaceAll("~1", "/")
      .replaceAll("~0", "~")
      .replace(/[^A-Za-z0-9_.-]+/g, "_") || "schema";
  const taken = new Set(ctx.recursive.values());
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  ctx.recursive.set(ref, name);
  return name;
}

/**
 * `schema` (the root of a tool's input or output schema) with the
 * definitions its recursive `$ref`s point at. Each definition is converted
 * like any schema, its own recursion kept as `$ref`s in turn, until none is
 * missing. A recursion that never descends into the value (`A: {allOf:
 * [$ref A]}`) is kept too, and refused by the engine's check, naming it.
 */
export function withDefinitions(schema: JsonSchema, ctx: SchemaContext): JsonSchema {
  const definitions: Record<string, JsonSchema | boolean> = {};
  for (let done = 0; done < ctx.recursive.size;) {
    const pending = [...ctx.recursive].slice(done);
    done = ctx.recursive.size;
    for (const [ref, name] of pending) definitions[name] = convertSchema(ctx.refs.lookup(ref), ctx, [ref]);
  }
  return Object.keys(definitions).length > 0 ? { ...schema, [DEFINITIONS]: definitions } : schema;
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
    } else if ((isOneOf(SCHEMA_MAPS, key) || key === DEFINITIONS) && isPlainObject(value)) {
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
  const { [DEFINITIONS]: definitions, ...rest } = schema;
  if (definitions === undefined) return { $schema: JSON_SCHEMA_2020_12, ...schema };
  // 2020-12 names the place `$defs`; every `$ref` left in a converted schema points at a definition.
  const renamed = JSON.parse(
    JSON.stringify({ ...rest, $defs: definitions }, (key, value: unknown) =>
      key === "$ref" && typeof value === "string" && value.startsWith(DEFINITION_REF)
        ? `#/$defs/${value.slice(DEFINITION_REF.length)}`
        : value,
    ),
  ) as JsonSchema;
  return { $schema: JSON_SCHEMA_2020_12, ...renamed };
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
    // A recursive member stays a $ref, which is no set of properties to merge.
    if (!isPlainObject(raw) || raw.$ref !== undefined) return schema;
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

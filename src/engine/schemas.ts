/**
 * JSON Schema tooling on @cfworker/json-schema (eval-free, so it runs on
 * Workers): checking a schema when a tool is saved, compiling validators once
 * per tool version, and turning validation output into problem errors.
 */
import { format, Validator, type Schema, type SchemaDraft, type ValidationResult } from "@cfworker/json-schema";
import { isPlainObject } from "../plain-object";
import { pointerToken, type ProblemFieldError } from "../problem";
import { compileFastValidator, passesFastValidator, type FastValidator } from "./fast-validator";
import { isEcmaScriptRegex, linearPatternProblems, withLinearRegExp } from "./linear-regexp";
import { patternCostProblems, type SchemaPattern } from "./pattern-cost";
import { metaSchemaDocuments } from "./bundled-metaschemas";
import { dereferencedCopy, refCycleProblems } from "./schema-cycles";
import { referenceProblems, validationDocuments } from "./schema-references";
import { validatedSchema, type FormatMode } from "./validated-schema";
import {
  costlyUniqueItemsArray,
  leafErrors,
  MAX_REPORTED_ERRORS,
  UNENCODABLE_KEY_MESSAGE,
  unencodableKey,
  usesUniqueItems,
} from "./validation-limits";
export type JsonSchema = Record<string, unknown>;
/** A whole schema as a tool stores it: an object, or (for output schemas) `true` or `false`. */
export type SchemaDocument = JsonSchema | boolean;
export { isPlainObject };

/** Draft-07 unless `$schema` names 2019-09 or 2020-12 (a boolean schema means the same in every draft). */
export function draftOf(schema: SchemaDocument): SchemaDraft {
  const declared = typeof schema === "object" && typeof schema.$schema === "string" ? schema.$schema : "";
  if (declared.includes("2020-12")) return "2020-12";
  if (declared.includes("2019-09")) return "2019-09";
  return "7";
}

/**
 * @cfworker/json-schema has no `$dynamicRef`. The 2020-12 meta-schemas only
 * use it in the `#meta` pattern, which means exactly what 2019-09's
 * `$recursiveRef: "#"` / `$recursiveAnchor: true` mean, so we rewrite them.
 */
function dynamicToRecursive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dynamicToRecursive);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "$dynamicAnchor") out.$recursiveAnchor = true;
    else if (k === "$dynamicRef") out.$recursiveRef = "#";
    else out[k] = dynamicToRecursive(v);
  }
  return out;
}

/**
 * @cfworker/json-schema checks its non-standard "url" format with a regex
 * that takes exponential time ("http://" + "a" × 30 + "_" takes seconds).
 * WHATWG URL parsing answers the same question in linear time.
 */
format.url = (value: string) => /^(?:https?|ftp):\/\//i.test(value) && URL.canParse(value);

/**
 * @cfworker/json-schema checks the "regex" format by constructing the value
 * with the global RegExp, which validation swaps for RE2: a caller could make
 * the service compile any pattern it sends. A regex as data only needs its
 * syntax checked, which V8 does without compiling (linear-regexp.ts).
 */
format.regex = isEcmaScriptRegex;

/**
 * A schema compiled twice: reporting every error, and stopping at the first
 * (used when there are so many errors that the validator cannot collect them);
 * and, when its keywords allow, once more into a validator that only says
 * "valid" (see fast-validator.ts).
 */
export interface CompiledSchema {
  all: Validator;
  first: () => Validator;
  /** Whether the schema uses `uniqueItems`, whose cost validateInstance bounds first. */
  uniqueItems: boolean;
  /** Answers "valid" without @cfworker/json-schema, or null when the schema is beyond it. */
  fast: FastValidator | null;
  /** Why the schema's patterns cannot be compiled (see pattern-cost.ts), or null; paths are inside the schema. */
  refusedPatterns: ProblemFieldError[] | null;
}

function compile(
  build: (shortCircuit: boolean) => Validator,
  uniqueItems: boolean,
  fast: FastValidator | null = null,
): CompiledSchema {
  let first: Validator | undefined;
  return { all: build(false), first: () => (first ??= build(true)), uniqueItems, fast, refusedPatterns: null };
}

/** Per-isolate cache of the three meta-schema validators, built on first use. */
const metaValidatorCache = new Map<SchemaDraft, CompiledSchema>();

function metaValidator(draft: SchemaDraft): CompiledSchema {
  let compiled = metaValidatorCache.get(draft);
  if (!compiled) {
    // Every meta-schema uses uniqueItems (for `required`, `enum` and `type`).
    compiled = compile((shortCircuit) => buildMetaValidator(draft, shortCircuit), true);
    metaValidatorCache.set(draft, compiled);
  }
  return compiled;
}

function buildMetaValidator(draft: SchemaDraft, shortCircuit: boolean): Validator {
  const [meta, ...vocabularies] = metaSchemaDocuments(draft).map((document) =>
    draft === "2020-12" ? dynamicToRecursive(document) : document,
  );
  // 2020-12's meta-schemas, rewritten into 2019-09's recursive references, are evaluated by 2019-09's rules.
  const validator = new Validator(meta as Schema, draft === "2020-12" ? "2019-09" : draft, shortCircuit);
  for (const vocabulary of vocabularies) validator.addSchema(vocabulary as Schema);
  return validator;
}

/**
 * Checks that `schema` is a valid JSON Schema for its draft, that every
 * reference resolves inside it or in the bundled meta-schemas (remote
 * references are never fetched; ./schema-references.ts), and that no reference
 * cycle fails to descend into the value (./schema-cycles.ts). Returns problem
 * errors with paths under `pointerPrefix` (for example `/input_schema`).
 */
export function checkSchema(schema: SchemaDocument, pointerPrefix: string): ProblemFieldError[] {
  if (typeof schema === "boolean") return [];
  const patterns = unusablePatterns(schema, pointerPrefix);
  if (patterns.length > 0) return patterns;
  const draft = draftOf(schema);
  const meta = validateInstance(metaValidator(draft), schema, pointerPrefix);
  if (meta.length > 0)
    return meta.map((e) => ({ ...e, message: `Not a valid JSON Schema (${draftLabel(draft)}): ${e.message}` }));
  // References resolve, and cycles close, in the copy the validator is built from (./validated-schema.ts).
  const validated = validatedSchema(schema, draft, "assert");
  const dereferenced = dereferencedCopy(validated);
  const references = referenceProblems(validated, draft, dereferenced, pointerPrefix);
  // A reference cycle that never descends into the value would recurse without end on every execute.
  if (references.length > 0 || dereferenced === null) return references;
  return refCycleProblems(dereferenced, draft, pointerPrefix);
}

function draftLabel(draft: SchemaDraft): string {
  return draft === "7" ? "draft-07" : draft;
}

/** Keywords whose members are named schemas: a member called `default` or `enum` there is a schema, not data. */
const SCHEMA_MAPS = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
  "dependencies",
]);

/**
 * Visits every object of a schema document with its JSON Pointer, except
 * inside `enum`, `const`, `default` and `examples`, which hold data.
 */
function walkSchema(
  node: unknown,
  pointer: string,
  visit: (record: Record<string, unknown>, at: string) => void,
  isMap = false,
): void {
  if (Array.isArray(node)) return node.forEach((v, i) => walkSchema(v, `${pointer}/${i}`, visit));
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  visit(record, pointer);
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith("__absolute_")) continue;
    if (!isMap && (k === "enum" || k === "const" || k === "default" || k === "examples")) continue;
    walkSchema(v, `${pointer}/${pointerToken(k)}`, visit, !isMap && SCHEMA_MAPS.has(k));
  }
}

/**
 * Every `pattern` and `patternProperties` key, wherever it sits (a `$ref` can
 * reach a subschema under any keyword), must run on the linear-time engine,
 * and cost little enough to compile.
 */
function unusablePatterns(schema: SchemaDocument, pointerPrefix: string): ProblemFieldError[] {
  return linearPatternProblems(schemaPatterns(schema, pointerPrefix)).slice(0, MAX_REPORTED_ERRORS);
}

/** Every `pattern` and `patternProperties` key of a schema, with its JSON Pointer under `pointerPrefix`. */
export function schemaPatterns(schema: SchemaDocument, pointerPrefix: string): SchemaPattern[] {
  const patterns: SchemaPattern[] = [];
  walkSchema(schema, pointerPrefix, (record, at) => {
    if (typeof record.pattern === "string") patterns.push({ source: record.pattern, path: `${at}/pattern` });
    if (isPlainObject(record.patternProperties))
      for (const source of Object.keys(record.patternProperties))
        patterns.push({ source, path: `${at}/patternProperties/${pointerToken(source)}` });
  });
  return patterns;
}

/** Per-isolate cache of compiled validators, keyed by tool id, version and which schema. */
const validatorCache = new Map<string, CompiledSchema>();
const VALIDATOR_CACHE_LIMIT = 500;

/**
 * `formats`: the tool's format mode (./validated-schema.ts), part of the cache key as a tool's version is;
 * "assert" unless said, as for every tool saved before there was a mode.
 */
export function compiledValidator(
  cacheKey: string,
  schema: SchemaDocument,
  formats: FormatMode = "assert",
): CompiledSchema {
  const key = `${cacheKey}:${formats}`;
  let compiled = validatorCache.get(key);
  if (!compiled) {
    // A schema saved before the pattern cost limits may exceed them: it is refused, and nothing compiles.
    const refusedPatterns = patternCostProblems(schemaPatterns(schema, ""));
    const draft = draftOf(schema);
    // The Validator annotates its schema in place; keep the stored definition clean.
    // The fast validator keeps references to `const` and `enum` values: it gets its own copy too.
    if (refusedPatterns.length > 0)
      // The validator is never consulted: validateInstance answers with refusedPatterns.
      compiled = { ...compile(() => new Validator(false), false), refusedPatterns };
    else {
      const { root, others } = validationDocuments(validatedSchema(schema, draft, formats), draft);
      compiled = compile(
        (shortCircuit) => {
          const validator = new Validator(structuredClone(root) as Schema, draft, shortCircuit);
          for (const other of others) validator.addSchema(structuredClone(other) as Schema);
          return validator;
        },
        usesUniqueItems(root) || others.length > 0,
        compileFastValidator(structuredClone(root), draft),
      );
    }
    if (validatorCache.size >= VALIDATOR_CACHE_LIMIT) {
      const oldest = validatorCache.keys().next().value;
      if (oldest !== undefined) validatorCache.delete(oldest);
    }
    validatorCache.set(key, compiled);
  }
  return compiled;
}

/** Validates an instance; problem errors carry JSON Pointers under `pointerPrefix`. */
export function validateInstance(
  compiled: CompiledSchema,
  instance: unknown,
  pointerPrefix: string,
): ProblemFieldError[] {
  if (compiled.refusedPatterns)
    return compiled.refusedPatterns.slice(0, MAX_REPORTED_ERRORS).map((refused) => ({
      path: pointerPrefix,
      keyword: "pattern",
      message: `The tool's schema cannot be used: its pattern at ${refused.path} is refused, so no value can be checked against it. ${refused.message} Save the tool again with a cheaper pattern.`,
    }));
  const costly = compiled.uniqueItems ? costlyUniqueItemsArray(instance) : null;
  if (costly)
    return [
      {
        path: pointerPrefix + costly.pointer,
        keyword: "uniqueItems",
        message: `This array is too large to check for unique items (${costly.items} items).`,
      },
    ];
  // Most instances are valid: say so without building the full validator's output.
  if (compiled.fast !== null && passesFastValidator(compiled.fast, instance)) return [];
  let result: ValidationResult;
  try {
    try {
      result = withLinearRegExp(() => compiled.all.validate(instance));
    } catch (err) {
      // Hundreds of thousands of errors overflow the validator's argument spreading: report the first.
      if (!(err instanceof RangeError)) throw err;
      result = withLinearRegExp(() => compiled.first().validate(instance));
    }
  } catch (err) {
    // The validator URI-encodes each property name it visits; encodeURI throws on a lone surrogate.
    if (!(err instanceof URIError)) throw err;
    return [{ path: pointerPrefix + (unencodableKey(instance) ?? ""), message: UNENCODABLE_KEY_MESSAGE }];
  }
  if (result.valid) return [];
  return leafErrors(result.errors).map((e) => {
    let path = pointerPrefix + instancePointer(e.instanceLocation);
    // Point "required" errors at the missing property, which is what a form needs.
    const missing = e.keyword === "required" ? /required property "(.*)"/.exec(e.error)?.[1] : undefined;
    if (missing !== undefined) path += `/${pointerToken(missing)}`;
    return { path, keyword: e.keyword, message: e.error };
  });
}

function instancePointer(location: string): string {
  const pointer = location.startsWith("#") ? location.slice(1) : location;
  try {
    return decodeURIComponent(pointer);
  } catch {
    return pointer;
  }
}

/**
 * Fills in `default` values for absent properties, recursing into nested
 * objects that are present (or were just defaulted). Never mutates `input`.
 */
export function applyDefaults(schema: unknown, input: unknown): unknown {
  if (!isPlainObject(schema) || !isPlainObject(input)) return input;
  const properties = schema.properties;
  if (!isPlainObject(properties)) return input;
  const out: Record<string, unknown> = { ...input };
  for (const [name, propSchema] of Object.entries(properties)) {
    if (!isPlainObject(propSchema)) continue;
    if (!Object.hasOwn(out, name) && Object.hasOwn(propSchema, "default"))
      out[name] = structuredClone(propSchema.default);
    if (Object.hasOwn(out, name)) out[name] = applyDefaults(propSchema, out[name]);
  }
  return out;
}

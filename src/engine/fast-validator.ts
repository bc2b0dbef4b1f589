/**
 * A fast path for "is this instance valid?", without eval.
 *
 * @cfworker/json-schema's `validate` is a recursive interpreter: on every
 * call, for every subschema, it destructures about 45 keywords and builds
 * instance and keyword location strings, even when the instance is valid.
 * On a 200 KB upstream response that is most of the CPU an execution takes.
 * Workers forbid eval and `new Function`, so code-generating validators are
 * out; instead a schema is compiled once into a tree of closures that answers
 * only true or false.
 *
 * The closures copy @cfworker/json-schema 4.1.6's semantics (validate.js) for
 * a whitelist of keywords, and call its own deepCompareStrict, ucs2length and
 * format functions. A schema that uses anything else (`$ref`, the
 * applicators, `patternProperties`, tuple `items`, `uniqueItems: true`, draft
 * 4, ...) does not compile. The rule: "true" means @cfworker/json-schema
 * would also find the instance valid; "false" only means "ask it", so the
 * caller runs the full validator for its errors, which stay exactly as they
 * were.
 */
import { deepCompareStrict, format, ucs2length, type SchemaDraft } from "@cfworker/json-schema";
import { isPlainObject } from "../plain-object";
import { linearPatternTest, withLinearRegExp } from "./linear-regexp";

/** True: valid. False: unknown, run the full validator. */
export type FastValidator = (instance: unknown) => boolean;

/** Larger schemas are left to the full validator: subschemas plus `enum` and `required` entries. */
export const MAX_FAST_SCHEMA_WEIGHT = 10_000;
/** Deeper schemas are left to the full validator. */
export const MAX_FAST_SCHEMA_DEPTH = 64;

/**
 * Compiles `schema` into a FastValidator, or returns null when it uses
 * anything outside the whitelist (or is too large). Never throws.
 */
export function compileFastValidator(schema: unknown, draft: SchemaDraft): FastValidator | null {
  // Draft 4's boolean exclusiveMinimum/exclusiveMaximum are not copied here.
  if (draft === "4") return null;
  try {
    return compileSchema(schema, { weight: 0 }, 0);
  } catch {
    // Unsupported, or a schema odd enough to throw while compiling.
    return null;
  }
}

/**
 * Runs a FastValidator. Inside withLinearRegExp, as the full validator runs,
 * so that format functions that build regexes (`regex`) behave the same; an
 * exception (a format function throwing, a stack overflow) counts as "ask the
 * full validator".
 */
export function passesFastValidator(fast: FastValidator, instance: unknown): boolean {
  try {
    return withLinearRegExp(() => fast(instance));
  } catch {
    return false;
  }
}

type Check = (value: unknown) => boolean;
type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object";
type TypeCheck = (value: unknown, type: JsonType) => boolean;

/** A keyword, or a shape of one, that the fast path does not handle. */
class Unsupported extends Error {}

interface Budget {
  weight: number;
}

function spend(budget: Budget, weight: number): void {
  budget.weight += weight;
  if (budget.weight > MAX_FAST_SCHEMA_WEIGHT) throw new Unsupported("size");
}

/** Keywords whose semantics are copied below. */
const VALIDATION_KEYWORDS = new Set([
  "type",
  "const",
  "enum",
  "required",
  "properties",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "format",
]);

/**
 * Keywords validate.js never reads. `$defs` and `definitions` are only
 * reachable through `$ref`, which does not compile, so their contents are
 * never validated either.
 */
const IGNORED_KEYWORDS = new Set([
  "title",
  "description",
  "default",
  "examples",
  "example",
  "$comment",
  "readOnly",
  "writeOnly",
  "deprecated",
  "contentEncoding",
  "contentMediaType",
  "$defs",
  "definitions",
]);

/** Also never read by validate.js, and only accepted where they are unremarkable. */
const ROOT_ONLY_KEYWORDS = new Set(["$schema", "$id"]);

const TYPE_NAMES = new Set(["null", "boolean", "number", "integer", "string", "array", "object"]);

const accept: Check = () => true;
const reject: Check = () => false;

/** validate.js's instanceType; null for values it throws on (undefined, functions, bigints, symbols). */
function jsonTypeOf(value: unknown): JsonType | null {
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
    case "object":
      return value === null ? "null" : Array.isArray(value) ? "array" : "object";
    default:
      return null;
  }
}

function compileSchema(schema: unknown, budget: Budget, depth: number): Check {
  if (schema === true) return accept;
  if (schema === false) return reject;
  if (!isPlainObject(schema) || depth > MAX_FAST_SCHEMA_DEPTH) throw new Unsupported();
  spend(budget, 1);
  for (const keyword of Object.keys(schema)) {
    const known =
      VALIDATION_KEYWORDS.has(keyword) ||
      IGNORED_KEYWORDS.has(keyword) ||
      keyword.startsWith("x-") ||
      (depth === 0 && ROOT_ONLY_KEYWORDS.has(keyword));
    if (!known) throw new Unsupported(keyword);
  }
  // validate.js ignores every falsy uniqueItems; only `false` is valid JSON Schema.
  if (schema.uniqueItems !== undefined && schema.uniqueItems !== false) throw new Unsupported("uniqueItems");

  const typeCheck = schema.type === undefined ? null : compileType(schema.type);
  const constCheck = schema.const === undefined ? null : compileConst(schema.const);
  const enumCheck = schema.enum === undefined ? null : compileEnum(schema.enum, budget);
  const objectCheck = compileObjectKeywords(schema, budget, depth);
  const arrayCheck = compileArrayKeywords(schema, budget, depth);
  const numberCheck = compileNumberKeywords(schema);
  const stringCheck = compileStringKeywords(schema);

  return (value) => {
    const type = jsonTypeOf(value);
    if (type === null) return false;
    if (typeCheck !== null && !typeCheck(value, type)) return false;
    if (constCheck !== null && !constCheck(value, type)) return false;
    if (enumCheck !== null && !enumCheck(value, type)) return false;
    switch (type) {
      case "object":
        return objectCheck === null || objectCheck(value as Record<string, unknown>);
      case "array":
        return arrayCheck === null || arrayCheck(value as unknown[]);
      case "number":
        return numberCheck === null || numberCheck(value as number);
      case "string":
        return stringCheck === null || stringCheck(value as string);
      default:
        return true;
    }
  };
}

/** `type`, with validate.js's two (different) integer tests: one for a single type, one for a list. */
function compileType(type: unknown): TypeCheck {
  if (typeof type === "string") {
    if (!TYPE_NAMES.has(type)) throw new Unsupported("type");
    if (type === "integer") return (value, t) => t === "number" && !((value as number) % 1) && value === value;
    return (_, t) => t === type;
  }
  if (!Array.isArray(type) || !type.every((name) => typeof name === "string" && TYPE_NAMES.has(name)))
    throw new Unsupported("type");
  const names = new Set<string>(type);
  const integer = names.has("integer");
  return (value, t) => names.has(t) || (integer && t === "number" && (value as number) % 1 === 0 && value === value);
}

function compileConst(expected: unknown): TypeCheck {
  return (value, t) => (t === "object" || t === "array" ? deepCompareStrict(value, expected) : value === expected);
}

function compileEnum(values: unknown, budget: Budget): TypeCheck {
  if (!Array.isArray(values)) throw new Unsupported("enum");
  spend(budget, values.length);
  // Set membership is SameValueZero, which differs from === only in NaN === NaN.
  const members = new Set<unknown>(values);
  return (value, t) =>
    t === "object" || t === "array"
      ? values.some((expected) => deepCompareStrict(value, expected))
      : members.has(value) && value === value;
}

function compileObjectKeywords(
  schema: Record<string, unknown>,
  budget: Budget,
  depth: number,
): ((object: Record<string, unknown>) => boolean) | null {
  const required = schema.required === undefined ? [] : stringList(schema.required, "required");
  spend(budget, required.length);
  const names: string[] = [];
  const checks: Check[] = [];
  if (schema.properties !== undefined) {
    if (!isPlainObject(schema.properties)) throw new Unsupported("properties");
    for (const [name, subschema] of Object.entries(schema.properties)) {
      names.push(name);
      checks.push(compileSchema(subschema, budget, depth + 1));
    }
  }
  const additional =
    schema.additionalProperties === undefined ? null : compileSchema(schema.additionalProperties, budget, depth + 1);
  // `additionalProperties: true` accepts every value without looking at it, as validate.js does.
  const additionalCheck = additional === accept ? null : additional;
  if (required.length === 0 && names.length === 0 && additionalCheck === null) return null;
  const declared = new Set(names);
  return (object) => {
    for (let i = 0; i < required.length; i++) if (!Object.hasOwn(object, required[i]!)) return false;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (Object.hasOwn(object, name) && !checks[i]!(object[name])) return false;
    }
    if (additionalCheck !== null)
      // for...in, as validate.js: a key is additional unless `properties` evaluated it (declared and own).
      for (const key in object)
        if (!(declared.has(key) && Object.hasOwn(object, key)) && !additionalCheck(object[key])) return false;
    return true;
  };
}

function compileArrayKeywords(
  schema: Record<string, unknown>,
  budget: Budget,
  depth: number,
): ((array: unknown[]) => boolean) | null {
  const minItems = optionalNumber(schema.minItems, "minItems");
  const maxItems = optionalNumber(schema.maxItems, "maxItems");
  // The array form of `items` (tuples) is left to the full validator.
  if (Array.isArray(schema.items)) throw new Unsupported("items");
  const items = schema.items === undefined ? null : compileSchema(schema.items, budget, depth + 1);
  const itemCheck = items === accept ? null : items;
  if (minItems === undefined && maxItems === undefined && itemCheck === null) return null;
  return (array) => {
    if (maxItems !== undefined && array.length > maxItems) return false;
    if (minItems !== undefined && array.length < minItems) return false;
    if (itemCheck !== null) for (let i = 0; i < array.length; i++) if (!itemCheck(array[i])) return false;
    return true;
  };
}

/** Draft-07 and later forms only (compileFastValidator refuses draft 4); comparisons written as validate.js writes them, for NaN's sake. */
function compileNumberKeywords(schema: Record<string, unknown>): ((n: number) => boolean) | null {
  const minimum = optionalNumber(schema.minimum, "minimum");
  const maximum = optionalNumber(schema.maximum, "maximum");
  const exclusiveMinimum = optionalNumber(schema.exclusiveMinimum, "exclusiveMinimum");
  const exclusiveMaximum = optionalNumber(schema.exclusiveMaximum, "exclusiveMaximum");
  const multipleOf = optionalNumber(schema.multipleOf, "multipleOf");
  if ([minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf].every((k) => k === undefined)) return null;
  return (n) => {
    if (minimum !== undefined && n < minimum) return false;
    if (maximum !== undefined && n > maximum) return false;
    if (exclusiveMinimum !== undefined && n <= exclusiveMinimum) return false;
    if (exclusiveMaximum !== undefined && n >= exclusiveMaximum) return false;
    if (multipleOf !== undefined && !isMultipleOf(n, multipleOf)) return false;
    return true;
  };
}

function compileStringKeywords(schema: Record<string, unknown>): ((s: string) => boolean) | null {
  const minLength = optionalNumber(schema.minLength, "minLength");
  const maxLength = optionalNumber(schema.maxLength, "maxLength");
  let matches: ((text: string) => boolean) | null = null;
  if (schema.pattern !== undefined) {
    if (typeof schema.pattern !== "string") throw new Unsupported("pattern");
    // Throws (so the schema stays with the full validator) where `new RegExp(pattern, "u")` would.
    matches = linearPatternTest(schema.pattern);
  }
  const formatName = schema.format === undefined ? null : checkedFormatName(schema.format);
  const measure = minLength !== undefined || maxLength !== undefined;
  if (!measure && matches === null && formatName === null) return null;
  return (s) => {
    // Code points, as validate.js counts them; counted only when the UTF-16 length (at least the
    // count, at most twice it) does not settle the bounds.
    if (
      measure &&
      !((minLength === undefined || s.length >> 1 >= minLength) && (maxLength === undefined || s.length <= maxLength))
    ) {
      const length = ucs2length(s);
      if (minLength !== undefined && length < minLength) return false;
      if (maxLength !== undefined && length > maxLength) return false;
    }
    if (matches !== null && !matches(s)) return false;
    if (formatName !== null) {
      // Looked up on every call, as validate.js does: formats unknown to the library (int32, ...) are ignored,
      // and a replaced one (url, in schemas.ts) is the replacement.
      const check = format[formatName];
      if (check && !check.call(format, s)) return false;
    }
    return true;
  };
}

/** A format name whose lookup means what it says: not `toString` and the other members every object inherits. */
function checkedFormatName(name: unknown): string {
  if (typeof name !== "string" || (name in format && !Object.hasOwn(format, name))) throw new Unsupported("format");
  return name;
}

function optionalNumber(value: unknown, keyword: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw new Unsupported(keyword);
  return value;
}

function stringList(value: unknown, keyword: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw new Unsupported(keyword);
  return value;
}

/** validate.js's decimalInteger, verbatim: a number as coefficient × 10^exponent, both exact. */
function decimalInteger(value: number): [bigint, number] {
  const coefficientAndExponent = Math.abs(value).toString().split("e");
  const coefficient = coefficientAndExponent[0]!;
  const exponent = coefficientAndExponent[1] ?? "0";
  const point = coefficient.indexOf(".");
  const fractionLength = point === -1 ? 0 : coefficient.length - point - 1;
  return [BigInt(coefficient.replace(".", "")), Number(exponent) - fractionLength];
}

/** validate.js's isMultipleOf, verbatim: decimal arithmetic, so 0.3 is a multiple of 0.1. */
function isMultipleOf(instance: number, divisor: number): boolean {
  if (!Number.isFinite(instance) || !Number.isFinite(divisor) || divisor <= 0) return false;
  const [instanceCoefficient, instanceExponent] = decimalInteger(instance);
  const [divisorCoefficient, divisorExponent] = decimalInteger(divisor);
  const exponentDifference = instanceExponent - divisorExponent;
  if (exponentDifference >= 0)
    return (instanceCoefficient * 10n ** BigInt(exponentDifference)) % divisorCoefficient === 0n;
  return instanceCoefficient % (divisorCoefficient * 10n ** BigInt(-exponentDifference)) === 0n;
}

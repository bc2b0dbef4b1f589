/**
 * An operation's output schema: its first 2xx JSON response, when that
 * describes an object. Pure.
 */
import { MAX_REQUEST_PATTERN_COST, type PatternBudget } from "../engine/pattern-cost";
import { checkSchema, isPlainObject, schemaPatterns, type JsonSchema } from "../engine/schemas";
import type { ProblemFieldError } from "../problem";
import { OperationRefused } from "./openapi-refs";
import {
  convertSchema,
  finishSchema,
  typesOf,
  withDefinitions,
  type OpenApiVersion,
  type SchemaContext,
} from "./openapi-schema";

export function describeProblems(problems: ProblemFieldError[]): string {
  const first = problems[0] as ProblemFieldError;
  return `${first.message} (at ${first.path})${problems.length > 1 ? ` and ${problems.length - 1} more` : ""}.`;
}

/**
 * checkSchema within the import's pattern budget: a schema whose new patterns
 * would take the whole import over MAX_REQUEST_PATTERN_COST is refused before
 * anything compiles them (each schema is within its own limits, but an import
 * checks up to 200).
 */
export function checkImportedSchema(
  schema: JsonSchema,
  pointerPrefix: string,
  patterns: PatternBudget,
): ProblemFieldError[] {
  if (!patterns.admit(schemaPatterns(schema, pointerPrefix)))
    return [
      {
        path: pointerPrefix,
        keyword: "pattern",
        message: `the patterns of this import cost more to compile than one import may (${MAX_REQUEST_PATTERN_COST.toLocaleString("en-US")} units); import fewer operations at a time, with operation_ids`,
      },
    ];
  return checkSchema(schema, pointerPrefix);
}

/**
 * The schema of the first 2xx JSON response, when it describes an object (what
 * tool consumers can show as structured output). A schema that cannot be kept
 * costs the tool its output check, not its import: a warning says why.
 */
export function responseSchema(
  operation: Record<string, unknown>,
  ctx: SchemaContext,
  version: OpenApiVersion,
  warnings: string[],
): JsonSchema | null {
  const responses = isPlainObject(operation.responses) ? operation.responses : {};
  const codes = Object.keys(responses)
    .filter((code) => /^2(\d\d|XX)$/i.test(code))
    .sort((a, b) => (a.toUpperCase() === "2XX" ? 1 : b.toUpperCase() === "2XX" ? -1 : Number(a) - Number(b)));
  const code = codes[0];
  if (code === undefined) return null;
  try {
    const response = ctx.refs.follow(responses[code]);
    const content = isPlainObject(response) && isPlainObject(response.content) ? response.content : {};
    const media = Object.keys(content).find((m) => /^application\/(?:[\w.+-]+\+)?json\s*(;|$)/i.test(m));
    const raw = media !== undefined && isPlainObject(content[media]) ? content[media].schema : undefined;
    if (raw === undefined) return null;
    const converted = convertSchema(raw, ctx);
    if (typeof converted === "boolean" || !isObjectish(converted)) return null;
    const schema = finishSchema(withDefinitions(converted, ctx), version);
    const problems = checkImportedSchema(schema, "/output_schema", ctx.patterns);
    if (problems.length > 0) {
      warnings.push(`The ${code} response schema was not kept: ${describeProblems(problems)}`);
      return null;
    }
    warnings.push(...[...ctx.notes].map((note) => `In the ${code} response schema: ${note}`));
    return schema;
  } catch (err) {
    if (!(err instanceof OperationRefused)) throw err;
    warnings.push(`The ${code} response schema was not kept: ${err.detail}`);
    return null;
  }
}

function isObjectish(schema: JsonSchema | boolean): boolean {
  if (typeof schema === "boolean") return false;
  if (schema.type !== undefined) return typesOf(schema).includes("object");
  if (isPlainObject(schema.properties)) return true;
  for (const key of ["allOf", "oneOf", "anyOf"] as const) {
    const members = schema[key];
    if (Array.isArray(members) && members.length > 0)
      return members.every((m) => isObjectish(m as JsonSchema | boolean));
  }
  return false;
}

/**
 * Defaults that break their own schema, found when a tool is saved.
 *
 * An execution fills in the `default` of every absent property before it
 * validates the input (applyDefaults in ./schemas.ts). A default that does not
 * match its own subschema would make every call that leaves the property out
 * fail with an input_invalid that blames the caller, for a mistake in the
 * tool. So each default that applyDefaults can fill in (under `properties`,
 * from the root down) is checked against its subschema when the input schema
 * is saved, after its own nested defaults are filled in as an execution would.
 * Defaults elsewhere are never filled in: they are annotations, as in JSON
 * Schema, and are not checked.
 */
import { dereference, validate, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import { isPlainObject } from "../plain-object";
import { pointerToken, type ProblemFieldError } from "../problem";
import { metaSchemaDocuments } from "./bundled-metaschemas";
import { withLinearRegExp } from "./linear-regexp";
import { applyDefaults, draftOf, type JsonSchema } from "./schemas";
import { validatedSchema, type FormatMode } from "./validated-schema";
import { leafErrors, MAX_REPORTED_ERRORS } from "./validation-limits";

/**
 * Per-isolate cache: the bundled meta-schemas of each draft as dereference()
 * leaves them, done once (validate() only reads them) rather than on every save.
 */
const metaSchemaLookups = new Map<SchemaDraft, Record<string, unknown>>();

function metaSchemaLookup(draft: SchemaDraft): Record<string, unknown> {
  let lookup = metaSchemaLookups.get(draft);
  if (!lookup) {
    lookup = Object.create(null) as Record<string, unknown>;
    for (const meta of metaSchemaDocuments(draft))
      dereference(meta as Schema, lookup as ReturnType<typeof dereference>);
    metaSchemaLookups.set(draft, lookup);
  }
  return lookup;
}

/**
 * Every default under `properties` that does not validate against the
 * subschema it sits in, with its pointer under `pointerPrefix`. Call only on a
 * schema that checkSchema accepted (its references resolve, its patterns run).
 */
export function defaultProblems(schema: JsonSchema, pointerPrefix: string, formats: FormatMode): ProblemFieldError[] {
  const draft = draftOf(schema);
  // As the validator sees it (./validated-schema.ts): a 2020-12 `format` that is an annotation does not refuse a default.
  // dereference() annotates what it is given, and validate() reads those annotations.
  const root = structuredClone(validatedSchema(schema, draft, formats)) as JsonSchema;
  let lookup: ReturnType<typeof dereference>;
  try {
    lookup = dereference(root as Schema, Object.assign(Object.create(null), metaSchemaLookup(draft)));
  } catch {
    // Two schemas under one URI: checkSchema has refused it already.
    return [];
  }
  const problems: ProblemFieldError[] = [];
  const visit = (node: Record<string, unknown>, at: string) => {
    if (!isPlainObject(node.properties)) return;
    for (const [name, property] of Object.entries(node.properties)) {
      if (!isPlainObject(property)) continue;
      const here = `${at}/properties/${pointerToken(name)}`;
      if (Object.hasOwn(property, "default") && problems.length < MAX_REPORTED_ERRORS) {
        const filled = applyDefaults(property, structuredClone(property.default));
        const result = withLinearRegExp(() => validate(filled, property as Schema, draft, lookup, true));
        if (!result.valid) {
          const [first] = leafErrors(result.errors);
          problems.push({
            path: `${here}/default`,
            keyword: "default",
            message: `This default does not match its own schema${first ? ` (${first.error})` : ""}; every call that leaves "${name}" out would be refused. Correct the default or the schema.`,
          });
        }
      }
      visit(property, here);
    }
  };
  visit(root, pointerPrefix);
  return problems;
}

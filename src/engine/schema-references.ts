/**
 * Where a schema's references lead, when a tool is saved and when its
 * validator is built. A reference may reach a place in the schema itself or
 * one of the bundled meta-schemas of its draft (./bundled-metaschemas.ts).
 * Nothing else: toolgate never fetches a schema, so that saving or running a
 * tool cannot make the service send a request (SSRF), and a reference to any
 * other document is refused when the tool is saved, with a message that says
 * so. In 2020-12, `$dynamicRef` and `$dynamicAnchor` are compiled into plain
 * references (./dynamic-scope.ts); in the earlier drafts they are not
 * keywords, and a schema that uses them is refused rather than have them
 * silently ignored.
 */
import type { SchemaDraft } from "@cfworker/json-schema";
import { isPlainObject } from "../plain-object";
import { pointerToken, type ProblemFieldError } from "../problem";
import { isMetaSchemaReference, metaSchemaDocuments } from "./bundled-metaschemas";
import { compileDynamicScopes, MAX_DYNAMIC_SCOPE_COPIES, usesDynamicScope } from "./dynamic-scope";
import { dereferencedCopy, type DereferencedSchema } from "./schema-cycles";
import { MAX_REPORTED_ERRORS } from "./validation-limits";

/** What a validator is built from: the schema (possibly compiled) and the other documents it refers to. */
export interface ValidationDocuments {
  root: unknown;
  others: Record<string, unknown>[];
  /** Set when dynamic references could not be compiled, and are ignored as they were before toolgate compiled them. */
  dynamicScopes: "too_large" | "unresolved" | null;
}

interface Reference {
  keyword: "$ref" | "$dynamicRef";
  ref: string;
  /** As resolved against the schema's base URIs. */
  absolute: string;
  /** JSON Pointer of the schema object holding the reference. */
  pointer: string;
}

/**
 * Every `$ref` (and, in 2020-12, `$dynamicRef`) of a dereferenced copy, with
 * its absolute URI. Walks schema objects as dereference() does: every member
 * except the data keywords, and every member of a map of schemas.
 */
function referencesOf({ document }: DereferencedSchema, draft: SchemaDraft): Reference[] {
  const found: Reference[] = [];
  const visit = (node: unknown, pointer: string, isMap: boolean) => {
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${pointer}/${i}`, false));
    if (!isPlainObject(node)) return;
    if (!isMap) {
      if (typeof node.$ref === "string") {
        const absolute = typeof node.__absolute_ref__ === "string" ? node.__absolute_ref__ : node.$ref;
        found.push({ keyword: "$ref", ref: node.$ref, absolute, pointer });
      }
      if (draft === "2020-12" && typeof node.$dynamicRef === "string") {
        const base = typeof node.__absolute_uri__ === "string" ? node.__absolute_uri__.split("#")[0]! : "";
        const absolute = URL.canParse(node.$dynamicRef, base) ? new URL(node.$dynamicRef, base).href : node.$dynamicRef;
        found.push({ keyword: "$dynamicRef", ref: node.$dynamicRef, absolute, pointer });
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (!isMap && (key === "enum" || key === "const" || key === "default" || key === "examples")) continue;
      visit(value, `${pointer}/${pointerToken(key)}`, !isMap && SCHEMA_MAPS.has(key));
    }
  };
  visit(document, "", false);
  return found;
}

/** Keywords whose members are named schemas (the names are not keywords). */
const SCHEMA_MAPS = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
  "dependencies",
]);

/** The schema objects at which a draft before 2020-12 uses `$dynamicRef` or `$dynamicAnchor`, which it does not have. */
function dynamicKeywordsOutsideTheirDraft(schema: unknown, pointerPrefix: string): ProblemFieldError[] {
  const problems: ProblemFieldError[] = [];
  const visit = (node: unknown, pointer: string, isMap: boolean) => {
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${pointer}/${i}`, false));
    if (!isPlainObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const at = `${pointer}/${pointerToken(key)}`;
      if (!isMap && (key === "$dynamicRef" || key === "$dynamicAnchor"))
        problems.push({
          path: at,
          keyword: key,
          message: `${key} is a JSON Schema 2020-12 keyword, and this schema is not 2020-12 (draft-07 unless "$schema" says otherwise), where it would be ignored. Declare "$schema": "https://json-schema.org/draft/2020-12/schema" to use it.`,
        });
      if (!isMap && (key === "enum" || key === "const" || key === "default" || key === "examples")) continue;
      visit(value, at, !isMap && SCHEMA_MAPS.has(key));
    }
  };
  visit(schema, pointerPrefix, false);
  return problems;
}

/** The document URIs (no fragment) of everything in a lookup table. */
function documentsOf(lookup: Record<string, unknown>): Set<string> {
  return new Set(Object.keys(lookup).map((uri) => uri.split("#")[0]!));
}

/**
 * Problems with a schema's references: ones that lead nowhere in it or in the
 * bundled meta-schemas, dynamic keywords in a draft without them, and dynamic
 * references that would take more than MAX_DYNAMIC_SCOPE_COPIES copies to
 * compile. Empty when the validator can be built.
 */
export function referenceProblems(
  schema: unknown,
  draft: SchemaDraft,
  dereferenced: DereferencedSchema | null,
  pointerPrefix: string,
): ProblemFieldError[] {
  if (dereferenced === null)
    return [
      { path: pointerPrefix || "/", keyword: "$id", message: "Two schemas in this document have the same URI ($id)." },
    ];
  if (draft !== "2020-12") {
    const misplaced = dynamicKeywordsOutsideTheirDraft(schema, pointerPrefix);
    if (misplaced.length > 0) return misplaced.slice(0, MAX_REPORTED_ERRORS);
  }
  const references = referencesOf(dereferenced, draft);
  const lookup: Record<string, unknown> = { ...dereferenced.lookup };
  if (references.some((r) => isMetaSchemaReference(r.absolute, draft)))
    for (const [uri, target] of Object.entries(validatorLookup(metaSchemaDocuments(draft)))) lookup[uri] ??= target;
  if (draft === "2020-12") addDynamicAnchors(lookup);
  const documents = documentsOf(lookup);
  const problems: ProblemFieldError[] = [];
  for (const reference of references) {
    if (reference.absolute in lookup) continue;
    const document = reference.absolute.split("#")[0]!;
    problems.push({
      path: `${pointerPrefix}${reference.pointer}/${reference.keyword}`,
      keyword: reference.keyword,
      message: documents.has(document)
        ? `${reference.keyword} "${reference.ref}" does not resolve: nothing in this schema is at that place.`
        : `${reference.keyword} "${reference.ref}" points to another document (${document}), and toolgate does not fetch schemas: saving or running a tool never makes the service send a request. Copy the schema it needs into this one (under $defs) and refer to it there; only the draft meta-schemas are built in.`,
    });
    if (problems.length === MAX_REPORTED_ERRORS) break;
  }
  if (problems.length > 0) return problems;
  const dynamicScopes = validationDocuments(schema, draft).dynamicScopes;
  if (dynamicScopes === null) return [];
  return [
    {
      path: pointerPrefix || "/",
      keyword: "$dynamicRef",
      message:
        dynamicScopes === "too_large"
          ? `This schema's $dynamicRef references would need more than ${MAX_DYNAMIC_SCOPE_COPIES} copies of its subschemas to resolve, one per combination of dynamic scopes; simplify them.`
          : "A $dynamicRef of this schema does not resolve.",
    },
  ];
}

/** dereference()'s table for documents, as a Validator would build it. */
function validatorLookup(documents: Record<string, unknown>[]): Record<string, unknown> {
  const copy = dereferencedCopy(documents[0]);
  const lookup = copy === null ? {} : { ...copy.lookup };
  for (const other of documents.slice(1)) {
    const extra = dereferencedCopy(other);
    if (extra !== null) Object.assign(lookup, extra.lookup);
  }
  return lookup;
}

/** Adds each `$dynamicAnchor` as the plain-name fragment it also is, where nothing else holds that name. */
function addDynamicAnchors(lookup: Record<string, unknown>): void {
  for (const node of new Set(Object.values(lookup))) {
    if (!isPlainObject(node) || typeof node.$dynamicAnchor !== "string") continue;
    const uri = typeof node.__absolute_uri__ === "string" ? node.__absolute_uri__.split("#")[0]! : "";
    lookup[`${uri}#${node.$dynamicAnchor}`] ??= node;
  }
}

/**
 * What the validator of `schema` is built from: the schema itself, with the
 * bundled meta-schemas when it refers to them; in 2020-12, when dynamic
 * references are involved, one document compiled from all of them. A schema
 * whose dynamic references cannot be compiled is refused when saved; one
 * saved before they were compiled is validated as it was then, with them
 * ignored.
 */
export function validationDocuments(schema: unknown, draft: SchemaDraft): ValidationDocuments {
  const dereferenced = dereferencedCopy(schema);
  const metas =
    dereferenced !== null && referencesOf(dereferenced, draft).some((r) => isMetaSchemaReference(r.absolute, draft));
  const others = metas ? metaSchemaDocuments(draft) : [];
  // The 2020-12 meta-schemas use $dynamicRef themselves.
  if (draft !== "2020-12" || !(metas || usesDynamicScope(schema))) return { root: schema, others, dynamicScopes: null };
  const compiled = compileDynamicScopes(schema, others);
  if (compiled.ok) return { root: compiled.schema, others: [], dynamicScopes: null };
  return { root: schema, others, dynamicScopes: compiled.reason };
}

/**
 * Plain-name fragments (`$anchor`, and draft-07's `$id: "#name"`) where the
 * specification puts them, which is not always where @cfworker/json-schema
 * 4.x puts them.
 *
 * An anchor belongs to the schema resource it sits in: `{"$id": "e/",
 * "$anchor": "x"}` embedded in a document whose base is `base.json` is
 * `e/#x`, and `base.json#x` is not it. dereference() walks an embedded
 * resource twice: once under its own base URI (right), then again as part of
 * the enclosing walk, where it registers the anchor under the enclosing
 * base too (`base.json#x`), overwriting an anchor of that name that the
 * enclosing resource has itself. So `$ref: "#x"` in the enclosing resource
 * can reach the embedded schema (the suite's "order of evaluation: $id and
 * $anchor and $ref": a wrong answer either way), and a reference to
 * `base.json#x` resolves although nothing there is called `x`.
 *
 * The correction keeps dereference() for everything else (base URIs, JSON
 * Pointers, percent-encoding), and only replaces its plain-name entries with
 * the ones the specification gives: each anchor under the base URI of its
 * own resource, which dereference() records right (its first visit of every
 * schema is under its own resource's base, and `__absolute_uri__` keeps that).
 * The validator builds its own table, so the copy of a schema it is built
 * from (./validated-schema.ts) has each `$ref` that its table would resolve
 * wrongly rewritten into the JSON Pointer form of the right schema, which it
 * resolves right.
 */
import { dereference, ignoredKeyword, schemaArrayKeyword, schemaMapKeyword, type Schema } from "@cfworker/json-schema";

type SchemaObject = Record<string, unknown>;

function isSchemaObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Calls `visit` with every schema object that dereference() walks, in its order. */
function eachSchemaObject(node: unknown, visit: (schema: SchemaObject) => void): void {
  if (!isSchemaObject(node)) return;
  visit(node);
  for (const key in node) {
    if (ignoredKeyword[key]) continue;
    const member = node[key];
    if (Array.isArray(member)) {
      if (schemaArrayKeyword[key]) for (const item of member) eachSchemaObject(item, visit);
    } else if (schemaMapKeyword[key]) {
      if (isSchemaObject(member)) for (const name in member) eachSchemaObject(member[name], visit);
    } else eachSchemaObject(member, visit);
  }
}

/** Whether a URI's fragment is a plain name (not empty, not a JSON Pointer). */
function hasPlainNameFragment(uri: string): boolean {
  const hash = uri.indexOf("#");
  return hash >= 0 && hash < uri.length - 1 && uri[hash + 1] !== "/";
}

/** The identifier with a plain-name fragment that dereference() reads from a schema's `$id` (or `id`), if any. */
function fragmentId(schema: SchemaObject): string | null {
  const id = schema.$id || schema.id;
  return typeof id === "string" && hasPlainNameFragment(id) ? id : null;
}

/**
 * Whether a schema document declares a plain-name fragment anywhere: without
 * one there is nothing to correct, and nothing to copy. Cheap: no clone.
 */
export function declaresPlainNames(document: unknown): boolean {
  let found = false;
  eachSchemaObject(document, (schema) => {
    found ||= (typeof schema.$anchor === "string" && schema.$anchor !== "") || fragmentId(schema) !== null;
  });
  return found;
}

/** `reference` resolved against `base` exactly as dereference() resolves it (its fragment normalisation included). */
function resolvedAs(reference: string, base: string): string | null {
  const probe: SchemaObject = { $ref: reference };
  try {
    dereference(probe as Schema, Object.create(null), new URL(base));
  } catch {
    return null;
  }
  return typeof probe.__absolute_ref__ === "string" ? probe.__absolute_ref__ : null;
}

/** The URI (without fragment) of the resource that holds a schema dereference() has annotated. */
function resourceOf(schema: SchemaObject): string | null {
  const uri = schema.__absolute_uri__;
  return typeof uri === "string" ? uri.split("#")[0]! : null;
}

/**
 * The plain-name fragments of a document that dereference() has annotated,
 * each under the base URI of its own resource. Where one resource names two
 * schemas alike (which the specification does not allow), the later one
 * wins, as in dereference().
 */
function plainNameTable(document: unknown): Map<string, SchemaObject> {
  const table = new Map<string, SchemaObject>();
  eachSchemaObject(document, (schema) => {
    const base = resourceOf(schema);
    if (base === null) return;
    const id = fragmentId(schema);
    const fromId = id === null ? null : resolvedAs(id, base);
    if (fromId !== null) table.set(fromId, schema);
    const anchor = typeof schema.$anchor === "string" && schema.$anchor !== "" ? schema.$anchor : null;
    const fromAnchor = anchor === null ? null : resolvedAs(`#${anchor}`, base);
    if (fromAnchor !== null) table.set(fromAnchor, schema);
  });
  return table;
}

/**
 * Makes `lookup`, the table dereference() built from `document` (and nothing
 * else yet), resolve plain-name fragments as the specification does. Returns
 * whether anything changed.
 */
export function correctPlainNames(document: unknown, lookup: Record<string, unknown>): boolean {
  if (!declaresPlainNames(document)) return false;
  const table = plainNameTable(document);
  let changed = false;
  for (const uri of Object.keys(lookup))
    if (hasPlainNameFragment(uri) && table.get(uri) !== lookup[uri]) {
      delete lookup[uri];
      changed = true;
    }
  for (const [uri, schema] of table)
    if (lookup[uri] !== schema) {
      lookup[uri] = schema;
      changed = true;
    }
  return changed;
}

/**
 * `schema`, or a copy of it in which each `$ref` that dereference() would
 * resolve to the wrong schema by a plain-name fragment points at the right one
 * by its JSON Pointer (`<resource>#/<pointer inside it>`, which dereference()
 * registers for every schema of every resource). The same object when
 * dereference() resolves every plain name right. A `$ref` to a plain name that
 * only dereference() knows stays as it is: the save-time check, which resolves
 * with the corrected table, refuses it.
 */
export function withAnchorsResolved(schema: unknown): unknown {
  if (!declaresPlainNames(schema)) return schema;
  const document = structuredClone(schema);
  let lookup: Record<string, unknown>;
  try {
    lookup = dereference(document as Schema);
  } catch {
    // Two schemas under one URI: checkSchema refuses it.
    return schema;
  }
  const table = plainNameTable(document);
  let rewritten = false;
  eachSchemaObject(document, (node) => {
    const absolute = node.__absolute_ref__;
    if (typeof node.$ref !== "string" || typeof absolute !== "string") return;
    const target = table.get(absolute);
    if (target === undefined || lookup[absolute] === target || typeof target.__absolute_uri__ !== "string") return;
    // An absolute URI whose fragment dereference() built with encodePointer(), which resolving leaves as it is.
    node.$ref = target.__absolute_uri__;
    rewritten = true;
  });
  // structuredClone leaves dereference()'s annotations behind (they are not enumerable): the validator makes its own.
  return rewritten ? structuredClone(document) : schema;
}

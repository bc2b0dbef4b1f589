/**
 * JSON Schema 2020-12's `$dynamicRef` and `$dynamicAnchor`, which
 * @cfworker/json-schema does not implement (it would ignore them), compiled
 * into plain `$ref`s that it does implement. No eval: the result is a JSON
 * document.
 *
 * Where a `$dynamicRef` leads depends on the dynamic scope: the schema
 * resources that evaluation has entered on its way there. The first (outermost)
 * one that declares a `$dynamicAnchor` of the referenced name wins, if the
 * reference's static target declares that anchor too. Along any path of
 * evaluation, the scope only grows, and what it decides is the map from
 * anchor name to that outermost declaration; it is a function of the path.
 * So each schema is copied once per such map it can be reached with (usually
 * one), every `$ref` and `$dynamicRef` becomes a `$ref` to the copy for the
 * map in force there, and the copies sit in one `$defs` table. A budget bounds
 * the copies; past it the schema is refused when saved.
 *
 * References are resolved with @cfworker/json-schema's own dereference(), so
 * `$id`, `$anchor` and JSON Pointers mean what they mean to the validator
 * (with its anchors of embedded resources corrected, ./schema-anchors.ts);
 * `$dynamicAnchor` is added to its table as the plain-name fragment it also
 * is (a `$ref` may point at one).
 */
import { dereference, type Schema } from "@cfworker/json-schema";
import { isPlainObject } from "../plain-object";
import { correctPlainNames } from "./schema-anchors";

type SchemaObject = Record<string, unknown>;

/** Most schema objects the compiled document may hold: many times any realistic schema, and bounded work. */
export const MAX_DYNAMIC_SCOPE_COPIES = 20_000;

export type DynamicScopeResult =
  | { ok: true; schema: SchemaObject }
  | { ok: false; reason: "unresolved"; ref: string; keyword: "$ref" | "$dynamicRef" }
  | { ok: false; reason: "too_large" };

/** Keywords whose value is one schema, evaluated by @cfworker/json-schema. */
const SUBSCHEMA = [
  "additionalProperties",
  "unevaluatedProperties",
  "propertyNames",
  "unevaluatedItems",
  "additionalItems",
  "contains",
  "not",
  "if",
  "then",
  "else",
] as const;
/** Keywords whose value is a list of schemas (`items` also may be a single schema). */
const SUBSCHEMA_LISTS = ["prefixItems", "items", "allOf", "anyOf", "oneOf"] as const;
/** Keywords whose value maps names to schemas (`dependencies` also to lists of names). */
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "dependentSchemas", "dependencies"] as const;
/** The other keywords the validator reads; their values are data. Everything else is an annotation, dropped. */
const ASSERTIONS = [
  "type",
  "const",
  "enum",
  "required",
  "format",
  "minProperties",
  "maxProperties",
  "dependentRequired",
  "minContains",
  "maxContains",
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
] as const;

/** Whether a document uses the dynamic keywords anywhere (data keywords included, which only errs towards compiling). */
export function usesDynamicScope(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesDynamicScope);
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(
    ([k, v]) => ((k === "$dynamicRef" || k === "$dynamicAnchor") && typeof v === "string") || usesDynamicScope(v),
  );
}

class Unresolved extends Error {
  constructor(
    readonly ref: string,
    readonly keyword: "$ref" | "$dynamicRef",
  ) {
    super(`unresolved ${keyword}`);
  }
}
class TooLarge extends Error {}

/** The outermost `$dynamicAnchor` of each name in the dynamic scope. */
type Scope = ReadonlyMap<string, SchemaObject>;

/**
 * `document` (a 2020-12 schema) with its dynamic references compiled into
 * `$ref`s to a `$defs` table at the root, and `others` (the bundled
 * meta-schemas it refers to) folded in. The result holds no `$id`, `$anchor`,
 * `$defs` of its own or annotations. Does not mutate its arguments.
 */
export function compileDynamicScopes(document: unknown, others: unknown[] = []): DynamicScopeResult {
  const root = structuredClone(document);
  const lookup: Record<string, Schema | boolean> = Object.create(null);
  try {
    dereference(root as Schema, lookup);
    // Anchors where the specification puts them (./schema-anchors.ts), before the meta-schemas join the table.
    correctPlainNames(root, lookup);
    for (const other of others) dereference(structuredClone(other) as Schema, lookup);
  } catch {
    // Two schemas under one URI: checkSchema reports that as an invalid $id.
    return { ok: false, reason: "unresolved", ref: "(invalid $id)", keyword: "$ref" };
  }
  const compiler = new ScopeCompiler(lookup);
  try {
    return { ok: true, schema: compiler.compile(root) };
  } catch (err) {
    if (err instanceof Unresolved) return { ok: false, reason: "unresolved", ref: err.ref, keyword: err.keyword };
    if (err instanceof TooLarge) return { ok: false, reason: "too_large" };
    throw err;
  }
}

class ScopeCompiler {
  /** Each resource's `$dynamicAnchor`s by name, keyed by the resource's URI. */
  private readonly anchors = new Map<string, Map<string, SchemaObject>>();
  private readonly ids = new Map<SchemaObject, number>();
  private readonly table: Record<string, unknown> = {};
  private readonly slots = new Map<string, string>();
  private readonly pending: { target: unknown; scope: Scope; slot: string }[] = [];
  private copies = 0;

  constructor(private readonly lookup: Record<string, unknown>) {
    // dereference() has put every schema object of every document in the lookup (some under several URIs).
    for (const node of new Set(Object.values(lookup))) {
      if (!isPlainObject(node) || typeof node.$dynamicAnchor !== "string") continue;
      const name = node.$dynamicAnchor;
      const resource = resourceOf(node);
      let declared = this.anchors.get(resource);
      if (!declared) this.anchors.set(resource, (declared = new Map()));
      if (!declared.has(name)) declared.set(name, node);
      // A $dynamicAnchor is also a plain-name fragment that a $ref may point at.
      lookup[`${resource}#${name}`] ??= node;
    }
  }

  compile(root: unknown): SchemaObject {
    const top = this.copy(root, this.enter(new Map(), root));
    for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift())
      this.table[next.slot] = this.copy(next.target, next.scope);
    const compiled: SchemaObject = isPlainObject(top) ? top : { allOf: [top] };
    const declared = isPlainObject(root) && typeof root.$schema === "string" ? { $schema: root.$schema } : {};
    return { ...declared, ...compiled, $defs: this.table };
  }

  /** The scope after entering the resource that holds `node`: its anchors, where no outer one has the name. */
  private enter(scope: Scope, node: unknown): Scope {
    if (!isPlainObject(node)) return scope;
    const declared = this.anchors.get(resourceOf(node));
    if (!declared) return scope;
    let entered: Map<string, SchemaObject> | null = null;
    for (const [name, anchor] of declared) if (!scope.has(name)) (entered ??= new Map(scope)).set(name, anchor);
    return entered ?? scope;
  }

  /** The `$defs` slot of `target` evaluated with `scope`, queued for copying the first time. */
  private slot(target: unknown, scope: Scope): string {
    const key = `${isPlainObject(target) ? this.idOf(target) : String(target)}|${this.scopeKey(scope)}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = `s${this.slots.size}`;
      this.slots.set(key, slot);
      this.pending.push({ target, scope, slot });
    }
    return slot;
  }

  private scopeKey(scope: Scope): string {
    return [...scope]
      .map(([name, anchor]) => JSON.stringify([name, this.idOf(anchor)]))
      .sort()
      .join(",");
  }

  private idOf(node: SchemaObject): number {
    let id = this.ids.get(node);
    if (id === undefined) this.ids.set(node, (id = this.ids.size));
    return id;
  }

  /** A schema with its subschemas copied for `scope` and its references pointing at slots. */
  private copy(node: unknown, scope: Scope): unknown {
    if (!isPlainObject(node)) return node;
    if (++this.copies > MAX_DYNAMIC_SCOPE_COPIES) throw new TooLarge();
    const out: SchemaObject = {};
    const child = (value: unknown) => (isPlainObject(value) ? this.copy(value, this.enter(scope, value)) : value);
    for (const keyword of SUBSCHEMA) if (node[keyword] !== undefined) out[keyword] = child(node[keyword]);
    for (const keyword of SUBSCHEMA_LISTS) {
      const value = node[keyword];
      if (Array.isArray(value)) out[keyword] = value.map(child);
      else if (value !== undefined && keyword === "items") out[keyword] = child(value);
    }
    for (const keyword of SUBSCHEMA_MAPS) {
      const map = node[keyword];
      if (isPlainObject(map))
        out[keyword] = Object.fromEntries(
          Object.entries(map).map(([name, value]) => [name, Array.isArray(value) ? value : child(value)]),
        );
    }
    for (const keyword of ASSERTIONS) if (node[keyword] !== undefined) out[keyword] = node[keyword];

    const refs: string[] = [];
    if (typeof node.$ref === "string") {
      const absolute = typeof node.__absolute_ref__ === "string" ? node.__absolute_ref__ : node.$ref;
      const target = this.lookup[absolute];
      if (target === undefined) throw new Unresolved(node.$ref, "$ref");
      refs.push(this.slot(target, this.enter(scope, target)));
    }
    if (typeof node.$dynamicRef === "string") {
      const target = this.dynamicTarget(node, node.$dynamicRef, scope);
      refs.push(this.slot(target, this.enter(scope, target)));
    }
    // One `$ref` per object: a second reference joins `allOf`, which the validator evaluates alike.
    const [first, second] = refs.map((slot) => `#/$defs/${slot}`);
    if (first !== undefined) out.$ref = first;
    if (second !== undefined) out.allOf = [...((out.allOf as unknown[]) ?? []), { $ref: second }];
    return out;
  }

  /**
   * Where a `$dynamicRef` leads: its static target, unless the fragment is a
   * name that the target declares as a `$dynamicAnchor`, in which case the
   * outermost declaration of that name in the dynamic scope.
   */
  private dynamicTarget(node: SchemaObject, ref: string, scope: Scope): unknown {
    let absolute: string;
    try {
      absolute = new URL(ref, resourceOf(node)).href;
    } catch {
      throw new Unresolved(ref, "$dynamicRef");
    }
    const initial = this.lookup[absolute];
    if (initial === undefined) throw new Unresolved(ref, "$dynamicRef");
    const hash = absolute.indexOf("#");
    const name = hash < 0 ? "" : absolute.slice(hash + 1);
    if (name === "" || name.startsWith("/") || !isPlainObject(initial) || initial.$dynamicAnchor !== name)
      return initial;
    return scope.get(name) ?? initial;
  }
}

/** The URI (without fragment) of the schema resource that holds `node`, as dereference() recorded it. */
function resourceOf(node: SchemaObject): string {
  const uri = node.__absolute_uri__;
  return typeof uri === "string" ? uri.split("#")[0]! : "";
}

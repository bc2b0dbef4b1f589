/**
 * Reference cycles that never descend into the instance.
 *
 * `{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}`, or a
 * schema whose `allOf` refers back to itself, sends @cfworker/json-schema
 * into endless recursion: every value that reaches such a schema overflows
 * the stack. A cycle that passes through `properties`, `items` or any other
 * keyword that moves to a part of the value ends, because the value is
 * finite, so a tree of `children` stays valid.
 *
 * References are followed as the validator follows them (validate.js in
 * @cfworker/json-schema 4.1.6): its own `dereference` resolves `$ref` and
 * `$recursiveRef` (so `$id`, `$anchor`, percent-encoding and JSON Pointers
 * mean the same here as there), only the keywords it evaluates are edges, and
 * in draft-07 a `$ref` hides its siblings. `$dynamicRef` is the one addition:
 * the validator ignores it, but MCP clients and function-calling exports are
 * handed the schema too, and theirs follow it.
 */
import { dereference, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import { pointerToken, type ProblemFieldError } from "../problem";
import { correctPlainNames } from "./schema-anchors";
import { MAX_REPORTED_ERRORS } from "./validation-limits";

type SchemaObject = Record<string, unknown>;

/** A copy of a schema document as dereference() leaves it: annotated with absolute URIs, and its lookup table. */
export interface DereferencedSchema {
  document: unknown;
  lookup: Record<string, unknown>;
}

/**
 * dereference() annotates the document it reads, so it reads a copy. Null
 * when it refuses the document (two schemas under one URI). Its table has
 * each plain-name fragment where the specification puts it
 * (./schema-anchors.ts), as the validator resolves them in the copy it is
 * built from.
 */
export function dereferencedCopy(schema: unknown): DereferencedSchema | null {
  const document = structuredClone(schema);
  let lookup: Record<string, unknown>;
  try {
    lookup = dereference(document as Schema);
  } catch {
    return null;
  }
  correctPlainNames(document, lookup);
  return { document, lookup };
}

/** One cycle: the schemas on it and the reference that closes it. */
export interface RefCycle {
  /** JSON Pointers into the schema document of the first SHOWN_SCHEMAS schemas on the cycle, in order. */
  schemas: string[];
  /** How many schemas the cycle passes through. */
  length: number;
  /** The reference keyword that leads back (`$ref`, `$recursiveRef` or `$dynamicRef`), and its JSON Pointer. */
  keyword: string;
  at: string;
}

/** A long cycle is named by its first schemas: enough to find it, and a bounded message. */
export const SHOWN_SCHEMAS = 6;

interface Edge {
  to: SchemaObject;
  /** Set for a reference: the schema that holds it, and its keyword. */
  ref: { from: SchemaObject; keyword: string } | null;
}

/** Keywords the validator evaluates against the same value, besides `not`, `if`, `then` and `else`. */
const IN_PLACE_LISTS = ["allOf", "anyOf", "oneOf"] as const;
const IN_PLACE_MAPS = ["dependentSchemas", "dependencies"] as const;
/** Keywords the validator evaluates against a part of the value (a property, an item, a property name). */
const DESCENDING_SINGLE = [
  "additionalProperties",
  "unevaluatedProperties",
  "propertyNames",
  "additionalItems",
  "unevaluatedItems",
  "contains",
] as const;
const DESCENDING_MAPS = ["properties", "patternProperties"] as const;
const DESCENDING_LISTS = ["items", "prefixItems"] as const;

/** The cycles of a schema as problem errors, with paths under `pointerPrefix` (for example `/input_schema`). */
export function refCycleProblems(
  schema: DereferencedSchema,
  draft: SchemaDraft,
  pointerPrefix: string,
): ProblemFieldError[] {
  const named = (pointer: string) => pointerPrefix + pointer || "/";
  return inPlaceRefCycles(schema, draft, MAX_REPORTED_ERRORS).map((cycle) => {
    const steps = cycle.schemas.map(named);
    if (cycle.length > steps.length) steps.push(`… (${cycle.length - steps.length} more)`);
    steps.push(named(cycle.schemas[0] ?? ""));
    return {
      path: pointerPrefix + cycle.at,
      keyword: cycle.keyword,
      message: `This ${cycle.keyword} goes round in a circle without moving into a part of the value, so validation would never end: ${steps.join(" → ")}. Put one of these references under properties, items or another keyword that checks a part of the value, or remove it.`,
    };
  });
}

/** Up to `limit` cycles of in-place references that validation can reach from the schema's root. */
export function inPlaceRefCycles(
  { document, lookup }: DereferencedSchema,
  draft: SchemaDraft,
  limit: number,
): RefCycle[] {
  if (!isSchemaObject(document)) return [];
  const graph = new SchemaGraph(lookup, indexDocument(document), draft);
  return findCycles(graph, graph.reachableFrom(document), limit);
}

function isSchemaObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

interface DocumentIndex {
  /** Where each object or array of the document sits: its parent and its token there (the document is a tree). */
  parents: Map<object, { parent: object; token: string }>;
  /** Schemas with `$recursiveAnchor: true`: where a `$recursiveRef` may lead at run time. */
  recursiveAnchors: SchemaObject[];
  /** Schemas by `$dynamicAnchor` name: where a `$dynamicRef` may lead at run time. */
  dynamicAnchors: Map<string, SchemaObject[]>;
}

/** Walks the whole document without recursion (its depth is the request's). */
function indexDocument(root: SchemaObject): DocumentIndex {
  const index: DocumentIndex = { parents: new Map(), recursiveAnchors: [], dynamicAnchors: new Map() };
  const pending: object[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const children: [string, unknown][] = Array.isArray(node)
      ? node.map((child, i) => [String(i), child])
      : Object.entries(node);
    for (const [token, child] of children)
      if (child !== null && typeof child === "object") {
        index.parents.set(child, { parent: node, token: pointerToken(token) });
        pending.push(child);
      }
    if (Array.isArray(node)) continue;
    const schema = node as SchemaObject;
    if (schema.$recursiveAnchor === true) index.recursiveAnchors.push(schema);
    if (typeof schema.$dynamicAnchor === "string") {
      const named = index.dynamicAnchors.get(schema.$dynamicAnchor) ?? [];
      named.push(schema);
      index.dynamicAnchors.set(schema.$dynamicAnchor, named);
    }
  }
  return index;
}

/**
 * The schemas of a document as the validator moves between them. Where a
 * reference may lead to one of several anchors, it leads to a hub (a node
 * of no document position) that leads to each, so that many references and
 * many anchors make a sum of edges, not a product.
 */
class SchemaGraph {
  private readonly edges = new Map<SchemaObject, Edge[]>();
  private readonly hubs = new Map<string, SchemaObject>();
  private readonly hubKeys = new Map<SchemaObject, string>();

  constructor(
    private readonly lookup: Record<string, unknown>,
    private readonly doc: DocumentIndex,
    private readonly draft: SchemaDraft,
  ) {}

  /** Edges to schemas evaluated against the same value, in the validator's order. */
  inPlace(node: SchemaObject): Edge[] {
    let edges = this.edges.get(node);
    if (edges === undefined) {
      edges = this.inPlaceEdges(node);
      this.edges.set(node, edges);
    }
    return edges;
  }

  private inPlaceEdges(node: SchemaObject): Edge[] {
    const hubKey = this.hubKeys.get(node);
    if (hubKey !== undefined) return this.hubTargets(hubKey).map((to) => ({ to, ref: null }));
    const edges: Edge[] = [];
    const add = (to: unknown, ref: Edge["ref"] = null) => {
      if (isSchemaObject(to)) edges.push({ to, ref });
    };
    if (node.$recursiveRef === "#") {
      // To the static target when no $recursiveAnchor is in effect, otherwise to the one that is.
      const ref = { from: node, keyword: "$recursiveRef" };
      add(this.lookup[annotation(node, "__absolute_recursive_ref__") ?? ""], ref);
      if (this.doc.recursiveAnchors.length > 0) add(this.hub("recursive"), ref);
    }
    if (typeof node.$ref === "string") {
      add(this.lookup[annotation(node, "__absolute_ref__") ?? node.$ref], { from: node, keyword: "$ref" });
      // Draft-07 ignores a $ref's siblings, and so does the validator.
      if (this.draft === "7") return edges;
    }
    if (typeof node.$dynamicRef === "string") {
      const ref = { from: node, keyword: "$dynamicRef" };
      add(this.staticTarget(node, node.$dynamicRef), ref);
      const name = anchorName(node.$dynamicRef);
      if (name !== null && this.doc.dynamicAnchors.has(name)) add(this.hub(`dynamic:${name}`), ref);
    }
    add(node.not);
    add(node.if);
    // `then` and `else` are only read when there is an `if`.
    if (node.if !== undefined) {
      add(node.then);
      add(node.else);
    }
    for (const keyword of IN_PLACE_LISTS) {
      const list = node[keyword];
      if (Array.isArray(list)) for (const item of list) add(item);
    }
    for (const keyword of IN_PLACE_MAPS) {
      const map = node[keyword];
      if (isSchemaObject(map)) for (const item of Object.values(map)) add(item);
    }
    return edges;
  }

  /** Calls `visit` with each schema evaluated against a part of the value. */
  private eachDescending(node: SchemaObject, visit: (child: unknown) => void): void {
    if (this.draft === "7" && typeof node.$ref === "string") return;
    for (const keyword of DESCENDING_SINGLE) visit(node[keyword]);
    for (const keyword of DESCENDING_MAPS) {
      const map = node[keyword];
      if (isSchemaObject(map)) for (const child of Object.values(map)) visit(child);
    }
    for (const keyword of DESCENDING_LISTS) {
      const value = node[keyword];
      if (Array.isArray(value)) for (const child of value) visit(child);
      else visit(value);
    }
  }

  /** Every schema the validator can evaluate, starting from `root`, in the order it is first met. */
  reachableFrom(root: SchemaObject): SchemaObject[] {
    const order: SchemaObject[] = [root];
    const seen = new Set(order);
    const visit = (next: unknown) => {
      if (isSchemaObject(next) && !seen.has(next)) {
        seen.add(next);
        order.push(next);
      }
    };
    for (let i = 0; i < order.length; i++) {
      const node = order[i]!;
      for (const edge of this.inPlace(node)) visit(edge.to);
      this.eachDescending(node, visit);
    }
    return order;
  }

  /** The JSON Pointer of a schema; null for a hub. */
  pointerOf(node: SchemaObject): string | null {
    if (this.hubKeys.has(node)) return null;
    const tokens: string[] = [];
    for (let at = this.doc.parents.get(node); at !== undefined; at = this.doc.parents.get(at.parent))
      tokens.push(at.token);
    return tokens
      .reverse()
      .map((token) => `/${token}`)
      .join("");
  }

  private hub(key: string): SchemaObject {
    let hub = this.hubs.get(key);
    if (hub === undefined) {
      hub = {};
      this.hubs.set(key, hub);
      this.hubKeys.set(hub, key);
    }
    return hub;
  }

  private hubTargets(key: string): SchemaObject[] {
    if (key === "recursive") return this.doc.recursiveAnchors;
    return this.doc.dynamicAnchors.get(key.slice("dynamic:".length)) ?? [];
  }

  /** Where a reference resolves as `$ref` would resolve it from `node`. */
  private staticTarget(node: SchemaObject, ref: string): unknown {
    const base = annotation(node, "__absolute_uri__")?.split("#")[0];
    if (base === undefined || !URL.canParse(ref, base)) return undefined;
    return this.lookup[new URL(ref, base).href];
  }
}

/** The anchor a `$dynamicRef` names (`#meta` → `meta`), or null for a JSON Pointer or no fragment. */
function anchorName(ref: string): string | null {
  const hash = ref.indexOf("#");
  const fragment = hash < 0 ? "" : ref.slice(hash + 1);
  return fragment === "" || fragment.startsWith("/") ? null : fragment;
}

/** The non-enumerable URIs dereference() leaves on a schema. */
function annotation(node: SchemaObject, name: string): string | undefined {
  const value = node[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * Depth-first search over in-place edges, without recursion: an edge back to
 * a schema still on the path closes a cycle. Each schema is entered once.
 */
function findCycles(graph: SchemaGraph, nodes: SchemaObject[], limit: number): RefCycle[] {
  const done = new Set<SchemaObject>();
  const cycles: RefCycle[] = [];
  // One cycle per reference: a $recursiveRef reaches the same anchor statically and dynamically.
  const reported = new Set<string>();
  for (const start of nodes) {
    if (done.has(start)) continue;
    const path: { node: SchemaObject; edges: Edge[]; next: number; via: Edge | null }[] = [];
    const onPath = new Map<SchemaObject, number>();
    const enter = (node: SchemaObject, via: Edge | null) => {
      onPath.set(node, path.length);
      path.push({ node, edges: graph.inPlace(node), next: 0, via });
    };
    enter(start, null);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const edge = top.edges[top.next++];
      if (edge === undefined) {
        path.pop();
        onPath.delete(top.node);
        done.add(top.node);
        continue;
      }
      const back = onPath.get(edge.to);
      if (back === undefined) {
        if (!done.has(edge.to)) enter(edge.to, edge);
        continue;
      }
      // A cycle holds a reference: in-place keywords alone only lead down the document.
      let ref = edge.ref;
      for (let i = back + 1; ref === null && i < path.length; i++) ref = path[i]!.via?.ref ?? null;
      const at = ref ? `${graph.pointerOf(ref.from) ?? ""}/${ref.keyword}` : "";
      if (reported.has(at)) continue;
      reported.add(at);
      const schemas: string[] = [];
      let length = 0;
      for (let i = back; i < path.length; i++) {
        const pointer = graph.pointerOf(path[i]!.node);
        if (pointer === null) continue;
        if (length++ < SHOWN_SCHEMAS) schemas.push(pointer);
      }
      cycles.push({ schemas, length, keyword: ref?.keyword ?? "$ref", at });
      if (cycles.length >= limit) return cycles;
    }
  }
  return cycles;
}

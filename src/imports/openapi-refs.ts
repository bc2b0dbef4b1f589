/**
 * Local `$ref`s of an OpenAPI document: looking them up, refusing remote and
 * dangling ones, and the limits that keep inlining them bounded. Pure.
 */
import { isPlainObject } from "../engine/schemas";

/** Why an operation was not imported. Stable codes: clients and the docs rely on them. */
export const SKIP_REASONS = [
  "unsupported_method",
  "remote_ref",
  "unresolved_ref",
  "ref_cycle",
  "schema_too_large",
  "invalid_schema",
  "invalid_operation",
  "missing_path_parameter",
  "unsupported_parameter",
  "unsupported_media_type",
  "unsupported_body",
  "non_object_body",
  "unsupported_security",
  "needs_secret",
  "connection_incomplete",
  "invalid_connection",
  "invalid_tool",
  "name_taken",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * An operation that cannot become a tool. Thrown from deep inside schema
 * conversion (refs nest arbitrarily) and caught at the operation boundary in
 * ./openapi.ts, where it becomes a "skipped" result: it never leaves that module.
 */
export class OperationRefused extends Error {
  constructor(
    readonly reason: SkipReason,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "OperationRefused";
  }
}

/** Schema objects one operation may expand into, all `$ref`s inlined: past it the tool would be unwieldy to store and send. */
export const MAX_SCHEMA_NODES = 5000;

/** Counts the schema objects produced for one operation. */
export class NodeBudget {
  private used = 0;
  spend(): void {
    if (++this.used > MAX_SCHEMA_NODES)
      throw new OperationRefused(
        "schema_too_large",
        `Its schemas expand to more than ${MAX_SCHEMA_NODES} schema objects once every $ref is inlined.`,
      );
  }
}

/** Decodes a `#/a/b~1c` fragment into its JSON Pointer tokens (RFC 6901 inside a URI fragment, RFC 3986). */
function pointerTokens(ref: string): string[] {
  let pointer: string;
  try {
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    throw new OperationRefused("unresolved_ref", `$ref "${ref}" is not a valid JSON Pointer.`);
  }
  if (pointer === "") return [];
  if (!pointer.startsWith("/"))
    throw new OperationRefused("unresolved_ref", `$ref "${ref}" is not a JSON Pointer (anchors are not supported).`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

export class RefResolver {
  constructor(private readonly document: Record<string, unknown>) {}

  /** The value a local `$ref` points at. Remote and dangling references refuse the operation. */
  lookup(ref: string): unknown {
    if (!ref.startsWith("#"))
      throw new OperationRefused(
        "remote_ref",
        `$ref "${ref}" points outside this document; only local references (#/components/...) are resolved.`,
      );
    let node: unknown = this.document;
    for (const token of pointerTokens(ref)) {
      if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(token)) node = node[Number(token)];
      else if (isPlainObject(node) && Object.hasOwn(node, token)) node = node[token];
      else node = undefined;
      if (node === undefined)
        throw new OperationRefused("unresolved_ref", `$ref "${ref}" does not resolve inside this document.`);
    }
    return node;
  }

  /**
   * Follows `$ref` chains of objects that are not schemas (parameters,
   * request bodies, responses, path items) to the object itself.
   */
  follow(node: unknown): unknown {
    const seen: string[] = [];
    while (isPlainObject(node) && typeof node.$ref === "string") {
      if (seen.includes(node.$ref)) throw refCycle([...seen, node.$ref]);
      seen.push(node.$ref);
      node = this.lookup(node.$ref);
    }
    return node;
  }
}

/**
 * The refusal for a chain of `$ref`s to parameters, request bodies, responses
 * or path items that leads back to itself, naming the whole chain: it never
 * reaches an object. (Recursive schemas are kept, as `$ref`s.)
 */
export function refCycle(chain: readonly string[]): OperationRefused {
  const last = chain[chain.length - 1] as string;
  const cycle = chain.slice(chain.indexOf(last));
  return new OperationRefused(
    "ref_cycle",
    `$ref cycle ${cycle.join(" -> ")}: these references lead back to themselves without reaching an object; fix the document.`,
  );
}

/**
 * OpenAPI 3.0 / 3.1 document (or Swagger 2.0, converted first) → one tool
 * draft per operation, or the reason an operation cannot be one. Pure: no
 * I/O; naming against the registry, and saving, happen in
 * src/api/imports-openapi.ts.
 */
import type { z } from "@hono/zod-openapi";
import type { ToolInput } from "../api/schemas";
import type { HttpMethod } from "../engine/request";
import { PatternBudget } from "../engine/pattern-cost";
import { isPlainObject } from "../engine/schemas";
import { jsonDepthExceeds } from "../json-depth";
import type { ProblemFieldError } from "../problem";
import { operationInputs } from "./openapi-inputs";
import { NodeBudget, OperationRefused, RefResolver, type SkipReason } from "./openapi-refs";
import { checkImportedSchema, describeProblems, responseSchema } from "./openapi-responses";
import { finishSchema, newSchemaContext, withDefinitions, type OpenApiVersion } from "./openapi-schema";
import { operationAuth, type AuthOverrides, type OperationAuth, type SchemeConnection } from "./openapi-security";
import { resolveServer } from "./openapi-servers";
import { isSwagger2, upgradeSwagger2 } from "./swagger2";
import { baseToolName } from "./tool-names";

/**
 * Operations one import may handle: each becomes a validated, sealed row in
 * one request, inserted in batches that keep the request within D1's 1,000
 * queries (src/registry/insert-batch.ts). GitHub's document has 1,223.
 */
export const MAX_IMPORT_OPERATIONS = 2000;

export interface ImportOptions {
  serverUrl?: string | undefined;
  operationIds?: readonly string[] | undefined;
  auth?: AuthOverrides | undefined;
  /** Schemes the caller maps to connections (its own or new ones): never inline, whatever `auth` holds. */
  connectionSchemes?: ReadonlySet<string> | undefined;
  namePrefix?: string | undefined;
}

/** A ToolInput as the importer writes it (before zod applies defaults), without its name. */
export type ToolDraft = Omit<z.input<typeof ToolInput>, "name">;

export interface OperationRef {
  operation_id: string | null;
  method: string;
  path: string;
}

export type OperationConversion =
  | {
      status: "draft";
      ref: OperationRef;
      baseName: string;
      tool: ToolDraft;
      /** The security scheme its auth came from, and the fields the caller must still supply for it. */
      scheme: string | null;
      missing: string[];
      /** The connection it uses instead of its own auth_config (created or mapped by the caller), or null. */
      connection: SchemeConnection | null;
      warnings: string[];
    }
  | { status: "skipped"; ref: OperationRef; reason: SkipReason; detail: string; warnings: string[] };

export type ConversionFailureCode =
  "invalid_openapi" | "unsupported_openapi_version" | "server_url_required" | "too_many_operations";

export type Conversion =
  | {
      ok: true;
      /** The document's own version: "2.0" for Swagger, which is converted to 3.0 first. */
      version: OpenApiVersion | "2.0";
      /** info.title, which names the connections an import creates. */
      title: string | null;
      operations: OperationConversion[];
      unknownOperationIds: string[];
    }
  | { ok: false; code: ConversionFailureCode; detail: string; errors: ProblemFieldError[] };

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
const TOOL_METHODS = new Set<string>(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const MAX_DESCRIPTION = 4096;

interface Located {
  ref: OperationRef;
  pathItem: Record<string, unknown>;
  operation: Record<string, unknown>;
}

/** A Swagger 2.0 `given` is rewritten in place by the upgrade. */
export function convertOpenApi(given: Record<string, unknown>, options: ImportOptions = {}): Conversion {
  let document = given;
  const fromSwagger = isSwagger2(given);
  if (fromSwagger) {
    const upgraded = upgradeSwagger2(given);
    if (!upgraded.ok) return failure("invalid_openapi", upgraded.message, "/document");
    document = upgraded.document;
  }
  const version = versionOf(document);
  if (typeof version !== "string") return version;
  if (document.paths !== undefined && !isPlainObject(document.paths))
    return failure("invalid_openapi", "paths must be an object.", "/document/paths");
  const refs = new RefResolver(document);

  const all: (Located | OperationConversion)[] = [];
  for (const [path, raw] of Object.entries(isPlainObject(document.paths) ? document.paths : {})) {
    let pathItem: unknown;
    try {
      pathItem = refs.follow(raw);
    } catch (err) {
      if (!(err instanceof OperationRefused)) throw err;
      all.push(skipped({ operation_id: null, method: "*", path }, err, []));
      continue;
    }
    if (!isPlainObject(pathItem)) continue;
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!isPlainObject(operation)) continue;
      const operationId = typeof operation.operationId === "string" ? operation.operationId : null;
      all.push({ ref: { operation_id: operationId, method: method.toUpperCase(), path }, pathItem, operation });
    }
  }

  let selected = all;
  let unknownOperationIds: string[] = [];
  if (options.operationIds) {
    const wanted = new Set(options.operationIds.map(selector));
    const found = new Set<string>();
    selected = all.filter((op) => {
      const keys = [op.ref.operation_id, `${op.ref.method} ${op.ref.path}`].filter((k) => k !== null && wanted.has(k));
      for (const key of keys) found.add(key as string);
      return keys.length > 0;
    });
    unknownOperationIds = [...new Set(options.operationIds)].filter((id) => !found.has(selector(id)));
  }
  if (selected.length > MAX_IMPORT_OPERATIONS)
    return failure(
      "too_many_operations",
      `The document has ${selected.length} operations; one import handles at most ${MAX_IMPORT_OPERATIONS}. Choose some with operation_ids.`,
      "/operation_ids",
    );

  const bases = new Map<Located, string>();
  const relative: string[] = [];
  for (const op of selected) {
    if ("status" in op) continue;
    const server = resolveServer(document, op.pathItem, op.operation, options.serverUrl);
    if (server.ok) bases.set(op, server.url);
    else if (!relative.includes(server.problem)) relative.push(server.problem);
  }
  if (relative.length > 0)
    return failure(
      "server_url_required",
      `The document gives no absolute server URL to call (${relative.join("; ")}). Send server_url, such as https://api.example.com/v1.`,
      "/server_url",
    );

  const patterns = new PatternBudget();
  const operations = selected.map((op) =>
    "status" in op ? op : convertOperation(op, bases.get(op) as string, document, version, refs, options, patterns),
  );
  const info = isPlainObject(document.info) ? document.info : {};
  const title = typeof info.title === "string" && info.title.trim() !== "" ? info.title.trim() : null;
  return { ok: true, version: fromSwagger ? "2.0" : version, title, operations, unknownOperationIds };
}

/**
 * An entry of operation_ids: an operationId, or "METHOD /path" as the
 * document writes the path (what picks an operation that has no id); the
 * method in any case.
 */
function selector(entry: string): string {
  const match = /^([A-Za-z]+) (\/.*)$/.exec(entry);
  return match ? `${(match[1] as string).toUpperCase()} ${match[2]}` : entry;
}

function versionOf(document: Record<string, unknown>): OpenApiVersion | Extract<Conversion, { ok: false }> {
  if (typeof document.swagger === "string")
    return failure(
      "unsupported_openapi_version",
      `This is a Swagger ${document.swagger} document; only Swagger 2.0 and OpenAPI 3.0 and 3.1 can be imported.`,
      "/document/swagger",
    );
  if (typeof document.openapi !== "string")
    return failure(
      "invalid_openapi",
      "The document is not an OpenAPI document: it has no openapi version field.",
      "/document/openapi",
    );
  if (/^3\.0\.\d+$/.test(document.openapi)) return "3.0";
  if (/^3\.1\.\d+$/.test(document.openapi)) return "3.1";
  return failure(
    "unsupported_openapi_version",
    `OpenAPI ${document.openapi} is not supported; only OpenAPI 3.0 and 3.1 can be imported.`,
    "/document/openapi",
  );
}

function failure(code: ConversionFailureCode, detail: string, path: string): Extract<Conversion, { ok: false }> {
  return { ok: false, code, detail, errors: [{ path, message: detail }] };
}

function skipped(ref: OperationRef, err: OperationRefused, warnings: string[]): OperationConversion {
  return { status: "skipped", ref, reason: err.reason, detail: err.detail, warnings };
}

function convertOperation(
  op: Located,
  baseUrl: string,
  document: Record<string, unknown>,
  version: OpenApiVersion,
  refs: RefResolver,
  options: ImportOptions,
  patterns: PatternBudget,
): OperationConversion {
  const { ref, pathItem, operation } = op;
  const warnings: string[] = [];
  try {
    if (!TOOL_METHODS.has(ref.method))
      throw new OperationRefused(
        "unsupported_method",
        `toolgate tools use GET, POST, PUT, PATCH or DELETE, not ${ref.method}.`,
      );
    const method = ref.method as HttpMethod;
    const budget = new NodeBudget();
    const auth = securityOf(operation, document, refs, options.auth, baseUrl, options.connectionSchemes);
    // A header parameter that repeats the API key is the credential: the auth (or connection) sends it, sealed.
    const key = auth instanceof OperationRefused ? null : (auth.connection?.auth ?? auth.config);
    const authHeader = key?.type === "api_key" && key.location === "header" ? (key.key_name ?? null) : null;
    const request = newSchemaContext(version, refs, "request", budget, patterns);
    const inputs = operationInputs(pathItem, operation, ref.path, method, refs, request, authHeader);
    warnings.push(...inputs.warnings);
    const inputSchema = finishSchema(
      withDefinitions(
        {
          type: "object",
          properties: inputs.properties,
          ...(inputs.required.length > 0 ? { required: inputs.required } : {}),
          additionalProperties: inputs.additionalProperties,
        },
        request,
      ),
      version,
    );
    const inputProblems = checkImportedSchema(inputSchema, "/input_schema", patterns);
    if (inputProblems.length > 0)
      throw new OperationRefused(
        inputProblems.some((p) => p.keyword === "$ref") ? "ref_cycle" : "invalid_schema",
        `Its input schema is not valid: ${describeProblems(inputProblems)}`,
      );
    warnings.push(...request.notes);
    const response = newSchemaContext(version, refs, "response", budget, patterns);
    const outputSchema = responseSchema(operation, response, version, warnings);

    // Security toolgate cannot send refuses the operation only once everything else converted, so that
    // unsupported_security means nothing else stands in the way. Security it can send is a connection
    // (attached by the registry, which creates or finds it) or the tool's own auth_config.
    if (auth instanceof OperationRefused) throw auth;

    const tool: ToolDraft = {
      description: describe(operation, ref),
      execution_type: "http_request",
      method,
      endpoint_url: `${baseUrl}${inputs.path}`,
      ...(Object.keys(inputs.headers).length > 0 ? { headers: inputs.headers } : {}),
      input_schema: inputSchema,
      input_mapping: inputs.mapping,
      ...(inputs.bodyFormat ? { body_format: inputs.bodyFormat } : {}),
      ...(outputSchema ? { output_schema: outputSchema } : {}),
      ...(auth.config ? { auth_config: auth.config as ToolDraft["auth_config"] } : {}),
    };
    if (jsonDepthExceeds(JSON.stringify(tool)))
      throw new OperationRefused("schema_too_large", "Its schemas nest too deeply once every $ref is inlined.");
    const baseName = baseToolName(options.namePrefix ?? "", ref.operation_id, ref.method, ref.path);
    return {
      status: "draft",
      ref,
      baseName,
      tool,
      scheme: auth.scheme,
      missing: auth.missing,
      connection: auth.connection,
      warnings,
    };
  } catch (err) {
    if (err instanceof OperationRefused) return skipped(ref, err, warnings);
    throw err;
  }
}

/** The operation's auth, or the refusal its security gives (held until the rest of the operation converted). */
function securityOf(...args: Parameters<typeof operationAuth>): OperationAuth | OperationRefused {
  try {
    return operationAuth(...args);
  } catch (err) {
    if (err instanceof OperationRefused) return err;
    throw err;
  }
}

function describe(operation: Record<string, unknown>, ref: OperationRef): string {
  const parts = [operation.summary, operation.description]
    .filter((s): s is string => typeof s === "string" && s.trim() !== "")
    .map((s) => s.trim());
  const text = parts.join("\n\n") || `${ref.method} ${ref.path}`;
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}

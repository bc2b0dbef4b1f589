/**
 * POST /imports/openapi: an OpenAPI document in, one tool per operation out.
 * The conversion is pure (src/imports/openapi.ts); this edge names the tools
 * against the registry and creates them through the registry's own writes,
 * so every rule and every secret seal is the one POST /tools applies.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { scoped } from "../access/middleware";
import { requireOutboundSettings } from "../engine/outbound/settings";
import type { OutboundSettings } from "../engine/outbound/policy";
import type { AppBindings, Env } from "../env";
import { asJsonDocument, parseOpenApiText } from "../imports/openapi-document";
import { convertOpenApi, MAX_IMPORT_OPERATIONS, type Conversion, type OperationConversion } from "../imports/openapi";
import { lookupPrefix, uniqueToolName } from "../imports/tool-names";
import { AppError, issuesToFieldErrors, validationError } from "../problem";
import { normalizeDefinition } from "../registry/definition";
import { namesStartingWith } from "../registry/names";
import { createTool } from "../registry/writes";
import { problems } from "./openapi";
import { ToolInput } from "./schemas";
import { OpenApiImportRequest, OpenApiImportResponse, type ImportResult } from "./imports-openapi-schemas";

export const openapiImportApi = new OpenAPIHono<AppBindings>();

const importRoute = createRoute({
  method: "post",
  path: "/imports/openapi",
  tags: ["Imports"],
  summary: "Import tools from an OpenAPI document",
  description: `Creates one tool per operation of an OpenAPI 3.0 or 3.1 document, or a Swagger 2.0 one (converted to 3.0 first), sent as JSON or YAML text or as a parsed object: inputs from its parameters and request body, the output schema from its first 2xx JSON response, auth from its security schemes with the secrets you supply. Each operation is created or skipped with a reason; with \`dry_run\` nothing is saved and each result carries the tool it would create. At most ${MAX_IMPORT_OPERATIONS} operations per import.`,
  ...scoped("tools:write"),
  request: { body: { required: true, content: { "application/json": { schema: OpenApiImportRequest } } } },
  responses: {
    200: {
      description: "Nothing was created: a dry run, or every operation was skipped.",
      content: { "application/json": { schema: OpenApiImportResponse } },
    },
    201: {
      description: "At least one tool was created.",
      content: { "application/json": { schema: OpenApiImportResponse } },
    },
    ...problems(400, 401, 403, 413, 415, 422, 500),
  },
});

openapiImportApi.openapi(importRoute, async (c) => {
  const body = c.req.valid("json");
  const parsed = typeof body.document === "string" ? parseOpenApiText(body.document) : asJsonDocument(body.document);
  if (!parsed.ok)
    throw validationError("invalid_openapi", parsed.message, [{ path: "/document", message: parsed.message }]);
  const conversion = convertOpenApi(parsed.document, {
    serverUrl: body.server_url,
    operationIds: body.operation_ids,
    auth: body.auth_config,
    namePrefix: body.name_prefix,
  });
  if (!conversion.ok) throw conversionProblem(conversion);

  const drafts = conversion.operations.filter((op) => op.status === "draft");
  const taken = await namesStartingWith(
    drizzle(c.env.DB),
    drafts.map((op) => lookupPrefix(op.baseName)),
  );
  const outbound = requireOutboundSettings(c.env);
  const results: ImportResult[] = [];
  for (const op of conversion.operations) results.push(await importOperation(c.env, op, taken, outbound, body.dry_run));

  const response = {
    dry_run: body.dry_run,
    openapi_version: conversion.version,
    results,
    unknown_operation_ids: conversion.unknownOperationIds,
  };
  if (results.some((r) => r.status === "created")) return c.json(response, 201);
  return c.json(response, 200);
});

function conversionProblem(failure: Extract<Conversion, { ok: false }>): AppError {
  switch (failure.code) {
    case "invalid_openapi":
    case "unsupported_openapi_version":
    case "server_url_required":
    case "too_many_operations":
      return validationError(failure.code, failure.detail, failure.errors);
  }
}

/** One operation: skipped as converted, checked (dry run), or created through the registry. */
async function importOperation(
  env: Env,
  op: OperationConversion,
  taken: Set<string>,
  outbound: OutboundSettings,
  dryRun: boolean,
): Promise<ImportResult> {
  const base = { operation_id: op.ref.operation_id, method: op.ref.method, path: op.ref.path };
  const warnings = op.warnings.length > 0 ? { warnings: op.warnings } : {};
  if (op.status === "skipped") return { ...base, status: "skipped", reason: op.reason, detail: op.detail, ...warnings };

  if (op.missing.length > 0 && !dryRun)
    return {
      ...base,
      status: "skipped",
      reason: "needs_secret",
      detail: `Its ${op.scheme ? `security scheme "${op.scheme}"` : "auth"} needs ${op.missing.join(" and ")}: send ${op.missing.map((f) => `auth_config.${f}`).join(" and ")}.`,
      needs_secrets: op.missing,
      ...warnings,
    };
  const name = uniqueToolName(op.baseName, taken);
  // A dry run without the OAuth2 client id still checks everything else: a stand-in fills it for the check only.
  const auth = op.tool.auth_config;
  const standIn = dryRun && auth?.type === "oauth2" && !auth.client_id ? { ...auth, client_id: "client-id" } : auth;
  const input = ToolInput.safeParse({ ...op.tool, name, ...(standIn ? { auth_config: standIn } : {}) });
  if (!input.success) return invalidTool(base, warnings, issuesToFieldErrors(input.error.issues));
  if (dryRun) {
    try {
      normalizeDefinition(input.data, outbound);
    } catch (err) {
      if (err instanceof AppError && err.status === 422) return invalidTool(base, warnings, fieldErrors(err));
      throw err;
    }
    taken.add(name);
    return {
      ...base,
      status: "would_create",
      name,
      tool: presentDraft(input.data, standIn !== auth),
      ...(op.missing.length > 0 ? { needs_secrets: op.missing } : {}),
      ...warnings,
    };
  }
  try {
    const row = await createTool(env, input.data);
    taken.add(name);
    return { ...base, status: "created", tool_id: row.id, name: row.name, ...warnings };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.status === 409)
      return { ...base, status: "skipped", reason: "name_taken", detail: err.detail, ...warnings };
    if (err.status === 422) return invalidTool(base, warnings, fieldErrors(err));
    throw err;
  }
}

function invalidTool(
  base: Pick<ImportResult, "operation_id" | "method" | "path">,
  warnings: { warnings?: string[] },
  errors: ImportResult["errors"] & object,
): ImportResult {
  return {
    ...base,
    status: "skipped",
    reason: "invalid_tool",
    detail: "The tool made from it is not valid; errors point into the tool definition.",
    errors,
    ...warnings,
  };
}

function fieldErrors(err: AppError): NonNullable<ImportResult["errors"]> {
  const errors = err.extensions.errors;
  return Array.isArray(errors) ? (errors as NonNullable<ImportResult["errors"]>) : [{ path: "", message: err.detail }];
}

/** The draft as a dry run shows it: secret values never echoed, and no stand-in client id. */
function presentDraft(tool: ToolInput, withoutClientId: boolean): Record<string, unknown> {
  const auth = tool.auth_config;
  if (!auth || auth.type === "none") return tool;
  const { token: _t, value: _v, client_secret: _s, ...kept } = auth as Record<string, unknown>;
  if (withoutClientId) delete kept.client_id;
  return { ...tool, auth_config: kept };
}

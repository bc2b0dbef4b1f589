/**
 * Importing an OpenAPI document into the registry: the pure conversion
 * (src/imports/openapi.ts) named against the stored tools and created through
 * the registry's own writes, so every rule and every secret seal is the one
 * POST /tools applies. Shared by POST /imports/openapi and the UI's Import page.
 */
import type { z } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { ToolInput } from "../api/schemas";
import type { Scope } from "../access/scopes";
import type { ToolRow } from "../db/schema";
import type { OpenApiImportRequest, ImportResult } from "../api/imports-openapi-schemas";
import type { OutboundSettings } from "../engine/outbound/policy";
import { requireOutboundSettings } from "../engine/outbound/settings";
import type { Env } from "../env";
import { asJsonDocument, parseOpenApiText } from "../imports/openapi-document";
import { convertOpenApi, type Conversion, type OperationConversion } from "../imports/openapi";
import { lookupPrefix, uniqueToolName } from "../imports/tool-names";
import { AppError, issuesToFieldErrors, validationError } from "../problem";
import { normalizeDefinition } from "./definition";
import { namesStartingWith } from "./names";
import { insertToolsBatched } from "./insert-batch";
import { forgetTool } from "./runnable";
import { fetchOpenApiDocument } from "./openapi-document-url";
import { removeConnection } from "./connection-writes";
import { importConnections, type SchemePlan } from "./openapi-import-connections";
import { checkedConnection, newToolRow } from "./writes";

export type OpenApiImportBody = z.output<typeof OpenApiImportRequest>;

/** Converts, names and (unless a dry run) creates; 422 for a document that cannot be imported at all. */
export async function importOpenApi(env: Env, body: OpenApiImportBody, principalScopes: readonly Scope[]) {
  const outbound = requireOutboundSettings(env);
  const given = body.document_url ? await fetchOpenApiDocument(body.document_url, outbound) : body.document;
  const where = body.document_url ? "/document_url" : "/document";
  const parsed = typeof given === "string" ? parseOpenApiText(given) : asJsonDocument(given, { parsedJson: true });
  if (!parsed.ok) throw validationError("invalid_openapi", parsed.message, [{ path: where, message: parsed.message }]);
  const conversion = convertOpenApi(parsed.document, {
    serverUrl: body.server_url,
    operationIds: body.operation_ids,
    auth: body.auth_config,
    connectionSchemes: new Set(Object.keys(body.connections ?? {})),
    namePrefix: body.name_prefix,
  });
  if (!conversion.ok) throw conversionProblem(conversion);

  const drafts = conversion.operations.filter((op) => op.status === "draft");
  const plans = await importConnections(
    env,
    drafts,
    conversion.title,
    body.connections,
    outbound,
    body.dry_run,
    principalScopes,
  );
  const taken = await namesStartingWith(
    drizzle(env.DB),
    drafts.map((op) => lookupPrefix(op.baseName)),
  );
  const results: ImportResult[] = [];
  const pending: Pending[] = [];
  for (const op of conversion.operations) {
    const plan = op.status === "draft" && op.connection ? plans.get(op.connection.scheme) : undefined;
    const result = await importOperation(env, op, plan, taken, outbound, body.dry_run);
    if ("row" in result) pending.push({ index: results.length, ...result });
    results.push("row" in result ? result.result : result);
  }
  await insertPending(env, pending, results);
  await dropUnusedConnections(env, plans, results);

  const response = {
    dry_run: body.dry_run,
    openapi_version: conversion.version,
    results,
    connections: [...plans.values()].map((plan) => plan.result),
    unknown_operation_ids: conversion.unknownOperationIds,
  };
  return response;
}

function conversionProblem(failure: Extract<Conversion, { ok: false }>): AppError {
  switch (failure.code) {
    case "invalid_openapi":
    case "unsupported_openapi_version":
    case "server_url_required":
    case "too_many_operations":
      return validationError(failure.code, failure.detail, failure.errors);
  }
}

/** A tool ready to insert: its row, and its result once inserted (the result's status says "created"). */
interface Pending {
  index: number;
  row: ToolRow;
  result: ImportResult;
}

/**
 * Inserts the rows in batches (insertToolsBatched), so that a document of a
 * thousand operations stays within D1's queries per invocation. A name
 * another request took meanwhile skips that operation, as name_taken.
 */
async function insertPending(env: Env, pending: Pending[], results: ImportResult[]): Promise<void> {
  if (pending.length === 0) return;
  const inserted = await insertToolsBatched(
    drizzle(env.DB),
    pending.map((p) => p.row),
  );
  for (const { index, row, result } of pending) {
    if (inserted.has(row.id)) {
      // As createTool does: an entry this isolate cached under the name (of a tool deleted elsewhere) goes.
      forgetTool(row);
      continue;
    }
    const { tool_id: _id, name: _name, ...base } = result;
    results[index] = {
      ...base,
      status: "skipped",
      reason: "name_taken",
      detail: `A tool named "${row.name}" was created meanwhile; import this operation again.`,
    };
  }
}

/**
 * A connection this import created for tools none of which could be created
 * (each invalid, or its name taken meanwhile) would be left behind unused:
 * it is deleted again, and its entry says so.
 */
async function dropUnusedConnections(env: Env, plans: Map<string, SchemePlan>, results: ImportResult[]) {
  for (const plan of plans.values()) {
    if (plan.kind !== "use" || plan.result.status !== "created" || !plan.connection) continue;
    const id = plan.connection.id;
    if (results.some((r) => r.status === "created" && r.connection_id === id)) continue;
    await removeConnection(env, id);
    const { id: _id, connection_status: _status, ...rest } = plan.result;
    plan.result = {
      ...rest,
      status: "skipped",
      needs: [],
      detail: "None of its operations became a tool, so the connection was not kept.",
    };
  }
}

/** One operation: skipped as converted, checked (dry run), or made into a row to insert. */
async function importOperation(
  env: Env,
  op: OperationConversion,
  plan: SchemePlan | undefined,
  taken: Set<string>,
  outbound: OutboundSettings,
  dryRun: boolean,
): Promise<ImportResult | Omit<Pending, "index">> {
  const base = { operation_id: op.ref.operation_id, method: op.ref.method, path: op.ref.path };
  const warnings = op.warnings.length > 0 ? { warnings: op.warnings } : {};
  if (op.status === "skipped") return { ...base, status: "skipped", reason: op.reason, detail: op.detail, ...warnings };
  if (plan?.kind === "skip")
    return {
      ...base,
      status: "skipped",
      reason: plan.reason,
      detail: plan.detail,
      ...(plan.errors ? { errors: plan.errors } : {}),
      security_scheme: plan.result.security_scheme,
      ...warnings,
    };
  const connection = plan?.connection ?? null;
  const via = plan ? { security_scheme: plan.result.security_scheme } : {};

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
  const input = ToolInput.safeParse({
    ...op.tool,
    name,
    ...(standIn ? { auth_config: standIn } : {}),
    // A dry run has no new connection to name yet; an existing one is checked below all the same.
    ...(connection && !dryRun ? { connection_id: connection.id } : {}),
  });
  if (!input.success) return invalidTool(base, warnings, issuesToFieldErrors(input.error.issues));
  if (dryRun) {
    try {
      const def = normalizeDefinition(input.data, outbound);
      if (connection) checkedConnection(def, connection);
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
      ...via,
      ...(connection ? { connection_id: connection.id } : {}),
      ...(op.missing.length > 0 ? { needs_secrets: op.missing } : {}),
      ...warnings,
    };
  }
  try {
    // The connection was read (or created) once for the whole import; each row is checked against it.
    const { row } = await newToolRow(env, input.data, connection ?? undefined);
    taken.add(name);
    return {
      row,
      result: {
        ...base,
        status: "created",
        tool_id: row.id,
        name: row.name,
        ...via,
        ...(connection ? { connection_id: connection.id } : {}),
        ...warnings,
      },
    };
  } catch (err) {
    if (err instanceof AppError && err.status === 422) return invalidTool(base, warnings, fieldErrors(err));
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

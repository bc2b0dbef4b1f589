/**
 * A stored tool as the API shows it. Secret values never leave: only the
 * names of the stored secret fields, in `auth_config.secrets_set`. A tool
 * that uses a connection shows the connection's auth config.
 */
import type { z } from "@hono/zod-openapi";
import type { AuthConfigOutput, DamagedTool as DamagedToolView, Tool } from "../api/schemas";
import type { ConnectionRow, ToolRow, ToolVersionRow } from "../db/schema";
import { connectionAuthConfig } from "./present-connection";
import { damageInWords, isDamaged, type DamagedTool, type StoredTool } from "./stored-tool";

/** A stored tool as reads show it: the tool, or what can be read of a damaged row, marked `damaged`. */
export function presentStoredTool(
  tool: StoredTool,
  connection: ConnectionRow | null = null,
): z.infer<typeof Tool> | z.infer<typeof DamagedToolView> {
  return isDamaged(tool) ? presentDamagedTool(tool) : presentTool(tool, connection);
}

function presentDamagedTool(tool: DamagedTool): z.infer<typeof DamagedToolView> {
  return {
    id: tool.id,
    name: tool.name,
    description: tool.description,
    execution_type: tool.executionType,
    method: tool.method,
    endpoint_url: tool.endpointUrl,
    mcp_enabled: tool.mcpEnabled,
    version: tool.version,
    created_at: tool.createdAt,
    updated_at: tool.updatedAt,
    damaged: { columns: tool.damage, detail: damageInWords(tool) },
  };
}

/** `connection`: the tool's connection, when it has one (null if it no longer exists). */
export function presentTool(row: ToolRow, connection: ConnectionRow | null = null): z.infer<typeof Tool> {
  return {
    id: row.id,
    ...presentDefinitionFields(
      row,
      row.connectionId !== null && connection
        ? connectionAuthConfig(connection)
        : ({ ...row.authParams, secrets_set: Object.keys(row.authSecrets).sort() } as z.infer<typeof AuthConfigOutput>),
    ),
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** What a tool row and a version row both hold: the definition. */
export type DefinitionColumns = Omit<ToolVersionRow, "toolId" | "version" | "savedAt" | "savedBy" | "secretsSet">;

/**
 * The definition's fields as the API names them, shared by a tool and a saved
 * version (./present-version.ts), which differ only in the auth config they show.
 */
export function presentDefinitionFields<AuthConfig>(row: DefinitionColumns, authConfig: AuthConfig) {
  return {
    name: row.name,
    description: row.description,
    execution_type: row.executionType,
    method: row.method,
    endpoint_url: row.endpointUrl,
    function_name: row.functionName,
    headers: row.headers,
    timeout: row.timeoutSeconds,
    max_response_bytes: row.maxResponseBytes,
    retry: row.retryPolicy
      ? {
          max_attempts: row.retryPolicy.maxAttempts,
          base_delay_ms: row.retryPolicy.baseDelayMs,
          max_delay_ms: row.retryPolicy.maxDelayMs,
          retry_non_idempotent: row.retryPolicy.retryNonIdempotent,
        }
      : null,
    auth_config: authConfig,
    connection_id: row.connectionId,
    input_schema: row.inputSchema,
    output_schema: row.outputSchema,
    input_mapping: row.inputMapping,
    body_format: row.bodyFormat,
    mcp_enabled: row.mcpEnabled,
    format_mode: row.formatMode,
  };
}

export function etagOf(row: Pick<ToolRow, "version">): string {
  return `"${row.version}"`;
}

/**
 * If-Match: `*`, or a list of entity tags compared by version. RFC 9110 asks
 * for strong comparison, so a weak tag (W/"3") never matches.
 */
export function etagMatches(header: string, version: number): boolean {
  return header
    .split(",")
    .map((tag) => tag.trim())
    .some((tag) => tag === "*" || tag === `"${version}"`);
}

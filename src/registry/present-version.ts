/**
 * A saved version as the API and the UI show it: the definition as `GET
 * /tools/{id}` shows a tool, with `auth_config` the tool's own config then
 * and `secrets_set` the names of the secrets it had. A version holds no
 * secret value, so none can be shown.
 */
import type { z } from "@hono/zod-openapi";
import type { ToolVersion, ToolVersionDefinition, ToolVersionSummary } from "../api/tool-version-schemas";
import type { ToolRow, ToolVersionRow } from "../db/schema";

export function presentVersionSummary(row: ToolVersionRow): z.infer<typeof ToolVersionSummary> {
  return {
    tool_id: row.toolId,
    version: row.version,
    saved_at: row.savedAt,
    saved_by: row.savedBy,
    name: row.name,
  };
}

export function presentToolVersion(row: ToolVersionRow): z.infer<typeof ToolVersion> {
  return { ...presentVersionSummary(row), definition: presentVersionDefinition(row) };
}

export function presentVersionDefinition(row: ToolVersionRow): z.infer<typeof ToolVersionDefinition> {
  return presentDefinition(row, row.secretsSet);
}

/** A tool's current definition in the same shape, to compare with a version (never its secret values). */
export function currentDefinition(row: ToolRow): z.infer<typeof ToolVersionDefinition> {
  return presentDefinition(row, Object.keys(row.authSecrets).sort());
}

/** What a tool row and a version row both hold: the definition. */
type DefinitionColumns = Omit<ToolVersionRow, "toolId" | "version" | "savedAt" | "savedBy" | "secretsSet">;

function presentDefinition(row: DefinitionColumns, secretsSet: string[]): z.infer<typeof ToolVersionDefinition> {
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
    auth_config: { ...row.authParams, secrets_set: secretsSet },
    connection_id: row.connectionId,
    input_schema: row.inputSchema,
    output_schema: row.outputSchema,
    input_mapping: row.inputMapping,
    format_mode: row.formatMode,
    body_format: row.bodyFormat,
    mcp_enabled: row.mcpEnabled,
  };
}

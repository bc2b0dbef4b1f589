/**
 * Restoring a saved version of a tool: its definition is saved again as a new
 * version, through the same replace as an edit (./writes.ts), so it follows
 * every rule an edit does. In particular the binding rule of ./secrets.ts: a
 * version kept no secret values, so the tool's current secrets stay only when
 * the restored destination is the same as the current one; where it differs,
 * they must be sent again (422 `secrets_required`, naming what changed), and
 * the old secret is never sent to the restored destination.
 */
import type { AuthConfigInput, ToolInput } from "../api/schemas";
import type { ToolRow, ToolVersionRow } from "../db/schema";
import { SECRET_FIELDS } from "../engine/auth";
import type { Env } from "../env";
import { validationError } from "../problem";
import { drizzle } from "drizzle-orm/d1";
import { getToolVersion } from "./versions";
import { replaceToolDefinition } from "./writes";

export interface RestoreRequest {
  /** Secret values sent with the restore, by field (`token`, `value`, `client_secret`). */
  secrets: Record<string, string>;
  /** Whether the tool's current version is the one the caller saw (If-Match). */
  expected: (version: number) => boolean;
  savedBy: string | null;
}

/** Saves version `version` of tool `id` as its newest version; returns the tool as stored. */
export async function restoreToolVersion(
  env: Env,
  id: string,
  version: number,
  request: RestoreRequest,
): Promise<ToolRow> {
  const saved = await getToolVersion(drizzle(env.DB), id, version);
  return replaceToolDefinition(env, id, versionAsInput(saved, request.secrets), request.expected, request.savedBy);
}

/** A saved version as the body of a replace, with the secrets sent for it. */
export function versionAsInput(saved: ToolVersionRow, secrets: Record<string, string>): ToolInput {
  const fields = saved.connectionId === null ? SECRET_FIELDS[saved.authParams.type] : [];
  const unknown = Object.keys(secrets).filter((field) => !fields.includes(field));
  if (unknown.length > 0)
    throw validationError(
      "invalid_secrets",
      "The version restored does not take these secrets.",
      unknown.map((field) => ({
        path: `/secrets/${field}`,
        message:
          fields.length === 0
            ? `Version ${saved.version} sends no secret of its own (${saved.connectionId === null ? `auth type ${saved.authParams.type}` : "it uses a connection"}): leave ${field} out.`
            : `Version ${saved.version} uses ${saved.authParams.type} authentication, whose secret is ${fields.join(", ")}: leave ${field} out.`,
      })),
    );
  return {
    name: saved.name,
    description: saved.description,
    execution_type: saved.executionType,
    method: saved.method,
    endpoint_url: saved.endpointUrl,
    function_name: saved.functionName,
    headers: saved.headers,
    timeout: saved.timeoutSeconds,
    max_response_bytes: saved.executionType === "http_request" ? saved.maxResponseBytes : null,
    retry: saved.retryPolicy && {
      max_attempts: saved.retryPolicy.maxAttempts,
      base_delay_ms: saved.retryPolicy.baseDelayMs,
      max_delay_ms: saved.retryPolicy.maxDelayMs,
      retry_non_idempotent: saved.retryPolicy.retryNonIdempotent,
    },
    // The stored params are the auth config without its secrets; the secrets sent now complete it.
    auth_config: saved.connectionId === null ? ({ ...saved.authParams, ...secrets } as AuthConfigInput) : null,
    connection_id: saved.connectionId,
    input_schema: saved.inputSchema,
    output_schema: saved.outputSchema,
    input_mapping: saved.inputMapping,
    body_format: saved.executionType === "http_request" ? saved.bodyFormat : null,
    mcp_enabled: saved.mcpEnabled,
  };
}

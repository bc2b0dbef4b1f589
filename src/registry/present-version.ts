/**
 * A saved version as the API and the UI show it: the definition as `GET
 * /tools/{id}` shows a tool, with `auth_config` the tool's own config then
 * and `secrets_set` the names of the secrets it had. A version holds no
 * secret value, so none can be shown.
 */
import type { z } from "@hono/zod-openapi";
import type { ToolVersion, ToolVersionDefinition, ToolVersionSummary } from "../api/tool-version-schemas";
import type { ToolRow, ToolVersionRow } from "../db/schema";
import { presentDefinitionFields, type DefinitionColumns } from "./present";

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

function presentDefinition(row: DefinitionColumns, secretsSet: string[]): z.infer<typeof ToolVersionDefinition> {
  return presentDefinitionFields(row, { ...row.authParams, secrets_set: secretsSet });
}

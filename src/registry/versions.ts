/**
 * A tool's definition history (`tool_versions`). Each write of a tool adds
 * its version row in the same D1 batch as the write itself (`recordVersion`),
 * copied by the database from the `tools` row just written: the copy cannot
 * differ from what was stored, a write that fails records nothing, and one
 * that succeeds cannot lose its version. Secret values are never copied, only
 * the names of the secret fields that were set.
 */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { CredentialPrincipal, Principal } from "../access/principal";
import { toolVersions, tools, type ToolVersionRow } from "../db/schema";
import { AppError } from "../problem";
import type { Db } from "./queries";

/**
 * Who saved a version, as `saved_by` records it: `admin-token` or
 * `api-key-<id>` (an OAuth grant saves as the principal who allowed it).
 */
export function savedByOf(principal: Principal): string {
  const owner: CredentialPrincipal = principal.kind === "oauth_grant" ? principal.owner : principal;
  return owner.kind === "admin_token" ? "admin-token" : `api-key-${owner.keyId}`;
}

/** The `tools` row's columns as a version row, its secrets as their field names only (sorted). */
const versionOfToolRow = (savedBy: string | null) => ({
  toolId: tools.id,
  version: tools.version,
  savedAt: tools.updatedAt,
  savedBy: sql<string | null>`${savedBy}`.as("saved_by"),
  name: tools.name,
  description: tools.description,
  executionType: tools.executionType,
  method: tools.method,
  endpointUrl: tools.endpointUrl,
  functionName: tools.functionName,
  headers: tools.headers,
  timeoutSeconds: tools.timeoutSeconds,
  maxResponseBytes: tools.maxResponseBytes,
  retryPolicy: tools.retryPolicy,
  bodyFormat: tools.bodyFormat,
  inputSchema: tools.inputSchema,
  outputSchema: tools.outputSchema,
  inputMapping: tools.inputMapping,
  authType: tools.authType,
  authParams: tools.authParams,
  secretsSet:
    sql<string>`(select json_group_array(key) from (select key from json_each(${tools.authSecrets}) order by key))`.as(
      "secrets_set",
    ),
  mcpEnabled: tools.mcpEnabled,
  connectionId: tools.connectionId,
  formatMode: tools.formatMode,
});

/**
 * The statement that records tool `id` at `version` as a version row, for the
 * batch that writes it: it copies the row only if the tool is at that version
 * after the write (a refused write copies nothing), and a version already
 * recorded is left as it is.
 */
export function recordVersion(db: Db, id: string, version: number, savedBy: string | null) {
  return db
    .insert(toolVersions)
    .select(
      db
        .select(versionOfToolRow(savedBy))
        .from(tools)
        .where(and(eq(tools.id, id), eq(tools.version, version))),
    )
    .onConflictDoNothing();
}

/** The same for many new tools at once (an import): each id at version 1, passed as one JSON array. */
export function recordFirstVersions(db: Db, ids: readonly string[], savedBy: string | null) {
  return db
    .insert(toolVersions)
    .select(
      db
        .select(versionOfToolRow(savedBy))
        .from(tools)
        .where(and(sql`${tools.id} in (select value from json_each(${JSON.stringify(ids)}))`, eq(tools.version, 1))),
    )
    .onConflictDoNothing();
}

/** `limit + 1` versions of a tool older than `before` (or the newest), newest first. */
export async function listToolVersions(
  db: Db,
  toolId: string,
  limit: number,
  before: number | null,
): Promise<ToolVersionRow[]> {
  return db
    .select()
    .from(toolVersions)
    .where(and(eq(toolVersions.toolId, toolId), before === null ? undefined : lt(toolVersions.version, before)))
    .orderBy(desc(toolVersions.version))
    .limit(limit + 1)
    .all();
}

export async function findToolVersion(db: Db, toolId: string, version: number): Promise<ToolVersionRow | undefined> {
  return db
    .select()
    .from(toolVersions)
    .where(and(eq(toolVersions.toolId, toolId), eq(toolVersions.version, version)))
    .get();
}

export async function getToolVersion(db: Db, toolId: string, version: number): Promise<ToolVersionRow> {
  const row = await findToolVersion(db, toolId, version);
  if (!row)
    throw new AppError(404, "version_not_found", `Tool "${toolId}" has no saved version ${version}.`, {
      tool_id: toolId,
      version,
    });
  return row;
}

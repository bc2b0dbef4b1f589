/**
 * The registry's write operations: create, replace and delete a tool. The
 * API (src/api/tools.ts) and the web UI (src/ui/) both call these, so the
 * rules for a definition, its sealed secrets and its version live here once.
 */
import { drizzle } from "drizzle-orm/d1";
import type { ToolInput } from "../api/schemas";
import type { ConnectionRow, ToolRow } from "../db/schema";
import { requireOutboundSettings } from "../engine/outbound/settings";
import type { Env } from "../env";
import { validationError } from "../problem";
import { findConnection } from "./connections";
import { normalizeDefinition, toolRow, type ToolDefinition } from "./definition";
import { forgetCachedToken } from "./forget-token";
import { deleteTool, getTool, insertTool, replaceTool, toolNotFound, versionMismatch, type Db } from "./queries";
import { forgetTool } from "./runnable";
import { sealToolSecrets } from "./secrets";
import { isDamaged, type StoredTool } from "./stored-tool";
import { originOf } from "./urls";

/**
 * Validates, seals and stores a new tool (422, 409 on failure), and records
 * its first version. `savedBy`: who, as ./versions.ts `savedByOf` says it.
 */
export async function createTool(env: Env, input: ToolInput, savedBy: string | null = null): Promise<ToolRow> {
  const { row, connection } = await newToolRow(env, input);
  await insertTool(drizzle(env.DB), row, connection, savedBy);
  forgetTool(row);
  return row;
}

/**
 * The row a new tool is stored as, not yet stored: validated (422), its
 * connection checked, its secrets sealed. An OpenAPI import inserts many at once.
 */
export async function newToolRow(
  env: Env,
  input: ToolInput,
  /** The connection the input names, already read (an import reads it once for many tools, not once each). */
  known?: ConnectionRow,
): Promise<{ row: ToolRow; connection: ConnectionRow | null }> {
  const def = normalizeDefinition(input, requireOutboundSettings(env));
  const db = drizzle(env.DB);
  const connection =
    known && known.id === def.connectionId ? checkedConnection(def, known) : await connectionFor(db, def);
  const id = crypto.randomUUID();
  const secrets = await sealToolSecrets(
    env,
    id,
    { params: def.authParams, endpointUrl: def.endpointUrl, provided: def.providedSecrets },
    null,
  );
  const now = new Date().toISOString();
  return { row: toolRow(id, def, secrets, { version: 1, createdAt: now, updatedAt: now }), connection };
}

/**
 * Replaces a tool's whole definition and increments its version, recording
 * the new version. `expected` is the version the caller edited (412 if
 * someone saved since); secrets left out are kept by the rule in ./secrets.ts.
 */
export async function replaceToolDefinition(
  env: Env,
  id: string,
  input: ToolInput,
  expected: (version: number) => boolean = () => true,
  savedBy: string | null = null,
): Promise<ToolRow> {
  const db = drizzle(env.DB);
  const previous = await getTool(db, id);
  if (!expected(previous.version)) throw versionMismatch(previous.id);
  const def = normalizeDefinition(input, requireOutboundSettings(env), {
    formatMode: isDamaged(previous) ? undefined : previous.formatMode,
  });
  const connection = await connectionFor(db, def);
  // A damaged row is repaired by a replace, but nothing of it is kept: every secret is sent again.
  const secrets = await sealToolSecrets(
    env,
    previous.id,
    { params: def.authParams, endpointUrl: def.endpointUrl, provided: def.providedSecrets },
    isDamaged(previous) ? null : previous,
  );
  const row = toolRow(previous.id, def, secrets, {
    version: previous.version + 1,
    createdAt: previous.createdAt,
    updatedAt: new Date().toISOString(),
  });
  await replaceTool(db, row, previous.version, connection, savedBy);
  forgetTool(previous);
  forgetTool(row);
  return row;
}

/**
 * Deletes a tool and its cached OAuth2 token; its execution logs stay for
 * audit. A damaged row is deleted too; its cached token, which it cannot
 * name, expires on its own.
 */
export async function removeTool(env: Env, id: string): Promise<StoredTool> {
  const db = drizzle(env.DB);
  const row = await getTool(db, id);
  if (!(await deleteTool(db, row.id))) throw toolNotFound(row.id);
  forgetTool(row);
  if (!isDamaged(row) && row.authType === "oauth2") await forgetCachedToken(env, row);
  return row;
}

/**
 * The connection a definition names, checked: it exists, and the endpoint's
 * origin is one of its allowed origins (422 otherwise, at the field to fix).
 */
async function connectionFor(db: Db, def: ToolDefinition): Promise<ConnectionRow | null> {
  if (def.connectionId === null) return null;
  const connection = await findConnection(db, def.connectionId);
  if (!connection)
    throw validationError("invalid_tool", "The tool definition is not valid.", [
      { path: "/connection_id", message: `There is no connection with id "${def.connectionId}".` },
    ]);
  return checkedConnection(def, connection);
}

/** The connection, if the endpoint's origin is one of its allowed origins (422 at /endpoint_url otherwise). */
export function checkedConnection(def: Pick<ToolDefinition, "endpointUrl">, connection: ConnectionRow): ConnectionRow {
  const origin = originOf(def.endpointUrl);
  if (origin !== null && !connection.allowedOrigins.includes(origin))
    throw validationError("invalid_tool", "The tool definition is not valid.", [
      {
        path: "/endpoint_url",
        message: `${origin} is not one of the allowed origins of connection "${connection.name}": ${connection.allowedOrigins.join(", ")}. Call one of those, or add the origin to the connection first.`,
      },
    ]);
  return connection;
}

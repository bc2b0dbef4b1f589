/**
 * Connection rows in D1, through Drizzle: the queries the API, the UI and
 * tool writes need, each one statement. A connection is shown with what is
 * derived from other tables: how many tools use it, and (for the
 * authorization-code grant) whether connection_tokens holds a usable grant.
 */
import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import { connections, connectionTokens, oauthStates, tools, type ConnectionRow } from "../db/schema";
import type { GrantState } from "../engine/auth/connection-status";
import { AppError } from "../problem";
import type { Db } from "./queries";

/** A connection with what its presentation derives from other tables. */
export interface ConnectionView {
  row: ConnectionRow;
  toolsCount: number;
  grant: GrantState;
}

/** A tool that uses a connection, as messages name it. */
export interface ToolUsingConnection {
  id: string;
  name: string;
  endpointUrl: string | null;
  version: number;
}

/** At most this many tools are named in a message (the count says how many there are). */
export const NAMED_TOOLS_LIMIT = 50;

export function connectionNotFound(id: string): AppError {
  return new AppError(404, "connection_not_found", `There is no connection with id "${id}".`);
}

export async function findConnection(db: Db, id: string): Promise<ConnectionRow | undefined> {
  return db.select().from(connections).where(eq(connections.id, id)).get();
}

export async function getConnection(db: Db, id: string): Promise<ConnectionRow> {
  const row = await findConnection(db, id);
  if (!row) throw connectionNotFound(id);
  return row;
}

function viewSelect(db: Db) {
  return db
    .select({
      row: connections,
      toolsCount: sql<number>`(select count(*) from ${tools} where ${tools.connectionId} = ${connections.id})`,
      grantRow: connectionTokens.connectionId,
      invalidReason: connectionTokens.invalidReason,
    })
    .from(connections)
    .leftJoin(connectionTokens, eq(connectionTokens.connectionId, connections.id));
}

type ViewRow = { row: ConnectionRow; toolsCount: number; grantRow: string | null; invalidReason: string | null };

function toView({ row, toolsCount, grantRow, invalidReason }: ViewRow): ConnectionView {
  return { row, toolsCount: Number(toolsCount), grant: grantRow === null ? null : { invalidReason } };
}

export async function getConnectionView(db: Db, id: string): Promise<ConnectionView> {
  const found = await viewSelect(db).where(eq(connections.id, id)).get();
  if (!found) throw connectionNotFound(id);
  return toView(found);
}

/** `limit + 1` connections after the cursor, oldest first, optionally whose name contains a text (case-insensitive). */
export async function listConnectionViews(
  db: Db,
  limit: number,
  after: { at: string; id: string } | null,
  nameContains?: string,
): Promise<ConnectionView[]> {
  const rows = await viewSelect(db)
    .where(
      and(
        after
          ? or(
              gt(connections.createdAt, after.at),
              and(eq(connections.createdAt, after.at), gt(connections.id, after.id)),
            )
          : undefined,
        nameContains ? sql`instr(lower(${connections.name}), lower(${nameContains})) > 0` : undefined,
      ),
    )
    .orderBy(asc(connections.createdAt), asc(connections.id))
    .limit(limit + 1)
    .all();
  return rows.map(toView);
}

/** The connections with these ids (for presenting a page of tools), by id. One statement, whatever the count. */
export async function connectionsByIds(db: Db, ids: readonly string[]): Promise<Map<string, ConnectionRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .select()
    .from(connections)
    .where(sql`${connections.id} in (select value from json_each(${JSON.stringify(unique)}))`)
    .all();
  return new Map(rows.map((row) => [row.id, row]));
}

/** The tools that use a connection, oldest first; `limit` caps the list. */
export async function toolsUsingConnection(db: Db, id: string, limit?: number): Promise<ToolUsingConnection[]> {
  const query = db
    .select({ id: tools.id, name: tools.name, endpointUrl: tools.endpointUrl, version: tools.version })
    .from(tools)
    .where(eq(tools.connectionId, id))
    .orderBy(asc(tools.createdAt), asc(tools.id));
  return limit === undefined ? query.all() : query.limit(limit).all();
}

export async function countToolsUsingConnection(db: Db, id: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(tools)
    .where(eq(tools.connectionId, id))
    .get();
  return Number(row?.n ?? 0);
}

export async function insertConnection(db: Db, row: ConnectionRow): Promise<void> {
  try {
    await db.insert(connections).values(row).run();
  } catch (err) {
    throw duplicateNameOr(err, row.name);
  }
}

/**
 * Replaces a connection if it is still at `expectedVersion` and the tools
 * that use it are exactly `checkedTools` at the versions read (`id:version`),
 * the ones whose origins were checked against the new allowed origins: a
 * tool saved meanwhile cannot be stranded outside them. "version": someone
 * saved the connection first (412); "tools": a tool changed, check again.
 */
export async function replaceConnection(
  db: Db,
  row: ConnectionRow,
  expectedVersion: number,
  checkedTools: readonly ToolUsingConnection[],
): Promise<"replaced" | "version" | "tools"> {
  const checked = JSON.stringify(checkedTools.map((tool) => `${tool.id}:${tool.version}`));
  let changed: number;
  try {
    const result = await db
      .update(connections)
      .set(row)
      .where(
        and(
          eq(connections.id, row.id),
          eq(connections.version, expectedVersion),
          sql`not exists (select 1 from ${tools} where ${tools.connectionId} = ${row.id} and (${tools.id} || ':' || ${tools.version}) not in (select value from json_each(${checked})))`,
        ),
      )
      .run();
    changed = result.meta.changes;
  } catch (err) {
    throw duplicateNameOr(err, row.name);
  }
  if (changed > 0) return "replaced";
  const now = await findConnection(db, row.id);
  return now && now.version === expectedVersion ? "tools" : "version";
}

/**
 * Deletes a connection that no tool uses, with its token state and flows in
 * progress, in one transaction. "in_use" when a tool uses it (then nothing is deleted).
 */
export async function deleteConnection(db: Db, id: string): Promise<"deleted" | "in_use" | "not_found"> {
  const unused = sql`not exists (select 1 from ${tools} where ${tools.connectionId} = ${id})`;
  const gone = sql`not exists (select 1 from ${connections} where ${connections.id} = ${id})`;
  const [deleted] = await db.batch([
    db.delete(connections).where(and(eq(connections.id, id), unused)),
    db.delete(connectionTokens).where(and(eq(connectionTokens.connectionId, id), gone)),
    db.delete(oauthStates).where(and(eq(oauthStates.connectionId, id), gone)),
  ]);
  if (deleted.meta.changes > 0) return "deleted";
  return (await findConnection(db, id)) ? "in_use" : "not_found";
}

export function connectionVersionMismatch(id: string): AppError {
  return new AppError(
    412,
    "version_mismatch",
    `Connection "${id}" has changed since the version given in If-Match; fetch it again and reapply your change.`,
  );
}

function duplicateNameOr(err: unknown, name: string): unknown {
  const text = `${(err as Error)?.message ?? ""} ${(err as { cause?: Error })?.cause?.message ?? ""}`;
  if (text.includes("UNIQUE constraint failed") && text.includes("name"))
    return new AppError(409, "connection_name_taken", `A connection named "${name}" already exists.`);
  return err;
}

/**
 * Tool rows in D1, through Drizzle. No repository layer: these are the few
 * queries the API needs, each one statement. Reads go through
 * ./stored-tool.ts, so a damaged row is marked instead of failing the query.
 */
import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { preparedPerDatabase } from "../db/prepared";
import { connections, tools, type ConnectionRow, type ToolRow } from "../db/schema";
import { AppError } from "../problem";
import { damageInWords, isDamaged, readToolRow, storedToolColumns, type StoredTool } from "./stored-tool";
import { recordVersion } from "./versions";

/** Drizzle over the request's D1 binding, as `drizzle(env.DB)` returns it. */
export type Db = DrizzleD1Database & { $client: D1Database };

export function toolNotFound(id: string): AppError {
  return new AppError(404, "tool_not_found", `There is no tool with id "${id}".`);
}

const toolById = preparedPerDatabase((db) =>
  db
    .select(storedToolColumns)
    .from(tools)
    .where(eq(tools.id, sql.placeholder("id")))
    .prepare(),
);

export async function findTool(db: Db, id: string): Promise<StoredTool | undefined> {
  const row = await toolById(db.$client).get({ id });
  return row && readToolRow(row);
}

/**
 * A tool and what it needs to run: its connection, when it has one (null
 * otherwise, or when the connection it names is gone). Never token state.
 */
export interface RunnableTool {
  tool: StoredTool;
  connection: ConnectionRow | null;
}

/** The tool's columns (JSON as text, read by ./stored-tool.ts) and its connection's, joined: one statement. */
const runnableSelection = { tool: storedToolColumns, connection: connections };

function runnableOf(row: { tool: Parameters<typeof readToolRow>[0]; connection: ConnectionRow | null }): RunnableTool {
  return { tool: readToolRow(row.tool), connection: row.connection };
}

// Every execute loads its tool, and its connection, by id in one statement: the one D1 read on the hot path.
const runnableById = preparedPerDatabase((db) =>
  db
    .select(runnableSelection)
    .from(tools)
    .leftJoin(connections, eq(tools.connectionId, connections.id))
    .where(eq(tools.id, sql.placeholder("id")))
    .prepare(),
);

export async function findRunnableTool(db: Db, id: string): Promise<RunnableTool | undefined> {
  const row = await runnableById(db.$client).get({ id });
  return row && runnableOf(row);
}

export async function getRunnableTool(db: Db, id: string): Promise<RunnableTool> {
  const found = await findRunnableTool(db, id);
  if (!found) throw toolNotFound(id);
  return found;
}

// Execute by name (a model's function call names the tool) loads its tool by name: the same one read.
const runnableByName = preparedPerDatabase((db) =>
  db
    .select(runnableSelection)
    .from(tools)
    .leftJoin(connections, eq(tools.connectionId, connections.id))
    .where(eq(tools.name, sql.placeholder("name")))
    .prepare(),
);

/** The tool with exactly this name (names are unique and case-sensitive), with its connection. */
export async function findRunnableToolByName(db: Db, name: string): Promise<RunnableTool | undefined> {
  const row = await runnableByName(db.$client).get({ name });
  return row && runnableOf(row);
}

export function toolNameNotFound(name: string): AppError {
  return new AppError(404, "tool_not_found", `There is no tool named "${name}".`);
}

export async function getTool(db: Db, id: string): Promise<StoredTool> {
  const row = await findTool(db, id);
  if (!row) throw toolNotFound(id);
  return row;
}

/** For what needs the whole definition (the editor, an export): a damaged row is a 500 that says what to do. */
export async function getReadableTool(db: Db, id: string): Promise<ToolRow> {
  const row = await getTool(db, id);
  if (isDamaged(row)) throw new AppError(500, "tool_damaged", damageInWords(row), { damaged: row.damage });
  return row;
}

/** The tool MCP's tools/call names, with its connection, if it exists and is offered over MCP. */
export async function findMcpTool(db: Db, name: string): Promise<RunnableTool | undefined> {
  const row = await db
    .select(runnableSelection)
    .from(tools)
    .leftJoin(connections, eq(tools.connectionId, connections.id))
    .where(and(eq(tools.name, name), eq(tools.mcpEnabled, true)))
    .get();
  return row && runnableOf(row);
}

export interface ToolFilter {
  /** Text the name or the description contains, ignoring ASCII case (search). */
  search?: string | undefined;
  /** Exactly this name. */
  name?: string | undefined;
  /** Only tools offered over MCP. */
  mcpEnabled?: boolean;
  /**
   * Only these tools (an OAuth grant narrowed to chosen tools). They go in as
   * one JSON array through json_each, so their number is not bound by D1's
   * limit of 100 parameters per statement.
   */
  ids?: readonly string[] | undefined;
}

/** `limit + 1` tools after the cursor, oldest first, that pass the filter. */
export async function listTools(
  db: Db,
  limit: number,
  after: { at: string; id: string } | null,
  { search, name, mcpEnabled, ids }: ToolFilter = {},
): Promise<StoredTool[]> {
  const rows = await db
    .select(storedToolColumns)
    .from(tools)
    .where(
      and(
        after
          ? or(gt(tools.createdAt, after.at), and(eq(tools.createdAt, after.at), gt(tools.id, after.id)))
          : undefined,
        // instr, not LIKE: D1 refuses LIKE patterns over 50 bytes, and instr needs no escaping of % and _.
        // lower() folds ASCII only, as LIKE does. Not FTS5: its virtual tables break `wrangler d1 export`.
        // A scan, which is fine at registry sizes (thousands of tools, not millions of log rows).
        search
          ? sql`(instr(lower(${tools.name}), lower(${search})) > 0 or instr(lower(coalesce(${tools.description}, '')), lower(${search})) > 0)`
          : undefined,
        name === undefined ? undefined : eq(tools.name, name),
        mcpEnabled === undefined ? undefined : eq(tools.mcpEnabled, mcpEnabled),
        ids === undefined ? undefined : sql`${tools.id} in (select value from json_each(${JSON.stringify(ids)}))`,
      ),
    )
    .orderBy(asc(tools.createdAt), asc(tools.id))
    .limit(limit + 1)
    .all();
  return rows.map(readToolRow);
}

/**
 * The connection a tool is saved with, at the version whose allowed origins
 * its endpoint was checked against. The write happens only if the connection
 * is still there at that version: a connection deleted or narrowed meanwhile
 * cannot be left with a tool it does not allow.
 */
export interface CheckedConnection {
  id: string;
  version: number;
}

const connectionUnchanged = (connection: CheckedConnection) =>
  sql`exists (select 1 from ${connections} where ${connections.id} = ${connection.id} and ${connections.version} = ${connection.version})`;

/** Inserts a new tool and records its first version (./versions.ts), in one batch. */
export async function insertTool(
  db: Db,
  row: ToolRow,
  connection: CheckedConnection | null = null,
  savedBy: string | null = null,
): Promise<void> {
  try {
    if (!connection) {
      await db.batch([db.insert(tools).values(row), recordVersion(db, row.id, row.version, savedBy)]);
      return;
    }
    // One transaction: the insert is undone at once if the connection changed meanwhile (and then no version is recorded).
    const [, undone] = await db.batch([
      db.insert(tools).values(row),
      db.delete(tools).where(and(eq(tools.id, row.id), sql`not ${connectionUnchanged(connection)}`)),
      recordVersion(db, row.id, row.version, savedBy),
    ]);
    if (undone.meta.changes > 0) throw connectionChanged();
  } catch (err) {
    throw duplicateNameOr(err, row.name);
  }
}

/**
 * Replaces a tool if it is still at `expectedVersion` (otherwise 412: someone
 * else saved first), and its connection unchanged; the new version is recorded
 * in the same batch (./versions.ts).
 */
export async function replaceTool(
  db: Db,
  row: ToolRow,
  expectedVersion: number,
  connection: CheckedConnection | null = null,
  savedBy: string | null = null,
): Promise<void> {
  let changed: number;
  try {
    const [result] = await db.batch([
      db
        .update(tools)
        .set(row)
        .where(
          and(
            eq(tools.id, row.id),
            eq(tools.version, expectedVersion),
            connection ? connectionUnchanged(connection) : undefined,
          ),
        ),
      recordVersion(db, row.id, row.version, savedBy),
    ]);
    changed = result.meta.changes;
  } catch (err) {
    throw duplicateNameOr(err, row.name);
  }
  if (changed > 0) return;
  const now = connection ? await findTool(db, row.id) : undefined;
  throw now && now.version === expectedVersion ? connectionChanged() : versionMismatch(row.id);
}

function connectionChanged(): AppError {
  return new AppError(
    409,
    "concurrent_change",
    "The tool's connection changed or was deleted while the tool was being saved; save the tool again.",
  );
}

export async function deleteTool(db: Db, id: string): Promise<boolean> {
  const result = await db.delete(tools).where(eq(tools.id, id)).run();
  return result.meta.changes > 0;
}

export function versionMismatch(id: string): AppError {
  return new AppError(
    412,
    "version_mismatch",
    `Tool "${id}" has changed since the version given in If-Match; fetch it again and reapply your change.`,
  );
}

function duplicateNameOr(err: unknown, name: string): unknown {
  const text = `${(err as Error)?.message ?? ""} ${(err as { cause?: Error })?.cause?.message ?? ""}`;
  if (text.includes("UNIQUE constraint failed") && text.includes("name"))
    return new AppError(409, "tool_name_taken", `A tool named "${name}" already exists.`);
  return err;
}

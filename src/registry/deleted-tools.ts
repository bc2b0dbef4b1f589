/**
 * Deleted tools, as the execution log remembers them. Deleting a tool keeps
 * its runs for audit (there is no foreign key from `executions` to `tools`),
 * so a tool id in the log with no row in `tools` is a deleted tool; its name
 * is the one its latest run recorded. No table records deletions, so a tool
 * deleted before it ever ran (or whose runs the retention purge removed) has
 * no history and is not listed.
 */
import { desc, eq, inArray, notExists, sql } from "drizzle-orm";
import { executions, tools } from "../db/schema";
import type { Db } from "./queries";

export interface DeletedTool {
  toolId: string;
  /** The name its latest run recorded. */
  toolName: string;
  runs: number;
  lastRunAt: string;
}

/**
 * The `limit` most recently run deleted tools, newest first. The grouping
 * reads the (tool_id, started_at) index, not the table; the page that shows
 * this is visited rarely, unlike the tools list.
 */
export async function listDeletedTools(db: Db, limit: number): Promise<DeletedTool[]> {
  const lastRunAt = sql<string>`max(${executions.startedAt})`;
  const groups = await db
    .select({ toolId: executions.toolId, runs: sql<number>`count(*)`, lastRunAt })
    .from(executions)
    .where(
      notExists(
        db
          .select({ one: sql`1` })
          .from(tools)
          .where(eq(tools.id, executions.toolId)),
      ),
    )
    .groupBy(executions.toolId)
    .orderBy(desc(lastRunAt))
    .limit(limit)
    .all();
  if (groups.length === 0) return [];
  const names = await latestNames(
    db,
    groups.map((g) => g.toolId),
  );
  return groups.map((g) => ({ ...g, toolName: names.get(g.toolId) ?? g.toolId }));
}

/** Each tool id's name as its latest run recorded it (a tool can be renamed between runs). */
async function latestNames(db: Db, toolIds: string[]): Promise<Map<string, string>> {
  const ranked = db
    .select({
      toolId: executions.toolId,
      toolName: executions.toolName,
      rank: sql<number>`row_number() over (partition by ${executions.toolId} order by ${executions.startedAt} desc, ${executions.id} desc)`.as(
        "rank",
      ),
    })
    .from(executions)
    .where(inArray(executions.toolId, toolIds))
    .as("ranked");
  const rows = await db
    .select({ toolId: ranked.toolId, toolName: ranked.toolName })
    .from(ranked)
    .where(eq(ranked.rank, 1))
    .all();
  return new Map(rows.map((row) => [row.toolId, row.toolName]));
}

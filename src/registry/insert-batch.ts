/**
 * Inserting many tools at once (an OpenAPI import of a thousand operations)
 * within D1's limits: a Worker invocation may make at most 1,000 queries and
 * a statement may bind at most 100 parameters. Rows go several to a
 * statement, as many as 100 parameters hold, and the statements go to D1 in
 * batches (each batch one round trip and one transaction).
 */
import { getTableColumns } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tools, type ToolRow } from "../db/schema";
import type { Db } from "./queries";

/** D1 binds at most 100 parameters per statement. */
const MAX_BOUND_PARAMETERS = 100;
/** Statements sent to D1 in one batch call. */
const STATEMENTS_PER_BATCH = 50;

/** Rows one INSERT carries: every column is a bound parameter. */
export const ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMETERS / Object.keys(getTableColumns(tools)).length);

/**
 * Inserts the rows; a row whose name another tool took meanwhile is left out
 * rather than failing the others. Returns the ids inserted.
 */
export async function insertToolsBatched(db: Db, rows: readonly ToolRow[]): Promise<Set<string>> {
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    statements.push(
      db
        .insert(tools)
        .values(rows.slice(i, i + ROWS_PER_INSERT))
        .onConflictDoNothing({ target: tools.name })
        .returning({ id: tools.id }),
    );
  const inserted = new Set<string>();
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    const batch = statements.slice(i, i + STATEMENTS_PER_BATCH) as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];
    const results = (await db.batch(batch)) as { id: string }[][];
    for (const result of results) for (const row of result) inserted.add(row.id);
  }
  return inserted;
}

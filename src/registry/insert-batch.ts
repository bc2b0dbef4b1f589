/**
 * Inserting many tools at once (an OpenAPI import of a thousand operations)
 * within D1's limits: a Worker invocation may make at most 1,000 queries and
 * a statement may bind at most 100 parameters. Rows go several to a
 * statement, as many as 100 parameters hold, and the statements go to D1 in
 * batches (each batch one round trip and one transaction), each with one
 * more statement that records the first versions of the tools it inserted.
 */
import { getTableColumns } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { tools, type ToolRow } from "../db/schema";
import type { Db } from "./queries";
import { recordFirstVersions } from "./versions";

/** D1 binds at most 100 parameters per statement. */
const MAX_BOUND_PARAMETERS = 100;
/** Statements sent to D1 in one batch call. */
export const STATEMENTS_PER_BATCH = 50;

/** Rows one INSERT carries: every column is a bound parameter. */
export const ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMETERS / Object.keys(getTableColumns(tools)).length);

/**
 * Inserts the rows; a row whose name another tool took meanwhile is left out
 * rather than failing the others. Returns the ids inserted.
 */
export async function insertToolsBatched(
  db: Db,
  rows: readonly ToolRow[],
  savedBy: string | null = null,
): Promise<Set<string>> {
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
    const inserts = statements.slice(i, i + STATEMENTS_PER_BATCH);
    const ids = rows.slice(i * ROWS_PER_INSERT, (i + inserts.length) * ROWS_PER_INSERT).map((row) => row.id);
    // The batch's last statement records each inserted tool's first version, in the same transaction.
    const results = (await db.batch([
      ...(inserts as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]),
      recordFirstVersions(db, ids, savedBy),
    ])) as unknown[];
    for (const result of results.slice(0, inserts.length) as { id: string }[][])
      for (const row of result) inserted.add(row.id);
  }
  return inserted;
}

/**
 * Log rows in batches: the one statement that inserts many rows, and the
 * check that a row from outside this isolate (a queue message) has the shape
 * the table needs. Both follow the Drizzle table, so a new column needs no
 * change here.
 *
 * D1 binds at most 100 parameters per statement and a row has 17 columns, so
 * a batch is bound as ONE parameter: a JSON array of rows, each an array of
 * column values, spread into columns by `json_each`. A value may be up to
 * 2 MB; a batch larger than BATCH_BYTES becomes several statements, sent in
 * one `db.batch` (one round trip, one transaction). `ON CONFLICT (id) DO
 * NOTHING`: a row delivered twice (queues deliver at least once; a retried
 * flush may have landed) is kept once. Not `INSERT OR IGNORE`, which would also
 * skip, without a word, a row that breaks a NOT NULL constraint.
 */
import { getTableColumns } from "drizzle-orm";
import { executions, type ExecutionRow } from "../db/schema";
import { rollupStatements } from "./rollups";

/** Rows per statement: the most a queue delivers at once. */
export const BATCH_ROWS = 100;
/** Bytes of JSON per statement, under D1's 2,000,000-byte limit on one value. */
export const BATCH_BYTES = 1_500_000;

const COLUMNS = Object.entries(getTableColumns(executions)) as [
  keyof ExecutionRow,
  (typeof executions)["_"]["columns"][keyof ExecutionRow],
][];

// `WHERE true` lets SQLite read ON CONFLICT as the upsert clause rather than part of the SELECT's join.
export const INSERT_BATCH_SQL =
  `INSERT INTO "executions" (${COLUMNS.map(([, column]) => `"${column.name}"`).join(", ")}) ` +
  `SELECT ${COLUMNS.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ")} FROM json_each(?1) WHERE true ` +
  `ON CONFLICT ("id") DO NOTHING`;

/** A row as the values D1 stores, in column order (JSON columns as their text, booleans as 0/1). */
function storedValues(row: ExecutionRow): unknown[] {
  return COLUMNS.map(([key, column]) => {
    const value = row[key];
    return value === null || value === undefined ? null : column.mapToDriverValue(value as never);
  });
}

const utf8 = new TextEncoder();

/** The statements that insert `rows`: one per BATCH_ROWS rows or BATCH_BYTES of JSON, whichever comes first. */
export function insertStatements(db: D1Database, rows: readonly ExecutionRow[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    statements.push(db.prepare(INSERT_BATCH_SQL).bind(`[${chunk.join(",")}]`));
    chunk = [];
    bytes = 0;
  };
  for (const row of rows) {
    const json = JSON.stringify(storedValues(row));
    const size = utf8.encode(json).byteLength + 1;
    if (chunk.length >= BATCH_ROWS || (chunk.length > 0 && bytes + size > BATCH_BYTES)) flush();
    chunk.push(json);
    bytes += size;
  }
  flush();
  return statements;
}

/**
 * Inserts `rows` and counts them in the monitoring rollup (./rollups.ts), in
 * one round trip and one transaction: all land, or none (and it throws). The
 * rollup costs no write of its own: it rides in the batch the rows need anyway.
 */
export async function insertRows(db: D1Database, rows: readonly ExecutionRow[]): Promise<void> {
  if (rows.length === 0) return;
  // The rollup first: it counts only the rows that are not in the log yet.
  await db.batch([...rollupStatements(db, rows), ...insertStatements(db, rows)]);
}

/**
 * `body` as a log row if it has every column with a value of the column's
 * type (a queue message is data from outside this isolate); null otherwise.
 */
export function asLogRow(body: unknown): ExecutionRow | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  for (const [key, column] of COLUMNS) {
    const value = record[key];
    if (value === null || value === undefined) {
      if (column.notNull) return null;
      continue;
    }
    const ok =
      column.dataType === "string"
        ? typeof value === "string" && (!column.enumValues || (column.enumValues as readonly string[]).includes(value))
        : column.dataType === "number"
          ? Number.isSafeInteger(value)
          : column.dataType === "boolean"
            ? typeof value === "boolean"
            : column.dataType === "json"
              ? typeof value === "object"
              : false;
    if (!ok) return null;
  }
  return record as unknown as ExecutionRow;
}

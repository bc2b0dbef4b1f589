/**
 * The execution log: writing a run's row (src/engine/run.ts, after the
 * response), and reading it per tool, newest first, by id, and each tool's
 * latest run. Shared by the API and the UI.
 */
import { and, desc, eq, getTableColumns, gte, inArray, lt, or, sql } from "drizzle-orm";
import { executions, type ExecutionRow } from "../db/schema";
import type { Outcome } from "../engine/outcomes";
import { findTool, toolNotFound, type Db } from "./queries";
import { rollupStatements } from "./rollups";

const COLUMNS = Object.entries(getTableColumns(executions)) as [
  keyof ExecutionRow,
  (typeof executions)["_"]["columns"][keyof ExecutionRow],
][];

// One placeholder per column: every execute writes one row, so its INSERT is built once.
const INSERT_SQL =
  `INSERT INTO "executions" (${COLUMNS.map(([, column]) => `"${column.name}"`).join(", ")}) ` +
  `VALUES (${COLUMNS.map(() => "?").join(", ")})`;

/**
 * Writes a run's row and counts it in the monitoring rollup, in one batch (one
 * round trip, one transaction). The batched log writer (issue 13) adds the
 * same `rollupStatements` to its batch.
 */
export async function recordExecution(d1: D1Database, row: ExecutionRow): Promise<void> {
  // Each value as D1 stores it (JSON as text, booleans as 0/1).
  const values = COLUMNS.map(([key, column]) => {
    const value = row[key];
    return value === null || value === undefined ? null : column.mapToDriverValue(value as never);
  });
  await d1.batch([d1.prepare(INSERT_SQL).bind(...values), ...rollupStatements(d1, [row])]);
}

export interface ExecutionPageQuery {
  limit: number;
  after: { at: string; id: string } | null;
  outcome?: Outcome | undefined;
}

/**
 * `limit + 1` rows of a tool's log, newest first, after the cursor. 404 when
 * neither the tool nor any log of it exists (logs outlive their tool).
 */
export async function listExecutions(db: Db, toolId: string, query: ExecutionPageQuery): Promise<ExecutionRow[]> {
  const { limit, after, outcome } = query;
  const rows = await db
    .select()
    .from(executions)
    .where(
      and(
        eq(executions.toolId, toolId),
        outcome ? eq(executions.outcome, outcome) : undefined,
        after
          ? or(lt(executions.startedAt, after.at), and(eq(executions.startedAt, after.at), lt(executions.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(desc(executions.startedAt), desc(executions.id))
    .limit(limit + 1)
    .all();
  if (rows.length === 0 && !after && !(await findTool(db, toolId))) {
    const anyLog = await db
      .select({ id: executions.id })
      .from(executions)
      .where(eq(executions.toolId, toolId))
      .limit(1)
      .get();
    if (!anyLog) throw toolNotFound(toolId);
  }
  return rows;
}

export interface AllRunsQuery {
  limit: number;
  after: { at: string; id: string } | null;
  toolId?: string | undefined;
  outcome?: Outcome | undefined;
  upstreamStatus?: number | undefined;
  /** ISO bounds on started_at: from inclusive, to exclusive. */
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * `limit + 1` rows of the log across tools, newest first, after the cursor,
 * filtered. Each filter has an index that starts with it and goes on with
 * (started_at, id), so a page reads `limit + 1` index entries at any depth.
 */
export async function listAllExecutions(db: Db, query: AllRunsQuery): Promise<ExecutionRow[]> {
  const { limit, after, toolId, outcome, upstreamStatus, from, to } = query;
  return db
    .select()
    .from(executions)
    .where(
      and(
        toolId === undefined ? undefined : eq(executions.toolId, toolId),
        outcome === undefined ? undefined : eq(executions.outcome, outcome),
        upstreamStatus === undefined ? undefined : eq(executions.upstreamStatus, upstreamStatus),
        from === undefined ? undefined : gte(executions.startedAt, from),
        to === undefined ? undefined : lt(executions.startedAt, to),
        after
          ? or(lt(executions.startedAt, after.at), and(eq(executions.startedAt, after.at), lt(executions.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(desc(executions.startedAt), desc(executions.id))
    .limit(limit + 1)
    .all();
}

export async function findExecution(db: Db, id: string): Promise<ExecutionRow | undefined> {
  return db.select().from(executions).where(eq(executions.id, id)).get();
}

export type LatestRun = Pick<ExecutionRow, "toolId" | "id" | "outcome" | "upstreamStatus" | "startedAt">;

/** Each listed tool's most recent execution, by tool id (one query, on the tool/started_at index). */
export async function latestRuns(db: Db, toolIds: readonly string[]): Promise<Map<string, LatestRun>> {
  if (toolIds.length === 0) return new Map();
  const ranked = db
    .select({
      toolId: executions.toolId,
      id: executions.id,
      outcome: executions.outcome,
      upstreamStatus: executions.upstreamStatus,
      startedAt: executions.startedAt,
      rank: sql<number>`row_number() over (partition by ${executions.toolId} order by ${executions.startedAt} desc, ${executions.id} desc)`.as(
        "rank",
      ),
    })
    .from(executions)
    .where(inArray(executions.toolId, [...toolIds]))
    .as("ranked");
  const rows = await db
    .select({
      toolId: ranked.toolId,
      id: ranked.id,
      outcome: ranked.outcome,
      upstreamStatus: ranked.upstreamStatus,
      startedAt: ranked.startedAt,
    })
    .from(ranked)
    .where(eq(ranked.rank, 1))
    .all();
  return new Map(rows.map((row) => [row.toolId, row]));
}

/** A log row as the API shows it (and the UI reads it): stored JSON parsed back. */
export function presentExecution(row: ExecutionRow) {
  return {
    id: row.id,
    tool_id: row.toolId,
    tool_name: row.toolName,
    tool_version: row.toolVersion,
    started_at: row.startedAt,
    duration_ms: row.durationMs,
    outcome: row.outcome,
    upstream_status: row.upstreamStatus,
    method: row.method,
    url: row.url,
    error_message: row.errorMessage,
    input: storedJson(row.input, row.inputTruncated),
    input_truncated: row.inputTruncated,
    output: storedJson(row.output, row.outputTruncated),
    output_truncated: row.outputTruncated,
    attempts: row.attempts,
  };
}

/** Stored payloads are JSON text; a truncated one is returned as the text it kept. */
function storedJson(text: string | null, truncated: boolean): unknown {
  if (text === null) return null;
  if (truncated) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * What the API returned in a tool's latest run that got a response to judge
 * (a success, or one whose response failed the output schema), to learn an
 * output schema from; with `executionId`, in that run. Null when there is none.
 */
export async function latestRunResponse(
  db: Db,
  toolId: string,
  executionId?: string,
): Promise<{ ok: true; output: unknown } | { ok: false; reason: string } | null> {
  const row = await db
    .select({ outcome: executions.outcome, output: executions.output, truncated: executions.outputTruncated })
    .from(executions)
    .where(
      and(
        eq(executions.toolId, toolId),
        inArray(executions.outcome, ["success", "output_invalid"]),
        executionId === undefined ? undefined : eq(executions.id, executionId),
      ),
    )
    .orderBy(desc(executions.startedAt), desc(executions.id))
    .limit(1)
    .get();
  if (!row || row.output === null) return null;
  if (row.truncated)
    return {
      ok: false,
      reason: "The last response was too large to keep in the log; paste a sample instead.",
    };
  const output: unknown = JSON.parse(row.output);
  // A response that failed the schema is kept beside the errors (src/engine/execute.ts, failureOutput).
  if (row.outcome === "output_invalid") {
    if (output === null || typeof output !== "object" || !("response" in output)) return null;
    return { ok: true, output: output.response };
  }
  return { ok: true, output };
}

/**
 * The execution log: writing a run's row (src/engine/run.ts, after the
 * response), and reading it per tool, newest first, by id, and each tool's
 * latest run. Shared by the API and the UI.
 */
import { and, desc, eq, getTableColumns, inArray, lt, or, sql, type Placeholder } from "drizzle-orm";
import { preparedPerDatabase } from "../db/prepared";
import { executions, type ExecutionRow } from "../db/schema";
import type { Outcome } from "../engine/outcomes";
import { presentRunDetail } from "../engine/run-detail-present";
import { findTool, toolNotFound, type Db } from "./queries";

// One placeholder per column: every execute writes one row, so its INSERT is built once.
const insertExecution = preparedPerDatabase((db) =>
  db
    .insert(executions)
    .values(
      Object.fromEntries(Object.keys(getTableColumns(executions)).map((key) => [key, sql.placeholder(key)])) as {
        [K in keyof ExecutionRow]: Placeholder;
      },
    )
    .prepare(),
);

export async function recordExecution(d1: D1Database, row: ExecutionRow): Promise<void> {
  await insertExecution(d1).run(row);
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
    detail: presentRunDetail(row.detail, row.attempts),
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

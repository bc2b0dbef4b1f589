/**
 * The execution log: writing a run's row (src/engine/run.ts, after the
 * response), and reading it per tool, newest first, by id, and each tool's
 * latest run. Shared by the API and the UI.
 *
 * Rows are written in groups (./log-writer.ts): reading one by id looks in
 * this isolate's buffer first, and a list waits for this isolate's rows to land.
 * Large payloads may be in R2 (./log-payloads.ts); every read puts them back.
 */
import { and, desc, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { executions, type ExecutionRow } from "../db/schema";
import { executionIdTime } from "../engine/execution-id";
import type { Outcome } from "../engine/outcomes";
import type { Env } from "../env";
import { offloadPayloads, withPayloads } from "./log-payloads";
import { bufferedExecution, logWriterFor, settleLogWrites } from "./log-writer";
import { presentRunDetail } from "../engine/run-detail-present";
import { findTool, toolNotFound, type Db } from "./queries";

/** Stores a run's row: its large payloads in R2 first (when bound), then the row, grouped with others. */
export async function recordExecution(env: Env, row: ExecutionRow): Promise<void> {
  const stored = await offloadPayloads(env.LOG_PAYLOADS, row);
  await logWriterFor(env).append(stored);
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
export async function listExecutions(env: Env, toolId: string, query: ExecutionPageQuery): Promise<ExecutionRow[]> {
  const { limit, after, outcome } = query;
  await settleLogWrites(env.DB);
  const db = drizzle(env.DB);
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
  return withPayloads(env.LOG_PAYLOADS, rows);
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

/**
 * A page of the log across tools as the API shows it: listAllExecutions with
 * the payloads put back from R2. The caller first lets this isolate's rows land.
 */
export async function listAllExecutionsInFull(env: Env, query: AllRunsQuery): Promise<ExecutionRow[]> {
  return withPayloads(env.LOG_PAYLOADS, await listAllExecutions(drizzle(env.DB), query));
}

/**
 * How long a log row may take to reach D1 after its execution started: a
 * missing row younger than this is `pending`, not `missing`. Group commit
 * lands within seconds (its retries end well inside waitUntil's 30 s); a queue
 * may retry for minutes.
 */
export const PENDING_WINDOW_MS = { groupCommit: 60_000, queue: 15 * 60_000 };

export type ExecutionLookup = { found: true; row: ExecutionRow } | { found: false; pending: boolean };

/** One run's row: from this isolate's buffer until its group lands, else D1. */
export async function findExecution(env: Env, id: string, nowMs = Date.now()): Promise<ExecutionLookup> {
  const row =
    bufferedExecution(env.DB, id) ??
    (await drizzle(env.DB).select().from(executions).where(eq(executions.id, id)).get());
  if (row) return { found: true, row: (await withPayloads(env.LOG_PAYLOADS, [row]))[0]! };
  const started = executionIdTime(id);
  const window = env.LOG_QUEUE ? PENDING_WINDOW_MS.queue : PENDING_WINDOW_MS.groupCommit;
  return { found: false, pending: started !== null && started <= nowMs + 1000 && nowMs - started < window };
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
 * Its output may be in R2 (./log-payloads.ts).
 */
export async function latestRunResponse(
  env: Env,
  toolId: string,
  executionId?: string,
): Promise<{ ok: true; output: unknown } | { ok: false; reason: string } | null> {
  // The run the page just showed may still be in this isolate's group: let it land first, as lists do.
  await settleLogWrites(env.DB);
  const found = await drizzle(env.DB)
    .select({
      id: executions.id,
      outcome: executions.outcome,
      input: sql<null>`null`,
      output: executions.output,
      truncated: executions.outputTruncated,
      payloadKey: executions.payloadKey,
    })
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
  const row = found && (await withPayloads(env.LOG_PAYLOADS, [found]))[0];
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

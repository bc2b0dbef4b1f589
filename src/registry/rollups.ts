/**
 * The monitoring rollup (execution_rollups, src/db/schema.ts): written with
 * the log rows it counts, in the same batch, so it adds no write of its own
 * to an execute. `rollupStatements` is the one upsert for a batch of log rows;
 * the readers below give the charts (one tool over a range) and the
 * dashboard (every tool over a range).
 *
 * Each row is projected here to the few values the rollup needs (tool, name,
 * hour, outcome, duration, latency bucket, and its id to count it once) and bound as ONE JSON parameter,
 * grouped in SQL by `json_each` (D1 binds at most 100 parameters). The bucket
 * is found here rather than in SQL: D1 does not promise SQLite's math
 * functions.
 */
import { LATENCY_BUCKET_BOUNDS_MS, type ExecutionRow } from "../db/schema";
import { OUTCOMES, type Outcome } from "../engine/outcomes";

const BUCKETS = LATENCY_BUCKET_BOUNDS_MS.map((_, i) => `h${i}`);

// Only rows not yet in the log are counted: a group delivered twice (a queue delivers at least once, a
// retried flush may have landed) is inserted once (ON CONFLICT DO NOTHING), so it must be counted once.
// The statement runs before the INSERT of the same batch (./log-batch.ts), in one transaction. A WHERE
// clause also lets SQLite read ON CONFLICT as the upsert clause rather than part of the SELECT.
export const ROLLUP_UPSERT_SQL =
  `INSERT INTO "execution_rollups" ("tool_id", "hour", "outcome", "tool_name", "calls", "duration_ms_sum", ${BUCKETS.map((b) => `"${b}"`).join(", ")}) ` +
  `SELECT json_extract(value, '$[0]') AS tool_id, json_extract(value, '$[2]') AS hour, json_extract(value, '$[3]') AS outcome, ` +
  // The tool's name from one row of the group: a rename within an hour's batch shows either name.
  `json_extract(value, '$[1]'), count(*), sum(json_extract(value, '$[4]')), ` +
  `${BUCKETS.map((_, i) => `sum(json_extract(value, '$[5]') = ${i})`).join(", ")} ` +
  `FROM json_each(?1) WHERE NOT EXISTS (SELECT 1 FROM "executions" AS "e" WHERE "e"."id" = json_extract(value, '$[6]')) ` +
  `GROUP BY 1, 2, 3 ` +
  `ON CONFLICT ("tool_id", "hour", "outcome") DO UPDATE SET "tool_name" = excluded."tool_name", ` +
  `"calls" = "calls" + excluded."calls", "duration_ms_sum" = "duration_ms_sum" + excluded."duration_ms_sum", ` +
  BUCKETS.map((b) => `"${b}" = "${b}" + excluded."${b}"`).join(", ");

/** The histogram bucket a duration falls in (see LATENCY_BUCKET_BOUNDS_MS). */
export function latencyBucket(durationMs: number): number {
  const index = LATENCY_BUCKET_BOUNDS_MS.findIndex((bound) => durationMs < bound);
  return index === -1 ? LATENCY_BUCKET_BOUNDS_MS.length - 1 : index;
}

/** The ISO start of the hour an ISO timestamp falls in: `2026-12-04T13:00:00.000Z`. */
export function hourOf(iso: string): string {
  return `${iso.slice(0, 13)}:00:00.000Z`;
}

/**
 * The statement that adds `rows` to the rollup: one upsert however many rows
 * (a row projects to about 100 bytes of JSON, so a queue batch or a flush is
 * far under D1's 2 MB limit on one value). None for no rows.
 */
export function rollupStatements(db: D1Database, rows: readonly ExecutionRow[]): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const projected = rows.map((row) => [
    row.toolId,
    row.toolName,
    hourOf(row.startedAt),
    row.outcome,
    row.durationMs,
    latencyBucket(row.durationMs),
    row.id,
  ]);
  return [db.prepare(ROLLUP_UPSERT_SQL).bind(JSON.stringify(projected))];
}

/** The ranges a chart or the dashboard covers: the last 24 hours by hour, or the last 7 or 30 days by day. */
export const RANGES = {
  "24h": { label: "24 hours", points: 24, stepMs: 3_600_000, keyLength: 13 },
  "7d": { label: "7 days", points: 7, stepMs: 86_400_000, keyLength: 10 },
  "30d": { label: "30 days", points: 30, stepMs: 86_400_000, keyLength: 10 },
} as const;
export type RangeName = keyof typeof RANGES;

export function parseRange(value: string | undefined): RangeName {
  return value !== undefined && Object.hasOwn(RANGES, value) ? (value as RangeName) : "24h";
}

/** Counts over some hours: calls per outcome and the latency histogram summed over them. */
export interface Totals {
  calls: number;
  byOutcome: Partial<Record<Outcome, number>>;
  histogram: number[];
  durationMsSum: number;
}

export interface SeriesPoint extends Totals {
  /** The point's first hour or day, as ISO text (`2026-12-04T13` or `2026-12-04`). */
  key: string;
}

export interface ToolSeries {
  range: RangeName;
  points: SeriesPoint[];
  total: Totals;
}

function emptyTotals(): Totals {
  return { calls: 0, byOutcome: {}, histogram: LATENCY_BUCKET_BOUNDS_MS.map(() => 0), durationMsSum: 0 };
}

function addInto(totals: Totals, row: Record<string, unknown>): void {
  const calls = Number(row.calls);
  const outcome = row.outcome as Outcome;
  totals.calls += calls;
  totals.byOutcome[outcome] = (totals.byOutcome[outcome] ?? 0) + calls;
  totals.durationMsSum += Number(row.duration_ms_sum);
  BUCKETS.forEach((b, i) => (totals.histogram[i]! += Number(row[b])));
}

/** The point keys of a range ending now, oldest first. */
function pointKeys(range: RangeName, nowMs: number): string[] {
  const { points, stepMs, keyLength } = RANGES[range];
  return Array.from({ length: points }, (_, i) =>
    new Date(nowMs - (points - 1 - i) * stepMs).toISOString().slice(0, keyLength),
  );
}

/** The first hour a range covers, as the ISO text `hour` is compared with. */
export function rangeStart(range: RangeName, nowMs: number): string {
  const first = pointKeys(range, nowMs)[0]!;
  return first.length === 13 ? `${first}:00:00.000Z` : `${first}T00:00:00.000Z`;
}

const SUMS = `sum("calls") AS calls, sum("duration_ms_sum") AS duration_ms_sum, ${BUCKETS.map((b) => `sum("${b}") AS ${b}`).join(", ")}`;

/** One tool's series over a range: read by the rollup's primary key (tool_id, hour). */
export const TOOL_SERIES_SQL =
  `SELECT substr("hour", 1, ?3) AS point, "outcome" AS outcome, ${SUMS} FROM "execution_rollups" ` +
  `WHERE "tool_id" = ?1 AND "hour" >= ?2 GROUP BY point, outcome`;

export async function toolSeries(db: D1Database, toolId: string, range: RangeName, nowMs: number): Promise<ToolSeries> {
  const keys = pointKeys(range, nowMs);
  const { results } = await db
    .prepare(TOOL_SERIES_SQL)
    .bind(toolId, rangeStart(range, nowMs), RANGES[range].keyLength)
    .all<Record<string, unknown>>();
  const byKey = new Map(keys.map((key) => [key, { key, ...emptyTotals() }]));
  const total = emptyTotals();
  for (const row of results) {
    const point = byKey.get(String(row.point));
    if (!point) continue;
    addInto(point, row);
    addInto(total, row);
  }
  return { range, points: [...byKey.values()], total };
}

export interface ToolSummary extends Totals {
  toolId: string;
  toolName: string;
  errors: number;
}

export const DASHBOARD_SQL =
  `SELECT "tool_id" AS tool_id, max("tool_name") AS tool_name, "outcome" AS outcome, ${SUMS} ` +
  `FROM "execution_rollups" INDEXED BY "execution_rollups_hour" WHERE "hour" >= ?1 GROUP BY tool_id, outcome`;

/**
 * Every tool with a call in the range, with its totals, sorted by calls or by
 * errors (every outcome but success), most first. Read by the rollup's hour
 * index: the range's rows only, whatever the log's size.
 */
export async function dashboard(
  db: D1Database,
  range: RangeName,
  sort: "calls" | "errors",
  nowMs: number,
): Promise<ToolSummary[]> {
  const { results } = await db.prepare(DASHBOARD_SQL).bind(rangeStart(range, nowMs)).all<Record<string, unknown>>();
  const tools = new Map<string, ToolSummary>();
  for (const row of results) {
    const toolId = String(row.tool_id);
    let summary = tools.get(toolId);
    if (!summary) {
      summary = { toolId, toolName: String(row.tool_name), errors: 0, ...emptyTotals() };
      tools.set(toolId, summary);
    }
    addInto(summary, row);
  }
  for (const summary of tools.values()) summary.errors = summary.calls - (summary.byOutcome.success ?? 0);
  return [...tools.values()].sort(
    (a, b) => b[sort] - a[sort] || b.calls - a.calls || a.toolName.localeCompare(b.toolName),
  );
}

/**
 * Every tool with a run the rollup still counts (so, within the log's
 * retention, deleted tools too), by name, each with the name of its latest
 * hour (SQLite takes a bare column from the row of max()): the all-runs
 * log's choice of tool. A few rows per tool, whatever the log's size.
 */
export async function toolsWithRuns(db: D1Database): Promise<{ toolId: string; toolName: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT "tool_id" AS tool_id, "tool_name" AS tool_name, max("hour") FROM "execution_rollups" GROUP BY "tool_id"`,
    )
    .all<Record<string, unknown>>();
  return results
    .map((row) => ({ toolId: String(row.tool_id), toolName: String(row.tool_name) }))
    .sort((a, b) => a.toolName.localeCompare(b.toolName) || a.toolId.localeCompare(b.toolId));
}

/** The share of calls that succeeded, 0-1; null with no calls. */
export function successRate(totals: Totals): number | null {
  return totals.calls === 0 ? null : (totals.byOutcome.success ?? 0) / totals.calls;
}

/**
 * The latency below which a share `q` of calls finished, as the histogram
 * bucket it falls in: the true value is at least `lowerMs` and below
 * `upperMs` (Infinity for the last bucket). Null with no calls.
 */
export function percentile(histogram: readonly number[], q: number): { lowerMs: number; upperMs: number } | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank)
      return { lowerMs: i === 0 ? 0 : LATENCY_BUCKET_BOUNDS_MS[i - 1]!, upperMs: LATENCY_BUCKET_BOUNDS_MS[i]! };
  }
  return null;
}

/** Outcomes in their fixed order, for a breakdown that reads the same on every chart. */
export const OUTCOME_ORDER: readonly Outcome[] = OUTCOMES;

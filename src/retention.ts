/**
 * Retention: the cron trigger (wrangler.toml `[triggers]`) deletes execution
 * logs that started more than LOG_RETENTION_DAYS ago (and the monitoring
 * rollup's hours before then), and OAuth2 flows that
 * were never completed (`purgeExpiredFlows`). A log row is kept while
 * `started_at >= now - days`, so a row exactly at the cutoff survives one more run.
 *
 * A setting that cannot be read as a whole number of days in range purges
 * nothing: a typo must never empty the audit log.
 *
 * With LOG_PAYLOADS bound, a row's R2 object (its large payloads) is deleted
 * first, then the row: a row never names an object that is gone, and an
 * object whose delete failed is retried with its row on the next run.
 */
import { asc, inArray, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { executionRollups, executions, oauthStates } from "./db/schema";
import { hourOf } from "./registry/rollups";
import type { Env } from "./env";

export const DEFAULT_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 36_500;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface PurgeLimits {
  /** Rows deleted per statement: one statement stays well under D1's time and size limits. */
  batchSize: number;
  /** Statements per run: under the 50 queries a Worker invocation may make on the Free plan. */
  maxBatches: number;
}

export const PURGE_LIMITS: PurgeLimits = { batchSize: 1000, maxBatches: 40 };

export type RetentionSetting = { ok: true; days: number } | { ok: false; reason: string };

/** Reads LOG_RETENTION_DAYS: unset or empty means the default; anything else must be 1-36500. */
export function parseRetentionDays(value: unknown): RetentionSetting {
  if (value === undefined || value === null || value === "") return { ok: true, days: DEFAULT_RETENTION_DAYS };
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^[0-9]{1,6}$/.test(text)) return { ok: false, reason: "LOG_RETENTION_DAYS is not a whole number of days." };
  const days = Number(text);
  if (days < 1 || days > MAX_RETENTION_DAYS)
    return { ok: false, reason: `LOG_RETENTION_DAYS must be between 1 and ${MAX_RETENTION_DAYS}.` };
  return { ok: true, days };
}

/** The oldest `started_at` that is kept, as the ISO text the column stores. */
export function retentionCutoff(nowMs: number, days: number): string {
  return new Date(nowMs - days * DAY_MS).toISOString();
}

export interface PurgeReport {
  cutoff: string;
  deleted: number;
  batches: number;
  /** False when the run stopped at `maxBatches` with old rows left; the next run continues. */
  complete: boolean;
}

/**
 * Deletes rows that started before `cutoff`, oldest first, in bounded
 * batches; with `payloads`, each batch's R2 objects before its rows.
 */
export async function purgeExecutionsBefore(
  db: D1Database,
  cutoff: string,
  limits: PurgeLimits = PURGE_LIMITS,
  payloads?: R2Bucket,
): Promise<PurgeReport> {
  const orm = drizzle(db);
  let deleted = 0;
  for (let batch = 1; batch <= limits.maxBatches; batch++) {
    const oldest = orm
      .select({ id: executions.id })
      .from(executions)
      .where(lt(executions.startedAt, cutoff))
      .orderBy(asc(executions.startedAt))
      .limit(limits.batchSize);
    let changes: number;
    let selected: number;
    if (payloads) {
      // The ids and object keys first, then the rows by id (one JSON parameter: D1 binds at most 100).
      const rows = await orm
        .select({ id: executions.id, payloadKey: executions.payloadKey })
        .from(executions)
        .where(lt(executions.startedAt, cutoff))
        .orderBy(asc(executions.startedAt))
        .limit(limits.batchSize)
        .all();
      const keys = rows.flatMap((row) => (row.payloadKey ? [row.payloadKey] : []));
      if (keys.length > 0) await payloads.delete(keys);
      const ids = JSON.stringify(rows.map((row) => row.id));
      changes = (
        await orm
          .delete(executions)
          .where(inArray(executions.id, sql`(select value from json_each(${ids}))`))
          .run()
      ).meta.changes;
      selected = rows.length;
    } else {
      changes = (await orm.delete(executions).where(inArray(executions.id, oldest)).run()).meta.changes;
      selected = changes;
    }
    deleted += changes;
    if (selected < limits.batchSize) return { cutoff, deleted, batches: batch, complete: true };
  }
  return { cutoff, deleted, batches: limits.maxBatches, complete: false };
}

/**
 * Deletes the monitoring rollup's hours that ended at or before `cutoff`: an
 * hour is dropped once every log row it counts is past retention, so the
 * charts never count runs the log no longer holds for longer than an hour.
 * A rollup row is one tool's outcome in one hour, so there are few: one
 * statement, on the rollup's hour index.
 */
export async function purgeRollupsBefore(db: D1Database, cutoff: string): Promise<number> {
  const result = await drizzle(db)
    .delete(executionRollups)
    .where(lt(executionRollups.hour, hourOf(cutoff)))
    .run();
  return result.meta.changes;
}

/** The scheduled handler's work: read the setting, purge, and log one line either way. */
export async function purgeExpiredExecutions(env: Env, nowMs: number): Promise<PurgeReport | null> {
  const setting = parseRetentionDays(env.LOG_RETENTION_DAYS);
  if (!setting.ok) {
    console.error(JSON.stringify({ msg: "retention skipped: invalid setting", reason: setting.reason }));
    return null;
  }
  const cutoff = retentionCutoff(nowMs, setting.days);
  const report = await purgeExecutionsBefore(env.DB, cutoff, PURGE_LIMITS, env.LOG_PAYLOADS);
  const rollupsDeleted = await purgeRollupsBefore(env.DB, cutoff);
  console.log(JSON.stringify({ msg: "retention purge", days: setting.days, ...report, rollupsDeleted }));
  return report;
}

/**
 * Deletes authorization-code flows (oauth_states) that expired more than an
 * hour before `nowMs`: they can no longer complete, and a callback for one of
 * them would only say it expired. The hour keeps that plain message for a
 * person who comes back a little late. Only signed-in principals start
 * flows, so there are few rows: one statement.
 */
export async function purgeExpiredFlows(db: D1Database, nowMs: number): Promise<number> {
  const cutoff = new Date(nowMs - EXPIRED_FLOW_GRACE_MS).toISOString();
  const result = await drizzle(db).delete(oauthStates).where(lt(oauthStates.expiresAt, cutoff)).run();
  if (result.meta.changes > 0)
    console.log(JSON.stringify({ msg: "expired oauth flows purged", deleted: result.meta.changes }));
  return result.meta.changes;
}

/** How long an expired flow is kept, so its callback can still say "expired" rather than "unknown". */
export const EXPIRED_FLOW_GRACE_MS = 60 * 60 * 1000;

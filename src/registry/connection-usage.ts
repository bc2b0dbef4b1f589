/**
 * What an execution tells about its connection, written after the response:
 *
 * - `last_used_at`, at most once a minute per connection and isolate (as API
 *   keys do), so that a warm execute writes nothing but its log row.
 * - `last_error_code`/`last_error_at` when the credential itself failed: the
 *   token endpoint refused it, or the API answered 401 or 403 (after the one
 *   refresh and retry a cached OAuth2 token gets). Written at most once a
 *   minute per code.
 * - Cleared by a success (a 2xx answer to the credential), with a conditional
 *   UPDATE issued only when the row as loaded had an error: a healthy execute
 *   writes nothing for it.
 *
 * The row as loaded may come from the isolate's definition cache
 * (./runnable.ts). So a write that changes the error state drops this
 * isolate's cached entries of the connection: the next execute here reads
 * the error, and its success clears it. Another isolate sees the change
 * within the cache's bound. Only a write that changed the row drops them, so
 * a connection that keeps failing (written at most once a minute) does not
 * send every execute back to D1.
 */
import { and, eq, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { connections, type ConnectionRow } from "../db/schema";
import type { ConnectionErrorCode } from "../engine/auth/connection-status";
import type { ExecutionReport } from "../engine/execute";
import type { Env } from "../env";
import type { Db } from "./queries";
import { forgetConnection } from "./runnable";

/** `last_used_at` and a repeated error are written at most this often per connection and isolate. */
export const CONNECTION_WRITE_RESOLUTION_MS = 60_000;
const TOUCH_CACHE_LIMIT = 1000;

/** Per-isolate cache: connection id → when this isolate last wrote (or the row last showed) its use, epoch ms. */
const lastTouched = new Map<string, number>();

/** What a finished execution says about the credential it used. */
export type CredentialVerdict =
  { kind: "worked" } | { kind: "failed"; code: ConnectionErrorCode } | { kind: "unknown" };

/** Pure: the verdict on the credential from an execution's result. */
export function credentialVerdict(report: Pick<ExecutionReport, "result">): CredentialVerdict {
  const result = report.result;
  if (result.ok) return { kind: "worked" };
  const failure = result.failure;
  switch (failure.kind) {
    case "token_error":
      return { kind: "failed", code: "token_error" };
    case "upstream_status":
      if (failure.upstreamStatus === 401) return { kind: "failed", code: "unauthorized" };
      if (failure.upstreamStatus === 403) return { kind: "failed", code: "forbidden" };
      return { kind: "unknown" };
    case "output_invalid":
      // The API accepted the credential; its answer did not fit the tool's schema.
      return failure.statusCode !== null && failure.statusCode >= 200 && failure.statusCode < 300
        ? { kind: "worked" }
        : { kind: "unknown" };
    default:
      return { kind: "unknown" };
  }
}

/** Whether the credential went out: at least one request was sent with it. */
export function credentialSent(report: Pick<ExecutionReport, "logRow">): boolean {
  return (report.logRow.attempts ?? []).length > 0;
}

export function noteConnectionUse(
  env: Env,
  defer: (work: Promise<unknown>) => void,
  connection: ConnectionRow,
  report: Pick<ExecutionReport, "result" | "logRow">,
): void {
  const db = drizzle(env.DB);
  const now = Date.now();
  const at = new Date(now).toISOString();
  const staleBefore = new Date(now - CONNECTION_WRITE_RESOLUTION_MS).toISOString();
  if (credentialSent(report) && shouldTouch(connection, now))
    defer(touchConnection(db, connection.id, at, staleBefore));
  const verdict = credentialVerdict(report);
  if (verdict.kind === "failed") defer(setConnectionError(db, connection.id, verdict.code, at, staleBefore));
  else if (verdict.kind === "worked" && connection.lastErrorCode !== null)
    defer(clearConnectionError(db, connection.id, report.logRow.startedAt));
}

function shouldTouch(connection: ConnectionRow, now: number): boolean {
  const known = lastTouched.get(connection.id) ?? (connection.lastUsedAt ? Date.parse(connection.lastUsedAt) : null);
  if (known !== null && now - known < CONNECTION_WRITE_RESOLUTION_MS) return false;
  lastTouched.delete(connection.id);
  if (lastTouched.size >= TOUCH_CACHE_LIMIT) {
    const oldest = lastTouched.keys().next().value;
    if (oldest !== undefined) lastTouched.delete(oldest);
  }
  lastTouched.set(connection.id, now);
  return true;
}

/** Records a use unless another isolate recorded one within the last minute. */
export async function touchConnection(db: Db, id: string, at: string, staleBefore: string): Promise<void> {
  await db
    .update(connections)
    .set({ lastUsedAt: at })
    .where(and(eq(connections.id, id), or(isNull(connections.lastUsedAt), lt(connections.lastUsedAt, staleBefore))))
    .run();
}

/** Records a failure of the credential, unless the same one was recorded within the last minute. */
export async function setConnectionError(
  db: Db,
  id: string,
  code: string,
  at: string,
  staleBefore: string,
): Promise<void> {
  const result = await db
    .update(connections)
    .set({ lastErrorCode: code, lastErrorAt: at })
    .where(
      and(
        eq(connections.id, id),
        or(
          sql`${connections.lastErrorCode} is not ${code}`,
          isNull(connections.lastErrorAt),
          lt(connections.lastErrorAt, staleBefore),
        ),
      ),
    )
    .run();
  if (result.meta.changes > 0) forgetConnection(id);
}

/** Clears an error recorded before `before` (a success that started later proves the credential works again). */
export async function clearConnectionError(db: Db, id: string, before: string): Promise<void> {
  const result = await db
    .update(connections)
    .set({ lastErrorCode: null, lastErrorAt: null })
    .where(and(eq(connections.id, id), isNotNull(connections.lastErrorCode), lte(connections.lastErrorAt, before)))
    .run();
  if (result.meta.changes > 0) forgetConnection(id);
}

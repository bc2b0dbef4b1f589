/**
 * Retention through the Worker's scheduled handler: rows are inserted at known
 * ages, the cron runs at a fixed `scheduledTime`, and only rows older than the
 * cutoff go. Each test works in its own era (years long past) and on its own
 * tool ids, so it never touches rows written by other tests.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import { executions, type ExecutionRow } from "../src/db/schema";
import worker from "../src/index";
import { parseRetentionDays, purgeExecutionsBefore, retentionCutoff } from "../src/retention";
import { api, createTool } from "./helpers";

const DAY = 24 * 60 * 60 * 1000;

function logRow(toolId: string, startedAt: string, id: string = crypto.randomUUID()): ExecutionRow {
  return {
    id,
    toolId,
    toolName: "retention_tool",
    toolVersion: 1,
    startedAt,
    durationMs: 1,
    outcome: "success",
    upstreamStatus: 200,
    method: "GET",
    url: "https://api.example.com/v1/items",
    errorMessage: null,
    input: "{}",
    inputTruncated: false,
    output: "null",
    outputTruncated: false,
    attempts: null,
    payloadKey: null,
    detail: null,
  };
}

/** Inserts rows in batches (D1 binds at most 100 parameters per statement, so one row each). */
async function insertRows(rows: ExecutionRow[]): Promise<void> {
  const db = drizzle(env.DB);
  for (let i = 0; i < rows.length; i += 500) {
    const statements = rows.slice(i, i + 500).map((row) => db.insert(executions).values(row));
    const [first, ...rest] = statements;
    if (first) await db.batch([first, ...rest]);
  }
}

async function startedAtOf(toolId: string): Promise<string[]> {
  const rows = await drizzle(env.DB)
    .select({ startedAt: executions.startedAt })
    .from(executions)
    .where(eq(executions.toolId, toolId))
    .all();
  return rows.map((r) => r.startedAt).sort();
}

/** Runs the Worker's scheduled export at `now`, with LOG_RETENTION_DAYS set to `days` (undefined: unset). */
async function runCron(now: number, days: unknown): Promise<void> {
  const controller = createScheduledController({ scheduledTime: new Date(now), cron: "17 * * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, { ...env, LOG_RETENTION_DAYS: days } as Cloudflare.Env, ctx);
  await waitOnExecutionContext(ctx);
}

const iso = (ms: number) => new Date(ms).toISOString();

describe("the scheduled purge", () => {
  it("deletes rows older than LOG_RETENTION_DAYS, keeps the row exactly at the cutoff and newer ones", async () => {
    const now = Date.parse("2001-06-15T12:00:00.000Z");
    const toolId = crypto.randomUUID();
    const otherToolId = crypto.randomUUID();
    const ages = {
      year: 365 * DAY,
      days31: 31 * DAY,
      justPast: 30 * DAY + 1,
      exactlyAtCutoff: 30 * DAY,
      justInside: 30 * DAY - 1,
      days29: 29 * DAY,
      hour: 60 * 60 * 1000,
    };
    await insertRows([
      ...Object.values(ages).map((age) => logRow(toolId, iso(now - age))),
      logRow(otherToolId, iso(now - ages.days31)),
      logRow(otherToolId, iso(now - ages.days29)),
    ]);

    await runCron(now, "30");

    expect(await startedAtOf(toolId)).toEqual(
      [ages.exactlyAtCutoff, ages.justInside, ages.days29, ages.hour].map((age) => iso(now - age)).sort(),
    );
    expect(await startedAtOf(otherToolId)).toEqual([iso(now - ages.days29)]);
  });

  it("defaults to 30 days when LOG_RETENTION_DAYS is unset or empty", async () => {
    for (const setting of [undefined, ""]) {
      const now = Date.parse("2002-03-01T00:00:00.000Z");
      const toolId = crypto.randomUUID();
      await insertRows([logRow(toolId, iso(now - 30 * DAY - 1)), logRow(toolId, iso(now - 30 * DAY))]);

      await runCron(now, setting);

      expect(await startedAtOf(toolId), String(setting)).toEqual([iso(now - 30 * DAY)]);
    }
  });

  it("honours another number of days", async () => {
    const now = Date.parse("2003-01-10T00:00:00.000Z");
    const toolId = crypto.randomUUID();
    await insertRows([logRow(toolId, iso(now - 2 * DAY)), logRow(toolId, iso(now - DAY + 1000))]);

    await runCron(now, " 1 ");

    expect(await startedAtOf(toolId)).toEqual([iso(now - DAY + 1000)]);
  });

  it("purges nothing when LOG_RETENTION_DAYS is invalid, and says why", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const invalid = ["0", "-5", "abc", "1.5", "1e3", "30d", "0x1e", "36501", "9999999", " ", "NaN", "Infinity"];
    for (const setting of invalid) {
      const now = Date.parse("2010-01-01T00:00:00.000Z");
      const toolId = crypto.randomUUID();
      await insertRows([logRow(toolId, iso(now - 1000 * DAY)), logRow(toolId, iso(now - 1))]);

      await runCron(now, setting);

      expect((await startedAtOf(toolId)).length, JSON.stringify(setting)).toBe(2);
    }
    expect(errors).toHaveBeenCalledTimes(invalid.length);
    expect(String(errors.mock.calls[0]?.[0])).toContain("retention skipped");
    errors.mockRestore();
  });

  it("drains a backlog larger than one batch in one run, and leaves tools untouched", async () => {
    const now = Date.parse("2004-07-01T00:00:00.000Z");
    const toolId = crypto.randomUUID();
    const old = Array.from({ length: 2500 }, (_, i) => logRow(toolId, iso(now - 40 * DAY - i * 1000)));
    await insertRows([...old, logRow(toolId, iso(now - DAY))]);
    const tool = await createTool();

    await runCron(now, "30");

    expect(await startedAtOf(toolId)).toEqual([iso(now - DAY)]);
    const stillThere = await api(`/tools/${tool.id}`);
    expect(stillThere.status).toBe(200);
    expect(await stillThere.json()).toEqual(tool);
  });

  it("logs from execute are kept by a purge whose cutoff is before them", async () => {
    const tool = await createTool({
      execution_type: "function",
      function_name: "current_time",
      method: undefined,
      endpoint_url: undefined,
      input_schema: undefined,
    });
    const run = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: { timezone: "UTC" } } });
    const { execution_id } = await run.json<{ execution_id: string }>();
    expect(run.status).toBe(200);
    await expect.poll(async () => (await api(`/executions/${execution_id}`)).status).toBe(200);

    await runCron(Date.now(), "1");

    expect((await api(`/executions/${execution_id}`)).status).toBe(200);
  });
});

describe("purgeExecutionsBefore", () => {
  it("deletes oldest first in batches of batchSize, at most maxBatches per run", async () => {
    // The 1970s: no other test writes rows this old.
    const base = Date.parse("1975-01-01T00:00:00.000Z");
    const toolId = crypto.randomUUID();
    const rows = Array.from({ length: 25 }, (_, i) => logRow(toolId, iso(base + i * 1000)));
    await insertRows(rows);
    const cutoff = iso(base + 10 * DAY);

    const first = await purgeExecutionsBefore(env.DB, cutoff, { batchSize: 10, maxBatches: 2 });

    expect(first).toEqual({ cutoff, deleted: 20, batches: 2, complete: false });
    expect(await startedAtOf(toolId)).toEqual(rows.slice(20).map((r) => r.startedAt));

    const second = await purgeExecutionsBefore(env.DB, cutoff, { batchSize: 10, maxBatches: 2 });

    expect(second).toEqual({ cutoff, deleted: 5, batches: 1, complete: true });
    expect(await startedAtOf(toolId)).toEqual([]);
  });
});

describe("parseRetentionDays and retentionCutoff", () => {
  it.each([
    [undefined, { ok: true, days: 30 }],
    ["", { ok: true, days: 30 }],
    ["1", { ok: true, days: 1 }],
    [" 90 ", { ok: true, days: 90 }],
    [7, { ok: true, days: 7 }],
    ["36500", { ok: true, days: 36500 }],
  ])("%j is %j", (value, expected) => {
    expect(parseRetentionDays(value)).toEqual(expected);
  });

  it.each(["0", "-1", "1.5", "1e2", "abc", "36501", "00000000", 0, -3, 2.5, Number.NaN, {}, [], true])(
    "%j is refused",
    (value) => {
      expect(parseRetentionDays(value).ok).toBe(false);
    },
  );

  it("the cutoff is exactly `days` before now, in the column's ISO format", () => {
    expect(retentionCutoff(Date.parse("2001-03-31T00:00:00.000Z"), 30)).toBe("2001-03-01T00:00:00.000Z");
  });
});

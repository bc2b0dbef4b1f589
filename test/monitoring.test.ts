/**
 * Monitoring: the rollup written with each log row equals what the raw rows
 * say (calls, outcomes, success rate, p50/p95 within the histogram's factor
 * of two); retention deletes its old hours; the chart, dashboard and all-runs
 * queries read by index (EXPLAIN QUERY PLAN), never by a full scan of the log.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { ExecutionRow } from "../src/db/schema";
import type { Outcome } from "../src/engine/outcomes";
import worker from "../src/index";
import { listAllExecutions } from "../src/registry/execution-log";
import { insertRows } from "../src/registry/log-batch";
import {
  DASHBOARD_SQL,
  dashboard,
  percentile,
  rollupStatements,
  successRate,
  TOOL_SERIES_SQL,
  toolSeries,
} from "../src/registry/rollups";
import { createTool, execute, json, uniqueName, useUpstream, waitForLog } from "./helpers";

import { decodeEntities, getPage, signIn } from "./ui-helpers";

const upstream = useUpstream();

function logRow(
  toolId: string,
  startedAt: string,
  durationMs: number,
  outcome: Outcome,
  status: number | null,
): ExecutionRow {
  return {
    id: crypto.randomUUID(),
    toolId,
    toolName: `tool_${toolId.slice(0, 8)}`,
    toolVersion: 1,
    startedAt,
    durationMs,
    outcome,
    upstreamStatus: status,
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

/** The exact q-quantile of durations, by the same rank rule as `percentile`. */
function exactQuantile(durations: number[], q: number): number {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

async function plan(sql: string, ...params: unknown[]): Promise<string> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join("\n");
}

const HOUR = 3_600_000;

describe("the rollup", () => {
  it("counts what the raw rows say, from the batch that writes them and from single writes", async () => {
    const toolId = crypto.randomUUID();
    const now = Date.parse("2026-12-04T12:30:00.000Z");
    const outcomes: Outcome[] = [
      "success",
      "success",
      "success",
      "upstream_error",
      "timeout",
      "success",
      "input_invalid",
    ];
    const rows: ExecutionRow[] = [];
    for (let i = 0; i < 140; i++) {
      const outcome = outcomes[i % outcomes.length]!;
      // Latencies spread over several buckets, and runs over three hours.
      const duration = [3, 17, 40, 95, 260, 700, 1500, 9000][(i * 5) % 8]! + (i % 7);
      rows.push(logRow(toolId, new Date(now - (i % 3) * HOUR - i * 1000).toISOString(), duration, outcome, 200));
    }
    // Most in one batch of statements (as the batched flush sends them), the rest one by one (as execute does today).
    const [batched, single] = [rows.slice(0, 120), rows.slice(120)];
    expect(rollupStatements(env.DB, batched)).toHaveLength(1);
    await insertRows(env.DB, batched);
    for (const row of single) await insertRows(env.DB, [row]);
    // A group delivered again (a queue's redelivery, a retried flush that had landed) is counted once.
    await insertRows(env.DB, batched.slice(0, 10));

    const series = await toolSeries(env.DB, toolId, "24h", now);
    expect(series.total.calls).toBe(140);
    const success = rows.filter((r) => r.outcome === "success").length;
    expect(series.total.byOutcome.success).toBe(success);
    expect(series.total.byOutcome.upstream_error).toBe(rows.filter((r) => r.outcome === "upstream_error").length);
    expect(successRate(series.total)).toBeCloseTo(success / 140);
    // Per hour, the points sum to each hour's rows.
    const perHour = new Map<string, number>();
    for (const row of rows) perHour.set(row.startedAt.slice(0, 13), (perHour.get(row.startedAt.slice(0, 13)) ?? 0) + 1);
    for (const point of series.points) expect(point.calls).toBe(perHour.get(point.key) ?? 0);
    expect(series.points).toHaveLength(24);

    const durations = rows.map((r) => r.durationMs);
    for (const q of [0.5, 0.95]) {
      const exact = exactQuantile(durations, q);
      const bucket = percentile(series.total.histogram, q)!;
      expect(exact).toBeGreaterThanOrEqual(bucket.lowerMs);
      expect(exact).toBeLessThan(bucket.upperMs);
    }

    const board = await dashboard(env.DB, "24h", "errors", now);
    const mine = board.find((t) => t.toolId === toolId)!;
    expect(mine.calls).toBe(140);
    expect(mine.errors).toBe(140 - success);
  });

  it("is written by execute, with the log row", async () => {
    const tool = await createTool({
      name: uniqueName("monitored"),
      endpoint_url: "https://monitor.example.com/v1/ping",
    });
    upstream.on("GET", "https://monitor.example.com/v1/ping", () => json({ ok: true }));
    for (let i = 0; i < 3; i++) await waitForLog((await execute(tool.id)).body.execution_id);
    const series = await toolSeries(env.DB, tool.id, "24h", Date.now());
    expect(series.total.calls).toBe(3);
    expect(series.total.byOutcome.success).toBe(3);
  });
});

describe("retention of the rollup", () => {
  it("deletes the hours that ended before the cutoff and keeps the rest", async () => {
    const toolId = crypto.randomUUID();
    const now = Date.parse("2026-12-04T12:30:00.000Z");
    const old = logRow(toolId, new Date(now - 40 * 24 * HOUR).toISOString(), 10, "success", 200);
    const recent = logRow(toolId, new Date(now - 2 * HOUR).toISOString(), 10, "success", 200);
    await insertRows(env.DB, [old, recent]);
    const controller = createScheduledController({ scheduledTime: new Date(now), cron: "17 * * * *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, { ...env, LOG_RETENTION_DAYS: "30" } as Cloudflare.Env, ctx);
    await waitOnExecutionContext(ctx);
    const hours = await env.DB.prepare(`SELECT "hour" FROM "execution_rollups" WHERE "tool_id" = ?`)
      .bind(toolId)
      .all<{ hour: string }>();
    expect(hours.results.map((r) => r.hour)).toEqual([`${recent.startedAt.slice(0, 13)}:00:00.000Z`]);
  });
});

describe("query plans", () => {
  it("the chart and the dashboard read the rollup by index", async () => {
    expect(await plan(TOOL_SERIES_SQL, "t", "2026-12-04T00:00:00.000Z", 13)).toMatch(
      /SEARCH execution_rollups USING INDEX sqlite_autoindex_execution_rollups_1 \(tool_id=\? AND hour>\?\)/,
    );
    expect(await plan(DASHBOARD_SQL, "2026-12-04T00:00:00.000Z")).toMatch(
      /SEARCH execution_rollups USING INDEX execution_rollups_hour \(hour>\?\)/,
    );
  });

  it("the all-runs log uses an index for every filter, never a scan of executions", async () => {
    const after = { at: "2026-12-04T00:00:00.000Z", id: "x" };
    const cases = [
      {},
      { toolId: "t" },
      { outcome: "timeout" as const },
      { upstreamStatus: 503 },
      { from: "2026-12-01T00:00:00.000Z", to: "2026-12-02T00:00:00.000Z" },
    ];
    for (const filters of cases) {
      for (const cursor of [null, after]) {
        const query = allRunsSql({ limit: 50, after: cursor, ...filters });
        const detail = await plan(query.sql, ...query.params);
        expect(detail, JSON.stringify(filters)).toMatch(/USING (COVERING )?INDEX executions_/);
        expect(detail, JSON.stringify(filters)).not.toMatch(/SCAN executions(?! USING)/);
        expect(detail, JSON.stringify(filters)).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      }
    }
  });
});

/** The SQL listAllExecutions sends, caught from the D1 binding. */
function allRunsSql(query: Parameters<typeof listAllExecutions>[1]): { sql: string; params: unknown[] } {
  let caught: { sql: string; params: unknown[] } | null = null;
  const spy = {
    prepare(sql: string) {
      return {
        bind(...params: unknown[]) {
          caught = { sql, params };
          return this;
        },
        async all() {
          return { results: [], success: true, meta: {} };
        },
        async raw() {
          return [];
        },
      };
    },
  } as unknown as D1Database;
  void listAllExecutions(drizzle(spy), query);
  if (!caught) throw new Error("no SQL caught");
  return caught;
}

describe("the all-runs log", () => {
  it("filters by tool, outcome, status and time, newest first, paged by keyset", async () => {
    const a = crypto.randomUUID();
    const b = crypto.randomUUID();
    const base = Date.parse("2031-01-01T00:00:00.000Z");
    const rows = [
      logRow(a, new Date(base + 1000).toISOString(), 5, "success", 200),
      logRow(a, new Date(base + 2000).toISOString(), 5, "upstream_error", 503),
      logRow(b, new Date(base + 3000).toISOString(), 5, "upstream_error", 500),
      logRow(b, new Date(base + 4000).toISOString(), 5, "timeout", null),
      logRow(a, new Date(base + 5000).toISOString(), 5, "success", 200),
    ];
    await insertRows(env.DB, rows);
    const db = drizzle(env.DB);
    const from = new Date(base).toISOString();
    const ids = async (q: Omit<Parameters<typeof listAllExecutions>[1], "limit" | "after">) =>
      (await listAllExecutions(db, { limit: 50, after: null, from, ...q })).map((r) => r.id);
    expect(await ids({})).toEqual([...rows].reverse().map((r) => r.id));
    expect(await ids({ toolId: b })).toEqual([rows[3]!.id, rows[2]!.id]);
    expect(await ids({ outcome: "upstream_error" })).toEqual([rows[2]!.id, rows[1]!.id]);
    expect(await ids({ upstreamStatus: 503 })).toEqual([rows[1]!.id]);
    expect(await ids({ to: new Date(base + 2500).toISOString() })).toEqual([rows[1]!.id, rows[0]!.id]);
    const first = await listAllExecutions(db, { limit: 2, after: null, from });
    expect(first).toHaveLength(3);
    const second = await listAllExecutions(db, {
      limit: 2,
      after: { at: first[1]!.startedAt, id: first[1]!.id },
      from,
    });
    expect(second.map((r) => r.id)).toEqual([rows[2]!.id, rows[1]!.id, rows[0]!.id]);
  });
});

describe("the monitoring pages", () => {
  it("show a tool's calls in the chart's title and table, the dashboard, and the all-runs log filtered", async () => {
    const session = await signIn();
    const tool = await createTool({
      name: uniqueName("charted"),
      endpoint_url: "https://monitor.example.com/v1/chart",
    });
    let n = 0;
    upstream.on("GET", "https://monitor.example.com/v1/chart", () =>
      ++n % 2 === 0 ? json({ error: "busy" }, { status: 503 }) : json({ ok: true }),
    );
    for (let i = 0; i < 4; i++) await waitForLog((await execute(tool.id)).body.execution_id);

    const chart = await (await getPage(`/ui/tools/${tool.id}/monitoring?range=7d`, session)).text();
    expect(chart).toMatch(/<svg[^>]*role="img"/);
    expect(decodeEntities(chart)).toContain(
      `<title id="calls-title">Calls of ${tool.name}, last 7 days: 4 calls</title>`,
    );
    expect(decodeEntities(chart)).toContain("4 calls in the last 7 days, 50% succeeded");

    const board = await (await getPage("/ui/monitoring?sort=errors", session)).text();
    expect(board).toContain(`href="/ui/tools/${tool.id}/monitoring?range=24h">${tool.name}</a>`);

    const runs = await (await getPage(`/ui/runs?tool=${tool.id}&status=503`, session)).text();
    expect([...runs.matchAll(/<a href="\/ui\/executions\//g)]).toHaveLength(2);
    const all = await (await getPage(`/ui/runs?tool=${tool.id}`, session)).text();
    expect([...all.matchAll(/<a href="\/ui\/executions\//g)]).toHaveLength(4);
    // The tool is chosen by name, from the tools with counted runs; the filtered one is selected.
    expect(all).toMatch(new RegExp(`<option value="${tool.id}" selected="">${tool.name}</option>`));
    const unknown = await (await getPage(`/ui/runs?tool=no-such-tool`, session)).text();
    expect(unknown).toMatch(new RegExp(`<option value="${tool.id}">${tool.name}</option>`));
    expect(unknown).toContain(`<option value="no-such-tool" selected="">no-such-tool</option>`);
  });
});

/**
 * Log rows written in groups (src/registry/log-writer.ts), through the log
 * queue when one is bound (src/registry/log-consumer.ts): every row lands
 * exactly once, a failed write is retried, a row D1 refuses takes no other
 * row with it, and a message that is not a row reaches the dead-letter queue.
 */
import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ExecutionRow } from "../src/db/schema";
import { newExecutionId } from "../src/engine/execution-id";
import worker from "../src/index";
import { insertStatements } from "../src/registry/log-batch";
import { GroupCommit, landRows } from "../src/registry/log-writer";
import { api, apiRequest, callWorker, createTool, json, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();
const ENDPOINT = "https://api.example.com/v1/logged";

function row(toolId: string, overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    id: newExecutionId(),
    toolId,
    toolName: "logged_tool",
    toolVersion: 1,
    startedAt: new Date().toISOString(),
    durationMs: 3,
    outcome: "success",
    upstreamStatus: 200,
    method: "GET",
    url: ENDPOINT,
    errorMessage: null,
    input: '{"q":"é \\" \' ✓"}',
    inputTruncated: false,
    output: '{"ok":true}',
    outputTruncated: false,
    attempts: [{ attempt: 1, status: 200, duration_ms: 3, delay_ms: 0 }] as never,
    payloadKey: null,
    detail: null,
    ...overrides,
  };
}

async function rowsOf(toolId: string): Promise<Record<string, unknown>[]> {
  const { results } = await env.DB.prepare("SELECT * FROM executions WHERE tool_id = ? ORDER BY id").bind(toolId).all();
  return results;
}

/** env.DB, failing its first `failures` statements and batches as D1 does when it is unavailable. */
function flakyDb(failures: number) {
  let left = failures;
  const calls = { statements: 0, failed: 0 };
  const fail = () => {
    calls.failed++;
    return Promise.reject(new Error("D1_ERROR: Network connection lost."));
  };
  // A batch is handed the wrapped statements: it sends the real ones underneath.
  const underlying = new WeakMap<object, D1PreparedStatement>();
  const statement = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => statement(stmt.bind(...values)),
      run: () => (calls.statements++, left-- > 0 ? fail() : stmt.run()),
      all: () => (calls.statements++, left-- > 0 ? fail() : stmt.all()),
      first: () => (calls.statements++, left-- > 0 ? fail() : stmt.first()),
      raw: () => (calls.statements++, left-- > 0 ? fail() : stmt.raw()),
    };
    underlying.set(wrapped, stmt);
    return wrapped as unknown as D1PreparedStatement;
  };
  const db = {
    prepare: (sql: string) => statement(env.DB.prepare(sql)),
    batch: (statements: D1PreparedStatement[]) => (
      calls.statements++,
      left-- > 0 ? fail() : env.DB.batch(statements.map((s) => underlying.get(s) ?? s))
    ),
    withSession: (c?: string) => env.DB.withSession(c),
  } as unknown as D1Database;
  return { db, calls };
}

describe("group commit", { timeout: 120_000 }, () => {
  it("a burst of 500 executions in one isolate leaves exactly 500 rows", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const ids = new Set<string>();
    for (let wave = 0; wave < 5; wave++) {
      const responses = await Promise.all(
        Array.from({ length: 100 }, () =>
          SELF.fetch(apiRequest(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } })).then((res) =>
            res.json<Json>(),
          ),
        ),
      );
      for (const body of responses) ids.add(body.execution_id);
    }
    expect(ids.size).toBe(500);
    await vi.waitFor(async () => expect((await rowsOf(tool.id)).length).toBe(500), { timeout: 30_000, interval: 100 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rows = await rowsOf(tool.id);
    expect(rows.length).toBe(500);
    expect(new Set(rows.map((r) => r.id))).toEqual(ids);
  });

  it("puts rows that come together in one statement: 100 at most, and a group closes after a few ms", async () => {
    const flushed: number[] = [];
    const writer = new GroupCommit(async (rows) => void flushed.push(rows.length), 5, 100);
    const appended = Array.from({ length: 250 }, () => writer.append(row("batched")));
    await Promise.all(appended);
    expect(flushed).toEqual([100, 100, 50]);
    await writer.append(row("batched"));
    expect(flushed).toEqual([100, 100, 50, 1]);
  });

  it("stores every column as the single-row insert did, in one statement per batch", async () => {
    const tool = crypto.randomUUID();
    const rows = [row(tool), row(tool, { outcome: "timeout", upstreamStatus: null, attempts: null, output: null })];
    const statements = insertStatements(env.DB, rows);
    expect(statements).toHaveLength(1);
    await landRows(env.DB, rows);
    const read = await api(`/executions/${rows[0]!.id}`);
    expect(await read.json<Json>()).toMatchObject({
      id: rows[0]!.id,
      input: { q: "é \" ' ✓" },
      input_truncated: false,
      output: { ok: true },
      attempts: [{ attempt: 1, status: 200 }],
    });
    expect(await (await api(`/executions/${rows[1]!.id}`)).json<Json>()).toMatchObject({
      outcome: "timeout",
      upstream_status: null,
      output: null,
      attempts: null,
    });
  });

  it("retries a flush that failed, and every row lands once", async () => {
    const tool = crypto.randomUUID();
    const rows = Array.from({ length: 30 }, () => row(tool));
    const flaky = flakyDb(1);
    await landRows(flaky.db, rows);
    expect(flaky.calls.failed).toBe(1);
    expect((await rowsOf(tool)).length).toBe(30);
    // Landing the same rows again (a retry after an ambiguous failure) keeps each once.
    await landRows(env.DB, rows);
    expect((await rowsOf(tool)).length).toBe(30);
  });

  it("writes the others when D1 refuses one row, and names the refused row", async () => {
    const tool = crypto.randomUUID();
    const poison = row(tool, { toolName: null as never });
    const good = [row(tool), row(tool)];
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(landRows(env.DB, [good[0]!, poison, good[1]!])).rejects.toThrow("1 execution log rows");
    expect((await rowsOf(tool)).map((r) => r.id).sort()).toEqual(good.map((r) => r.id).sort());
    const line = errors.mock.calls.map((c) => String(c[0])).find((l) => l.includes("could not be written"));
    expect(JSON.parse(line!)).toMatchObject({ count: 1, execution_ids: [poison.id] });
    expect(line).not.toContain("✓");
  });

  it("answers a recent id that is nowhere yet as pending, an old or foreign one as not found", async () => {
    const pending = await api(`/executions/${newExecutionId()}`);
    expect(pending.status).toBe(404);
    expect((await pending.json<Json>()).code).toBe("execution_pending");
    expect(pending.headers.get("retry-after")).toBe("1");
    for (const id of [newExecutionId(Date.now() - 61_000), crypto.randomUUID()]) {
      const res = await api(`/executions/${id}`);
      expect(res.status).toBe(404);
      expect((await res.json<Json>()).code).toBe("execution_not_found");
    }
  });
});

describe("the log queue", { timeout: 120_000 }, () => {
  const queued = { LOG_QUEUE: env.TEST_LOG_QUEUE };

  it("an execute's row goes through the queue and the consumer lands it; meanwhile it is pending", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const res = await callWorker(queued, `/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    const body = await res.json<Json>();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const early = await callWorker(queued, `/executions/${newExecutionId()}`);
    expect((await early.json<Json>()).code).toBe("execution_pending");
    expect(early.headers.get("retry-after")).toBe("5");
    await vi.waitFor(async () => expect((await rowsOf(tool.id)).length).toBe(1), { timeout: 20_000, interval: 100 });
    const log = await callWorker(queued, `/executions/${body.execution_id}`);
    expect(await log.json<Json>()).toMatchObject({ id: body.execution_id, outcome: "success", output: { ok: true } });
  });

  it("the consumer inserts a whole batch in one statement and acknowledges each row", async () => {
    const tool = crypto.randomUUID();
    const rows = Array.from({ length: 100 }, () => row(tool));
    const batch = createMessageBatch(
      "toolgate-logs",
      rows.map((r, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: JSON.parse(JSON.stringify(r)) })),
    );
    const counted = flakyDb(0);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, DB: counted.db }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(100);
    expect(result.retryMessages).toEqual([]);
    expect(counted.calls.statements).toBe(1);
    expect((await rowsOf(tool)).length).toBe(100);
  });

  it("a consumer that fails once still lands every row: what failed is retried, delivered again, and kept once", async () => {
    const tool = crypto.randomUUID();
    const messages = Array.from({ length: 20 }, (_, i) => ({
      id: `f${i}`,
      timestamp: new Date(),
      attempts: 1,
      body: JSON.parse(JSON.stringify(row(tool))),
    }));
    vi.spyOn(console, "error").mockImplementation(() => {});
    // D1 down for the whole first delivery: the batch and each row fail, so every message is retried.
    const first = createMessageBatch("toolgate-logs", messages);
    const ctx1 = createExecutionContext();
    await worker.queue(first, { ...env, DB: flakyDb(1000).db }, ctx1);
    const failed = await getQueueResult(first, ctx1);
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages).toHaveLength(20);
    expect(failed.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(
      messages.map((m) => m.id).sort(),
    );

    // One failure only (the batch insert): the rows are inserted one by one, and all land.
    const second = createMessageBatch(
      "toolgate-logs",
      messages.map((m) => ({ ...m, attempts: 2 })),
    );
    const ctx2 = createExecutionContext();
    await worker.queue(second, { ...env, DB: flakyDb(1).db }, ctx2);
    expect((await getQueueResult(second, ctx2)).explicitAcks).toHaveLength(20);
    expect((await rowsOf(tool)).length).toBe(20);
  });

  it("a message that is not a log row reaches the dead-letter queue; the rows beside it land", async () => {
    const tool = crypto.randomUUID();
    const marker = crypto.randomUUID();
    vi.spyOn(console, "error").mockImplementation(() => {});
    await env.TEST_LOG_QUEUE.sendBatch([
      { body: row(tool), contentType: "json" },
      { body: { poison: marker, toolId: tool }, contentType: "json" },
      { body: row(tool), contentType: "json" },
    ]);
    await vi.waitFor(
      async () => {
        const dead = await (await env.DLQ_RECORDER.fetch("https://dlq/")).json<{ body: Json }[]>();
        expect(dead.map((d) => d.body)).toContainEqual({ poison: marker, toolId: tool });
      },
      { timeout: 30_000, interval: 200 },
    );
    expect((await rowsOf(tool)).length).toBe(2);
  });
});

describe("a log row after the response", () => {
  it("is written through waitUntil, after the response was sent", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      apiRequest(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } }),
      env,
      ctx,
    );
    const body = await res.json<Json>();
    expect(await rowsOf(tool.id)).toEqual([]);
    await waitOnExecutionContext(ctx);
    expect((await rowsOf(tool.id)).map((r) => r.id)).toEqual([body.execution_id]);
  });
});

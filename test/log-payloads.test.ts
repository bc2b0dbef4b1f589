/**
 * Large log payloads in R2 (src/registry/log-payloads.ts), when LOG_PAYLOADS
 * is bound: the D1 row keeps the metadata and outcome and names the object;
 * reading the run shows the payloads as before; retention deletes the object
 * with its row. Without the bucket nothing changes (the rest of the suite).
 */
import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { R2_PAYLOAD_THRESHOLD } from "../src/registry/log-payloads";
import { purgeExecutionsBefore } from "../src/retention";
import { callWorker, createTool, json, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();
const ENDPOINT = "https://api.example.com/v1/big";
const withBucket = { LOG_PAYLOADS: env.TEST_LOG_PAYLOADS };

async function storedRow(id: string) {
  return env.DB.prepare("SELECT input, output, payload_key, outcome FROM executions WHERE id = ?").bind(id).first<{
    input: string | null;
    output: string | null;
    payload_key: string | null;
    outcome: string;
  }>();
}

async function executeWith(toolId: string, input: Record<string, unknown> = {}) {
  const res = await callWorker(withBucket, `/tools/${toolId}/execute`, { method: "POST", json: { input } });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe("large payloads in R2", () => {
  it("keeps them out of the D1 row, and shows them when the run is read, one by one or in a list", async () => {
    const items = Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item-${i}`, note: "x".repeat(40) }));
    upstream.on("POST", ENDPOINT, () => json({ items }));
    const tool = await createTool({
      method: "POST",
      endpoint_url: ENDPOINT,
      input_schema: { type: "object", properties: { q: { type: "string" } } },
    });
    const run = await executeWith(tool.id, { q: "big" });

    const row = await storedRow(run.execution_id);
    expect(row).toEqual({
      input: null,
      output: null,
      payload_key: `executions/${run.execution_id}.json`,
      outcome: "success",
    });
    const object = await env.TEST_LOG_PAYLOADS.get(row!.payload_key!);
    expect(JSON.parse(await object!.text())).toEqual({ input: '{"q":"big"}', output: JSON.stringify({ items }) });

    const one = await (await callWorker(withBucket, `/executions/${run.execution_id}`)).json<Json>();
    expect(one).toMatchObject({
      input: { q: "big" },
      output: { items },
      input_truncated: false,
      output_truncated: false,
    });
    expect(one).not.toHaveProperty("payload_key");
    const list = await (await callWorker(withBucket, `/tools/${tool.id}/executions`)).json<Json>();
    expect(list.items[0]).toMatchObject({ id: run.execution_id, input: { q: "big" }, output: { items } });
  });

  it("keeps small payloads in D1 as before", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const run = await executeWith(tool.id);
    expect(await storedRow(run.execution_id)).toEqual({
      input: "{}",
      output: '{"ok":true}',
      payload_key: null,
      outcome: "success",
    });
    expect(JSON.stringify({ ok: true }).length).toBeLessThan(R2_PAYLOAD_THRESHOLD);
  });

  it("stores a payload clipped for the log as it would be in D1, marked truncated", async () => {
    upstream.on("GET", ENDPOINT, () => json({ text: "y".repeat(40_000) }));
    const tool = await createTool({ endpoint_url: ENDPOINT, max_response_bytes: 100_000 });
    const run = await executeWith(tool.id);
    const shown = await (await callWorker(withBucket, `/executions/${run.execution_id}`)).json<Json>();
    expect(shown.output_truncated).toBe(true);
    expect(typeof shown.output).toBe("string");
    expect(shown.output.startsWith('{"text":"yyyy')).toBe(true);
    expect(shown.output.length).toBeLessThanOrEqual(16 * 1024);
  });

  it("retention deletes the object with its row", async () => {
    upstream.on("GET", ENDPOINT, () => json({ text: "z".repeat(5000) }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const run = await executeWith(tool.id);
    const key = (await storedRow(run.execution_id))!.payload_key!;
    expect(await env.TEST_LOG_PAYLOADS.head(key)).not.toBeNull();

    const report = await purgeExecutionsBefore(
      env.DB,
      new Date(Date.now() + 60_000).toISOString(),
      undefined,
      env.TEST_LOG_PAYLOADS,
    );
    expect(report.complete).toBe(true);
    expect(await storedRow(run.execution_id)).toBeNull();
    expect(await env.TEST_LOG_PAYLOADS.head(key)).toBeNull();
  });

  it("the cron trigger purges with the bucket it is bound to", async () => {
    upstream.on("GET", ENDPOINT, () => json({ text: "w".repeat(5000) }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const run = await executeWith(tool.id);
    const key = (await storedRow(run.execution_id))!.payload_key!;
    vi.spyOn(console, "log").mockImplementation(() => {});
    const controller = createScheduledController({ scheduledTime: Date.now() + 2 * 24 * 60 * 60 * 1000 });
    await worker.scheduled(controller, { ...env, LOG_RETENTION_DAYS: "1", LOG_PAYLOADS: env.TEST_LOG_PAYLOADS }, {
      waitUntil: () => {},
      passThroughOnException: () => {},
      props: {},
    } as unknown as ExecutionContext);
    expect(await storedRow(run.execution_id)).toBeNull();
    expect(await env.TEST_LOG_PAYLOADS.head(key)).toBeNull();
  });

  it("shows no payloads, and says why in the log, when the bucket is no longer bound", async () => {
    upstream.on("GET", ENDPOINT, () => json({ text: "v".repeat(5000) }));
    const tool = await createTool({ endpoint_url: ENDPOINT });
    const run = await executeWith(tool.id);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const shown = await (await callWorker({}, `/executions/${run.execution_id}`)).json<Json>();
    expect(shown).toMatchObject({ id: run.execution_id, outcome: "success", input: null, output: null });
    expect(errors.mock.calls.map((c) => String(c[0])).join("\n")).toContain("LOG_PAYLOADS is not bound");
  });
});

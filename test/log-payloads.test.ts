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
import { decodeEntities, ORIGIN, signIn } from "./ui-helpers";

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

async function storedDetail(id: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT detail FROM executions WHERE id = ?")
    .bind(id)
    .first<{ detail: string | null }>();
  return row!.detail;
}

/** Static headers whose values the run detail keeps (300 characters each): a detail of about 3,500 characters. */
function noteHeaders(): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x-note-${i}`, `note${i}-`.padEnd(290, "n")]));
}

/** The run's page, signed in, served by a Worker with the bucket bound; its text without tags. */
async function runPageText(executionId: string): Promise<string> {
  const session = await signIn();
  const res = await callWorker(withBucket, `/ui/executions/${executionId}`, {
    token: null,
    headers: { cookie: session.cookie, origin: ORIGIN },
  });
  expect(res.status).toBe(200);
  return decodeEntities(await res.text())
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");
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
    const stored = JSON.parse(await object!.text());
    expect(stored).toMatchObject({ input: '{"q":"big"}', output: JSON.stringify({ items }) });
    expect(stored.detail).toMatchObject({ request: { method: "POST", url: ENDPOINT }, response: { status: 200 } });

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

  it("moves a large run detail to R2 with the input and output, and shows it in the API and on the run page", async () => {
    upstream.on("GET", ENDPOINT, () => json({ ok: true }));
    const headers = noteHeaders();
    const tool = await createTool({ endpoint_url: ENDPOINT, headers });
    const run = await executeWith(tool.id);

    // Input and output are small: the detail alone takes the row over the threshold.
    expect(await storedRow(run.execution_id)).toEqual({
      input: null,
      output: null,
      payload_key: `executions/${run.execution_id}.json`,
      outcome: "success",
    });
    expect(await storedDetail(run.execution_id)).toBeNull();
    const object = JSON.parse(await (await env.TEST_LOG_PAYLOADS.get(`executions/${run.execution_id}.json`))!.text());
    expect(object).toMatchObject({ input: "{}", output: '{"ok":true}' });
    expect(object.detail.request.headers).toEqual(
      expect.arrayContaining(Object.entries(headers).map(([name, value]) => ({ name, value }))),
    );
    expect(object.detail.response).toMatchObject({ status: 200, body: '{"ok":true}' });

    const shown = await (await callWorker(withBucket, `/executions/${run.execution_id}`)).json<Json>();
    expect(shown).toMatchObject({ input: {}, output: { ok: true } });
    expect(shown.detail.request.headers).toEqual(
      expect.arrayContaining(Object.entries(headers).map(([name, value]) => ({ name, value }))),
    );
    expect(shown.detail.response).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(shown.detail.curl).toContain(`-H 'x-note-9: ${headers["x-note-9"]}'`);
    const list = await (await callWorker(withBucket, `/tools/${tool.id}/executions`)).json<Json>();
    expect(list.items[0].detail).toEqual(shown.detail);

    const page = await runPageText(run.execution_id);
    expect(page).toContain(`GET ${ENDPOINT}`);
    expect(page).toContain(`x-note-9 ${headers["x-note-9"]}`);
    expect(page).toContain("Status 200");
  });

  it("still shows the detail of a row written before it moved: in D1, beside an object without it", async () => {
    upstream.on("GET", ENDPOINT, () => json({ text: "u".repeat(5000) }));
    const tool = await createTool({ endpoint_url: ENDPOINT, headers: { "x-trace-note": "kept-in-d1" } });
    const run = await executeWith(tool.id);
    const key = (await storedRow(run.execution_id))!.payload_key!;
    const object = JSON.parse(await (await env.TEST_LOG_PAYLOADS.get(key))!.text());
    // Rewrite the run as the Worker stored it before: the detail in D1, the object with input and output only.
    await env.TEST_LOG_PAYLOADS.put(key, JSON.stringify({ input: object.input, output: object.output }));
    await env.DB.prepare("UPDATE executions SET detail = ? WHERE id = ?")
      .bind(JSON.stringify(object.detail), run.execution_id)
      .run();

    const shown = await (await callWorker(withBucket, `/executions/${run.execution_id}`)).json<Json>();
    expect(shown.output).toEqual({ text: "u".repeat(5000) });
    expect(shown.detail.request.headers).toContainEqual({ name: "x-trace-note", value: "kept-in-d1" });
    expect(await runPageText(run.execution_id)).toContain("x-trace-note kept-in-d1");
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
    expect(JSON.parse((await storedDetail(run.execution_id))!)).toMatchObject({ response: { status: 200 } });
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

/** Execution logs: one row per execution, for every outcome, listed newest first and kept after the tool is gone. */
import { describe, expect, it } from "vitest";
import { api, createTool, execute, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

const LOG_FIELDS = [
  "attempts",
  "detail",
  "duration_ms",
  "error_message",
  "id",
  "input",
  "input_truncated",
  "method",
  "outcome",
  "output",
  "output_truncated",
  "started_at",
  "tool_id",
  "tool_name",
  "tool_version",
  "upstream_status",
  "url",
].sort();

const LIMIT = 16 * 1024;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks the fields every log row has, whatever its outcome. */
function expectLogBasics(log: Record<string, any>, tool: Record<string, any>, executionId: string, before: number) {
  expect(Object.keys(log).sort()).toEqual(LOG_FIELDS);
  expect(log.id).toBe(executionId);
  expect(log.tool_id).toBe(tool.id);
  expect(log.tool_name).toBe(tool.name);
  expect(log.tool_version).toBe(tool.version);
  expect(typeof log.started_at).toBe("string");
  expect(log.started_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  expect(new Date(log.started_at).toISOString()).toBe(log.started_at);
  expect(Date.parse(log.started_at)).toBeGreaterThanOrEqual(before);
  expect(Date.parse(log.started_at)).toBeLessThanOrEqual(Date.now());
  expect(typeof log.duration_ms).toBe("number");
  expect(Number.isInteger(log.duration_ms)).toBe(true);
  expect(log.duration_ms).toBeGreaterThanOrEqual(0);
}

async function list(toolId: string, query = ""): Promise<{ status: number; body: Record<string, any> }> {
  const res = await api(`/tools/${toolId}/executions${query}`);
  return { status: res.status, body: await res.json<Record<string, any>>() };
}

describe("execution log rows, one per outcome", () => {
  it("success: status, method, URL without the api key, input and output", async () => {
    const tool = await createTool({
      name: uniqueName("log_success"),
      endpoint_url: "https://logs.example.com/v1/search?lang=en",
      auth_config: { type: "api_key", key_name: "appid", location: "query", value: "log-key-5521" },
      input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
    });
    upstream.on("GET", "https://logs.example.com/v1/search", () => json({ results: [{ id: 1 }] }));
    const before = Date.now();

    const { status, body } = await execute(tool.id, { q: "paris" });

    expect(status).toBe(200);
    expect(upstream.calls[0]?.url.searchParams.get("appid")).toBe("log-key-5521");
    const log = await waitForLog(body.execution_id);
    expectLogBasics(log, tool, body.execution_id, before);
    expect(log).toMatchObject({
      outcome: "success",
      upstream_status: 200,
      method: "GET",
      url: "https://logs.example.com/v1/search?lang=en&q=paris",
      error_message: null,
      input: { q: "paris" },
      input_truncated: false,
      output: { results: [{ id: 1 }] },
      output_truncated: false,
      attempts: [{ attempt: 1, delay_ms: 0, duration_ms: expect.any(Number), status: 200, error: null, redirects: 0 }],
    });
    expect(log.duration_ms).toBe(body.duration_ms);
  });

  it("input_invalid: no request, the validation errors as output", async () => {
    const tool = await createTool({
      name: uniqueName("log_input"),
      endpoint_url: "https://logs.example.com/v1/search",
      input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
    });
    const before = Date.now();

    const { status, body } = await execute(tool.id, { q: 5 });

    expect(status).toBe(422);
    expect(upstream.calls).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expectLogBasics(log, tool, body.execution_id, before);
    expect(log).toMatchObject({
      outcome: "input_invalid",
      upstream_status: null,
      method: null,
      url: null,
      error_message: "The input does not match the tool's input schema (1 error).",
      input: { q: 5 },
      input_truncated: false,
      output_truncated: false,
      attempts: null,
    });
    expect(log.output).toEqual({ errors: [expect.objectContaining({ path: "/input/q", keyword: "type" })] });
    expect(log.output).toEqual({ errors: body.errors });
  });

  it("output_invalid: the upstream status, the output validation errors and the response", async () => {
    const tool = await createTool({
      name: uniqueName("log_output"),
      method: "POST",
      endpoint_url: "https://logs.example.com/v1/orders",
      input_schema: { type: "object", properties: { sku: { type: "string" } } },
      output_schema: {
        type: "object",
        properties: { id: { type: "integer" }, total: { type: "number" } },
        required: ["id", "total"],
      },
    });
    upstream.on("POST", "https://logs.example.com/v1/orders", () => json({ id: "ord-1" }, { status: 201 }));
    const before = Date.now();

    const { status, body } = await execute(tool.id, { sku: "A-1" });

    expect(status).toBe(500);
    const log = await waitForLog(body.execution_id);
    expectLogBasics(log, tool, body.execution_id, before);
    expect(log).toMatchObject({
      outcome: "output_invalid",
      upstream_status: 201,
      method: "POST",
      url: "https://logs.example.com/v1/orders",
      error_message: "The upstream response does not match the tool's output schema (2 errors).",
      input: { sku: "A-1" },
      input_truncated: false,
      output_truncated: false,
      attempts: [expect.objectContaining({ attempt: 1, status: 201, error: null })],
    });
    expect(log.output.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "/output/id", keyword: "type" }),
        expect.objectContaining({ path: "/output/total", keyword: "required" }),
      ]),
    );
    // The response that failed is kept beside the errors, so that the run shows it and the schema can be fixed from it.
    expect(log.output).toEqual({ errors: body.errors, response: { id: "ord-1" } });
  });

  it("upstream_error: the upstream status and its body", async () => {
    const tool = await createTool({
      name: uniqueName("log_upstream"),
      endpoint_url: "https://logs.example.com/v1/status",
    });
    upstream.on("GET", "https://logs.example.com/v1/status", () =>
      json({ error: "maintenance", retry_after: 60 }, { status: 503 }),
    );
    const before = Date.now();

    const { status, body } = await execute(tool.id);

    expect(status).toBe(502);
    const log = await waitForLog(body.execution_id);
    expectLogBasics(log, tool, body.execution_id, before);
    expect(log).toMatchObject({
      outcome: "upstream_error",
      upstream_status: 503,
      method: "GET",
      url: "https://logs.example.com/v1/status",
      error_message: "The upstream API answered 503.",
      input: {},
      input_truncated: false,
      output: { error: "maintenance", retry_after: 60 },
      output_truncated: false,
      attempts: [expect.objectContaining({ attempt: 1, status: 503, error: null })],
    });
  });

  it("timeout: an upstream that never answers a tool with timeout 1", async () => {
    const tool = await createTool({
      name: uniqueName("log_timeout"),
      endpoint_url: "https://logs.example.com/v1/slow",
      timeout: 1,
    });
    upstream.on("GET", "https://logs.example.com/v1/slow", () => new Promise<Response>(() => {}));
    const before = Date.now();

    const { status, body } = await execute(tool.id);

    expect(status).toBe(504);
    expect(body.code).toBe("upstream_timeout");
    const log = await waitForLog(body.execution_id);
    expectLogBasics(log, tool, body.execution_id, before);
    expect(log).toMatchObject({
      outcome: "timeout",
      upstream_status: null,
      method: "GET",
      url: "https://logs.example.com/v1/slow",
      error_message: "The upstream API did not answer within the tool's timeout of 1 s.",
      input: {},
      output: null,
      output_truncated: false,
      attempts: [expect.objectContaining({ attempt: 1, status: null, error: "timeout" })],
    });
    expect(log.duration_ms).toBeGreaterThanOrEqual(1000);
    expect(log.duration_ms).toBeLessThan(10_000);
  });

  it("network_error: an upstream that cannot be reached", async () => {
    const tool = await createTool({
      name: uniqueName("log_network"),
      method: "DELETE",
      endpoint_url: "https://logs.example.com/v1/items/{item_id}",
      input_schema: { type: "object", properties: { item_id: { type: "string" } }, required: ["item_id"] },
    });
    upstream.on("DELETE", "https://logs.example.com/v1/items/it%2F7", () => {
      throw new TypeError("Network connection lost.");
    });
    const before = Date.now();

    const { status, body } = await execute(tool.id, { item_id: "it/7" });

    expect(status).toBe(502);
    expect(body.code).toBe("upstream_unreachable");
    const log = await waitForLog(body.execution_id);
    expectLogBasics(log, tool, body.execution_id, before);
    expect(log).toMatchObject({
      outcome: "network_error",
      upstream_status: null,
      method: "DELETE",
      url: "https://logs.example.com/v1/items/it%2F7",
      error_message: "The upstream API could not be reached (DNS, connection or TLS failure).",
      input: { item_id: "it/7" },
      output: null,
      attempts: [expect.objectContaining({ attempt: 1, status: null, error: "network_error" })],
    });
  });

  it("auth_error: the OAuth2 token endpoint refuses the client", async () => {
    const tool = await createTool({
      name: uniqueName("log_auth"),
      endpoint_url: "https://logs.example.com/v1/private",
      auth_config: {
        type: "oauth2",
        token_url: "https://auth.example.com/logs/token",
        client_id: uniqueName("client"),
        client_secret: "log-client-secret-1",
      },
    });
    upstream.on("POST", "https://auth.example.com/logs/token", () =>
      json({ error: "invalid_client", error_description: "Client authentication failed." }, { status: 401 }),
    );
    const before = Date.now();

    const { status, body } = await execute(tool.id);

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "token_error", token_status: 401, oauth_error: "invalid_client" });
    expect(upstream.callsTo("https://logs.example.com/v1/private")).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expectLogBasics(log, tool, body.execution_id, before);
    expect(log).toMatchObject({
      outcome: "auth_error",
      upstream_status: null,
      method: "GET",
      url: "https://logs.example.com/v1/private",
      error_message:
        'Fetching an OAuth2 access token failed. The token endpoint answered 401 with error "invalid_client".',
      input: {},
      output: null,
      // The token request failed, so the API itself was never attempted.
      attempts: [],
    });
  });

  it("auth_error: the OAuth2 token endpoint cannot be reached", async () => {
    const tool = await createTool({
      name: uniqueName("log_auth_net"),
      endpoint_url: "https://logs.example.com/v1/private",
      auth_config: {
        type: "oauth2",
        token_url: "https://auth.example.com/logs/down",
        client_id: uniqueName("client"),
        client_secret: "log-client-secret-2",
      },
    });
    upstream.on("POST", "https://auth.example.com/logs/down", () => {
      throw new TypeError("Network connection lost.");
    });

    const { status, body } = await execute(tool.id);

    expect(status).toBe(502);
    expect(body.code).toBe("token_endpoint_unreachable");
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({
      outcome: "auth_error",
      upstream_status: null,
      error_message: "The OAuth2 token endpoint could not be reached.",
      output: null,
    });
  });

  it("records the tool's name and version at the time of each execution", async () => {
    const tool = await createTool({ name: uniqueName("log_v1"), endpoint_url: "https://logs.example.com/v1/ver" });
    upstream.on("GET", "https://logs.example.com/v1/ver", () => json({ ok: true }));
    const first = await execute(tool.id);
    const renamed = uniqueName("log_v2");
    const put = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: { name: renamed, execution_type: "http_request", method: "GET", endpoint_url: tool.endpoint_url },
    });
    expect(put.status).toBe(200);
    const second = await execute(tool.id);

    expect(second.body.tool_version).toBe(2);
    expect(await waitForLog(first.body.execution_id)).toMatchObject({ tool_name: tool.name, tool_version: 1 });
    expect(await waitForLog(second.body.execution_id)).toMatchObject({ tool_name: renamed, tool_version: 2 });
  });
});

describe("log payload truncation", () => {
  async function blobTool(): Promise<Record<string, any>> {
    return createTool({
      name: uniqueName("log_blob"),
      method: "POST",
      endpoint_url: "https://logs.example.com/v1/blob",
      input_schema: { type: "object", properties: { blob: { type: "string" } } },
    });
  }

  it("keeps the first 16 KiB of an input and of an output over the limit, as strings", async () => {
    const tool = await blobTool();
    const bigOutput = { data: "y".repeat(20_000) };
    upstream.on("POST", "https://logs.example.com/v1/blob", () => json(bigOutput));
    const input = { blob: "x".repeat(20_000) };

    const { status, body } = await execute(tool.id, input);

    expect(status).toBe(200);
    expect(body.output).toEqual(bigOutput); // the caller still gets all of it
    const log = await waitForLog(body.execution_id);
    expect(log.input_truncated).toBe(true);
    expect(typeof log.input).toBe("string");
    expect(log.input).toHaveLength(LIMIT);
    expect(log.input).toBe(JSON.stringify(input).slice(0, LIMIT));
    expect(log.output_truncated).toBe(true);
    expect(typeof log.output).toBe("string");
    expect(log.output).toHaveLength(LIMIT);
    expect(log.output).toBe(JSON.stringify(bigOutput).slice(0, LIMIT));
  });

  it("keeps an input of exactly 16 KiB of JSON whole, and truncates one a character longer", async () => {
    const tool = await blobTool();
    upstream.on("POST", "https://logs.example.com/v1/blob", () => json({ ok: true }));
    const exact = { blob: "e".repeat(LIMIT - '{"blob":""}'.length) };
    expect(JSON.stringify(exact)).toHaveLength(LIMIT);
    const over = { blob: `${exact.blob}e` };

    const atLimit = await execute(tool.id, exact);
    const overLimit = await execute(tool.id, over);

    const kept = await waitForLog(atLimit.body.execution_id);
    expect(kept.input_truncated).toBe(false);
    expect(kept.input).toEqual(exact);
    const cut = await waitForLog(overLimit.body.execution_id);
    expect(cut.input_truncated).toBe(true);
    expect(cut.input).toBe(JSON.stringify(over).slice(0, LIMIT));
  });

  it("logs the 4096-character preview of a long upstream error body", async () => {
    const tool = await blobTool();
    upstream.on(
      "POST",
      "https://logs.example.com/v1/blob",
      () => new Response("z".repeat(30_000), { status: 500, headers: { "content-type": "text/plain" } }),
    );

    const { status, body } = await execute(tool.id, { blob: "small" });

    expect(status).toBe(502);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("upstream_error");
    expect(log.input).toEqual({ blob: "small" });
    expect(log.input_truncated).toBe(false);
    // The upstream body is previewed (4096 characters) before it is logged, so it fits.
    expect(log.output_truncated).toBe(false);
    expect(log.output).toBe(`${"z".repeat(4096)}… (truncated)`);
  });

  it("cuts an input over the limit before, not inside, a character outside the BMP", async () => {
    const tool = await blobTool();
    upstream.on("POST", "https://logs.example.com/v1/blob", () => json({ ok: true }));
    // `{"blob":"` is 9 code units; each emoji is 2, so the code unit at index 16383 is a high surrogate.
    const input = { blob: "😀".repeat(9_000) };
    const text = JSON.stringify(input);
    expect(text.charCodeAt(LIMIT - 1)).toBeGreaterThanOrEqual(0xd800);
    expect(text.charCodeAt(LIMIT - 1)).toBeLessThan(0xdc00);

    const { status, body } = await execute(tool.id, input);

    expect(status).toBe(200);
    const log = await waitForLog(body.execution_id);
    expect(log.input_truncated).toBe(true);
    expect(typeof log.input).toBe("string");
    // A prefix of the input's JSON, cut before the pair rather than inside it: no lone surrogate
    // (which D1 stores as three U+FFFD), and at most 16 KiB.
    expect(log.input).not.toContain("\uFFFD");
    expect(log.input.length).toBeGreaterThanOrEqual(LIMIT - 1);
    expect(log.input.length).toBeLessThanOrEqual(LIMIT);
    expect(text.startsWith(log.input)).toBe(true);
  });
});

describe("GET /tools/{id}/executions", () => {
  it("lists newest first, two at a time, with next_cursor", async () => {
    const tool = await createTool({
      name: uniqueName("log_pages"),
      endpoint_url: "https://logs.example.com/v1/page",
      input_schema: { type: "object", properties: { n: { type: "integer" } } },
    });
    upstream.on("GET", "https://logs.example.com/v1/page", () => json({ ok: true }));
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const { body } = await execute(tool.id, { n });
      ids.push(body.execution_id);
      await waitForLog(body.execution_id);
      await sleep(5);
    }

    const first = await list(tool.id, "?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: any) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.items.map((e: any) => e.input)).toEqual([{ n: 3 }, { n: 2 }]);
    expect(typeof first.body.next_cursor).toBe("string");

    const second = await list(tool.id, `?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.items.map((e: any) => e.id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();

    const all = await list(tool.id);
    expect(all.body.items.map((e: any) => e.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(all.body.next_cursor).toBeNull();
    const exactFit = await list(tool.id, "?limit=3");
    expect(exactFit.body.items).toHaveLength(3);
    expect(exactFit.body.next_cursor).toBeNull();

    // The items are the same rows GET /executions/{id} returns.
    expect(all.body.items[0]).toEqual(await waitForLog(ids[2]!));
  });

  it("filters by ?outcome=, also across pages", async () => {
    const tool = await createTool({
      name: uniqueName("log_filter"),
      endpoint_url: "https://logs.example.com/v1/filter",
      input_schema: { type: "object", properties: { fail: { type: "boolean" } }, required: ["fail"] },
    });
    upstream.on("GET", "https://logs.example.com/v1/filter", (req) =>
      req.url.searchParams.get("fail") === "true" ? json({ error: "boom" }, { status: 500 }) : json({ ok: true }),
    );
    const runs = [
      await execute(tool.id, { fail: false }),
      await execute(tool.id, {}),
      await execute(tool.id, { fail: true }),
      await execute(tool.id, { fail: false }),
    ];
    expect(runs.map((r) => r.status)).toEqual([200, 422, 502, 200]);
    for (const run of runs) await waitForLog(run.body.execution_id);
    const [okOld, invalid, failed, okNew] = runs.map((r) => r.body.execution_id as string);

    const success = await list(tool.id, "?outcome=success");
    expect(success.status).toBe(200);
    expect(new Set(success.body.items.map((e: any) => e.id))).toEqual(new Set([okOld, okNew]));
    expect(success.body.items.every((e: any) => e.outcome === "success")).toBe(true);

    expect((await list(tool.id, "?outcome=input_invalid")).body.items.map((e: any) => e.id)).toEqual([invalid]);
    expect((await list(tool.id, "?outcome=upstream_error")).body.items.map((e: any) => e.id)).toEqual([failed]);
    expect(await list(tool.id, "?outcome=timeout")).toEqual({ status: 200, body: { items: [], next_cursor: null } });

    const page1 = await list(tool.id, "?outcome=success&limit=1");
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await list(tool.id, `?outcome=success&limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.next_cursor).toBeNull();
    expect(new Set([page1.body.items[0].id, page2.body.items[0].id])).toEqual(new Set([okOld, okNew]));

    const all = await list(tool.id);
    expect(all.body.items).toHaveLength(4);
  });

  it("refuses an unknown outcome, a bad limit and a forged cursor", async () => {
    const tool = await createTool({ name: uniqueName("log_bad_query") });

    const outcome = await list(tool.id, "?outcome=exploded");
    expect(outcome.status).toBe(422);
    expect(outcome.body.code).toBe("invalid_request");
    expect(outcome.body.errors).toEqual([expect.objectContaining({ path: "/query/outcome" })]);

    for (const limit of ["0", "101", "two"]) {
      const res = await list(tool.id, `?limit=${limit}`);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: "/query/limit" })]);
    }

    const cursor = await list(tool.id, "?cursor=not-a-cursor");
    expect(cursor.status).toBe(400);
    expect(cursor.body.code).toBe("invalid_cursor");
  });

  it("answers 404 for a tool that never existed, and an empty page for one with no executions", async () => {
    const missing = await list("00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("tool_not_found");

    const tool = await createTool({ name: uniqueName("log_empty") });
    expect(await list(tool.id)).toEqual({ status: 200, body: { items: [], next_cursor: null } });

    const unknown = await api("/executions/00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(404);
    expect((await unknown.json<Record<string, any>>()).code).toBe("execution_not_found");
  });

  it("keeps a deleted tool's logs readable", async () => {
    const tool = await createTool({
      name: uniqueName("log_deleted"),
      endpoint_url: "https://logs.example.com/v1/gone",
    });
    upstream.on("GET", "https://logs.example.com/v1/gone", () => json({ ok: true }));
    const first = await execute(tool.id);
    const second = await execute(tool.id, { extra: 1 });
    const logs = [await waitForLog(first.body.execution_id), await waitForLog(second.body.execution_id)];

    const del = await api(`/tools/${tool.id}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    expect((await api(`/tools/${tool.id}`)).status).toBe(404);

    const listed = await list(tool.id);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);
    expect(new Set(listed.body.items.map((e: any) => e.id))).toEqual(
      new Set([first.body.execution_id, second.body.execution_id]),
    );
    expect(listed.body.items.every((e: any) => e.tool_name === tool.name)).toBe(true);
    for (const log of logs) {
      const res = await api(`/executions/${log.id}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(log);
    }
    // A filter that matches nothing still answers 200 for a deleted tool that has logs.
    expect(await list(tool.id, "?outcome=timeout")).toEqual({ status: 200, body: { items: [], next_cursor: null } });
  });
});

/**
 * Retries and the response size cap, through the Worker: the tool fields,
 * what is retried and what is not, Retry-After, the timeout that bounds it
 * all, and the attempts in the log. Delays are kept to a few milliseconds;
 * the exact delay arithmetic is tested with a fake clock in retry.test.ts.
 */
import { describe, expect, it } from "vitest";
import { api, createTool, execute, httpTool, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

const FAST = { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 };

async function refused(body: Record<string, unknown>) {
  const res = await api("/tools", { method: "POST", json: httpTool(body) });
  const problem = await res.json<Record<string, any>>();
  expect(res.status, JSON.stringify(problem)).toBe(422);
  return problem;
}

describe("the retry and max_response_bytes fields", () => {
  it("fills in the retry defaults, and null means one attempt", async () => {
    const tool = await createTool({ retry: {} });
    expect(tool.retry).toEqual({
      max_attempts: 3,
      base_delay_ms: 200,
      max_delay_ms: 5000,
      retry_non_idempotent: false,
    });
    expect((await createTool()).retry).toBeNull();
    expect((await createTool({ retry: null })).retry).toBeNull();
  });

  it("is replaced by PUT like every other field", async () => {
    const tool = await createTool({ retry: FAST, max_response_bytes: 2048 });
    const res = await api(`/tools/${tool.id}`, { method: "PUT", json: httpTool({ name: tool.name }) });
    expect(await res.json()).toMatchObject({ retry: null, max_response_bytes: 5 * 1024 * 1024, version: 2 });
  });

  it.each([
    [{ retry: { max_attempts: 0 } }, "/retry/max_attempts"],
    [{ retry: { max_attempts: 11 } }, "/retry/max_attempts"],
    [{ retry: { max_attempts: 2.5 } }, "/retry/max_attempts"],
    [{ retry: { base_delay_ms: 0 } }, "/retry/base_delay_ms"],
    [{ retry: { max_delay_ms: 60_001 } }, "/retry/max_delay_ms"],
    [{ retry: { base_delay_ms: 500, max_delay_ms: 100 } }, "/retry/max_delay_ms"],
    [{ retry: { retry_non_idempotent: "yes" } }, "/retry/retry_non_idempotent"],
    [{ retry: 3 }, "/retry"],
    [{ max_response_bytes: 0 }, "/max_response_bytes"],
    [{ max_response_bytes: 16 * 1024 * 1024 + 1 }, "/max_response_bytes"],
    [{ max_response_bytes: "1MB" }, "/max_response_bytes"],
  ])("refuses %j at %s", async (fields, path) => {
    const problem = await refused(fields);
    expect(problem.code).toBe("invalid_request");
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  it("refuses both on a function tool", async () => {
    const res = await api("/tools", {
      method: "POST",
      json: {
        name: uniqueName("fn"),
        execution_type: "function",
        function_name: "current_time",
        retry: FAST,
        max_response_bytes: 1024,
      },
    });
    const problem = await res.json<Record<string, any>>();
    expect(res.status).toBe(422);
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(["/max_response_bytes", "/retry"]);
  });
});

describe("retries", () => {
  const URL_ = "https://retry.example.com/v1/items";

  function answers(...responses: (() => Response)[]) {
    upstream.on("GET", URL_, () => (responses.shift() ?? (() => json({ extra: true })))());
  }

  it("retries 503 and 429 on a GET and logs every attempt", async () => {
    const tool = await createTool({ endpoint_url: URL_, retry: FAST });
    answers(
      () => json({ error: "busy" }, { status: 503 }),
      () => json({ error: "slow down" }, { status: 429, headers: { "retry-after": "0" } }),
      () => json({ items: [1] }),
    );
    const run = await execute(tool.id);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.output).toEqual({ items: [1] });
    expect(upstream.calls).toHaveLength(3);
    const log = await waitForLog(run.body.execution_id);
    expect(log.attempts).toEqual([
      { attempt: 1, delay_ms: 0, duration_ms: expect.any(Number), status: 503, error: null, redirects: 0 },
      {
        attempt: 2,
        delay_ms: expect.any(Number),
        duration_ms: expect.any(Number),
        status: 429,
        error: null,
        redirects: 0,
      },
      // Retry-After: 0 replaces the backoff.
      { attempt: 3, delay_ms: 0, duration_ms: expect.any(Number), status: 200, error: null, redirects: 0 },
    ]);
    expect(log.attempts[1].delay_ms).toBeLessThanOrEqual(1);
  });

  it.each([502, 504])("retries %i", async (status) => {
    const tool = await createTool({ endpoint_url: URL_, retry: FAST });
    answers(
      () => json({}, { status }),
      () => json({ ok: true }),
    );
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.calls).toHaveLength(2);
  });

  it("retries a reset connection", async () => {
    const tool = await createTool({ endpoint_url: URL_, retry: FAST });
    answers(
      () => {
        throw new TypeError("Network connection lost.");
      },
      () => json({ ok: true }),
    );
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    const log = await waitForLog(run.body.execution_id);
    expect(log.attempts.map((a: { status: number | null; error: string | null }) => a.status ?? a.error)).toEqual([
      "network_error",
      200,
    ]);
  });

  it("gives up after max_attempts with the last answer: 502 upstream_error", async () => {
    const tool = await createTool({ endpoint_url: URL_, retry: FAST });
    upstream.on("GET", URL_, () => json({ error: "down" }, { status: 503 }));
    const run = await execute(tool.id);
    expect(run.status).toBe(502);
    expect(run.body).toMatchObject({ code: "upstream_error", upstream_status: 503, upstream_body: { error: "down" } });
    expect(upstream.calls).toHaveLength(3);
    expect((await waitForLog(run.body.execution_id)).attempts).toHaveLength(3);
  });

  it("does not retry without a retry policy, nor a 500, nor a 4xx", async () => {
    for (const [retry, status] of [
      [null, 503],
      [FAST, 500],
      [FAST, 404],
      [FAST, 408],
    ] as const) {
      const url = `https://retry.example.com/once/${status}/${retry ? "policy" : "none"}`;
      const tool = await createTool({ endpoint_url: url, retry });
      upstream.on("GET", url, () => json({}, { status }));
      expect((await execute(tool.id)).status).toBe(502);
      expect(upstream.callsTo(url), url).toHaveLength(1);
    }
  });

  it("does not retry a POST unless the tool opts in", async () => {
    const url = "https://retry.example.com/v1/orders";
    const plain = await createTool({ method: "POST", endpoint_url: url, retry: FAST });
    upstream.on("POST", url, () => json({}, { status: 503 }));
    expect((await execute(plain.id)).status).toBe(502);
    expect(upstream.calls).toHaveLength(1);

    const optedIn = await createTool({
      method: "POST",
      endpoint_url: url,
      retry: { ...FAST, retry_non_idempotent: true },
    });
    expect((await execute(optedIn.id)).status).toBe(502);
    expect(upstream.calls).toHaveLength(1 + 3);
    expect(upstream.calls.every((c) => c.body === "{}" || c.body === "")).toBe(true);
  });

  it("ends the retries when Retry-After asks for longer than max_delay_ms", async () => {
    const tool = await createTool({ endpoint_url: URL_, retry: FAST });
    upstream.on("GET", URL_, () => json({ error: "quota" }, { status: 429, headers: { "retry-after": "120" } }));
    const started = Date.now();
    const run = await execute(tool.id);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(run.body).toMatchObject({ code: "upstream_error", upstream_status: 429 });
    expect(upstream.calls).toHaveLength(1);
  });

  it("stays within the tool's timeout, whatever the policy allows", async () => {
    const tool = await createTool({
      endpoint_url: URL_,
      timeout: 1,
      retry: { max_attempts: 10, base_delay_ms: 300, max_delay_ms: 300 },
    });
    upstream.on("GET", URL_, () => json({}, { status: 503 }));
    const started = Date.now();
    const run = await execute(tool.id);
    const elapsed = Date.now() - started;
    expect(run.body).toMatchObject({ code: "upstream_error", upstream_status: 503 });
    expect(elapsed).toBeLessThan(1500);
    const log = await waitForLog(run.body.execution_id);
    const waited = log.attempts.reduce((sum: number, a: { delay_ms: number }) => sum + a.delay_ms, 0);
    expect(waited).toBeLessThan(1000);
    expect(log.attempts.length).toBe(upstream.calls.length);
  });

  it("an attempt that hangs ends the execution at the timeout: 504, both attempts logged", async () => {
    const tool = await createTool({ endpoint_url: URL_, timeout: 1, retry: FAST });
    answers(
      () => json({}, { status: 503 }),
      () => new Promise<Response>(() => {}) as unknown as Response,
    );
    const run = await execute(tool.id);
    expect(run.status).toBe(504);
    expect(run.body.code).toBe("upstream_timeout");
    const log = await waitForLog(run.body.execution_id);
    expect(log).toMatchObject({ outcome: "timeout" });
    expect(log.attempts.map((a: { status: number | null; error: string | null }) => a.status ?? a.error)).toEqual([
      503,
      "timeout",
    ]);
  });

  it("a refreshed OAuth2 token continues the attempt count", async () => {
    const tokenUrl = "https://auth.retry.example.com/token";
    let issued = 0;
    upstream.on("POST", tokenUrl, () =>
      json({ access_token: `at-retry-${++issued}`, token_type: "Bearer", expires_in: 3600 }),
    );
    const tool = await createTool({
      endpoint_url: URL_,
      retry: FAST,
      auth_config: { type: "oauth2", token_url: tokenUrl, client_id: uniqueName("c"), client_secret: "retry-secret-1" },
    });
    upstream.on("GET", URL_, (req) =>
      req.headers.get("authorization") === "Bearer at-retry-2" ? json({ ok: true }) : json({}, { status: 401 }),
    );
    // The first execution caches at-retry-1, which is then refused.
    expect((await execute(tool.id)).status).toBe(502);
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    const log = await waitForLog(run.body.execution_id);
    expect(log.attempts.map((a: { attempt: number; status: number }) => [a.attempt, a.status])).toEqual([
      [1, 401],
      [2, 200],
    ]);
  });
});

describe("max_response_bytes", () => {
  it("reads a body up to the tool's limit and refuses one byte more", async () => {
    const tool = await createTool({ endpoint_url: "https://size.example.com/v1/blob", max_response_bytes: 1024 });
    let size = 1024;
    upstream.on("GET", "https://size.example.com/v1/blob", () => new Response("a".repeat(size)));
    const fits = await execute(tool.id);
    expect(fits.status).toBe(200);
    expect(fits.body.output).toHaveLength(1024);

    size = 1025;
    const over = await execute(tool.id);
    expect(over.status).toBe(502);
    expect(over.body).toMatchObject({ code: "response_too_large", limit_bytes: 1024, upstream_status: 200 });
    const log = await waitForLog(over.body.execution_id);
    expect(log).toMatchObject({ outcome: "upstream_error", upstream_status: 200 });
  });

  it("counts bytes, not characters", async () => {
    const tool = await createTool({ endpoint_url: "https://size.example.com/v1/utf8", max_response_bytes: 10 });
    upstream.on("GET", "https://size.example.com/v1/utf8", () => new Response("ééééé€")); // 13 bytes, 6 characters
    expect((await execute(tool.id)).body.code).toBe("response_too_large");
  });
});

/**
 * Faults, each with its documented status, code and log row (README,
 * "Execution"): upstreams that hang, reset, drip, overflow, lie about their
 * content, and OAuth2 token endpoints that are down, refuse the client, or
 * are vague about expiry.
 */
import { describe, expect, it } from "vitest";
import { createTool, execute, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

const API = "https://faults.example.com/v1";

/** Asserts the problem and the log row of a failed execution; returns the log row. */
async function expectFailure(
  run: { status: number; body: Record<string, any>; res: Response },
  status: number,
  code: string,
  outcome: string,
): Promise<Record<string, any>> {
  expect(run.status, JSON.stringify(run.body)).toBe(status);
  expect(run.res.headers.get("content-type")).toBe("application/problem+json");
  expect(run.body).toMatchObject({ status, code, execution_id: expect.any(String) });
  const log = await waitForLog(run.body.execution_id);
  expect(log).toMatchObject({ outcome, error_message: run.body.detail });
  return log;
}

/**
 * A body that sends one byte every `everyMs`, forever, and records whether it
 * was cancelled. Built inside the upstream handler: its timers must belong to
 * the Worker's request, not to the test.
 */
function drip(everyMs: number, state: { cancelled: boolean; sent: number }) {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, everyMs));
      state.sent++;
      controller.enqueue(new Uint8Array([0x20]));
    },
    cancel() {
      state.cancelled = true;
    },
  });
}

describe("upstream faults", () => {
  it("hangs: 504 upstream_timeout after the tool's timeout", async () => {
    const tool = await createTool({ endpoint_url: `${API}/hang`, timeout: 1 });
    upstream.on("GET", `${API}/hang`, () => new Promise<Response>(() => {}));
    const started = Date.now();
    const log = await expectFailure(await execute(tool.id), 504, "upstream_timeout", "timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(log.attempts).toEqual([expect.objectContaining({ error: "timeout" })]);
  });

  it("resets the connection: 502 upstream_unreachable", async () => {
    const tool = await createTool({ endpoint_url: `${API}/reset` });
    upstream.on("GET", `${API}/reset`, () => {
      throw new TypeError("Network connection lost.");
    });
    const run = await execute(tool.id);
    const log = await expectFailure(run, 502, "upstream_unreachable", "network_error");
    expect(JSON.stringify(run.body)).not.toContain("Network connection lost");
    expect(log.attempts).toEqual([expect.objectContaining({ error: "network_error" })]);
  });

  it("resets in the middle of the body: 502 upstream_unreachable", async () => {
    const tool = await createTool({ endpoint_url: `${API}/reset-body` });
    upstream.on("GET", `${API}/reset-body`, () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new TypeError("Network connection lost."));
          sent = true;
          controller.enqueue(new TextEncoder().encode('{"partial":'));
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    });
    await expectFailure(await execute(tool.id), 502, "upstream_unreachable", "network_error");
  });

  it("drips its body slower than the timeout allows: 504, and the stream is cancelled", async () => {
    const tool = await createTool({ endpoint_url: `${API}/drip`, timeout: 1 });
    const state = { cancelled: false, sent: 0 };
    upstream.on(
      "GET",
      `${API}/drip`,
      () => new Response(drip(100, state), { headers: { "content-type": "text/plain" } }),
    );
    const started = Date.now();
    const log = await expectFailure(await execute(tool.id), 504, "upstream_timeout", "timeout");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(state.sent).toBeGreaterThan(3);
    expect(state.cancelled).toBe(true);
    // The headers arrived in time: the attempt succeeded, the body did not.
    expect(log.attempts).toEqual([expect.objectContaining({ status: 200, error: null })]);
  });

  it("sends a body larger than the tool allows: 502 response_too_large, stream cancelled", async () => {
    const tool = await createTool({ endpoint_url: `${API}/huge`, max_response_bytes: 4096 });
    let pulled = 0;
    let cancelled = false;
    upstream.on(
      "GET",
      `${API}/huge`,
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              pulled++;
              controller.enqueue(new Uint8Array(1024));
            },
            cancel() {
              cancelled = true;
            },
          }),
        ),
    );
    const run = await execute(tool.id);
    const log = await expectFailure(run, 502, "response_too_large", "upstream_error");
    expect(run.body).toMatchObject({ limit_bytes: 4096, upstream_status: 200 });
    expect(log.upstream_status).toBe(200);
    expect(pulled).toBeLessThan(10);
    expect(cancelled).toBe(true);
  });

  it("declares JSON but sends something else: 502 upstream_invalid_json", async () => {
    const tool = await createTool({ endpoint_url: `${API}/bad-json` });
    upstream.on(
      "GET",
      `${API}/bad-json`,
      () => new Response("{'not': json,}", { headers: { "content-type": "application/json" } }),
    );
    const run = await execute(tool.id);
    const log = await expectFailure(run, 502, "upstream_invalid_json", "upstream_error");
    expect(log.upstream_status).toBe(200);
  });

  it("sends HTML where the output schema wants an object: 500 output_invalid", async () => {
    const tool = await createTool({
      endpoint_url: `${API}/html`,
      output_schema: { type: "object", properties: { id: { type: "integer" } }, required: ["id"] },
    });
    upstream.on(
      "GET",
      `${API}/html`,
      () => new Response("<html><body>Login</body></html>", { headers: { "content-type": "text/html" } }),
    );
    const run = await execute(tool.id);
    await expectFailure(run, 500, "output_invalid", "output_invalid");
    expect(run.body.errors).toEqual([expect.objectContaining({ path: "/output", keyword: "type" })]);
  });

  it("labels JSON as text/plain: without an output schema it is returned as the text it claims to be", async () => {
    const tool = await createTool({ endpoint_url: `${API}/mislabelled` });
    upstream.on(
      "GET",
      `${API}/mislabelled`,
      () => new Response('{"id":1}', { headers: { "content-type": "text/plain" } }),
    );
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    expect(run.body.output).toBe('{"id":1}');
    expect((await waitForLog(run.body.execution_id)).outcome).toBe("success");
  });
});

describe("token endpoint faults", () => {
  function oauthTool(tokenUrl: string, timeout = 30) {
    return createTool({
      endpoint_url: `${API}/private`,
      timeout,
      auth_config: {
        type: "oauth2",
        token_url: tokenUrl,
        client_id: uniqueName("fault-client"),
        client_secret: "fault-client-secret",
      },
    });
  }

  it("is down: 502 token_endpoint_unreachable, and the API is never called", async () => {
    const tokenUrl = "https://auth.faults.example.com/down";
    const tool = await oauthTool(tokenUrl);
    upstream.on("POST", tokenUrl, () => {
      throw new TypeError("Network connection lost.");
    });
    const log = await expectFailure(await execute(tool.id), 502, "token_endpoint_unreachable", "auth_error");
    expect(upstream.callsTo(`${API}/private`)).toHaveLength(0);
    expect(log.attempts).toEqual([]);
  });

  it("hangs: 504 upstream_timeout naming the token endpoint", async () => {
    const tokenUrl = "https://auth.faults.example.com/hang";
    const tool = await oauthTool(tokenUrl, 1);
    upstream.on("POST", tokenUrl, () => new Promise<Response>(() => {}));
    const run = await execute(tool.id);
    await expectFailure(run, 504, "upstream_timeout", "timeout");
    expect(run.body.detail).toContain("token endpoint");
  });

  it("answers invalid_client: 502 token_error with the OAuth error code", async () => {
    const tokenUrl = "https://auth.faults.example.com/refuse";
    const tool = await oauthTool(tokenUrl);
    upstream.on("POST", tokenUrl, () =>
      json({ error: "invalid_client", error_description: "fault-client-secret is wrong" }, { status: 401 }),
    );
    const run = await execute(tool.id);
    await expectFailure(run, 502, "token_error", "auth_error");
    expect(run.body).toMatchObject({ token_status: 401, oauth_error: "invalid_client" });
    expect(JSON.stringify(run.body)).not.toContain("fault-client-secret");
    expect(upstream.callsTo(`${API}/private`)).toHaveLength(0);
  });

  it("redirects: 502 token_error, and the redirect is not followed with the client credentials", async () => {
    const tokenUrl = "https://auth.faults.example.com/moved";
    const tool = await oauthTool(tokenUrl);
    upstream.on(
      "POST",
      tokenUrl,
      () => new Response(null, { status: 307, headers: { location: "https://evil.example.net/t" } }),
    );
    const run = await execute(tool.id);
    await expectFailure(run, 502, "token_error", "auth_error");
    expect(run.body.detail).toContain("token requests do not follow redirects");
    expect(upstream.calls).toHaveLength(1);
  });

  it("omits expires_in: the token is used and cached for the documented 300 s", async () => {
    const tokenUrl = "https://auth.faults.example.com/no-expiry";
    const tool = await oauthTool(tokenUrl);
    upstream.on("POST", tokenUrl, () => json({ access_token: "at-no-expiry-1", token_type: "Bearer" }));
    upstream.on("GET", `${API}/private`, () => json({ ok: true }));
    for (let i = 0; i < 2; i++) {
      const run = await execute(tool.id);
      expect(run.status).toBe(200);
      expect((await waitForLog(run.body.execution_id)).outcome).toBe("success");
    }
    expect(upstream.callsTo(tokenUrl)).toHaveLength(1);
  });

  it("sends expires_in: 0: the token is used for this call and never cached", async () => {
    const tokenUrl = "https://auth.faults.example.com/zero";
    const tool = await oauthTool(tokenUrl);
    let issued = 0;
    upstream.on("POST", tokenUrl, () =>
      json({ access_token: `at-zero-${++issued}`, token_type: "Bearer", expires_in: 0 }),
    );
    upstream.on("GET", `${API}/private`, (req) => json({ seen: req.headers.get("authorization") }));
    for (const expected of ["Bearer at-zero-1", "Bearer at-zero-2"]) {
      const run = await execute(tool.id);
      expect(run.status).toBe(200);
      expect(run.body.output).toEqual({ seen: "Bearer [REDACTED]" });
      expect(upstream.calls.at(-1)?.headers.get("authorization")).toBe(expected);
      expect((await waitForLog(run.body.execution_id)).outcome).toBe("success");
    }
    expect(upstream.callsTo(tokenUrl)).toHaveLength(2);
  });
});

/**
 * One test per error status: every error is RFC 9457 problem+json with the
 * HTTP status in `status`, a stable `code`, and nothing written for a debugger.
 */
import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  api,
  callWorker,
  createTool,
  httpTool,
  json,
  uniqueName,
  useUpstream,
  waitForLog,
} from "./helpers";

const upstream = useUpstream();

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  502: "Bad Gateway",
  504: "Gateway Timeout",
};

/** Text that only an exception (not a message written for clients) would put in a body. */
const EXCEPTION_TEXT = /\bstack\b|SyntaxError|TypeError|ReferenceError|DOMException|Unexpected token|\n\s+at /;

/** Asserts the exact problem+json shape and returns the body. */
async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, any>> {
  return (await expectProblemText(res, status, code)).body;
}

/** Like expectProblem, also returning the raw response text. */
async function expectProblemText(
  res: Response,
  status: number,
  code: string,
): Promise<{ body: Record<string, any>; text: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = JSON.parse(text) as Record<string, any>;
  expect(body).toMatchObject({
    type: `https://toolgate.dev/problems/${code.replaceAll("_", "-")}`,
    title: TITLES[status],
    status,
    code,
  });
  expect(typeof body.detail).toBe("string");
  expect(body.detail.length).toBeGreaterThan(0);
  expect(body).not.toHaveProperty("stack");
  expect(text).not.toMatch(EXCEPTION_TEXT);
  return { body, text };
}

/** POST /tools/{id}/execute, returning the raw response. */
function run(toolId: string, input: unknown = {}): Promise<Response> {
  return api(`/tools/${toolId}/execute`, { method: "POST", json: { input } });
}

/** Every tool name in the registry, walking every page. */
async function allToolNames(): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 2000; i++) {
    const res = await api(`/tools?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status).toBe(200);
    const page = await res.json<{ items: { name: string }[]; next_cursor: string | null }>();
    names.push(...page.items.map((t) => t.name));
    if (!page.next_cursor) return names;
    cursor = page.next_cursor;
  }
  throw new Error("never reached the last page");
}

describe("400", () => {
  it("malformed JSON body on POST /tools is malformed_json", async () => {
    const res = await api("/tools", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": "broken", ',
    });
    const body = await expectProblem(res, 400, "malformed_json");
    expect(body.detail).toBe("The request body is not valid JSON.");
    expect(Object.keys(body).sort()).toEqual(["code", "detail", "status", "title", "type"]);
  });
});

describe("401", () => {
  it("refuses a missing token, a wrong token and a non-Bearer scheme", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer not-the-admin-token" },
      { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` },
      { authorization: ADMIN_TOKEN },
      { authorization: `Token ${ADMIN_TOKEN}` },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
    ];
    for (const headers of attempts) {
      for (const [method, path] of [
        ["GET", "/tools"],
        ["POST", "/tools"],
        ["GET", "/tools/some-id"],
        ["DELETE", "/tools/some-id"],
        ["GET", "/executions/some-id"],
      ] as const) {
        const init: RequestInit & { json?: unknown; token: null } = {
          method,
          token: null,
          headers,
        };
        if (method === "POST") init.json = httpTool();
        const res = await api(path, init);
        const body = await expectProblem(res, 401, "unauthorized");
        expect(res.headers.get("www-authenticate")).toBe('Bearer realm="toolgate"');
        expect(body.detail).toBe("Send Authorization: Bearer <token> with a valid token.");
      }
    }
  });

  it("stores nothing for an unauthenticated create", async () => {
    const name = uniqueName("unauth");
    const res = await api("/tools", { method: "POST", token: "wrong", json: httpTool({ name }) });
    await expectProblem(res, 401, "unauthorized");
    expect(await allToolNames()).not.toContain(name);
  });

  it("leaves /health, /openapi.json and /docs public", async () => {
    const health = await api("/health", { token: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const spec = await api("/openapi.json", { token: null });
    expect(spec.status).toBe(200);
    expect(spec.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = await spec.json<Record<string, any>>();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("toolgate");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/tools", "/tools/{id}", "/tools/{id}/execute"]));

    const docs = await api("/docs", { token: null });
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await docs.text();
    expect(page).toContain('id="swagger-ui"');
    expect(page).toContain('data-spec-url="/openapi.json"');
  });
});

describe("404", () => {
  it("unknown tool id on GET, PUT, DELETE, execute and the executions list is tool_not_found", async () => {
    const id = crypto.randomUUID();
    const calls: [string, string, unknown][] = [
      ["GET", `/tools/${id}`, undefined],
      ["PUT", `/tools/${id}`, httpTool()],
      ["DELETE", `/tools/${id}`, undefined],
      ["POST", `/tools/${id}/execute`, { input: {} }],
      ["GET", `/tools/${id}/executions`, undefined],
    ];
    for (const [method, path, payload] of calls) {
      const res = await api(path, { method, json: payload });
      const body = await expectProblem(res, 404, "tool_not_found");
      expect(body.detail, `${method} ${path}`).toBe(`There is no tool with id "${id}".`);
    }
    expect(upstream.calls).toHaveLength(0);
  });

  it("unknown route is route_not_found", async () => {
    const res = await api("/nothing/here", { token: null });
    const body = await expectProblem(res, 404, "route_not_found");
    expect(body.detail).toBe("No route matches GET /nothing/here.");

    const wrongMethod = await api("/health", { method: "DELETE", token: null });
    expect((await expectProblem(wrongMethod, 404, "route_not_found")).detail).toBe("No route matches DELETE /health.");
  });

  it("unknown execution id is execution_not_found", async () => {
    const id = crypto.randomUUID();
    const res = await api(`/executions/${id}`);
    const body = await expectProblem(res, 404, "execution_not_found");
    expect(body.detail).toBe(`There is no execution with id "${id}".`);
  });
});

describe("409", () => {
  it("a second tool with the same name is tool_name_taken", async () => {
    const tool = await createTool();
    const res = await api("/tools", { method: "POST", json: httpTool({ name: tool.name }) });
    const body = await expectProblem(res, 409, "tool_name_taken");
    expect(body.detail).toBe(`A tool named "${tool.name}" already exists.`);
  });
});

describe("412", () => {
  it("a stale If-Match is version_mismatch", async () => {
    const tool = await createTool();
    const ok = await api(`/tools/${tool.id}`, {
      method: "PUT",
      headers: { "if-match": '"1"' },
      json: httpTool({ name: tool.name }),
    });
    expect(ok.status).toBe(200);
    const res = await api(`/tools/${tool.id}`, {
      method: "PUT",
      headers: { "if-match": '"1"' },
      json: httpTool({ name: tool.name, description: "overwrite" }),
    });
    await expectProblem(res, 412, "version_mismatch");
    expect(await (await api(`/tools/${tool.id}`)).json()).toMatchObject({ version: 2, description: null });
  });
});

describe("413", () => {
  it("a body over 1 MiB is body_too_large", async () => {
    const name = uniqueName("huge");
    const payload = JSON.stringify(httpTool({ name, description: "x".repeat(1024 * 1024) }));
    expect(payload.length).toBeGreaterThan(1024 * 1024);
    const res = await api("/tools", { method: "POST", headers: { "content-type": "application/json" }, body: payload });
    const body = await expectProblem(res, 413, "body_too_large");
    expect(body.detail).toBe("The request body is larger than 1 MiB.");
    expect(await allToolNames()).not.toContain(name);
  });
});

describe("415", () => {
  it("a text/plain body on POST /tools is unsupported_media_type", async () => {
    const name = uniqueName("plain");
    const res = await api("/tools", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(httpTool({ name })),
    });
    const body = await expectProblem(res, 415, "unsupported_media_type");
    expect(body.detail).toBe("Send the request body as application/json.");
    expect(await allToolNames()).not.toContain(name);
  });
});

describe("422", () => {
  it("an invalid body lists each problem with its JSON Pointer", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["missing name", (({ name: _, ...rest }) => rest)(httpTool()), "/name"],
      ["bad name characters", httpTool({ name: "bad name!" }), "/name"],
      ["65-character name", httpTool({ name: "a".repeat(65) }), "/name"],
      ["timeout 0", httpTool({ timeout: 0 }), "/timeout"],
      ["timeout 301", httpTool({ timeout: 301 }), "/timeout"],
    ];
    for (const [what, payload, path] of cases) {
      const res = await api("/tools", { method: "POST", json: payload });
      const body = await expectProblem(res, 422, "invalid_request");
      expect(body.errors, what).toEqual([{ path, message: expect.any(String) }]);
    }

    const name64 = await api("/tools", {
      method: "POST",
      json: httpTool({ name: `a${uniqueName()}`.padEnd(64, "z") }),
    });
    expect(name64.status).toBe(201);
    for (const timeout of [1, 300]) {
      const res = await api("/tools", { method: "POST", json: httpTool({ timeout }) });
      expect(res.status).toBe(201);
    }
  });

  it("reports every problem at once", async () => {
    const res = await api("/tools", { method: "POST", json: { name: "bad name!", timeout: 301 } });
    const body = await expectProblem(res, 422, "invalid_request");
    expect(body.errors.map((e: any) => e.path).sort()).toEqual(["/execution_type", "/name", "/timeout"]);
  });

  it("an input_schema that is not a valid JSON Schema is invalid_tool with a path under /input_schema", async () => {
    const res = await api("/tools", {
      method: "POST",
      json: httpTool({ input_schema: { type: "object", properties: { a: { type: "strnig" } } } }),
    });
    const body = await expectProblem(res, 422, "invalid_tool");
    expect(body.errors.length).toBeGreaterThanOrEqual(1);
    for (const error of body.errors) expect(error.path).toMatch(/^\/input_schema\/properties\/a(\/|$)/);
    expect(body.errors.map((e: any) => e.path)).toContain("/input_schema/properties/a/type");
  });

  it("oauth2 grant_type password: only client_credentials is supported", async () => {
    const res = await api("/tools", {
      method: "POST",
      json: httpTool({
        auth_config: {
          type: "oauth2",
          token_url: "https://auth.example.com/token",
          client_id: "c",
          client_secret: "s3cret-value",
          grant_type: "password",
        },
      }),
    });
    const body = await expectProblem(res, 422, "invalid_request");
    expect(body.errors).toEqual([
      { path: "/auth_config/grant_type", message: "Only the client_credentials grant type is supported." },
    ]);
  });
});

describe("500", () => {
  it("an upstream body that fails output_schema is output_invalid", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/quote",
      output_schema: { type: "object", properties: { price: { type: "number" } }, required: ["price"] },
    });
    upstream.on("GET", "https://api.example.com/v1/quote", () => json({ cost: 3 }));
    const parsed = await expectProblem(await run(tool.id), 500, "output_invalid");
    expect(parsed).toMatchObject({
      detail: "The upstream response does not match the tool's output schema (1 error).",
      upstream_status: 200,
      tool_id: tool.id,
      tool_version: 1,
    });
    expect(parsed.errors).toEqual([{ path: "/output/price", keyword: "required", message: expect.any(String) }]);
    const log = await waitForLog(parsed.execution_id);
    expect(log).toMatchObject({ outcome: "output_invalid", upstream_status: 200, output: { errors: parsed.errors } });
  });

  it("an unexpected failure is a generic internal_error without exception text", async () => {
    const res = await callWorker({ DB: undefined }, "/tools");
    const body = await expectProblem(res, 500, "internal_error");
    expect(body.detail).toBe("The server hit an unexpected error. It has been logged.");
    expect(Object.keys(body).sort()).toEqual(["code", "detail", "status", "title", "type"]);
  });

  it("an execution that fails unexpectedly (KV down) is answered as internal_error and still logged", async () => {
    const tool = await createTool({
      auth_config: {
        type: "oauth2",
        token_url: `https://auth-${crypto.randomUUID()}.example.com/token`,
        client_id: "kv-down-client",
        client_secret: "kv-down-secret",
      },
    });
    const brokenKv = { get: () => Promise.reject(new Error("KV is down: kv-down-secret")) };
    const res = await callWorker({ TOKEN_CACHE: brokenKv }, `/tools/${tool.id}/execute`, {
      method: "POST",
      json: { input: {} },
    });
    const body = await expectProblem(res, 500, "internal_error");
    expect(body.detail).toBe("The execution failed unexpectedly. It has been logged.");
    expect(JSON.stringify(body)).not.toContain("KV is down");
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "internal_error", tool_id: tool.id, error_message: body.detail });
    expect(upstream.calls).toHaveLength(0);
  });
});

describe("502", () => {
  it("an upstream 503 with a JSON body is upstream_error with its status and body", async () => {
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/busy" });
    upstream.on("GET", "https://api.example.com/v1/busy", () =>
      json({ error: "maintenance", retry_after: 30 }, { status: 503 }),
    );
    const body = await expectProblem(await run(tool.id), 502, "upstream_error");
    expect(body).toMatchObject({
      detail: "The upstream API answered 503.",
      upstream_status: 503,
      upstream_body: { error: "maintenance", retry_after: 30 },
      tool_id: tool.id,
    });
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "upstream_error", upstream_status: 503 });
  });

  it("an upstream 500 with a 100 KB text body is returned truncated", async () => {
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/crash" });
    const big = Array.from({ length: 100 * 1024 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    upstream.on(
      "GET",
      "https://api.example.com/v1/crash",
      () => new Response(big, { status: 500, headers: { "content-type": "text/plain" } }),
    );
    const { body, text: raw } = await expectProblemText(await run(tool.id), 502, "upstream_error");
    expect(body.upstream_status).toBe(500);
    expect(typeof body.upstream_body).toBe("string");
    expect(body.upstream_body.length).toBeLessThan(8 * 1024);
    expect(body.upstream_body.startsWith(big.slice(0, 4096))).toBe(true);
    expect(body.upstream_body).toMatch(/\(truncated\)$/);
    expect(raw.length).toBeLessThan(10 * 1024);
  });

  it("a network failure is upstream_unreachable, without the exception's text", async () => {
    const tool = await createTool({ endpoint_url: "https://down.example.com/v1/items" });
    upstream.on("GET", "https://down.example.com/v1/items", () => {
      throw new TypeError("Network connection lost: internal diagnostic 7f3e");
    });
    const { body, text: raw } = await expectProblemText(await run(tool.id), 502, "upstream_unreachable");
    expect(body.detail).toBe("The upstream API could not be reached (DNS, connection or TLS failure).");
    expect(raw).not.toContain("internal diagnostic 7f3e");
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "network_error", upstream_status: null });
    expect(JSON.stringify(log)).not.toContain("internal diagnostic 7f3e");
  });

  it("declared JSON that does not parse is upstream_invalid_json", async () => {
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/broken-json" });
    upstream.on(
      "GET",
      "https://api.example.com/v1/broken-json",
      () => new Response('{"items": [1, 2,', { headers: { "content-type": "application/json" } }),
    );
    const body = await expectProblem(await run(tool.id), 502, "upstream_invalid_json");
    expect(body.upstream_status).toBe(200);
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "upstream_error", upstream_status: 200 });
  });
});

describe("502 response_too_large", () => {
  it("stops reading an endless upstream body at 5 MiB and answers response_too_large", async () => {
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/firehose" });
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(97);
    upstream.on(
      "GET",
      "https://api.example.com/v1/firehose",
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              pulled += chunk.byteLength;
              controller.enqueue(chunk);
            },
          }),
          { headers: { "content-type": "text/plain" } },
        ),
    );
    const body = await expectProblem(await run(tool.id), 502, "response_too_large");
    expect(body).toMatchObject({ upstream_status: 200, detail: expect.stringContaining("5 MiB") });
    // The stream was cancelled soon after the cap, not drained.
    expect(pulled).toBeLessThan(6 * 1024 * 1024);
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ outcome: "upstream_error", upstream_status: 200 });
  });

  it("accepts a body just under the cap", async () => {
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/big" });
    const text = "b".repeat(5 * 1024 * 1024 - 10);
    upstream.on(
      "GET",
      "https://api.example.com/v1/big",
      () => new Response(text, { headers: { "content-type": "text/plain" } }),
    );
    const res = await run(tool.id);
    expect(res.status).toBe(200);
    expect((await res.json<Record<string, any>>()).output).toHaveLength(text.length);
  });
});

describe("504", () => {
  it("an upstream that never answers within timeout: 1 is upstream_timeout", async () => {
    const tool = await createTool({ endpoint_url: "https://slow.example.com/v1/items", timeout: 1 });
    upstream.on("GET", "https://slow.example.com/v1/items", () => new Promise<Response>(() => {}));
    const started = Date.now();
    const res = await run(tool.id);
    const elapsed = Date.now() - started;
    const body = await expectProblem(res, 504, "upstream_timeout");
    expect(body.detail).toBe("The upstream API did not answer within the tool's timeout of 1 s.");
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(10_000);
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({
      outcome: "timeout",
      upstream_status: null,
      method: "GET",
      url: "https://slow.example.com/v1/items",
    });
    expect(log.duration_ms).toBeGreaterThanOrEqual(1000);
  });
});

describe("missing or malformed secrets fail closed", () => {
  const bearerTool = (name: string) => httpTool({ name, auth_config: { type: "bearer_token", token: "tok-closed" } });
  const badKeys: [string, string | undefined][] = [
    ["missing", undefined],
    ["empty", ""],
    ["16 bytes", btoa(String.fromCharCode(...new Uint8Array(16).fill(7)))],
    ["not base64", "this is not base64!"],
  ];

  for (const [what, key] of badKeys) {
    it(`ENCRYPTION_KEY ${what}: creating a bearer_token tool is encryption_key_unavailable and stores nothing`, async () => {
      const name = uniqueName("nokey");
      const res = await callWorker({ ENCRYPTION_KEY: key }, "/tools", { method: "POST", json: bearerTool(name) });
      const body = await expectProblem(res, 500, "encryption_key_unavailable");
      expect(body.detail).toContain("ENCRYPTION_KEY");
      expect(await allToolNames()).not.toContain(name);
    });
  }

  it("ENCRYPTION_KEY missing: a stored secret is not used and the upstream is never called", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/guarded",
      auth_config: { type: "bearer_token", token: "tok-guarded" },
    });
    const res = await callWorker({ ENCRYPTION_KEY: undefined }, `/tools/${tool.id}/execute`, {
      method: "POST",
      json: { input: {} },
    });
    const body = await expectProblem(res, 500, "secrets_unavailable");
    expect(upstream.calls).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("auth_error");
  });

  for (const [what, adminToken] of [
    ["missing", undefined],
    ["empty", ""],
  ] as const) {
    it(`ADMIN_TOKEN ${what}: every /tools and /executions request is refused with admin_token_not_configured`, async () => {
      const tool = await createTool();
      const name = uniqueName("noadmin");
      const requests: [string, string, unknown][] = [
        ["GET", "/tools", undefined],
        ["POST", "/tools", httpTool({ name })],
        ["GET", `/tools/${tool.id}`, undefined],
        ["PUT", `/tools/${tool.id}`, httpTool({ name: tool.name, description: "changed" })],
        ["DELETE", `/tools/${tool.id}`, undefined],
        ["POST", `/tools/${tool.id}/execute`, { input: {} }],
        ["GET", `/tools/${tool.id}/executions`, undefined],
        ["GET", `/executions/${crypto.randomUUID()}`, undefined],
      ];
      for (const token of [ADMIN_TOKEN, null, "", "anything"]) {
        for (const [method, path, payload] of requests) {
          const res = await callWorker({ ADMIN_TOKEN: adminToken }, path, { method, json: payload, token });
          const body = await expectProblem(res, 500, "admin_token_not_configured");
          expect(body.detail).toContain("ADMIN_TOKEN");
        }
      }
      // Nothing got through.
      expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
      expect(await allToolNames()).not.toContain(name);
      expect(upstream.calls).toHaveLength(0);

      // Public routes still answer.
      const health = await callWorker({ ADMIN_TOKEN: adminToken }, "/health", { token: null });
      expect(health.status).toBe(200);
    });
  }
});

/**
 * Input injection on the wire: how input properties reach the upstream's path,
 * query, headers and body, and which tool definitions are refused at
 * registration.
 */
import { describe, expect, it } from "vitest";
import {
  api,
  createTool,
  execute,
  httpTool,
  json,
  uniqueName,
  useUpstream,
  waitForLog,
  type ToolBody,
} from "./helpers";

const upstream = useUpstream();

function sortedHeaders(headers: Headers): [string, string][] {
  return [...headers.entries()].sort(([a], [b]) => a.localeCompare(b));
}

describe("path placeholders", () => {
  it("percent-encodes a path value, including / ? and spaces", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/items/{id}",
      input_schema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    });
    upstream.on("GET", "https://api.example.com/items/a%20b%2Fc%3Fd", () => json({ found: true }));

    const { status, body } = await execute(tool.id, { id: "a b/c?d" });

    expect(status).toBe(200);
    expect(body.output).toEqual({ found: true });
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]?.url.href).toBe("https://api.example.com/items/a%20b%2Fc%3Fd");
    const log = await waitForLog(body.execution_id);
    expect(log.url).toBe("https://api.example.com/items/a%20b%2Fc%3Fd");
  });

  it("encodes reserved and non-ASCII characters and keeps unreserved ones", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/files/{name}/meta",
      input_schema: { type: "object", properties: { name: { type: "string" } } },
    });
    upstream.on("GET", /^https:\/\/api\.example\.com\/files\//, () => json({}));

    const { status } = await execute(tool.id, { name: "r&d [draft]#1 ~v1.2_x-y é" });

    expect(status).toBe(200);
    expect(upstream.calls[0]?.url.pathname).toBe("/files/r%26d%20%5Bdraft%5D%231%20~v1.2_x-y%20%C3%A9/meta");
  });

  it("fills a placeholder from a property mapped to the path under another name", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/users/{user_id}/orders",
      input_schema: { type: "object", properties: { user: { type: "integer" } }, required: ["user"] },
      input_mapping: { user: { in: "path", name: "user_id" } },
    });
    upstream.on("GET", "https://api.example.com/users/42/orders", () => json([]));

    const { status } = await execute(tool.id, { user: 42 });

    expect(status).toBe(200);
    expect(upstream.calls[0]?.url.href).toBe("https://api.example.com/users/42/orders");
  });

  it("refuses an object as a path value with input_invalid and sends nothing", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/items/{id}",
      input_schema: { type: "object", properties: { id: {} } },
    });

    const { status, body } = await execute(tool.id, { id: { nested: 1 } });

    expect(status).toBe(422);
    expect(body.code).toBe("input_invalid");
    expect(body.errors).toEqual(
      expect.arrayContaining([{ path: "/input/id", message: "A path parameter must be a string, number or boolean." }]),
    );
    expect(upstream.calls).toHaveLength(0);
  });

  it("does not let a path value of .. move the request to another path", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/items/{id}/comments",
      input_schema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    });
    upstream.on("GET", /^https:\/\/api\.example\.com\//, () => json([]));

    const { status, body } = await execute(tool.id, { id: ".." });

    // Sent as is, the request would go to https://api.example.com/v1/comments.
    expect(upstream.calls.map((c) => c.url.href)).toEqual([]);
    expect(status).toBe(422);
    expect(body.code).toBe("input_invalid");
    expect(body.errors).toEqual([expect.objectContaining({ path: "/input/id" })]);
  });

  it("refuses a missing, non-required path value as required and sends nothing", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/items/{id}",
      input_schema: { type: "object", properties: { id: { type: "string" } } },
    });

    const { status, body } = await execute(tool.id, {});

    expect(status).toBe(422);
    expect(body).toMatchObject({ code: "input_invalid", tool_id: tool.id });
    expect(body.errors).toEqual([
      { path: "/input/id", keyword: "required", message: 'The path parameter "id" has no value.' },
    ]);
    expect(upstream.calls).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("input_invalid");
  });
});

describe("query parameters", () => {
  it("appends inputs after the URL's own query, repeating the key for arrays", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/search?v=1",
      input_schema: {
        type: "object",
        properties: { tag: { type: "array", items: { type: "string" } }, q: { type: "string" } },
      },
    });
    upstream.on("GET", "https://api.example.com/search", () => json({ hits: 0 }));

    const { status } = await execute(tool.id, { tag: ["a", "b"], q: "x y&z" });

    expect(status).toBe(200);
    expect(upstream.calls[0]?.url.search).toBe("?v=1&tag=a&tag=b&q=x+y%26z");
    expect(upstream.calls[0]?.body).toBe("");
  });

  it("JSON-encodes an object query value and uses the mapped name", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/search",
      input_schema: { type: "object", properties: { filter: { type: "object" } } },
      input_mapping: { filter: { in: "query", name: "f" } },
    });
    upstream.on("GET", "https://api.example.com/search", () => json({}));

    await execute(tool.id, { filter: { status: "open" } });

    expect([...upstream.calls[0]!.url.searchParams]).toEqual([["f", '{"status":"open"}']]);
  });
});

describe("headers", () => {
  it("sends the static headers and a mapped header", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/items",
      headers: { "X-Client": "toolgate", "X-Api-Version": "2024-01-01" },
      input_schema: { type: "object", properties: { trace: { type: "string" }, q: { type: "string" } } },
      input_mapping: { trace: { in: "header", name: "X-Trace-Id" } },
    });
    upstream.on("GET", "https://api.example.com/items", () => json([]));

    const { status } = await execute(tool.id, { trace: "trace-abc-123", q: "x" });

    expect(status).toBe(200);
    const call = upstream.calls[0]!;
    expect(call.url.search).toBe("?q=x");
    expect(sortedHeaders(call.headers)).toEqual([
      ["accept", "application/json"],
      ["x-api-version", "2024-01-01"],
      ["x-client", "toolgate"],
      ["x-trace-id", "trace-abc-123"],
    ]);
  });

  it("keeps a static Accept header instead of adding application/json", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/report",
      headers: { accept: "text/csv" },
    });
    upstream.on("GET", "https://api.example.com/report", () => new Response("a,b\n1,2\n"));

    const { status, body } = await execute(tool.id);

    expect(status).toBe(200);
    expect(body.output).toBe("a,b\n1,2\n");
    expect(upstream.calls[0]?.headers.get("accept")).toBe("text/csv");
  });

  it("refuses CR/LF in a mapped header value and sends nothing", async () => {
    const tool = await createTool({
      input_schema: { type: "object", properties: { trace: { type: "string" } } },
      input_mapping: { trace: { in: "header", name: "X-Trace-Id" } },
    });

    const { status, body } = await execute(tool.id, { trace: "abc\r\nX-Injected: yes" });

    expect(status).toBe(422);
    expect(body.code).toBe("input_invalid");
    expect(body.errors).toEqual([
      {
        path: "/input/trace",
        message: "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.",
      },
    ]);
    expect(upstream.calls).toHaveLength(0);
  });
});

describe("bodies and methods", () => {
  it("sends a POST tool's input as a JSON body", async () => {
    const tool = await createTool({
      method: "POST",
      endpoint_url: "https://api.example.com/orgs/{org}/items?notify=false",
      input_schema: {
        type: "object",
        properties: {
          org: { type: "string" },
          title: { type: "string" },
          labels: { type: "array", items: { type: "string" } },
          meta: { type: "object" },
          draft: { type: "boolean", default: true },
        },
      },
    });
    upstream.on("POST", "https://api.example.com/orgs/acme/items", () => json({ id: 7 }, { status: 201 }));

    const { status, body } = await execute(tool.id, {
      org: "acme",
      title: "Hello",
      labels: ["x", "y"],
      meta: { n: 1 },
    });

    expect(status).toBe(200);
    expect(body).toMatchObject({ status_code: 201, output: { id: 7 } });
    const call = upstream.calls[0]!;
    expect(call.method).toBe("POST");
    expect(call.url.href).toBe("https://api.example.com/orgs/acme/items?notify=false");
    expect(call.body).toBe('{"title":"Hello","labels":["x","y"],"meta":{"n":1},"draft":true}');
    expect(call.headers.get("content-type")).toBe("application/json");
    expect(call.headers.get("accept")).toBe("application/json");
  });

  it("keeps a static content-type for a JSON body", async () => {
    const tool = await createTool({
      method: "POST",
      headers: { "Content-Type": "application/vnd.api+json" },
      input_schema: { type: "object", properties: { a: { type: "integer" } } },
    });
    upstream.on("POST", "https://api.example.com/v1/items", () => json({}));

    await execute(tool.id, { a: 1 });

    expect(upstream.calls[0]?.headers.get("content-type")).toBe("application/vnd.api+json");
    expect(upstream.calls[0]?.body).toBe('{"a":1}');
  });

  it("sends multipart/form-data text fields with body_format multipart", async () => {
    const tool = await createTool({
      method: "POST",
      endpoint_url: "https://mail.example.com/v3/messages",
      body_format: "multipart",
      input_schema: {
        type: "object",
        properties: {
          to: { type: "array", items: { type: "string" } },
          subject: { type: "string", default: "Hello there!" },
        },
      },
    });
    expect(tool.body_format).toBe("multipart");
    upstream.on("POST", "https://mail.example.com/v3/messages", () => json({ id: "m1" }));

    const { status } = await execute(tool.id, { to: ["a@example.com", "b@example.com"] });

    expect(status).toBe(200);
    const call = upstream.calls[0]!;
    const form = await new Response(call.body, { headers: call.headers }).formData();
    expect([...form]).toEqual([
      ["to", "a@example.com"],
      ["to", "b@example.com"],
      ["subject", "Hello there!"],
    ]);
    expect(call.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=toolgate-[0-9a-f]{32}$/);
  });

  it("sends a form body with body_format form", async () => {
    const tool = await createTool({
      method: "POST",
      endpoint_url: "https://forms.example.com/submit",
      body_format: "form",
      input_schema: {
        type: "object",
        properties: {
          name: { type: "string" },
          topics: { type: "array", items: { type: "string" } },
          count: { type: "integer" },
          agree: { type: "boolean" },
        },
      },
    });
    expect(tool.body_format).toBe("form");
    upstream.on("POST", "https://forms.example.com/submit", () => new Response(null, { status: 204 }));

    const { status, body } = await execute(tool.id, {
      name: "Ada Lovelace",
      topics: ["math", "r&d"],
      count: 2,
      agree: true,
    });

    expect(status).toBe(200);
    expect(body).toMatchObject({ status_code: 204, output: null });
    const call = upstream.calls[0]!;
    expect(call.body).toBe("name=Ada+Lovelace&topics=math&topics=r%26d&count=2&agree=true");
    expect(call.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
  });

  it("sends no body and no content-type for a POST tool whose input is empty", async () => {
    const tool = await createTool({ method: "POST", endpoint_url: "https://api.example.com/v1/ping" });
    upstream.on("POST", "https://api.example.com/v1/ping", () => json({ pong: true }));

    const { status } = await execute(tool.id, {});

    expect(status).toBe(200);
    expect(upstream.calls[0]?.body).toBe("");
    expect(upstream.calls[0]?.headers.get("content-type")).toBeNull();
  });

  it.each(["PUT", "PATCH"])("sends a %s tool's input as a JSON body", async (method) => {
    const tool = await createTool({
      method,
      endpoint_url: "https://api.example.com/items/{id}",
      input_schema: {
        type: "object",
        properties: { id: { type: "integer" }, name: { type: "string" } },
        required: ["id"],
      },
    });
    upstream.on(method, "https://api.example.com/items/9", () => json({ id: 9, name: "new" }));

    const { status, body } = await execute(tool.id, { id: 9, name: "new" });

    expect(status).toBe(200);
    expect(body.output).toEqual({ id: 9, name: "new" });
    const call = upstream.calls[0]!;
    expect(call.method).toBe(method);
    expect(call.url.href).toBe("https://api.example.com/items/9");
    expect(call.body).toBe('{"name":"new"}');
    expect(call.headers.get("content-type")).toBe("application/json");
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({ method, url: "https://api.example.com/items/9" });
  });

  it("sends a DELETE tool's other input in the query, with no body", async () => {
    const tool = await createTool({
      method: "DELETE",
      endpoint_url: "https://api.example.com/items/{id}",
      input_schema: {
        type: "object",
        properties: { id: { type: "string" }, hard: { type: "boolean" } },
        required: ["id"],
      },
    });
    upstream.on("DELETE", "https://api.example.com/items/x1", () => new Response(null, { status: 204 }));

    const { status, body } = await execute(tool.id, { id: "x1", hard: true });

    expect(status).toBe(200);
    expect(body).toMatchObject({ status_code: 204, output: null });
    const call = upstream.calls[0]!;
    expect(call.method).toBe("DELETE");
    expect(call.url.href).toBe("https://api.example.com/items/x1?hard=true");
    expect(call.body).toBe("");
    expect(call.headers.get("content-type")).toBeNull();
  });
});

describe("registration-time checks", () => {
  async function refused(overrides: ToolBody): Promise<Record<string, any>> {
    const res = await api("/tools", { method: "POST", json: httpTool(overrides) });
    const body = await res.json<Record<string, any>>();
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    return body;
  }

  it.each<[string, ToolBody, { path: string; message: string }]>([
    [
      "input_mapping naming a property the input_schema lacks",
      {
        input_schema: { type: "object", properties: { q: { type: "string" } } },
        input_mapping: { ghost: { in: "query" } },
      },
      { path: "/input_mapping/ghost", message: 'input_schema has no property "ghost".' },
    ],
    [
      "a {placeholder} that is not an input property",
      {
        endpoint_url: "https://api.example.com/items/{id}",
        input_schema: { type: "object", properties: { q: { type: "string" } } },
      },
      {
        path: "/endpoint_url",
        message: "The placeholder {id} is not an input_schema property (or mapped to the path by input_mapping).",
      },
    ],
    [
      "a placeholder in the host",
      {
        endpoint_url: "https://{tenant}.example.com/x",
        input_schema: { type: "object", properties: { tenant: { type: "string" } } },
      },
      {
        path: "/endpoint_url",
        message: "Placeholders may only appear in the path or query, never in the scheme, host or port.",
      },
    ],
    [
      "a placeholder in the port",
      {
        endpoint_url: "https://api.example.com:{port}/x",
        input_schema: { type: "object", properties: { port: { type: "integer" } } },
      },
      {
        path: "/endpoint_url",
        message: "Placeholders may only appear in the path or query, never in the scheme, host or port.",
      },
    ],
    [
      "a malformed placeholder",
      { endpoint_url: "https://api.example.com/items/{item id}" },
      { path: "/endpoint_url", message: "Write placeholders as {name}, using letters, digits, _ . ~ and -." },
    ],
    [
      "a body mapping on a GET tool",
      {
        method: "GET",
        input_schema: { type: "object", properties: { q: { type: "string" } } },
        input_mapping: { q: { in: "body" } },
      },
      { path: "/input_mapping/q/in", message: "GET requests carry no body; map this property to query or header." },
    ],
    [
      "a body mapping on a DELETE tool",
      {
        method: "DELETE",
        input_schema: { type: "object", properties: { q: { type: "string" } } },
        input_mapping: { q: { in: "body" } },
      },
      { path: "/input_mapping/q/in", message: "DELETE requests carry no body; map this property to query or header." },
    ],
    [
      "a path mapping to a placeholder the URL lacks",
      {
        input_schema: { type: "object", properties: { id: { type: "string" } } },
        input_mapping: { id: { in: "path", name: "item_id" } },
      },
      { path: "/input_mapping/id/name", message: "endpoint_url has no {item_id} placeholder." },
    ],
    [
      "a header mapping to an invalid header name",
      {
        input_schema: { type: "object", properties: { trace: { type: "string" } } },
        input_mapping: { trace: { in: "header", name: "X Trace" } },
      },
      { path: "/input_mapping/trace/name", message: '"X Trace" is not a valid header name.' },
    ],
    [
      "an invalid header name in headers",
      { headers: { "Bad Header": "x" } },
      { path: "/headers/Bad Header", message: '"Bad Header" is not a valid header name.' },
    ],
    [
      "a CR/LF in a static header value",
      { headers: { "X-Client": "a\r\nX-Injected: 1" } },
      {
        path: "/headers/X-Client",
        message: "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.",
      },
    ],
    [
      "an input_schema whose top level is not an object",
      { input_schema: { type: "array", items: { type: "string" } } },
      {
        path: "/input_schema/type",
        message: 'The top level of input_schema must be "type": "object": inputs are named.',
      },
    ],
  ])("refuses %s with invalid_tool", async (_, overrides, error) => {
    const body = await refused(overrides);
    expect(body).toMatchObject({ status: 422, code: "invalid_tool", detail: "The tool definition is not valid." });
    expect(body.errors).toEqual([error]);
  });

  it("escapes / in an invalid header name as ~1 in the error path", async () => {
    const body = await refused({ headers: { "X/Trace": "x" } });
    expect(body.code).toBe("invalid_tool");
    expect(body.errors).toEqual([{ path: "/headers/X~1Trace", message: '"X/Trace" is not a valid header name.' }]);
  });

  it("reports every problem of a definition at once", async () => {
    const body = await refused({
      method: "GET",
      endpoint_url: "https://api.example.com/items/{id}",
      headers: { "Bad Header": "x" },
      input_schema: { type: "object", properties: { q: { type: "string" } } },
      input_mapping: { q: { in: "body" }, ghost: { in: "query" } },
    });
    expect(body.code).toBe("invalid_tool");
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "/endpoint_url",
      "/headers/Bad Header",
      "/input_mapping/ghost",
      "/input_mapping/q/in",
    ]);
  });

  it("refuses an unknown execution_type, listing the known ones", async () => {
    const body = await refused({ execution_type: "graphql" });
    expect(body).toMatchObject({ status: 422, code: "invalid_request" });
    expect(body.errors).toEqual([
      { path: "/execution_type", message: "execution_type must be one of: http_request, function." },
    ]);
  });

  it("stores nothing for a refused definition, so its name stays free", async () => {
    const name = uniqueName("refused");
    await refused({ name, endpoint_url: "https://{tenant}.example.com/x" });
    const tool = await createTool({ name });
    expect(tool).toMatchObject({ name, version: 1 });
  });
});

describe("header and secret rules at registration", () => {
  async function refusedWith(overrides: ToolBody, code: string): Promise<{ path: string; message: string }[]> {
    const res = await api("/tools", { method: "POST", json: httpTool(overrides) });
    const body = await res.json<Record<string, any>>();
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.code).toBe(code);
    return body.errors;
  }

  it.each([
    ["Host", "Host is set from the request itself and cannot be configured."],
    ["Transfer-Encoding", "Transfer-Encoding is set from the request itself and cannot be configured."],
    [
      "Authorization",
      "Authorization carries credentials: use auth_config, which stores them encrypted and never returns them.",
    ],
    ["Cookie", "Cookie carries credentials: use auth_config, which stores them encrypted and never returns them."],
  ])("refuses %s as a static header", async (name, message) => {
    expect(await refusedWith({ headers: { [name]: "x" } }, "invalid_tool")).toEqual([
      { path: `/headers/${name}`, message },
    ]);
  });

  it("refuses mapping an input property to a credential header", async () => {
    const errors = await refusedWith(
      {
        input_schema: { type: "object", properties: { session: { type: "string" } } },
        input_mapping: { session: { in: "header", name: "Cookie" } },
      },
      "invalid_tool",
    );
    expect(errors).toEqual([
      {
        path: "/input_mapping/session/name",
        message: "Cookie carries credentials: use auth_config, which stores them encrypted and never returns them.",
      },
    ]);
  });

  it("accepts Authorization as an api_key header name (for schemes such as `Token <key>`)", async () => {
    const tool = await createTool({
      auth_config: { type: "api_key", location: "header", key_name: "Authorization", value: "Token abcdef123456" },
    });
    upstream.on("GET", "https://api.example.com/v1/items", (req) => json({ seen: req.headers.get("authorization") }));
    const { status, body } = await execute(tool.id);
    expect(status).toBe(200);
    expect(upstream.calls[0]?.headers.get("authorization")).toBe("Token abcdef123456");
    expect(body.output).toEqual({ seen: "[REDACTED]" });
  });

  it("refuses a bearer token or header API key that could not be sent as a header value", async () => {
    expect(
      await refusedWith({ auth_config: { type: "bearer_token", token: "abc\u0007def-ghi" } }, "invalid_tool"),
    ).toEqual([
      {
        path: "/auth_config/token",
        message: "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.",
      },
    ]);
    expect(
      await refusedWith(
        { auth_config: { type: "api_key", location: "header", key_name: "X-Key", value: "ключ-значение" } },
        "invalid_tool",
      ),
    ).toEqual([
      {
        path: "/auth_config/value",
        message: "A header value must be printable ASCII or Latin-1 text, without CR, LF or NUL.",
      },
    ]);
  });

  it("refuses an empty secret, which is no secret at all", async () => {
    expect(await refusedWith({ auth_config: { type: "bearer_token", token: "" } }, "invalid_request")).toEqual([
      { path: "/auth_config/token", message: "A secret cannot be empty: leave the field out instead." },
    ]);
  });
});

describe("property names that exist on Object.prototype", () => {
  it("fills the default of a property named constructor", async () => {
    const tool = await createTool({
      method: "POST",
      input_schema: { type: "object", properties: { constructor: { type: "string", default: "d" } } },
    });
    upstream.on("POST", "https://api.example.com/v1/items", () => json({ ok: true }));
    const { status } = await execute(tool.id);
    expect(status).toBe(200);
    expect(JSON.parse(upstream.calls[0]!.body)).toEqual({ constructor: "d" });
  });

  it("refuses a {toString} placeholder that is not an input property", async () => {
    const res = await api("/tools", {
      method: "POST",
      json: httpTool({ endpoint_url: "https://api.example.com/v1/items/{toString}" }),
    });
    const body = await res.json<Record<string, any>>();
    expect(res.status).toBe(422);
    expect(body.errors).toEqual([
      {
        path: "/endpoint_url",
        message: "The placeholder {toString} is not an input_schema property (or mapped to the path by input_mapping).",
      },
    ]);
  });
});

/**
 * The MCP server at /mcp, driven by the official SDK client over its
 * Streamable HTTP transport (routed to the Worker), and by raw requests where
 * the wire itself is the point: authentication, Accept negotiation, protocol
 * versions, methods.
 */
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { afterEach, describe, expect, it } from "vitest";
import { MCP_PAGE_SIZE } from "../src/mcp/server";
import { EXECUTION_ID_META } from "../src/mcp/tools";
import { ADMIN_TOKEN, api, createApiKey, createTool, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();
const MCP_URL = "https://toolgate.test/mcp";

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** An SDK client connected to the Worker's /mcp with `token`. */
async function connect(token: string = ADMIN_TOKEN): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: (input, init) => SELF.fetch(new Request(input, init)),
  });
  // The client checks structured results against output schemas; Ajv, its default, cannot compile in workerd.
  const client = new Client(
    { name: "toolgate-tests", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** Every tool tools/list offers, page by page; the pages' sizes too. */
async function listAll(client: Client): Promise<{ tools: Tool[]; pageSizes: number[] }> {
  const tools: Tool[] = [];
  const pageSizes: number[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...result.tools);
    pageSizes.push(result.tools.length);
    if (!result.nextCursor) return { tools, pageSizes };
    cursor = result.nextCursor;
  }
  throw new Error("tools/list never ended");
}

async function listed(client: Client, name: string): Promise<Tool | undefined> {
  return (await listAll(client)).tools.find((tool) => tool.name === name);
}

/** A raw JSON-RPC POST to /mcp, as a client that is not the SDK sends it. */
function rpc(
  body: unknown,
  headers: Record<string, string> = {},
  token: string | null = ADMIN_TOKEN,
): Promise<Response> {
  return SELF.fetch(MCP_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const initialize = (protocolVersion: string) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

const USER_OUTPUT = {
  type: "object",
  properties: { id: { type: "integer" }, name: { type: "string" } },
  required: ["id", "name"],
};

function userTool(overrides: Record<string, unknown> = {}) {
  return createTool({
    name: uniqueName("get_user"),
    description: "Look up a user by id",
    method: "GET",
    endpoint_url: "https://api.example.com/v1/users/{user_id}",
    input_schema: {
      type: "object",
      properties: { user_id: { type: "integer", minimum: 1 } },
      required: ["user_id"],
    },
    output_schema: USER_OUTPUT,
    ...overrides,
  });
}

describe("connecting", () => {
  it("initializes with the SDK client: server info, tools capability, the latest protocol version, no session", async () => {
    const client = await connect();
    expect(client.getServerVersion()).toEqual({ name: "toolgate", version: "0.1.0" });
    expect(client.getServerCapabilities()).toEqual({ tools: {} });
    expect(client.getInstructions()).toContain("isError");
    const res = await rpc(initialize(LATEST_PROTOCOL_VERSION));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("mcp-session-id")).toBeNull();
    const body = await res.json<Record<string, any>>();
    expect(body.result.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
  });

  it("negotiates the protocol version: an older supported one is kept, an unknown one gets the latest", async () => {
    const older = await (await rpc(initialize("2025-03-26"))).json<Record<string, any>>();
    expect(older.result.protocolVersion).toBe("2025-03-26");
    const unknown = await (await rpc(initialize("2099-01-01"))).json<Record<string, any>>();
    expect(unknown.result.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
  });

  it("refuses a request under a protocol version it does not support (400)", async () => {
    const res = await rpc({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-protocol-version": "1999-01-01" });
    expect(res.status).toBe(400);
    expect((await res.json<Record<string, any>>()).error.message).toContain("Unsupported protocol version");
  });

  it("answers without initialize first: every POST stands alone", async () => {
    const res = await rpc({ jsonrpc: "2.0", id: 3, method: "tools/list" }, { "mcp-protocol-version": "2025-06-18" });
    expect(res.status).toBe(200);
    expect(Array.isArray((await res.json<Record<string, any>>()).result.tools)).toBe(true);
  });

  it("streams the answer as SSE when the client ranks text/event-stream above JSON", async () => {
    const res = await rpc(initialize(LATEST_PROTOCOL_VERSION), {
      accept: "application/json;q=0.5, text/event-stream",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    const data = /^data: (.*)$/m.exec(text)?.[1];
    expect(text).toMatch(/^event: message$/m);
    expect(JSON.parse(data ?? "null")).toMatchObject({ id: 1, result: { serverInfo: { name: "toolgate" } } });
  });

  it("refuses Accept: text/event-stream alone (406): the spec has clients accept both", async () => {
    const res = await rpc(initialize(LATEST_PROTOCOL_VERSION), { accept: "text/event-stream" });
    expect(res.status).toBe(406);
  });

  it("answers GET and DELETE with 405 problem+json: no event stream, no sessions", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await SELF.fetch(MCP_URL, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: "text/event-stream" },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await res.json<Record<string, any>>()).code).toBe("method_not_allowed");
    }
  });
});

describe("authentication", () => {
  it("refuses a request without a token with 401 problem+json before any MCP processing", async () => {
    const res = await rpc(initialize(LATEST_PROTOCOL_VERSION), {}, null);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    // It points OAuth clients to /mcp's protected resource metadata (test/mcp-oauth.test.ts).
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="toolgate", resource_metadata="https://toolgate.test/.well-known/oauth-protected-resource/mcp", scope="tools:execute"',
    );
    expect((await res.json<Record<string, any>>()).code).toBe("unauthorized");
    await expect(connect("not-a-token")).rejects.toThrow();
  });

  it("refuses an API key without tools:execute with 403 insufficient_scope", async () => {
    const { key } = await createApiKey(["tools:read", "executions:read"]);
    const res = await rpc(initialize(LATEST_PROTOCOL_VERSION), {}, key);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json<Record<string, any>>()).toMatchObject({
      code: "insufficient_scope",
      required_scope: "tools:execute",
    });
  });

  it("serves an API key with tools:execute alone", async () => {
    const { key } = await createApiKey(["tools:execute"]);
    const tool = await userTool();
    const client = await connect(key);
    expect(await listed(client, tool.name)).toBeDefined();
  });
});

describe("tools/list", () => {
  it("lists a tool with its name, description, schemas and annotations", async () => {
    const tool = await userTool();
    const client = await connect();
    expect(await listed(client, tool.name)).toEqual({
      name: tool.name,
      description: "Look up a user by id",
      inputSchema: tool.input_schema,
      outputSchema: USER_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: true },
    });
  });

  it("derives the annotations from the method, and marks built-in functions closed-world", async () => {
    const expected: [Record<string, unknown>, Record<string, boolean>][] = [
      [{ method: "GET" }, { readOnlyHint: true, openWorldHint: true }],
      [{ method: "POST" }, { openWorldHint: true }],
      [{ method: "PATCH" }, { openWorldHint: true }],
      [{ method: "PUT" }, { idempotentHint: true, openWorldHint: true }],
      [{ method: "DELETE" }, { destructiveHint: true, idempotentHint: true, openWorldHint: true }],
      [
        { execution_type: "function", function_name: "current_time", method: null, endpoint_url: null },
        { openWorldHint: false },
      ],
    ];
    const created = await Promise.all(expected.map(([overrides]) => createTool(overrides)));
    const { tools } = await listAll(await connect());
    created.forEach((tool, i) => {
      expect(tools.find((t) => t.name === tool.name)?.annotations, JSON.stringify(expected[i]?.[0])).toEqual(
        expected[i]?.[1],
      );
    });
  });

  it("leaves out an output schema that is not an object schema, and a missing description", async () => {
    const tool = await createTool({ output_schema: { type: "array", items: { type: "string" } } });
    const offered = await listed(await connect(), tool.name);
    expect(offered).toBeDefined();
    expect(offered).not.toHaveProperty("outputSchema");
    expect(offered).not.toHaveProperty("description");
  });

  it("pages by cursor: every tool once, full pages until the last, opted-out tools never", async () => {
    const created = await Promise.all(Array.from({ length: MCP_PAGE_SIZE + 1 }, () => createTool()));
    const hidden = await createTool({ mcp_enabled: false });
    expect(hidden.mcp_enabled).toBe(false);
    const { tools, pageSizes } = await listAll(await connect());
    const names = tools.map((t) => t.name);
    expect(pageSizes.length).toBeGreaterThanOrEqual(2);
    expect(pageSizes.slice(0, -1).every((size) => size === MCP_PAGE_SIZE)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    for (const tool of created) expect(names).toContain(tool.name);
    expect(names).not.toContain(hidden.name);
  });

  it("answers a cursor it did not issue with invalid params", async () => {
    const client = await connect();
    const err = await client.listTools({ cursor: "not-a-cursor" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((err as McpError).message).toBe(
      "MCP error -32602: The cursor is not one this API issued; start again without it.",
    );
  });
});

describe("tools/call", () => {
  it("runs the tool through the engine: text and structured content, logged like any execution", async () => {
    const tool = await userTool();
    upstream.on("GET", "https://api.example.com/v1/users/42", () => json({ id: 42, name: "Grace Hopper" }));
    const client = await connect();
    const result = await client.callTool({ name: tool.name, arguments: { user_id: 42 } });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: '{"id":42,"name":"Grace Hopper"}' }]);
    expect(result.structuredContent).toEqual({ id: 42, name: "Grace Hopper" });
    expect(upstream.calls).toHaveLength(1);

    const executionId = result._meta?.[EXECUTION_ID_META] as string;
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await waitForLog(executionId)).toMatchObject({
      tool_id: tool.id,
      tool_name: tool.name,
      outcome: "success",
      upstream_status: 200,
      input: { user_id: 42 },
      output: { id: 42, name: "Grace Hopper" },
    });
  });

  it("takes a null for an optional argument as absent, as execute does (clients that make schemas strict send them)", async () => {
    const tool = await userTool({
      endpoint_url: "https://api.example.com/v1/users/{user_id}",
      input_schema: {
        type: "object",
        properties: { user_id: { type: "integer" }, fields: { type: "string", default: "name" } },
        required: ["user_id"],
      },
    });
    upstream.on("GET", "https://api.example.com/v1/users/5", () => json({ id: 5, name: "Ada" }));
    const result = await (await connect()).callTool({ name: tool.name, arguments: { user_id: 5, fields: null } });
    expect(result.isError).toBeFalsy();
    expect(upstream.calls[0]?.url.href).toBe("https://api.example.com/v1/users/5?fields=name");
  });

  it("returns text only for a tool without an output schema", async () => {
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/greeting" });
    upstream.on("GET", "https://api.example.com/v1/greeting", () => new Response("hello", { status: 200 }));
    const result = await (await connect()).callTool({ name: tool.name });
    expect(result).toMatchObject({ content: [{ type: "text", text: "hello" }] });
    expect(result).not.toHaveProperty("structuredContent");
    expect(result.isError).toBeFalsy();
  });

  it("reports invalid arguments as an error result naming each one, and sends nothing upstream", async () => {
    const tool = await userTool();
    const result = await (await connect()).callTool({ name: tool.name, arguments: { user_id: 0 } });
    expect(result.isError).toBe(true);
    expect(result).not.toHaveProperty("structuredContent");
    const text = (result.content as { type: string; text: string }[])[0]?.text ?? "";
    expect(text).toContain("The input does not match the tool's input schema (1 error).");
    expect(text).toMatch(/^- \/user_id: .*1/m);
    expect(text).toContain('"code":"input_invalid"');
    expect(upstream.calls).toHaveLength(0);
    expect(await waitForLog(result._meta?.[EXECUTION_ID_META] as string)).toMatchObject({ outcome: "input_invalid" });
  });

  it("reports an upstream 500 as an error result with the status, never checked against the output schema", async () => {
    const tool = await userTool();
    upstream.on("GET", "https://api.example.com/v1/users/7", () => json({ error: "database down" }, { status: 500 }));
    const result = await (await connect()).callTool({ name: tool.name, arguments: { user_id: 7 } });
    expect(result.isError).toBe(true);
    // structuredContent on an error would be checked against USER_OUTPUT by clients; it is never sent.
    expect(result).not.toHaveProperty("structuredContent");
    const text = (result.content as { type: string; text: string }[])[0]?.text ?? "";
    expect(text).toContain("The upstream API answered 500.");
    expect(text).toContain('Upstream response: {"error":"database down"}');
    expect(text).toContain('"upstream_status":500');
    expect(await waitForLog(result._meta?.[EXECUTION_ID_META] as string)).toMatchObject({
      outcome: "upstream_error",
      upstream_status: 500,
    });
  });

  it("never shows a credential in an error result", async () => {
    const secret = `sk-${crypto.randomUUID()}`;
    const tool = await userTool({ auth_config: { type: "bearer_token", token: secret } });
    upstream.on("GET", "https://api.example.com/v1/users/9", (req) =>
      json({ error: "bad token", echoed: req.headers.get("authorization") }, { status: 401 }),
    );
    const result = await (await connect()).callTool({ name: tool.name, arguments: { user_id: 9 } });
    expect(result.isError).toBe(true);
    expect(upstream.calls[0]?.headers.get("authorization")).toBe(`Bearer ${secret}`);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it("reports a blocked outbound request as an error result", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/go",
      input_schema: { type: "object", properties: {} },
    });
    upstream.on(
      "GET",
      "https://api.example.com/v1/go",
      () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }),
    );
    const result = await (await connect()).callTool({ name: tool.name });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]?.text).toContain("Redirect 1 was not followed");
  });

  it("answers an unknown tool, or one not offered over MCP, with a JSON-RPC invalid params error", async () => {
    const hidden = await createTool({ mcp_enabled: false });
    const client = await connect();
    for (const name of [uniqueName("missing"), hidden.name]) {
      const err = await client.callTool({ name }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(McpError);
      expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
      // The SDK client puts "MCP error <code>: " in front of the message on the wire, once.
      expect((err as McpError).message).toBe(`MCP error -32602: Unknown tool: ${name}`);
    }
    const raw = await rpc(
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: hidden.name, arguments: {} } },
      { "mcp-protocol-version": LATEST_PROTOCOL_VERSION },
    );
    expect((await raw.json<Record<string, any>>()).error).toEqual({
      code: ErrorCode.InvalidParams,
      message: `Unknown tool: ${hidden.name}`,
    });
    expect(upstream.calls).toHaveLength(0);
    // The REST API still runs the opted-out tool: the flag is about MCP only.
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    const res = await api(`/tools/${hidden.id}/execute`, { method: "POST", json: { input: {} } });
    expect(res.status).toBe(200);
  });
});
